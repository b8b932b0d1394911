package models

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Batch-norm constants (PyTorch's nn.BatchNorm2d defaults).
const (
	BatchNormMomentum = 0.1
	BatchNormEpsilon  = 1e-5
)

// BatchNorm normalises x over every axis but the last (the channels) and applies a per-channel affine
// map. With n the number of elements per channel (batch × spatial positions):
//
// In training mode (ctx.IsTraining(g)):
//
//	μ = (1/n) Σ x,  v = (1/n) Σ (x − μ)²  (biased),  y = γ·(x − μ)/√(v + ε) + β,
//
// with the full gradient through μ and v, and the running averages are updated as non-trainable
// variables in the same graph:
//
//	running_mean ← (1 − m)·running_mean + m·μ,
//	running_var  ← (1 − m)·running_var  + m·v·n/(n − 1)  (unbiased),
//
// with m = BatchNormMomentum and ε = BatchNormEpsilon. In inference mode it computes
// y = γ·(x − running_mean)/√(running_var + ε) + β.
//
// Variables (in ctx's current scope): "gamma" (init 1) and "beta" (init 0), trainable;
// "running_mean" (init 0) and "running_var" (init 1), not trainable.
func BatchNorm(ctx *context.Context, x *graph.Node) *graph.Node {
	g := x.Graph()
	dtype := x.DType()
	rank := x.Rank()
	channels := x.Shape().Dimensions[rank-1]
	vshape := shapes.Make(dtype, channels)
	gamma := ctx.WithInitializer(initializers.One).VariableWithShape("gamma", vshape)
	beta := ctx.WithInitializer(initializers.Zero).VariableWithShape("beta", vshape)
	runMean := ctx.WithInitializer(initializers.Zero).VariableWithShape("running_mean", vshape).SetTrainable(false)
	runVar := ctx.WithInitializer(initializers.One).VariableWithShape("running_var", vshape).SetTrainable(false)

	// Broadcast a [C] vector against x.
	bcast := func(v *graph.Node) *graph.Node {
		dims := make([]int, rank)
		for i := range dims {
			dims[i] = 1
		}
		dims[rank-1] = channels
		return graph.Reshape(v, dims...)
	}
	axes := make([]int, rank-1)
	n := 1
	for i := range axes {
		axes[i] = i
		n *= x.Shape().Dimensions[i]
	}

	var mean, variance *graph.Node
	if ctx.IsTraining(g) {
		mean = graph.ReduceMean(x, axes...)
		centered := graph.Sub(x, bcast(mean))
		variance = graph.ReduceMean(graph.Square(centered), axes...)
		m := BatchNormMomentum
		unbias := 1.0
		if n > 1 {
			unbias = float64(n) / float64(n-1)
		}
		newMean := graph.Add(graph.MulScalar(runMean.ValueGraph(g), 1-m),
			graph.MulScalar(graph.StopGradient(mean), m))
		newVar := graph.Add(graph.MulScalar(runVar.ValueGraph(g), 1-m),
			graph.MulScalar(graph.StopGradient(variance), m*unbias))
		runMean.SetValueGraph(newMean)
		runVar.SetValueGraph(newVar)
		scale := graph.Mul(gamma.ValueGraph(g), graph.Reciprocal(graph.Sqrt(graph.AddScalar(variance, BatchNormEpsilon))))
		return graph.Add(graph.Mul(centered, bcast(scale)), bcast(beta.ValueGraph(g)))
	}
	mean = runMean.ValueGraph(g)
	variance = runVar.ValueGraph(g)
	scale := graph.Mul(gamma.ValueGraph(g), graph.Reciprocal(graph.Sqrt(graph.AddScalar(variance, BatchNormEpsilon))))
	shift := graph.Sub(beta.ValueGraph(g), graph.Mul(mean, scale))
	return graph.Add(graph.Mul(x, bcast(scale)), bcast(shift))
}
