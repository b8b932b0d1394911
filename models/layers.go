package models

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Scope names under which the model variables are created.
const (
	BackboneScope = "backbone"
	HeadScope     = "head"
)

// uniformInit returns an initializer drawing from U(−bound, bound) with the context's random state.
func uniformInit(ctx *context.Context, bound float64) context.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		u := ctx.RandomUniform(g, shape) // [0, 1)
		return graph.MulScalar(graph.AddScalar(graph.MulScalar(u, 2.0), -1.0), bound)
	}
}

// normalInit returns an initializer drawing from N(0, std²) with the context's random state.
func normalInit(ctx *context.Context, std float64) context.VariableInitializer {
	return func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		return graph.MulScalar(ctx.RandomNormal(g, shape), std)
	}
}

// conv2d applies a 2-D convolution, channels last, with a square kernel, the given stride and
// symmetric zero padding, and no bias:
//
//	out[b, i, j, o] = Σ_{di, dj, c} xpad[b, s·i+di, s·j+dj, c] · W[di, dj, c, o].
//
// W has shape [k, k, C_in, C_out] and is initialised U(−1/√fan_in, 1/√fan_in), fan_in = k·k·C_in.
func conv2d(ctx *context.Context, x *graph.Node, outChannels, kernel, stride, pad int) *graph.Node {
	inChannels := x.Shape().Dimensions[3]
	fanIn := kernel * kernel * inChannels
	w := ctx.WithInitializer(uniformInit(ctx, 1/math.Sqrt(float64(fanIn)))).
		VariableWithShape("weights", shapes.Make(x.DType(), kernel, kernel, inChannels, outChannels))
	// Strides are always given explicitly: some backends do not default missing strides to 1.
	return graph.Convolve(x, w.ValueGraph(x.Graph())).
		Strides(stride).
		PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).
		Done()
}

// dense applies y = x·W + b with W of shape [D, outDim]. With pytorchDefault the weights and bias
// are U(−1/√D, 1/√D) (nn.Linear's default); otherwise W ~ N(0, 2/D) (Kaiming normal, fan_in, gain
// √2) and b = 0.
func dense(ctx *context.Context, x *graph.Node, outDim int, pytorchDefault bool) *graph.Node {
	inDim := x.Shape().Dimensions[1]
	dtype := x.DType()
	var wInit, bInit context.VariableInitializer
	if pytorchDefault {
		wInit = uniformInit(ctx, 1/math.Sqrt(float64(inDim)))
		bInit = wInit
	} else {
		wInit = normalInit(ctx, math.Sqrt(2/float64(inDim)))
		bInit = initializers.Zero
	}
	w := ctx.WithInitializer(wInit).VariableWithShape("weights", shapes.Make(dtype, inDim, outDim))
	b := ctx.WithInitializer(bInit).VariableWithShape("biases", shapes.Make(dtype, outDim))
	g := x.Graph()
	return graph.Add(graph.MatMul(x, w.ValueGraph(g)), graph.ExpandAxes(b.ValueGraph(g), 0))
}

// relu is max(x, 0) written as a select, so that the gradient at x = 0 is exactly 0.
func relu(x *graph.Node) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Where(graph.GreaterThan(x, zero), x, graph.ZerosLike(x))
}

// maxPool2 is a 2×2 max-pool with stride 2 on [B, H, W, C] (PyTorch floor mode: an odd last row or
// column is dropped). It is written as a reshape to [B, H/2, 2, W/2, 2, C] and a ReduceMax over the
// two window axes, which every backend can differentiate. Tied maxima all receive the gradient; ties
// arise in practice only for all-zero windows after a ReLU, where no gradient flows further anyway.
func maxPool2(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	h2, w2 := h/2, w/2
	if h%2 != 0 || w%2 != 0 {
		x = graph.Slice(x, graph.AxisRange(), graph.AxisRange(0, 2*h2), graph.AxisRange(0, 2*w2), graph.AxisRange())
	}
	x = graph.Reshape(x, b, h2, 2, w2, 2, c)
	return graph.ReduceMax(x, 2, 4)
}

