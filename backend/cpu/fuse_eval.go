package cpu

// The fused program evaluator: leaf readers and the block-by-block evaluation of a fused program,
// storing its values or summing them.

import (
	"runtime"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(opFusedElementwise, execFusedElementwise)
}

const fuseBlock = 1024

// leavesOf returns the flat values and the shapes of a fused node's inputs.
func leavesOf(ins []*Buffer) ([]any, []shapes.Shape) {
	leaves, leafShapes := make([]any, len(ins)), make([]shapes.Shape, len(ins))
	for i, in := range ins {
		leaves[i], leafShapes[i] = in.flat, in.shape
	}
	return leaves, leafShapes
}

func execFusedElementwise(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	prog := n.params.(fusedProgram)
	// outputFor may take an input buffer for the output (setting its ins entry to nil): it is still
	// read (block by block, before being overwritten at the same positions), so the leaves are
	// taken first.
	leaves, leafShapes := leavesOf(ins)
	cands := make([]int, 0, len(ins))
	for i := range ins {
		cands = append(cands, i)
	}
	out := outputFor(b, n.shape, ins, owned, cands...)
	switch o := out.flat.(type) {
	case []float32:
		runFused(prog, n.shape, o, leaves, leafShapes, nil)
	case []float64:
		runFused(prog, n.shape, o, leaves, leafShapes, nil)
	default:
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// leafReader yields the values of one leaf for a block of output positions.
type leafReader[T floatT] struct {
	dims    []int  // dimensions the leaf is broadcast against
	full    []T    // leaf with the output's size
	scalar  bool   // single value (in full[0])
	bools   []bool // bool leaf, read as 0/1
	src     []T    // broadcast leaf: source values
	strides []int  // broadcast leaf: source stride per output axis (0 where broadcast)
	tile    []T    // periodic broadcast leaf: src repeated, read at offset p mod period
	period  int
}

func newLeafReader[T floatT](flat any, shape shapes.Shape, outDims []int, view *leafView) leafReader[T] {
	r := leafReader[T]{dims: outDims}
	outSize := 1
	for _, d := range outDims {
		outSize *= d
	}
	if bs, ok := flat.([]bool); ok {
		r.bools = bs
		r.scalar = len(bs) == 1
		return r
	}
	f := flat.([]T)
	switch {
	case len(f) == 1:
		r.full, r.scalar = f, true
	case view != nil:
		st := rowMajorStrides(shape.Dimensions)
		r.src, r.strides = f, make([]int, len(outDims))
		for i, a := range view.axes {
			if shape.Dimensions[i] != 1 {
				r.strides[a] = st[i]
			}
		}
	case shape.Size() == outSize:
		r.full = f
	default: // same rank, size-1 axes broadcast
		st := rowMajorStrides(shape.Dimensions)
		r.src, r.strides = f, make([]int, len(outDims))
		for a, d := range shape.Dimensions {
			if d != 1 {
				r.strides[a] = st[a]
			}
		}
	}
	r.makeTile()
	return r
}

// makeTile turns a broadcast reader whose value at output position p is src[p mod P] (broadcast
// over leading axes only, e.g. a per-channel vector against [N, H, W, C]) into a zero-copy reader of
// a tile of src repeated over fuseBlock+P values.
func (r *leafReader[T]) makeTile() {
	if r.src == nil {
		return
	}
	outSt := rowMajorStrides(r.dims)
	k := len(r.dims)
	for k > 0 && r.strides[k-1] == outSt[k-1] && r.dims[k-1] > 1 {
		k--
	}
	for a := 0; a < k; a++ {
		if r.strides[a] != 0 && r.dims[a] > 1 {
			return
		}
	}
	period := 1
	for _, d := range r.dims[k:] {
		period *= d
	}
	if period > 1<<16 || period > len(r.src) {
		return
	}
	r.tile = make([]T, fuseBlock+period)
	for i := range r.tile {
		r.tile[i] = r.src[i%period]
	}
	r.period = period
}

// read returns the leaf's values at output positions [s, e) (or the single value if scalar), using
// buf as scratch when needed.
func (r *leafReader[T]) read(s, e int, buf []T) ([]T, bool) {
	dims := r.dims
	switch {
	case r.bools != nil:
		if r.scalar {
			buf[0] = 0
			if r.bools[0] {
				buf[0] = 1
			}
			return buf[:1], true
		}
		o := buf[:e-s]
		boolsToFloat(o, r.bools[s:e])
		return o, false
	case r.scalar:
		return r.full, true
	case r.full != nil:
		return r.full[s:e], false
	case r.tile != nil:
		o := s % r.period
		return r.tile[o : o+e-s], false
	}
	// Broadcast view: walk the output indices of [s, e) with an odometer.
	rank := len(dims)
	idx := make([]int, rank)
	rem, off := s, 0
	for a := rank - 1; a >= 0; a-- {
		idx[a] = rem % dims[a]
		rem /= dims[a]
		off += idx[a] * r.strides[a]
	}
	o := buf[:e-s]
	last := rank - 1
	inner, st := dims[last], r.strides[last]
	for i := 0; i < len(o); {
		// Run along the last axis.
		n := min(inner-idx[last], len(o)-i)
		if st == 0 {
			v := r.src[off]
			for k := 0; k < n; k++ {
				o[i+k] = v
			}
		} else {
			copy(o[i:i+n], r.src[off:off+n])
		}
		i += n
		off += n * st
		idx[last] += n
		for a := last; a > 0 && idx[a] == dims[a]; a-- {
			off -= dims[a] * r.strides[a]
			idx[a] = 0
			idx[a-1]++
			off += r.strides[a-1]
		}
	}
	return o, false
}

// fusedSum collects the sum of a fused program's values over its leading axes: value i of the
// program adds to acc[i mod len(acc)].
type fusedSum struct {
	acc []float64
}

// runFused evaluates prog over the positions of outShape, writing the values to out, or, when sum
// is not nil, adding them into sum instead (out is then unused), or both when out is not nil
// either.
//
// Sums: the blocks of positions are split into contiguous ranges (see parallelParts), each range
// sums its values into its own float64 accumulators, and the ranges' sums are added in range order,
// so the result does not depend on scheduling. Within a range, the values of one block are first
// added up in the element type row by row (rows of L = len(sum.acc)·⌈64/len(sum.acc)⌉ values,
// at most fuseBlock/L values per accumulator) when the block is made of whole rows.
func runFused[T floatT](prog fusedProgram, outShape shapes.Shape, out []T, leavesAny []any, leafShapes []shapes.Shape,
	sum *fusedSum) {
	readers := newLeafReaders[T](prog, outShape, leavesAny, leafShapes)
	total := outShape.Size()
	stream := out != nil && total*outShape.DType.Size() >= streamMinBytes
	var c, rowLen int
	var parts [][]float64
	if sum != nil {
		c = len(sum.acc)
		rowLen = c * max(1, (sumRowLen+c-1)/c)
		parts = make([][]float64, runtime.GOMAXPROCS(0))
	}
	used := parallelParts((total+fuseBlock-1)/fuseBlock, max(1, elemGrain/fuseBlock), func(w, lo, hi int) {
		var part []float64
		var rowAcc []T
		if sum != nil {
			part = make([]float64, rowLen)
			rowAcc = make([]T, rowLen)
		}
		ev := newFusedEvaluator(prog, readers)
		for blk := lo; blk < hi; blk++ {
			s, e := blk*fuseBlock, min((blk+1)*fuseBlock, total)
			m := e - s
			var dst []T
			if out != nil && !stream {
				dst = out[s:e]
			}
			last := ev.eval(s, e, dst)
			if out != nil && stream {
				// Inputs read at [s, e) may be the output's memory: written after the block.
				streamCopy(out[s:e], last)
			}
			if sum != nil {
				if s%rowLen == 0 && m%rowLen == 0 {
					clear(rowAcc)
					addRows(rowAcc, last)
					for k, v := range rowAcc {
						part[k] += float64(v)
					}
				} else {
					j := s % c
					for _, v := range last {
						part[j] += float64(v)
						j++
						if j == c {
							j = 0
						}
					}
				}
			}
		}
		if sum != nil {
			parts[w] = part
		}
	})
	if sum != nil {
		for w := 0; w < used; w++ {
			for j, v := range parts[w] {
				sum.acc[j%c] += v
			}
		}
	}
}

// newLeafReaders returns the readers of a program's leaves for values of shape outShape.
func newLeafReaders[T floatT](prog fusedProgram, outShape shapes.Shape, leavesAny []any, leafShapes []shapes.Shape) []leafReader[T] {
	readers := make([]leafReader[T], len(leavesAny))
	viewOf := map[int]*leafView{}
	for i := range prog.views {
		viewOf[prog.views[i].leaf] = &prog.views[i]
	}
	for i, l := range leavesAny {
		dims := outShape.Dimensions
		if i < len(prog.leafDims) && prog.leafDims[i] != nil {
			dims = prog.leafDims[i]
		}
		readers[i] = newLeafReader[T](l, leafShapes[i], dims, viewOf[i])
	}
	return readers
}

// fusedEvaluator evaluates a fused program on blocks of at most fuseBlock positions; one per
// goroutine (it owns scratch buffers).
type fusedEvaluator[T floatT] struct {
	prog    fusedProgram
	readers []leafReader[T]
	scratch [][]T
	leafBuf [][]T
	ops     [][]T
	scal    []bool
}

func newFusedEvaluator[T floatT](prog fusedProgram, readers []leafReader[T]) *fusedEvaluator[T] {
	ev := &fusedEvaluator[T]{prog: prog, readers: readers, ops: make([][]T, 3), scal: make([]bool, 3)}
	ev.scratch = make([][]T, len(prog.steps))
	for i := range ev.scratch {
		ev.scratch[i] = make([]T, fuseBlock)
	}
	ev.leafBuf = make([][]T, len(readers))
	for i := range ev.leafBuf {
		ev.leafBuf[i] = make([]T, fuseBlock)
	}
	return ev
}

// eval computes the program's values at positions [s, e) (e − s ≤ fuseBlock) into dst when dst is
// not nil (len e − s), else into scratch, and returns them.
func (ev *fusedEvaluator[T]) eval(s, e int, out []T) []T {
	m := e - s
	ops, scal, scratch := ev.ops, ev.scal, ev.scratch
	steps := ev.prog.steps
	var dst []T
	for si, st := range steps {
		for j, a := range st.args {
			if a >= 0 {
				ops[j], scal[j] = scratch[a][:m], false
			} else {
				k := -a - 1
				ops[j], scal[j] = ev.readers[k].read(s, e, ev.leafBuf[k])
			}
		}
		dst = scratch[si][:m]
		if si == len(steps)-1 && out != nil {
			dst = out
		}
		switch {
		case st.op == opStepNonNeg:
			if scal[0] {
				v := []T{0}
				nonNegBlock(v, ops[0][:1])
				fillT(dst, v[0])
			} else {
				nonNegBlock(dst, ops[0])
			}
		case st.op == backends.OpTypeWhere:
			whereBlock(dst, ops[0], ops[1], ops[2], scal[0], scal[1], scal[2])
		case fusableCompare[st.op]:
			compareBlock(st.op, dst, ops[0], ops[1], scal[0], scal[1])
		case len(st.args) == 1:
			if scal[0] {
				fillT(dst, evalUnary(st.op, ops[0][0]))
			} else {
				unaryBlock(st.op, dst, ops[0])
			}
		default:
			binaryBlock(st.op, dst, ops[0], ops[1], scal[0], scal[1])
		}
	}
	return dst
}
