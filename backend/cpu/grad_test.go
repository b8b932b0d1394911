package cpu_test

import (
	"github.com/cct-dev/cct/backend/cpu"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// checkGradient compares graph.Gradient of L(x₀..xₖ) = Σ w ⊙ f(x₀..xₖ), w fixed random weights,
// computed on the cpu backend, with central finite differences (step 1e-5) of L evaluated on the
// same backend, in float64: max|g − fd| / max(max|fd|, 1e-3) must be below 1e-6. It returns the
// compile statistics of the backend used.
func checkGradient(t *testing.T, f func(xs []*Node) *Node, args ...*tensors.Tensor) cpu.CompileStats {
	t.Helper()
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(11, 12))
	// Output shape, to draw the weights.
	outShape := run(t, b, func(in []*Node) []*Node { return []*Node{f(in)} }, args...)[0]
	wv := make([]float64, len(outShape))
	for i := range wv {
		wv[i] = rng.NormFloat64()
	}
	loss := func(in []*Node) *Node {
		y := f(in)
		w := Reshape(Const(y.Graph(), wv), y.Shape().Dimensions...)
		return ReduceAllSum(Mul(y, w))
	}
	grads := run(t, b, func(in []*Node) []*Node { return Gradient(loss(in), in...) }, args...)
	lossExec, err := NewExec(b, func(in []*Node) []*Node { return []*Node{loss(in)} })
	if err != nil {
		t.Fatal(err)
	}
	flats := make([][]float64, len(args))
	for i, a := range args {
		flats[i] = flat64(a)
	}
	eval := func() float64 {
		in := make([]any, len(args))
		for i := range args {
			in[i] = tensors.FromFlatDataAndDimensions(flats[i], args[i].Shape().Dimensions...)
		}
		out, err := lossExec.Exec(in...)
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Value().(float64)
	}
	const h = 1e-5
	for i := range args {
		fd := make([]float64, len(flats[i]))
		for j := range flats[i] {
			orig := flats[i][j]
			flats[i][j] = orig + h
			lp := eval()
			flats[i][j] = orig - h
			lm := eval()
			flats[i][j] = orig
			fd[j] = (lp - lm) / (2 * h)
		}
		scale, diff := 1e-3, 0.0
		for j := range fd {
			scale = math.Max(scale, math.Abs(fd[j]))
			diff = math.Max(diff, math.Abs(fd[j]-grads[i][j]))
		}
		if rel := diff / scale; !(rel < 1e-6) {
			t.Errorf("input %d: gradient relative error %g\n  got %v\n   fd %v", i, rel, head(grads[i]), head(fd))
		}
	}
	return statsOf(b)
}

// TestGradients checks graph gradients on the cpu backend against finite differences. GoMLX defines
// no gradient for Pad and Reverse themselves; they are exercised here inside the gradients of
// convolution (Reverse), mean pooling and Slice (Pad), and tested forward in TestPadReverse.
func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	img := randTensor(rng, 2, 6, 5, 2)
	ker := randTensor(rng, 3, 3, 2, 3)
	cases := []struct {
		name string
		f    func(x []*Node) *Node
		args []*tensors.Tensor
	}{
		{"conv-same", func(x []*Node) *Node { return Convolve(x[0], x[1]).PadSame().Done() }, []*tensors.Tensor{img, ker}},
		{"conv-stride2-pad", func(x []*Node) *Node {
			return Convolve(x[0], x[1]).PaddingPerDim([][2]int{{1, 1}, {1, 0}}).Strides(2).Done()
		}, []*tensors.Tensor{img, ker}},
		{"conv-valid-dilated", func(x []*Node) *Node { return Convolve(x[0], x[1]).NoPadding().Dilations(2).Done() },
			[]*tensors.Tensor{randTensor(rng, 1, 7, 6, 2), ker}},
		{"conv1x1-stride2", func(x []*Node) *Node { return Convolve(x[0], x[1]).NoPadding().Strides(2).Done() },
			[]*tensors.Tensor{randTensor(rng, 2, 6, 6, 3), randTensor(rng, 1, 1, 3, 2)}},
		{"conv3x3-stride2-pad1-even", func(x []*Node) *Node {
			return Convolve(x[0], x[1]).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Strides(2).Done()
		}, []*tensors.Tensor{randTensor(rng, 2, 6, 6, 2), ker}},
		{"maxpool-stl-stem", func(x []*Node) *Node {
			return MaxPool(x[0]).Window(2).Strides(2).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
		}, []*tensors.Tensor{img}},
		{"maxpool", func(x []*Node) *Node { return MaxPool(x[0]).Window(2).Done() }, []*tensors.Tensor{img}},
		{"maxpool-overlap-pad", func(x []*Node) *Node { return MaxPool(x[0]).Window(3).Strides(2).PadSame().Done() },
			[]*tensors.Tensor{img}},
		{"maxpool-channels-first", func(x []*Node) *Node {
			return MaxPool(x[0]).ChannelsAxis(images.ChannelsFirst).Window(2).Strides(1).Done()
		}, []*tensors.Tensor{img}},
		{"meanpool", func(x []*Node) *Node { return MeanPool(x[0]).Window(2).Done() }, []*tensors.Tensor{img}},
		{"meanpool-stride1", func(x []*Node) *Node { return MeanPool(x[0]).Window(3).Strides(1).Done() }, []*tensors.Tensor{img}},
		{"slice", func(x []*Node) *Node { return Slice(x[0], AxisRange(1, 4), AxisRange(0, 5).Stride(2)) },
			[]*tensors.Tensor{randTensor(rng, 5, 5)}},
		{"gather", func(x []*Node) *Node {
			// Repeated indices: the gradient (ScatterSum) must add their contributions.
			return Gather(x[0], Const(x[0].Graph(), [][]int32{{2}, {0}, {2}, {3}}))
		}, []*tensors.Tensor{randTensor(rng, 4, 3)}},
		{"dotgeneral", func(x []*Node) *Node { return Einsum("bij,bjk->bik", x[0], x[1]) },
			[]*tensors.Tensor{randTensor(rng, 2, 3, 4), randTensor(rng, 2, 4, 5)}},
		{"dot-matmul", func(x []*Node) *Node { return Dot(x[0], x[1]) },
			[]*tensors.Tensor{randTensor(rng, 4, 6), randTensor(rng, 6, 3)}},
		{"batchnorm", func(x []*Node) *Node {
			y, _, _ := InternalBatchNormForTraining(x[0], x[1], x[2], 1e-3, -1)
			return y
		}, []*tensors.Tensor{randTensor(rng, 4, 3, 3), randTensor(rng, 3), randTensor(rng, 3)}},
		{"composite", func(x []*Node) *Node {
			h := Convolve(x[0], x[1]).PadSame().Done()
			h, _, _ = InternalBatchNormForTraining(h, x[2], x[3], 1e-3, -1)
			h = activations.Relu(h)
			h = MaxPool(h).Window(2).Done()
			h = Reshape(h, h.Shape().Dimensions[0], -1)
			h = Dot(h, x[4])
			return LogSoftmax(h)
		}, []*tensors.Tensor{img, ker, randTensor(rng, 3), randTensor(rng, 3), randTensor(rng, 3*2*3, 4)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := checkGradient(t, c.f, c.args...)
			// The gradient graph of each convolution case compiles both gradient convolutions to
			// direct kernels (the forward-only evaluations compile none).
			if strings.HasPrefix(c.name, "conv") || c.name == "composite" {
				if n := st.ConvGradients; n != 2 {
					t.Errorf("%d gradient convolutions rewritten, want 2", n)
				}
			}
		})
	}
}