// zeroPad1 pads H and W of [B, H, W, C] by one zero row/column on each side, with Concatenate (which
// every backend supports, unlike Pad).
func zeroPad1(x *graph.Node) *graph.Node {
	dims := x.Shape().Dimensions
	b, h, w, c := dims[0], dims[1], dims[2], dims[3]
	g := x.Graph()
	zr := graph.Zeros(g, shapes.Make(x.DType(), b, 1, w, c))
	x = graph.Concatenate([]*graph.Node{zr, x, zr}, 1)
	zc := graph.Zeros(g, shapes.Make(x.DType(), b, h+2, 1, c))
	return graph.Concatenate([]*graph.Node{zc, x, zc}, 2)
}

// globalAvgPool averages [B, H, W, C] over H and W, giving [B, C].
func globalAvgPool(x *graph.Node) *graph.Node { return graph.ReduceMean(x, 1, 2) }

// flatten reshapes [B, ...] to [B, D].
func flatten(x *graph.Node) *graph.Node {
	return graph.Reshape(x, x.Shape().Dimensions[0], -1)
}

// maxPool3s2 is PyTorch's max-pool(3, stride 2, pad 1) on [B, H, W, C] with x ≥ 0 (a ReLU output, so
// that zero padding equals PyTorch's −∞ padding). Output i of an axis of length n (n_out = ⌈n/2⌉) is
// max(x[2i−1], x[2i], x[2i+1]), out-of-range rows counting as 0. It is built from reshapes, unit-stride
// slices, concatenations and element-wise maxima, which every backend can differentiate.
func maxPool3s2(x *graph.Node) *graph.Node {
	return maxPool3s2Axis(maxPool3s2Axis(x, 1), 2)
}

// maxPool3s2Axis applies the 3-wide, stride-2, pad-1 max along axis (1 or 2) of a rank-4 x ≥ 0.
func maxPool3s2Axis(x *graph.Node, axis int) *graph.Node {
	dims := x.Shape().Dimensions
	n := dims[axis]
	g := x.Graph()
	if n%2 != 0 { // one zero row at the end: the last window's right neighbour
		zd := append([]int(nil), dims...)
		zd[axis] = 1
		x = graph.Concatenate([]*graph.Node{x, graph.Zeros(g, shapes.Make(x.DType(), zd...))}, axis)
		n++
	}
	// Split the axis into (n/2, 2): even rows 2i and odd rows 2i+1.
	split := make([]int, 0, 5)
	split = append(split, dims[:axis]...)
	split = append(split, n/2, 2)
	split = append(split, dims[axis+1:]...)
	pairs := graph.Reshape(x, split...)
	pick := func(j int) *graph.Node {
		ranges := make([]graph.SliceAxisSpec, len(split))
		for k := range ranges {
			ranges[k] = graph.AxisRange()
		}
		ranges[axis+1] = graph.AxisRange(j, j+1)
		outDims := append([]int(nil), split...)
		outDims = append(outDims[:axis+1], outDims[axis+2:]...)
		return graph.Reshape(graph.Slice(pairs, ranges...), outDims...)
	}
	even, odd := pick(0), pick(1)
	out := graph.Max(even, odd)
	// The left neighbour 2i−1 is the odd row of pair i−1 (zero for i = 0).
	if n/2 > 1 {
		zd := even.Shape().Clone().Dimensions
		zd[axis] = 1
		ranges := make([]graph.SliceAxisSpec, len(zd))
		for k := range ranges {
			ranges[k] = graph.AxisRange()
		}
		ranges[axis] = graph.AxisRange(0, n/2-1)
		prev := graph.Concatenate([]*graph.Node{graph.Zeros(g, shapes.Make(x.DType(), zd...)), graph.Slice(odd, ranges...)}, axis)
		out = graph.Max(out, prev)
	}
	return out
}
