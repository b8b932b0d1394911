package cpu

import (
	"github.com/cct-dev/cct/backend/kernels"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(backends.OpTypeReduceWindow, execReduceWindow)
	register(backends.OpTypeSelectAndScatterMax, execSelectAndScatter)
	register(backends.OpTypeSelectAndScatterMin, execSelectAndScatter)
}

// windowGeom precomputes the walk of a window over the (base-dilated, padded) operand.
type windowGeom struct {
	rank                        int
	inDims, outDims, inSt       []int
	window, strides, bdil, wdil []int
	padLo                       []int
	deltas                      []int // input offsets of the window positions when fully inside
	simple                      bool  // no base dilation
}

func newWindowGeom(in, out shapes.Shape, p windowParams) *windowGeom {
	g := &windowGeom{rank: in.Rank(), inDims: in.Dimensions, outDims: out.Dimensions,
		inSt: rowMajorStrides(in.Dimensions), window: p.window, strides: p.strides, simple: true}
	g.bdil = p.baseDilations
	g.wdil = p.windowDilations
	if g.bdil == nil {
		g.bdil = ones(g.rank)
	}
	if g.wdil == nil {
		g.wdil = ones(g.rank)
	}
	g.padLo = make([]int, g.rank)
	for a := 0; a < g.rank; a++ {
		g.padLo[a] = p.paddings[a][0]
		if g.bdil[a] != 1 {
			g.simple = false
		}
	}
	// deltas over the window, row-major.
	g.deltas = []int{0}
	for a := 0; a < g.rank; a++ {
		var next []int
		for _, d := range g.deltas {
			for w := 0; w < g.window[a]; w++ {
				next = append(next, d+w*g.wdil[a]*g.inSt[a])
			}
		}
		g.deltas = next
	}
	return g
}

