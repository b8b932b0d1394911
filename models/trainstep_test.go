package models

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/cct-dev/cct/losses"
)

// TestAdamStepWithBatchNorm runs one training step (batch norm → ReLU → linear head, collision CE,
// Adam) and checks that Adam touches only trainable variables while the running statistics follow
// the momentum rule in the same step.
func TestAdamStepWithBatchNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const B, D, K = 8, 3, 4
	const lr = 0.01
	x, data := bnInput(r, B, 1, 1, D)
	x = tensors.FromFlatDataAndDimensions(data, B, D)
	ys := make([]float64, B*K)
	for i := 0; i < B; i++ {
		s := 0.0
		for k := 0; k < K; k++ {
			ys[i*K+k] = math.Exp(r.NormFloat64())
			s += ys[i*K+k]
		}
		for k := 0; k < K; k++ {
			ys[i*K+k] /= s
		}
	}
	y := tensors.FromFlatDataAndDimensions(ys, B, K)

	ctx := context.New()
	opt := optimizers.Adam().LearningRate(lr).Done()
	e, err := context.NewExec(backend(t), ctx, func(ctx *context.Context, x, y *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), true)
		h := relu(BatchNorm(ctx.In("bn"), x))
		loss := losses.CollisionCE(dense(ctx.In("head"), h, K, true), y)
		opt.UpdateGraph(ctx, x.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first step creates and initialises the variables; the second is the one checked.
	if _, err := e.Exec(x, y); err != nil {
		t.Fatal(err)
	}
	before := map[string][]float64{}
	for v := range ctx.IterVariables() {
		if v.DType().IsFloat() {
			before[v.ScopeAndName()] = tensors.MustCopyFlatData[float64](v.MustValue())
		}
	}
	if _, err := e.Exec(x, y); err != nil {
		t.Fatal(err)
	}
	mean, variance := channelStats(data, D)
	for v := range ctx.IterVariables() {
		name := v.ScopeAndName()
		old, ok := before[name]
		if !ok {
			continue
		}
		now := tensors.MustCopyFlatData[float64](v.MustValue())
		isMoment := strings.Contains(name, "_moment")
		switch {
		case strings.HasSuffix(name, "running_mean"), strings.HasSuffix(name, "running_var"):
			if v.Trainable {
				t.Errorf("%s is trainable", name)
			}
			for c := 0; c < D; c++ {
				want := 0.9*old[c] + 0.1*mean[c]
				if strings.HasSuffix(name, "running_var") {
					want = 0.9*old[c] + 0.1*variance[c]*B/(B-1)
				}
				if math.Abs(now[c]-want) > 1e-12 {
					t.Errorf("%s[%d] = %g, want %g (momentum rule)", name, c, now[c], want)
				}
			}
		case v.Trainable:
			// An Adam step moves each coordinate by at most about lr (|m̂/√v̂| ≤ 1 when the gradient
			// keeps its sign), and the parameters do move.
			moved := false
			for i := range now {
				d := math.Abs(now[i] - old[i])
				if d > 1.5*lr {
					t.Errorf("%s[%d] moved by %g > 1.5·lr", name, i, d)
				}
				moved = moved || d > 0
			}
			if !moved {
				t.Errorf("trainable %s did not change", name)
			}
		case isMoment:
			for _, stat := range []string{"running_mean", "running_var"} {
				if strings.Contains(name, stat) {
					t.Errorf("optimizer state %s exists for a non-trainable variable", name)
				}
			}
		}
	}
	for _, want := range []string{"/bn/gamma", "/bn/beta", "/head/weights", "/head/biases"} {
		v := ctx.GetVariableByScopeAndName(want[:strings.LastIndex(want, "/")], want[strings.LastIndex(want, "/")+1:])
		if v == nil || !v.Trainable {
			t.Errorf("%s missing or not trainable", want)
		}
	}
}

// TestMaxPoolGradient checks the gradient of the reshape+ReduceMax pooling against central finite
// differences (even sizes: the odd-size crop is a Slice, whose gradient needs Pad, which simplego
// lacks).
func TestMaxPoolGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const n, h, w, c = 2, 4, 6, 2
	x, data := bnInput(r, n, h, w, c)
	wts := make([]float64, n*(h/2)*(w/2)*c)
	for i := range wts {
		wts[i] = r.NormFloat64()
	}
	wt := tensors.FromFlatDataAndDimensions(wts, n, h/2, w/2, c)
	e, err := graph.NewExec(backend(t), func(x, wts *graph.Node) []*graph.Node {
		l := graph.ReduceAllSum(graph.Mul(wts, maxPool2(x)))
		return []*graph.Node{l, graph.Gradient(l, x)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(x, wt)
	if err != nil {
		t.Fatal(err)
	}
	grad := tensors.MustCopyFlatData[float64](out[1])
	const step = 1e-6
	for i := range data {
		p, m := append([]float64(nil), data...), append([]float64(nil), data...)
		p[i] += step
		m[i] -= step
		op, _ := e.Exec(tensors.FromFlatDataAndDimensions(p, n, h, w, c), wt)
		om, _ := e.Exec(tensors.FromFlatDataAndDimensions(m, n, h, w, c), wt)
		fd := (op[0].Value().(float64) - om[0].Value().(float64)) / (2 * step)
		if math.Abs(fd-grad[i]) > 1e-7 {
			t.Errorf("grad[%d] = %g, finite difference %g", i, grad[i], fd)
		}
	}
}
