package cpu

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
)

type scatterParams struct {
	indexVectorAxis                                            int
	updateWindowAxes, insertedWindowAxes, scatterToOperandAxes []int
}

func init() {
	register(backends.OpTypeScatterSum, execScatter)
	register(backends.OpTypeScatterMax, execScatter)
	register(backends.OpTypeScatterMin, execScatter)
}

func (b *Builder) scatter(op backends.OpType, operand, indices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int) (backends.Op, error) {
	ns, err := b.toNodes(op.String(), operand, indices, updates)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.ScatterOp(ns[0].shape, ns[1].shape, ns[2].shape, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes)
	if err != nil {
		return nil, err
	}
	p := scatterParams{indexVectorAxis, slices.Clone(updateWindowAxes), slices.Clone(insertedWindowAxes),
		slices.Clone(scatterAxesToOperandAxes)}
	return b.newNode(op, shape, p, ns...), nil
}

// ScatterSum implements backends.Builder with XLA's semantics; updates that fall outside the operand
// are dropped.
func (b *Builder) ScatterSum(operand, scatterIndices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatter(backends.OpTypeScatterSum, operand, scatterIndices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes)
}

// ScatterMax implements backends.Builder (see ScatterSum).
func (b *Builder) ScatterMax(operand, scatterIndices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatter(backends.OpTypeScatterMax, operand, scatterIndices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes)
}

// ScatterMin implements backends.Builder (see ScatterSum).
func (b *Builder) ScatterMin(operand, scatterIndices, updates backends.Op, indexVectorAxis int,
	updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes []int, indicesAreSorted, uniqueIndices bool) (backends.Op, error) {
	return b.scatter(backends.OpTypeScatterMin, operand, scatterIndices, updates, indexVectorAxis,
		updateWindowAxes, insertedWindowAxes, scatterAxesToOperandAxes)
}

// execScatter copies the operand and combines each update element into the operand position given
// by its scatter index (from the indices, mapped by scatterToOperandAxes) plus its window offset.
func execScatter(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(scatterParams)
	op, ix, up := ins[0], ins[1], ins[2]
	out := outputFor(b, n.shape, ins, owned, 0)
	if out != op {
		if err := copyFlat(out.flat, op.flat); err != nil {
			return nil, err
		}
	}
	indices := toInts(ix.flat)
	opDims := op.shape.Dimensions
	opSt := rowMajorStrides(opDims)
	ixSt := rowMajorStrides(ix.shape.Dimensions)
	upDims := up.shape.Dimensions
	isWindow := axisFlags(len(upDims), p.updateWindowAxes)
	inserted := axisFlags(len(opDims), p.insertedWindowAxes)
	var windowOpAxes []int
	for a := range opDims {
		if !inserted[a] {
			windowOpAxes = append(windowOpAxes, a)
		}
	}
	var batchIxAxes []int
	for a := range ix.shape.Dimensions {
		if a != p.indexVectorAxis {
			batchIxAxes = append(batchIxAxes, a)
		}
	}
	vecStride := 0
	if p.indexVectorAxis < ix.shape.Rank() {
		vecStride = ixSt[p.indexVectorAxis]
	}
	// For each update element, the operand offset or -1 when out of bounds.
	target := make([]int, up.shape.Size())
	pos := make([]int, len(opDims))
	forEachOutput(upDims, 1<<30, func(i int, ui, _ []int) {
		clear(pos)
		ixOff, bk, wk := 0, 0, 0
		for a, v := range ui {
			if isWindow[a] {
				pos[windowOpAxes[wk]] += v
				wk++
			} else {
				ixOff += v * ixSt[batchIxAxes[bk]]
				bk++
			}
		}
		for k, opAxis := range p.scatterToOperandAxes {
			pos[opAxis] += indices[ixOff+k*vecStride]
		}
		off := 0
		for a, v := range pos {
			if v < 0 || v >= opDims[a] {
				off = -1
				break
			}
			off += v * opSt[a]
		}
		target[i] = off
	})
	ok := false
	switch o := out.flat.(type) {
	case []float32:
		ok = scatterT(n.op, o, up.flat.([]float32), target)
	case []float64:
		ok = scatterT(n.op, o, up.flat.([]float64), target)
	case []int32:
		ok = scatterT(n.op, o, up.flat.([]int32), target)
	case []int64:
		ok = scatterT(n.op, o, up.flat.([]int64), target)
	}
	if !ok {
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

func scatterT[T numberT](op backends.OpType, o, up []T, target []int) bool {
	for i, t := range target {
		if t < 0 {
			continue
		}
		switch op {
		case backends.OpTypeScatterSum:
			o[t] += up[i]
		case backends.OpTypeScatterMax:
			o[t] = max(o[t], up[i])
		case backends.OpTypeScatterMin:
			o[t] = min(o[t], up[i])
		default:
			return false
		}
	}
	return true
}
