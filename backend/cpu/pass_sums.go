package cpu

// Sum fusion (fuseSums, mergeSums): sums over leading axes of fused programs accumulated while the
// program runs, and several such sums (and the values) computed in one pass.

import (
	"runtime"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(opFusedSum, execFusedSum)
}

type fusedSumParams struct {
	prog    fusedProgram
	inShape shapes.Shape // shape of the program's values
}

// fuseSums makes a ReduceSum over the leading axes of a fused elementwise program (with no other
// user) accumulate the program's values block by block (in float64), so they are never stored.
func fuseSums(pc *compilation) {
	reach := pc.reach
	uses := pc.uses()
	for r := range reach {
		if r.op != backends.OpTypeReduceSum || len(r.inputs) != 1 {
			continue
		}
		f := r.inputs[0]
		if f.op != opFusedElementwise {
			continue
		}
		axes := slices.Clone(r.params.([]int))
		slices.Sort(axes)
		leading := len(axes) > 0
		for i, a := range axes {
			if a != i {
				leading = false
			}
		}
		if !leading {
			continue
		}
		pc.stats.FusedSums++
		params := fusedSumParams{prog: f.params.(fusedProgram), inShape: f.shape}
		if uses[f] == 1 {
			r.op = opFusedSum
			r.params = params
			r.inputs = f.inputs
			continue
		}
		// The values are needed too: one pass computes and stores them and sums them. f and r
		// become the projections of a two-output node that takes f's place in the order.
		prog := f.params.(fusedProgram)
		last := len(prog.steps) - 1
		m := &node{id: f.id, op: opFusedMulti, shape: shapes.Invalid(), inputs: f.inputs, builder: f.builder,
			params:      fusedMultiParams{prog: prog, inShape: f.shape, valueStep: last, sumSteps: []int{last}},
			multiShapes: []shapes.Shape{f.shape, r.shape}, projs: []*node{f, r}}
		f.op, f.inputs, f.params, f.projIndex = opProjection, []*node{m}, nil, 0
		r.op, r.inputs, r.params, r.projIndex = opProjection, []*node{m}, nil, 1
	}
}

func init() {
	registerMulti(opFusedMulti, execFusedMulti)
}

type fusedMultiParams struct {
	prog      fusedProgram
	inShape   shapes.Shape // shape of the program's values
	valueStep int          // step whose values are output 0, or −1
	sumSteps  []int        // steps whose sums over leading axes are the next outputs
}

// mergeSums moves a sum over leading axes of a fused program (opFusedSum) that reads the values of
// another fused program of the same shape (directly, or output 0 of an opFusedMulti) into that
// program's pass: its steps are appended there, reading the values where they are computed, and
// it becomes one more output. One pass over memory is saved per merge. The sum's other operands
// must be computed before the program (they become its inputs).
func mergeSums(pc *compilation) {
	reach := pc.reach
	var sums []*node
	for n := range reach {
		if n.op == opFusedSum {
			sums = append(sums, n)
		}
	}
	sortSlice(sums, func(a, b *node) bool { return a.id < b.id })
	for _, sn := range sums {
		sp := sn.params.(fusedSumParams)
		for li, l := range sn.inputs {
			var m *node
			switch {
			case l.op == opFusedElementwise && sameDims(l.shape, sp.inShape) && l.shape.DType == sn.shape.DType:
				prog := l.params.(fusedProgram)
				m = &node{id: l.id, op: opFusedMulti, shape: shapes.Invalid(), inputs: l.inputs, builder: l.builder,
					params:      fusedMultiParams{prog: prog, inShape: l.shape, valueStep: len(prog.steps) - 1},
					multiShapes: []shapes.Shape{l.shape}, projs: []*node{l}}
			case l.op == opProjection && l.projIndex == 0 && l.inputs[0].op == opFusedMulti:
				m = l.inputs[0]
				mp := m.params.(fusedMultiParams)
				if mp.valueStep < 0 || !sameDims(mp.inShape, sp.inShape) {
					m = nil
				}
			}
			if m == nil {
				continue
			}
			ok := true
			for _, other := range sn.inputs {
				if other != l && other.id >= m.id {
					ok = false
				}
			}
			if !ok {
				continue
			}
			if m.projs[0] == l && l.op == opFusedElementwise {
				l.op, l.inputs, l.params, l.projIndex = opProjection, []*node{m}, nil, 0
			}
			mp := m.params.(fusedMultiParams)
			mp.prog, m.inputs = appendProgram(mp.prog, m.inputs, sp.prog, sn.inputs, li, mp.valueStep)
			mp.sumSteps = append(slices.Clone(mp.sumSteps), len(mp.prog.steps)-1)
			m.params = mp
			m.multiShapes = append(m.multiShapes, sn.shape)
			m.projs = append(m.projs, sn)
			sn.op, sn.inputs, sn.params, sn.projIndex = opProjection, []*node{m}, nil, len(m.projs)-1
			pc.stats.MergedSums++
			break
		}
	}
}

