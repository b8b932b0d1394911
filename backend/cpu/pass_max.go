package cpu

// Max fusion (fuseMaxes): ReduceMax of a fused program computed without storing the program's values.

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(opFusedMax, execFusedMax)
}

type fusedMaxParams struct {
	prog    fusedProgram
	inShape shapes.Shape // shape of the reduced values (the program's, or the Reshape's)
	progDim shapes.Shape // shape of the program's values
	axes    []int
}

// maxPoolable reports whether n is a float ReduceMax that keeps the first axis, over a Reshape (or
// not) of a value with at least 2 elements per first-axis index.
func maxPoolable(n *node) bool {
	if n.op != backends.OpTypeReduceMax || !n.shape.DType.IsFloat() || n.inputs[0].shape.Rank() < 2 {
		return false
	}
	for _, a := range n.params.([]int) {
		if a == 0 {
			return false
		}
	}
	return true
}

// fuseMaxes makes a ReduceMax that keeps the first axis, of a fused elementwise program (directly
// or through a Reshape) with no other user, evaluate the program block by block and reduce it at
// once.
func fuseMaxes(pc *compilation) {
	reach := pc.reach
	uses := pc.uses()
	for r := range reach {
		if !maxPoolable(r) {
			continue
		}
		in := r.inputs[0]
		f := in
		if in.op == backends.OpTypeReshape {
			if uses[in] != 1 {
				continue
			}
			f = in.inputs[0]
		}
		if f.op != opFusedElementwise || uses[f] != 1 {
			continue
		}
		pc.stats.FusedMaxes++
		r.op = opFusedMax
		r.params = fusedMaxParams{prog: f.params.(fusedProgram), inShape: in.shape, progDim: f.shape,
			axes: slices.Clone(r.params.([]int))}
		r.inputs = f.inputs
	}
}

func execFusedMax(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(fusedMaxParams)
	leaves, leafShapes := leavesOf(ins)
	out := b.newBuf(n.shape)
	switch o := out.flat.(type) {
	case []float32:
		runFusedMax(p, o, leaves, leafShapes)
	case []float64:
		runFusedMax(p, o, leaves, leafShapes)
	default:
		b.release(out)
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// runFusedMax computes o = ReduceMax(values, axes) for the program's values viewed with shape
// p.inShape. The first axis is kept, so goroutines take disjoint ranges of it (disjoint outputs);
// each evaluates its positions block by block and folds runs along the last axis into the output
// with Go's max (NaN wins, max(−0, +0) = +0), as ReduceMax does unfused.
func runFusedMax[T floatT](p fusedMaxParams, o []T, leaves []any, leafShapes []shapes.Shape) {
	readers := newLeafReaders[T](p.prog, p.progDim, leaves, leafShapes)
	dims := p.inShape.Dimensions
	ost := reduceStrides(p.inShape, p.axes)
	fillT(o, lowest[T]())
	rank := len(dims)
	last := rank - 1
	per := p.inShape.Size() / dims[0]
	parallelParts(dims[0], max(1, elemGrain/max(1, per)), func(_, lo, hi int) {
		ev := newFusedEvaluator(p.prog, readers)
		// idx is the position's index; oo the output offset of idx with the last axis at 0,
		// both advanced incrementally.
		idx := make([]int, rank)
		start, end := lo*per, hi*per
		idx[0] = lo
		oo := lo * ost[0]
		for s := start; s < end; s += fuseBlock {
			e := min(s+fuseBlock, end)
			v := ev.eval(s, e, nil)
			for i := 0; i < len(v); {
				run := min(dims[last]-idx[last], len(v)-i)
				vs := v[i : i+run]
				if ost[last] == 0 {
					acc := o[oo]
					for _, x := range vs {
						acc = max(acc, x)
					}
					o[oo] = acc
				} else {
					maxInto(o[oo+idx[last]:oo+idx[last]+run], vs)
				}
				i += run
				idx[last] += run
				for a := last; a > 0 && idx[a] == dims[a]; a-- {
					idx[a] = 0
					idx[a-1]++
					if a < last {
						oo -= dims[a] * ost[a]
					}
					oo += ost[a-1]
				}
			}
		}
	})
}
