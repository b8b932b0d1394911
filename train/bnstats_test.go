package train

import (
	"math"
	"testing"

	"github.com/cct-dev/cct/models"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestBNStatsClean checks augment.bn_stats: from zero-initialised running means, one pass over the
// clean view x then the augmented view a leaves running_mean = m·mean(x) with "clean" and
// (1−m)·m·mean(x) + m·mean(a) with "all" (m the batch-norm momentum), per channel.
func TestBNStatsClean(t *testing.T) {
	x := [][]float32{{1, 2}, {3, 6}}    // channel means 2, 4
	a := [][]float32{{10, -2}, {30, 2}} // channel means 20, 0
	m := models.BatchNormMomentum
	for _, mode := range []string{"clean", "all"} {
		cfg := Default()
		cfg.Augment.BNStats = mode
		n := &network{cfg: &cfg, model: func(ctx *context.Context, x *Node) *Node {
			return models.BatchNorm(ctx.In("bn"), x)
		}}
		ctx := context.New().Checked(false)
		be, err := backends.NewWithConfig(testBackend)
		if err != nil {
			t.Fatal(err)
		}
		exec, err := context.NewExec(be, ctx, func(ctx *context.Context, x, a *Node) *Node {
			ctx.SetTraining(x.Graph(), true)
			return Add(ReduceAllSum(n.model(ctx, x)), ReduceAllSum(n.augmentedLogits(ctx, a)))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec.Exec(x, a); err != nil {
			t.Fatal(err)
		}
		v := ctx.In("bn").GetVariable("running_mean")
		if v == nil {
			t.Fatal("no running_mean variable")
		}
		got := v.MustValue().Value().([]float32)
		for c, mx := range []float64{2, 4} {
			ma := []float64{20, 0}[c]
			want := m * mx
			if mode == "all" {
				want = (1-m)*m*mx + m*ma
			}
			if math.Abs(float64(got[c])-want) > 1e-5 {
				t.Errorf("bn_stats %s: running_mean[%d] = %g, want %g", mode, c, got[c], want)
			}
		}
	}
}