// appendProgram appends the steps of q (with leaves qLeaves) to p (with leaves pLeaves), reading
// q's leaf self from p's step valueStep; q's other leaves become leaves of p (reused when p reads
// the same node the same way). It returns the new program and leaves.
func appendProgram(p fusedProgram, pLeaves []*node, q fusedProgram, qLeaves []*node, self, valueStep int) (fusedProgram, []*node) {
	out := fusedProgram{steps: slices.Clone(p.steps), views: slices.Clone(p.views),
		leafDims: slices.Clone(p.leafDims)}
	leaves := slices.Clone(pLeaves)
	viewOf := func(prog fusedProgram, k int) []int {
		for _, v := range prog.views {
			if v.leaf == k {
				return v.axes
			}
		}
		return nil
	}
	dimsOf := func(prog fusedProgram, k int) []int {
		if k < len(prog.leafDims) {
			return prog.leafDims[k]
		}
		return nil
	}
	ref := make([]int, len(qLeaves)) // q leaf → operand ref in out
	for k, l := range qLeaves {
		if k == self {
			ref[k] = valueStep
			continue
		}
		qv, qd := viewOf(q, k), dimsOf(q, k)
		found := -1
		for j, pl := range leaves {
			if pl == l && slices.Equal(viewOf(out, j), qv) && slices.Equal(dimsOf(out, j), qd) &&
				(viewOf(out, j) == nil) == (qv == nil) {
				found = j
				break
			}
		}
		if found < 0 {
			found = len(leaves)
			leaves = append(leaves, l)
			if qd != nil {
				for len(out.leafDims) < found {
					out.leafDims = append(out.leafDims, nil)
				}
				out.leafDims = append(out.leafDims, qd)
			}
			if qv != nil {
				out.views = append(out.views, leafView{leaf: found, axes: qv})
			}
		}
		ref[k] = -found - 1
	}
	base := len(out.steps)
	for _, st := range q.steps {
		args := make([]int, len(st.args))
		for j, a := range st.args {
			if a >= 0 {
				args[j] = a + base
			} else {
				args[j] = ref[-a-1]
			}
		}
		out.steps = append(out.steps, fusedStep{op: st.op, args: args})
	}
	return out, leaves
}

func execFusedMulti(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error) {
	p := n.params.(fusedMultiParams)
	leaves, leafShapes := leavesOf(ins)
	var outs []*Buffer
	var values *Buffer
	if p.valueStep >= 0 {
		// Steps after the value step may still read the inputs: no input is overwritten.
		values = b.newBuf(p.inShape)
		outs = append(outs, values)
	}
	sums := make([]*fusedSum, len(p.sumSteps))
	for i := range sums {
		sh := n.multiShapes[len(outs)+i]
		sums[i] = &fusedSum{acc: make([]float64, max(1, sh.Size()))}
	}
	switch p.inShape.DType {
	case dtypes.Float32:
		var o []float32
		if values != nil {
			o = values.flat.([]float32)
		}
		runFusedMulti(p, o, leaves, leafShapes, sums)
	case dtypes.Float64:
		var o []float64
		if values != nil {
			o = values.flat.([]float64)
		}
		runFusedMulti(p, o, leaves, leafShapes, sums)
	default:
		b.release(values)
		return nil, unsupported(n, p.inShape.DType)
	}
	for i, sum := range sums {
		buf := b.newBuf(n.multiShapes[len(outs)])
		switch t := buf.flat.(type) {
		case []float32:
			for j, v := range sum.acc {
				t[j] = float32(v)
			}
		case []float64:
			copy(t, sum.acc)
		}
		_ = i
		outs = append(outs, buf)
	}
	return outs, nil
}

