package cpu_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// bnReluPool is the non-convolution part of a VGG4 block as the models package builds it: batch
// statistics over the leading axes, normalisation, ReLU, a 2×2 max-pool by reshape + ReduceMax; the
// outputs are the pooled values and the gradients of Σ pooled·w with respect to x, gamma and beta.
func bnReluPool(in []*Node) []*Node {
	x, gamma, beta, w := in[0], in[1], in[2], in[3]
	p := bnReluPoolForward(in[:3])
	loss := ReduceAllSum(Mul(p, w))
	return append([]*Node{p}, Gradient(loss, x, gamma, beta)...)
}

// bnReluPoolForward is the forward part of bnReluPool: the pooled values.
func bnReluPoolForward(in []*Node) *Node {
	x, gamma, beta := in[0], in[1], in[2]
	dims := x.Shape().Dimensions
	c := dims[3]
	mean := ReduceMean(x, 0, 1, 2)
	centered := Sub(x, Reshape(mean, 1, 1, 1, c))
	variance := ReduceMean(Square(centered), 0, 1, 2)
	scale := Mul(gamma, Reciprocal(Sqrt(AddScalar(variance, 1e-5))))
	y := Add(Mul(centered, Reshape(scale, 1, 1, 1, c)), Reshape(beta, 1, 1, 1, c))
	r := Where(GreaterThan(y, ScalarZero(x.Graph(), x.DType())), y, ZerosLike(y))
	return ReduceMax(Reshape(r, dims[0], dims[1]/2, 2, dims[2]/2, 2, c), 2, 4)
}

func bnReluPoolArgs(rng *rand.Rand, n, h, c int) []*tensors.Tensor {
	mk := func(dims ...int) *tensors.Tensor {
		s := shapes.Make(dtypes.Float32, dims...)
		v := make([]float32, s.Size())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	return []*tensors.Tensor{mk(n, h, h, c), mk(c), mk(c), mk(n, h/2, h/2, c)}
}

// BenchmarkBNReluPool times the non-convolution forward and backward work of VGG4's first block at
// batch 250 (28×28×64).
func BenchmarkBNReluPool(b *testing.B) {
	args := bnReluPoolArgs(rand.New(rand.NewPCG(5, 6)), 250, 28, 64)
	exec, err := NewExec(newBackend(b), bnReluPool)
	if err != nil {
		b.Fatal(err)
	}
	in := make([]any, len(args))
	for i, a := range args {
		in[i] = a
	}
	for b.Loop() {
		outs, err := exec.Exec(in...)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range outs {
			o.FinalizeAll()
		}
	}
}
