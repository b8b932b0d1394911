package cpu

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/pkg/errors"
)

func init() {
	register(backends.OpTypeGather, execGather)
}

func toInts(flat any) []int {
	switch f := flat.(type) {
	case []int32:
		return intsOf(f)
	case []int64:
		return intsOf(f)
	case []uint8:
		return intsOf(f)
	case []uint32:
		return intsOf(f)
	case []uint64:
		return intsOf(f)
	case []int8:
		return intsOf(f)
	case []int16:
		return intsOf(f)
	case []uint16:
		return intsOf(f)
	}
	panic(errors.Errorf("cpu backend: indices of type %T", flat))
}

func intsOf[T intT](v []T) []int {
	o := make([]int, len(v))
	for i, x := range v {
		o[i] = int(x)
	}
	return o
}

func pick[T any](o, x []T, idx []int) {
	for i, j := range idx {
		o[i] = x[j]
	}
}

// execGather implements XLA's Gather: for each output index, the batch axes (those not in
// offsetOutputAxes) select a start vector in startIndices, mapped to operand axes by startIndexMap and
// clamped so the slice fits; the offset axes index within the slice (collapsed axes excluded).
func execGather(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(gatherParams)
	op, si := ins[0], ins[1]
	starts := toInts(si.flat)
	opDims := op.shape.Dimensions
	opSt := rowMajorStrides(opDims)
	siDims := si.shape.Dimensions
	siSt := rowMajorStrides(siDims)
	outDims := n.shape.Dimensions
	isOffset := axisFlags(len(outDims), p.offsetOutputAxes)
	collapsed := axisFlags(len(opDims), p.collapsedSliceAxes)
	var windowAxes []int // operand axes indexed by the offset output axes, in order
	for a := range opDims {
		if !collapsed[a] {
			windowAxes = append(windowAxes, a)
		}
	}
	var batchSiAxes []int // startIndices axes other than indexVectorAxis
	for a := range siDims {
		if a != p.indexVectorAxis {
			batchSiAxes = append(batchSiAxes, a)
		}
	}
	vecStride := 0
	if p.indexVectorAxis < len(siDims) {
		vecStride = siSt[p.indexVectorAxis]
	}
	total := n.shape.Size()
	idx := make([]int, total)
	forEachOutput(outDims, 1<<30, func(i int, oi, _ []int) {
		siOff := 0
		bk, wk := 0, 0
		opOff := 0
		for a, v := range oi {
			if isOffset[a] {
				opOff += v * opSt[windowAxes[wk]]
				wk++
			} else {
				siOff += v * siSt[batchSiAxes[bk]]
				bk++
			}
		}
		for k, opAxis := range p.startIndexMap {
			s := starts[siOff+k*vecStride]
			s = min(max(s, 0), opDims[opAxis]-p.sliceSizes[opAxis])
			opOff += s * opSt[opAxis]
		}
		idx[i] = opOff
	})
	out := b.newBuf(n.shape)
	switch o := out.flat.(type) {
	case []float32:
		pick(o, op.flat.([]float32), idx)
	case []float64:
		pick(o, op.flat.([]float64), idx)
	case []int32:
		pick(o, op.flat.([]int32), idx)
	case []int64:
		pick(o, op.flat.([]int64), idx)
	case []bool:
		pick(o, op.flat.([]bool), idx)
	case []uint8:
		pick(o, op.flat.([]uint8), idx)
	case []uint32:
		pick(o, op.flat.([]uint32), idx)
	case []uint64:
		pick(o, op.flat.([]uint64), idx)
	default:
		b.release(out)
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// axisFlags returns rank flags, true at the given axes.
func axisFlags(rank int, axes []int) []bool {
	f := make([]bool, rank)
	for _, a := range axes {
		f[a] = true
	}
	return f
}