// runFusedMulti evaluates p.prog over the positions of p.inShape block by block, copies the values
// of p.valueStep into out (when not nil) and adds the values of each p.sumSteps[i] into sums[i],
// with the partition and combination order of runFused.
func runFusedMulti[T floatT](p fusedMultiParams, out []T, leavesAny []any, leafShapes []shapes.Shape, sums []*fusedSum) {
	readers := newLeafReaders[T](p.prog, p.inShape, leavesAny, leafShapes)
	total := p.inShape.Size()
	stream := total*p.inShape.DType.Size() >= streamMinBytes
	nw := runtime.GOMAXPROCS(0)
	parts := make([][][]float64, len(sums))
	rowLens := make([]int, len(sums))
	for i, sum := range sums {
		c := len(sum.acc)
		rowLens[i] = c * max(1, (sumRowLen+c-1)/c)
		parts[i] = make([][]float64, nw)
	}
	used := parallelParts((total+fuseBlock-1)/fuseBlock, max(1, elemGrain/fuseBlock), func(w, lo, hi int) {
		accs := make([]*blockSum[T], len(sums))
		for i, sum := range sums {
			accs[i] = newBlockSum[T](len(sum.acc), rowLens[i])
		}
		ev := newFusedEvaluator(p.prog, readers)
		for blk := lo; blk < hi; blk++ {
			s, e := blk*fuseBlock, min((blk+1)*fuseBlock, total)
			m := e - s
			ev.eval(s, e, nil)
			if out != nil {
				if stream {
					streamCopy(out[s:e], ev.scratch[p.valueStep][:m])
				} else {
					copy(out[s:e], ev.scratch[p.valueStep][:m])
				}
			}
			for i, st := range p.sumSteps {
				accs[i].add(s, ev.scratch[st][:m])
			}
		}
		for i := range sums {
			parts[i][w] = accs[i].part
		}
	})
	for i, sum := range sums {
		c := len(sum.acc)
		for w := 0; w < used; w++ {
			for j, v := range parts[i][w] {
				sum.acc[j%c] += v
			}
		}
	}
}

// blockSum accumulates blocks of values at flat positions [s, s+len) of a tensor into per-column
// float64 sums (column = position mod c), as runFused does.
type blockSum[T floatT] struct {
	c, rowLen int
	part      []float64
	rowAcc    []T
}

func newBlockSum[T floatT](c, rowLen int) *blockSum[T] {
	return &blockSum[T]{c: c, rowLen: rowLen, part: make([]float64, rowLen), rowAcc: make([]T, rowLen)}
}

func (a *blockSum[T]) add(s int, last []T) {
	if s%a.rowLen == 0 && len(last)%a.rowLen == 0 {
		clear(a.rowAcc)
		addRows(a.rowAcc, last)
		for k, v := range a.rowAcc {
			a.part[k] += float64(v)
		}
		return
	}
	j := s % a.c
	for _, v := range last {
		a.part[j] += float64(v)
		j++
		if j == a.c {
			j = 0
		}
	}
}

func execFusedSum(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(fusedSumParams)
	leaves, leafShapes := leavesOf(ins)
	sum := &fusedSum{acc: make([]float64, max(1, n.shape.Size()))}
	out := b.newBuf(n.shape)
	switch o := out.flat.(type) {
	case []float32:
		runFused[float32](p.prog, p.inShape, nil, leaves, leafShapes, sum)
		for i, v := range sum.acc {
			o[i] = float32(v)
		}
	case []float64:
		runFused[float64](p.prog, p.inShape, nil, leaves, leafShapes, sum)
		copy(o, sum.acc)
	default:
		b.release(out)
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}