func ones(n int) []int {
	v := make([]int, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// visit calls fn(inputOffset) for each window position of output index idx that falls on an input
// element (not padding or a base-dilation hole).
func (g *windowGeom) visit(idx []int, wi []int, fn func(off int)) {
	if g.simple {
		inside := true
		base := 0
		for a := 0; a < g.rank; a++ {
			lo := idx[a]*g.strides[a] - g.padLo[a]
			hi := lo + (g.window[a]-1)*g.wdil[a]
			if lo < 0 || hi >= g.inDims[a] {
				inside = false
				break
			}
			base += lo * g.inSt[a]
		}
		if inside {
			for _, d := range g.deltas {
				fn(base + d)
			}
			return
		}
	}
	for a := range wi {
		wi[a] = 0
	}
	for {
		off, ok := 0, true
		for a := 0; a < g.rank; a++ {
			pos := idx[a]*g.strides[a] + wi[a]*g.wdil[a] - g.padLo[a]
			if pos < 0 || pos%g.bdil[a] != 0 || pos/g.bdil[a] >= g.inDims[a] {
				ok = false
				break
			}
			off += pos / g.bdil[a] * g.inSt[a]
		}
		if ok {
			fn(off)
		}
		a := g.rank - 1
		for ; a >= 0; a-- {
			wi[a]++
			if wi[a] < g.window[a] {
				break
			}
			wi[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// forEachOutput calls fn(flatIndex, idx) for every output index, in parallel chunks.
func forEachOutput(dims []int, grain int, fn func(i int, idx, scratch []int)) {
	total := 1
	for _, d := range dims {
		total *= d
	}
	rank := len(dims)
	parallelFor(total, grain, func(lo, hi int) {
		idx := make([]int, rank)
		scratch := make([]int, rank)
		unravel(idx, lo, dims)
		for i := lo; i < hi; i++ {
			fn(i, idx, scratch)
			for a := rank - 1; a >= 0; a-- {
				idx[a]++
				if idx[a] < dims[a] {
					break
				}
				idx[a] = 0
			}
		}
	})
}

func reduceWindowT[T numberT](g *windowGeom, op backends.ReduceOpType, o, x []T) bool {
	var init T
	switch op {
	case backends.ReduceOpSum:
	case backends.ReduceOpProduct:
		init = 1
	case backends.ReduceOpMax:
		init = lowest[T]()
	case backends.ReduceOpMin:
		init = highest[T]()
	default:
		return false
	}
	forEachOutput(g.outDims, 4096, func(i int, idx, scratch []int) {
		acc := init
		switch op {
		case backends.ReduceOpSum:
			g.visit(idx, scratch, func(off int) { acc += x[off] })
		case backends.ReduceOpProduct:
			g.visit(idx, scratch, func(off int) { acc *= x[off] })
		case backends.ReduceOpMax:
			g.visit(idx, scratch, func(off int) {
				if v := x[off]; v > acc || v != v {
					acc = v
				}
			})
		case backends.ReduceOpMin:
			g.visit(idx, scratch, func(off int) {
				if v := x[off]; v < acc || v != v {
					acc = v
				}
			})
		}
		o[i] = acc
	})
	return true
}

// pool2D returns the kernels.PoolParams of an NHWC 2-D pooling window (window, stride and padding 1,
// 1, 0 on the batch and channel axes, no dilations), if p is one.
func pool2D(in shapes.Shape, p windowParams) (kernels.PoolParams, bool) {
	if in.Rank() != 4 || p.window[0] != 1 || p.window[3] != 1 || p.strides[0] != 1 || p.strides[3] != 1 ||
		p.paddings[0] != [2]int{} || p.paddings[3] != [2]int{} ||
		(p.baseDilations != nil && !allOnes(p.baseDilations)) || (p.windowDilations != nil && !allOnes(p.windowDilations)) {
		return kernels.PoolParams{}, false
	}
	d := in.Dimensions
	pp := kernels.PoolParams{N: d[0], H: d[1], W: d[2], C: d[3], WinH: p.window[1], WinW: p.window[2],
		StrideH: p.strides[1], StrideW: p.strides[2], PadTop: p.paddings[1][0], PadBottom: p.paddings[1][1],
		PadLeft: p.paddings[2][0], PadRight: p.paddings[2][1]}
	if pp.Validate() != nil || pp.PadTop < 0 || pp.PadBottom < 0 || pp.PadLeft < 0 || pp.PadRight < 0 ||
		pp.PadTop >= pp.WinH || pp.PadBottom >= pp.WinH || pp.PadLeft >= pp.WinW || pp.PadRight >= pp.WinW {
		return kernels.PoolParams{}, false
	}
	return pp, true
}

func execReduceWindow(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(windowParams)
	x := ins[0]
	if pp, ok := pool2D(x.shape, p); ok && p.reduce == backends.ReduceOpMax && x.shape.DType.IsFloat() {
		out := b.newBuf(n.shape)
		switch o := out.flat.(type) {
		case []float32:
			kernels.MaxPool2D(pp, x.flat.([]float32), o)
		case []float64:
			kernels.MaxPool2D(pp, x.flat.([]float64), o)
		}
		return out, nil
	}
	g := newWindowGeom(x.shape, n.shape, p)
	out := b.newBuf(n.shape)
	ok := false
	switch o := out.flat.(type) {
	case []float32:
		ok = reduceWindowT(g, p.reduce, o, x.flat.([]float32))
	case []float64:
		ok = reduceWindowT(g, p.reduce, o, x.flat.([]float64))
	case []int32:
		ok = reduceWindowT(g, p.reduce, o, x.flat.([]int32))
	case []int64:
		ok = reduceWindowT(g, p.reduce, o, x.flat.([]int64))
	}
	if !ok {
		b.release(out)
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// selectAndScatterT adds each source value to the position of the first maximum (or minimum) of its
// window in the operand; padding is never selected.
func selectAndScatterT[T floatT](g *windowGeom, isMax bool, o, x, src []T) {
	clear(o)
	// Windows of different batch rows (axis 0 with window 1, stride 1, no padding) never overlap,
	// so rows can run in parallel.
	rowsIndependent := g.rank > 0 && g.window[0] == 1 && g.strides[0] == 1 && g.padLo[0] == 0
	perRow := 1
	for _, d := range g.outDims[1:] {
		perRow *= d
	}
	run := func(lo, hi int) {
		rank := g.rank
		idx := make([]int, rank)
		scratch := make([]int, rank)
		r := lo
		for a := rank - 1; a >= 0; a-- {
			idx[a] = r % g.outDims[a]
			r /= g.outDims[a]
		}
		for i := lo; i < hi; i++ {
			best, sel := T(0), -1
			g.visit(idx, scratch, func(off int) {
				v := x[off]
				if sel < 0 || (isMax && v > best) || (!isMax && v < best) || (v != v && best == best) {
					best, sel = v, off
				}
			})
			if sel >= 0 {
				o[sel] += src[i]
			}
			for a := rank - 1; a >= 0; a-- {
				idx[a]++
				if idx[a] < g.outDims[a] {
					break
				}
				idx[a] = 0
			}
		}
	}
	total := len(src)
	if !rowsIndependent || g.rank == 0 || perRow == 0 {
		run(0, total)
		return
	}
	parallelFor(g.outDims[0], max(1, 4096/max(perRow, 1)), func(lo, hi int) { run(lo*perRow, hi*perRow) })
}

func execSelectAndScatter(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(windowParams)
	x, src := ins[0], ins[1]
	g := newWindowGeom(x.shape, src.shape, p)
	isMax := n.op == backends.OpTypeSelectAndScatterMax
	out := b.newBuf(n.shape)
	if pp, ok := pool2D(x.shape, p); ok && isMax {
		switch o := out.flat.(type) {
		case []float32:
			kernels.MaxPool2DBackward(pp, x.flat.([]float32), src.flat.([]float32), o)
			return out, nil
		case []float64:
			kernels.MaxPool2DBackward(pp, x.flat.([]float64), src.flat.([]float64), o)
			return out, nil
		}
	}
	switch o := out.flat.(type) {
	case []float32:
		selectAndScatterT(g, isMax, o, x.flat.([]float32), src.flat.([]float32))
	case []float64:
		selectAndScatterT(g, isMax, o, x.flat.([]float64), src.flat.([]float64))
	default:
		b.release(out)
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}
