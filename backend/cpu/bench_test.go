package cpu_test

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/internal/cputime"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/batchnorm"
)

// vgg4 is the VGG4 trunk of the paper's Table 3 (models/vgg4.go) for 28×28×1 inputs: four Conv(5×5, pad 2) → BatchNorm → ReLU
// blocks with 64, 128, 256, 512 channels, 2×2 max-pools after the first three, and Linear(512·3·3, K).
func vgg4(ctx *context.Context, spec any, inputs []*Node) []*Node {
	x := inputs[0]
	for i, ch := range []int{64, 128, 256, 512} {
		c := ctx.In("block" + string(rune('0'+i)))
		x = layers.Convolution(c.In("conv"), x).Filters(ch).KernelSize(5).PadSame().UseBias(false).Done()
		x = batchnorm.New(c.In("bn"), x, -1).Done()
		x = activations.Relu(x)
		if i < 3 {
			x = MaxPool(x).Window(2).Done()
		}
	}
	x = Reshape(x, x.Shape().Dimensions[0], -1)
	return []*Node{layers.DenseWithBias(ctx.In("head"), x, 10)}
}

// BenchmarkVGG4Step measures one training step (forward, backward, Adam) of VGG4 on a 250×28×28×1
// batch.
func BenchmarkVGG4Step(b *testing.B) {
	step := adamStep(b, vgg4, 1e-4, 250, 28, 10)
	start := time.Now()
	step() // compile and first step
	b.Logf("first step (with graph compilation): %s", time.Since(start))
	cpu.SetOpProfile(true)
	cpu0 := cputime.Process()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.StopTimer()
	// CPU time (user+system, all threads) per step is less sensitive than wall time to other
	// processes sharing the machine.
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/step")
	cpu.SetOpProfile(false)
	prof := cpu.OpProfile()
	names := make([]string, 0, len(prof))
	for k := range prof {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return prof[names[i]] > prof[names[j]] })
	for i, k := range names {
		if i < 25 {
			fmt.Fprintf(os.Stderr, "%-40s %8.1f ms/step\n", k, float64(prof[k].Microseconds())/1000/float64(b.N))
		}
	}
}
