package cpu

import (
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(opFusedElementwise, execFusedElementwise)
}

// fusableOps are the float elementwise ops that can be evaluated inside a fused program.
var fusableOps = map[backends.OpType]int{ // op → number of operands
	backends.OpTypeAdd: 2, backends.OpTypeSub: 2, backends.OpTypeMul: 2, backends.OpTypeDiv: 2,
	backends.OpTypeMax: 2, backends.OpTypeMin: 2, backends.OpTypePow: 2,
	backends.OpTypeNeg: 1, backends.OpTypeAbs: 1, backends.OpTypeExp: 1, backends.OpTypeLog: 1,
	backends.OpTypeSqrt: 1, backends.OpTypeRsqrt: 1, backends.OpTypeSign: 1, backends.OpTypeTanh: 1,
	backends.OpTypeLogistic: 1, backends.OpTypeLog1p: 1, backends.OpTypeExpm1: 1,
}

// fusedStep is one op of a fused program; operand refs ≥ 0 name earlier steps, refs < 0 name
// leaf −ref−1 (an input of the fused node).
type fusedStep struct {
	op   backends.OpType
	args []int
}

type fusedProgram struct {
	steps []fusedStep // the last step is the result
	views []leafView  // leaves read through an absorbed BroadcastInDim
	// leafDims holds, for leaves read below an absorbed Reshape, the dimensions of the values
	// they are combined with (same size as the output); nil entries (or a short slice) mean the
	// output's dimensions.
	leafDims [][]int
}

// leafView says that leaf is broadcast into the output with BroadcastInDim axes (leaf axis i is
// output axis axes[i]).
type leafView struct {
	leaf int
	axes []int
}

// Comparison and selection ops also accepted inside fused programs; comparisons produce 0/1 values.
var fusableCompare = map[backends.OpType]bool{
	backends.OpTypeEqual: true, backends.OpTypeNotEqual: true, backends.OpTypeGreaterThan: true,
	backends.OpTypeGreaterOrEqual: true, backends.OpTypeLessThan: true, backends.OpTypeLessOrEqual: true,
	backends.OpTypeEqualTotalOrder: true, backends.OpTypeNotEqualTotalOrder: true,
	backends.OpTypeGreaterThanTotalOrder: true, backends.OpTypeGreaterOrEqualTotalOrder: true,
	backends.OpTypeLessThanTotalOrder: true, backends.OpTypeLessOrEqualTotalOrder: true,
}

// broadcastsTo reports whether s has the rank of out and each dimension equal to out's or 1.
func broadcastsTo(s, out shapes.Shape) bool {
	if s.Rank() != out.Rank() {
		return false
	}
	for a, d := range s.Dimensions {
		if d != 1 && d != out.Dimensions[a] {
			return false
		}
	}
	return true
}

// fuseElementwise merges trees of elementwise ops producing one float tensor (arithmetic, unary
// functions, comparisons and Where), whose inner nodes have a single user, into one
// opFusedElementwise node evaluated block by block, so that intermediate results never reach memory.
// Operands (leaves) may have the output's shape, be single values, be bool tensors, or broadcast
// against the output (including through an absorbed BroadcastInDim), which is then read in place.
// The tree may pass through Reshape nodes (a reshape does not move row-major data); leaves below a
// Reshape are broadcast against the shape of the values there. A single elementwise op whose only
// user is a sum over leading axes also becomes a (one-step) program, so that fuseSums can
// accumulate it without storing it.
func fuseElementwise(pc *compilation) {
	reach := pc.reach
	outs := pc.outs
	uses := map[*node]int{}
	sumUser := map[*node]bool{}
	for n := range reach {
		for _, in := range n.inputs {
			uses[in]++
		}
		if n.op == backends.OpTypeReduceSum && isLeadingAxes(n.params.([]int)) {
			sumUser[n.inputs[0]] = true
		}
		if maxPoolable(n) {
			in := n.inputs[0]
			if in.op == backends.OpTypeReshape {
				in = in.inputs[0]
			}
			sumUser[in] = true
		}
	}
	for _, o := range outs {
		uses[o] += 2
	}
	okOperand := func(in, n *node, dt dtypes.DType) bool {
		return in.shape.DType == dt && (in.shape.Size() == 1 || broadcastsTo(in.shape, n.shape))
	}
	candidate := func(n *node) bool {
		if n.shape.Size() < 1024 {
			return false
		}
		if _, ok := fusableOps[n.op]; ok && n.shape.DType.IsFloat() {
			for _, in := range n.inputs {
				if !okOperand(in, n, n.shape.DType) {
					return false
				}
			}
			return true
		}
		if fusableCompare[n.op] && len(n.inputs) == 2 && n.inputs[0].shape.DType.IsFloat() {
			dt := n.inputs[0].shape.DType
			return okOperand(n.inputs[0], n, dt) && okOperand(n.inputs[1], n, dt)
		}
		if n.op == backends.OpTypeWhere && n.shape.DType.IsFloat() {
			// Bool operands are read as they are: single values or the output's shape.
			c := n.inputs[0]
			return c.shape.DType == dtypes.Bool && (c.shape.Size() == 1 || sameDims(c.shape, n.shape)) &&
				okOperand(n.inputs[1], n, n.shape.DType) &&
				okOperand(n.inputs[2], n, n.shape.DType)
		}
		return false
	}
	nodes := make([]*node, 0, len(reach))
	for n := range reach {
		nodes = append(nodes, n)
	}
	// Roots are visited from the last node backwards, so a node absorbed by a later root is skipped.
	sortNodesDesc(nodes)
	inline := inlinableNodes(nodes, outs, uses, candidate)
	users := map[*node][]*node{}
	for _, n := range nodes {
		for _, in := range n.inputs {
			users[in] = append(users[in], n)
		}
	}
	absorbed := map[*node]bool{}
	for _, root := range nodes {
		if absorbed[root] || !candidate(root) || !root.shape.DType.IsFloat() {
			continue
		}
		var prog fusedProgram
		var leaves []*node
		type leafKey struct {
			n    *node
			ctx  string // dimensions the leaf is broadcast against, and view axes
			view bool
		}
		leafIndex := map[leafKey]int{}
		count := 0
		// leaf returns the operand ref of in, read against values of dimensions dims, through a
		// BroadcastInDim with the given axes when view is set.
		leaf := func(in *node, dims []int, view bool, axes []int) int {
			key := leafKey{n: in, view: view}
			if in.shape.Size() != 1 && (view || in.shape.Size() != root.shape.Size()) {
				key.ctx = fmt.Sprint(dims, axes)
			}
			k, ok := leafIndex[key]
			if !ok {
				k = len(leaves)
				leafIndex[key] = k
				leaves = append(leaves, in)
				if !slices.Equal(dims, root.shape.Dimensions) {
					for len(prog.leafDims) < k {
						prog.leafDims = append(prog.leafDims, nil)
					}
					prog.leafDims = append(prog.leafDims, dims)
				}
				if view {
					prog.views = append(prog.views, leafView{leaf: k, axes: axes})
				}
			}
			return -k - 1
		}
		var build func(n *node) int
		// inlined memoizes the steps of shared nodes recomputed in this program.
		inlined := map[*node]int{}
		buildInline := func(in *node) int {
			if k, ok := inlined[in]; ok {
				return k
			}
			count++
			k := build(in)
			inlined[in] = k
			return k
		}
		// operand is the ref of a comparison's operand recomputed in the program.
		operand := func(in *node, dims []int) int {
			switch {
			case inline[in] && sameDims(in.shape, shapes.Make(in.shape.DType, dims...)):
				return buildInline(in)
			case in.op == backends.OpTypeReshape && inline[in.inputs[0]] && slices.Equal(in.shape.Dimensions, dims):
				return buildInline(in.inputs[0])
			}
			return leaf(in, dims, false, nil)
		}
		// inThis holds the nodes computed by this program; a value whose users are all in it is
		// computed once here (memoized in inlined) even if it has several users.
		inThis := map[*node]bool{root: true}
		allUsersHere := func(in *node) bool {
			if in == root || uses[in] < 2 || uses[in] > len(users[in]) { // outputs count extra uses
				return false
			}
			for _, u := range users[in] {
				if !inThis[u] {
					return false
				}
			}
			return true
		}
		build = func(n *node) int {
			inThis[n] = true
			args := make([]int, len(n.inputs))
			dims := n.shape.Dimensions
			for i, in := range n.inputs {
				if k, ok := inlined[in]; ok && sameDims(in.shape, n.shape) {
					args[i] = k
					continue
				}
				single := in != root && (uses[in] == 1 || allUsersHere(in))
				// Comparisons take operands of their own dtype, which must be the program's.
				sameType := !fusableCompare[in.op] || in.inputs[0].shape.DType == root.shape.DType
				switch {
				case in != root && inline[in] && sameDims(in.shape, n.shape):
					// A cheap shared value: recomputed here rather than stored.
					args[i] = buildInline(in)
				case in.op == backends.OpTypeReshape && inline[in.inputs[0]] && sameDims(in.shape, n.shape):
					args[i] = buildInline(in.inputs[0])
				case single && sameType && candidate(in) && sameDims(in.shape, n.shape):
					absorbed[in] = true
					args[i] = buildInline(in)
				case single && in.op == backends.OpTypeReshape && sameDims(in.shape, n.shape) &&
					in.shape.DType == root.shape.DType && uses[in.inputs[0]] == 1 && candidate(in.inputs[0]) &&
					(!fusableCompare[in.inputs[0].op] || in.inputs[0].inputs[0].shape.DType == root.shape.DType):
					// Values computed in another shape of the same size, in the same row-major order.
					absorbed[in], absorbed[in.inputs[0]] = true, true
					count += 2
					args[i] = build(in.inputs[0])
				case in.op == backends.OpTypeBroadcastInDim && sameDims(in.shape, n.shape) && in.shape.DType.IsFloat():
					// Read the broadcast operand in place (if the broadcast has other users, it
					// is built for them only).
					if single {
						absorbed[in] = true
					}
					count++
					args[i] = leaf(in.inputs[0], dims, true, in.params.([]int))
				case fusableCompare[in.op] && sameType && candidate(in) && sameDims(in.shape, n.shape):
					// A comparison with several users (e.g. a ReLU mask used by the forward and
					// the backward pass) is recomputed from its operands rather than read as a
					// bool tensor; if every user does so, the tensor is never built.
					count++
					cargs := []int{operand(in.inputs[0], dims), operand(in.inputs[1], dims)}
					prog.steps = append(prog.steps, fusedStep{op: in.op, args: cargs})
					args[i] = len(prog.steps) - 1
				default:
					args[i] = leaf(in, dims, false, nil)
				}
			}
			prog.steps = append(prog.steps, fusedStep{op: n.op, args: args})
			return len(prog.steps) - 1
		}
		build(root)
		if count == 0 && !sumUser[root] {
			continue
		}
		prog = simplifyProgram(prog, leaves)
		pc.stats.FusedElementwise++
		root.op = opFusedElementwise
		root.inputs = leaves
		root.params = prog
	}
}

// maxInlineSteps bounds the size of a shared expression recomputed by each of its users.
const maxInlineSteps = 12

// inlinableNodes returns the shared elementwise nodes that every user can recompute inside its own
// fused program, and that are cheap to recompute: they read at most one tensor of their own size
// (other operands are single values or small broadcast tensors) through at most maxInlineSteps
// ops. Storing such a value costs a write and a read of the full tensor per user; recomputing it
// costs the one read it would have needed anyway. Users that can recompute a value are fusable
// elementwise ops of the same shape (comparisons only when all their own users are), sums over
// leading axes (which then sum the value's own program), and Reshapes whose users all qualify.
// nodes must be sorted by decreasing id.
func inlinableNodes(nodes, outs []*node, uses map[*node]int, candidate func(*node) bool) map[*node]bool {
	users := map[*node][]*node{}
	for _, n := range nodes {
		for _, in := range n.inputs {
			users[in] = append(users[in], n)
		}
	}
	isOut := map[*node]bool{}
	for _, o := range outs {
		isOut[o] = true
	}
	var consumes func(u, n *node) bool
	consumes = func(u, n *node) bool {
		switch {
		case u.op == backends.OpTypeReshape:
			if isOut[u] || u.shape.DType != n.shape.DType || len(users[u]) == 0 {
				return false
			}
			for _, v := range users[u] {
				if v.op == backends.OpTypeReshape || v.op == backends.OpTypeReduceSum || !consumes(v, u) {
					return false
				}
			}
			return true
		case u.op == backends.OpTypeReduceMax:
			return maxPoolable(u)
		case u.op == backends.OpTypeReduceSum:
			return isLeadingAxes(u.params.([]int)) && u.shape.DType.IsFloat()
		case fusableCompare[u.op]:
			if isOut[u] || !candidate(u) || !sameDims(u.shape, n.shape) || u.inputs[0].shape.DType != n.shape.DType ||
				len(users[u]) == 0 {
				return false
			}
			for _, v := range users[u] {
				if isOut[v] || !candidate(v) || !v.shape.DType.IsFloat() || !sameDims(v.shape, u.shape) {
					return false
				}
			}
			return true
		}
		return candidate(u) && u.shape.DType == n.shape.DType && sameDims(u.shape, n.shape)
	}
	inline := map[*node]bool{}
	// cost returns the full-size tensors read by n's program and its number of steps, following
	// single-use fusable inputs and inlined ones.
	type costT struct {
		reads map[*node]bool
		steps int
	}
	memo := map[*node]costT{}
	var cost func(n *node) costT
	cost = func(n *node) costT {
		if c, ok := memo[n]; ok {
			return c
		}
		c := costT{reads: map[*node]bool{}, steps: 1}
		var add func(in *node)
		add = func(in *node) {
			switch {
			case fusableCompare[in.op] && candidate(in) && sameDims(in.shape, n.shape):
				c.steps++
				for _, x := range in.inputs {
					add(x)
				}
			case (inline[in] || (uses[in] == 1 && candidate(in))) && sameDims(in.shape, n.shape):
				sub := cost(in)
				for r := range sub.reads {
					c.reads[r] = true
				}
				c.steps += sub.steps
			case in.op == backends.OpTypeReshape && inline[in.inputs[0]]:
				add(in.inputs[0])
			case in.shape.Size() == n.shape.Size():
				c.reads[in] = true
			}
		}
		for _, in := range n.inputs {
			add(in)
		}
		memo[n] = c
		return c
	}
	// Inputs before users: increasing ids.
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		// A value with one user is absorbed by it anyway, unless that user is a shared Reshape.
		shared := uses[n] >= 2 || (len(users[n]) == 1 && users[n][0].op == backends.OpTypeReshape && uses[users[n][0]] >= 2)
		if !shared || isOut[n] || !candidate(n) || !n.shape.DType.IsFloat() || fusableCompare[n.op] ||
			len(users[n]) == 0 {
			continue
		}
		c := cost(n)
		if len(c.reads) > 1 || c.steps > maxInlineSteps {
			continue
		}
		ok := true
		for _, u := range users[n] {
			if !consumes(u, n) {
				ok = false
				break
			}
		}
		inline[n] = ok
	}
	return inline
}

func sameDims(a, b shapes.Shape) bool {
	if a.Rank() != b.Rank() {
		return false
	}
	for i, d := range a.Dimensions {
		if d != b.Dimensions[i] {
			return false
		}
	}
	return true
}

func sortNodesDesc(nodes []*node) {
	sortSlice(nodes, func(a, b *node) bool { return a.id > b.id })
}

const fuseBlock = 1024

func execFusedElementwise(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	prog := n.params.(fusedProgram)
	leafShapes := make([]shapes.Shape, len(ins))
	for i, in := range ins {
		leafShapes[i] = in.shape
	}
	cands := make([]int, 0, len(ins))
	for i := range ins {
		cands = append(cands, i)
	}
	out := outputFor(b, n.shape, ins, owned, cands...)
	// outputFor may have taken an input buffer: it is still read (block by block, before being
	// overwritten at the same positions), so keep a reference.
	leaves := make([]any, len(ins))
	for i, in := range ins {
		if in == nil {
			leaves[i] = out.flat
		} else {
			leaves[i] = in.flat
		}
	}
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

// operand returns a full-length view of an operand: the block itself, or, for a single value,
// fill filled with it.
func operand[T floatT](v []T, scalar bool, fill []T) []T {
	if !scalar {
		return v[:len(fill)]
	}
	fillT(fill, v[0])
	return fill
}

// whereBlock writes o = c ≠ 0 ? t : f; see whereBlockF32.
func whereBlock[T floatT](o, c, t, f []T, cs, ts, fs bool) {
	switch ov := any(o).(type) {
	case []float32:
		whereBlockF32(ov, any(c).([]float32), any(t).([]float32), any(f).([]float32), cs, ts, fs)
	case []float64:
		whereBlockF64(ov, any(c).([]float64), any(t).([]float64), any(f).([]float64), cs, ts, fs)
	}
}

// compareBlock writes o = 1 where the comparison holds, else 0; see compareBlockF32.
func compareBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
	switch ov := any(o).(type) {
	case []float32:
		compareBlockF32(op, ov, any(x).([]float32), any(y).([]float32), xs, ys)
	case []float64:
		compareBlockF64(op, ov, any(x).([]float64), any(y).([]float64), xs, ys)
	}
}

// mirrorComparison returns op' with (c op x) ⇔ (x op' c).
func mirrorComparison(op backends.OpType) backends.OpType {
	switch op {
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		return backends.OpTypeLessThan
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		return backends.OpTypeLessOrEqual
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		return backends.OpTypeGreaterThan
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		return backends.OpTypeGreaterOrEqual
	}
	return op
}

// whereBlockF32 writes o = c ≠ 0 ? t : f (single values broadcast). Selection uses integer bit
// masks: Go compiles conditional moves for integers but branches for floats, which mispredict on
// data such as ReLU masks.
func whereBlockF32(o, c, t, f []float32, cs, ts, fs bool) {
	if cs {
		if c[0] != 0 {
			copy(o, operand(t, ts, o))
		} else {
			copy(o, operand(f, fs, o))
		}
		return
	}
	if k := whereSIMD(o, c, t, f, ts, fs); k > 0 {
		if k == len(o) {
			return
		}
		o, c = o[k:], c[k:]
		if !ts {
			t = t[k:]
		}
		if !fs {
			f = f[k:]
		}
	}
	c = c[:len(o)]
	var tv, fv uint32
	if ts {
		tv = math.Float32bits(t[0])
	} else {
		t = t[:len(o)]
	}
	if fs {
		fv = math.Float32bits(f[0])
	} else {
		f = f[:len(o)]
	}
	for i := range o {
		var m uint32
		if math.Float32bits(c[i]) != 0 {
			m = ^uint32(0)
		}
		a, b := tv, fv
		if !ts {
			a = math.Float32bits(t[i])
		}
		if !fs {
			b = math.Float32bits(f[i])
		}
		o[i] = math.Float32frombits(a&m | b&^m)
	}
}

// compareBlockF32 writes o = 1 where the comparison holds, else 0 (by integer selection).
func compareBlockF32(op backends.OpType, o, x, y []float32, xs, ys bool) {
	const one = 0x3f800000
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if xs { // both single values
		v := []float32{0}
		compareBlockF32(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
		return
	}
	if k := compareSIMD(op, o, x, y, ys); k > 0 {
		if k == len(o) {
			return
		}
		o, x = o[k:], x[k:]
		if !ys {
			y = y[k:]
		}
	}
	x = x[:len(o)]
	if ys {
		c := y[0]
		switch op {
		case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a == c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a != c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
			for i, a := range x {
				var m uint32
				if a > c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a >= c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
			for i, a := range x {
				var m uint32
				if a < c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a <= c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		}
		return
	}
	y = y[:len(o)]
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a == y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a != y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		for i, a := range x {
			var m uint32
			if a > y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a >= y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		for i, a := range x {
			var m uint32
			if a < y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a <= y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	}
}

// whereBlockF64 is whereBlockF32 for float64.
func whereBlockF64(o, c, t, f []float64, cs, ts, fs bool) {
	if cs {
		if c[0] != 0 {
			copy(o, operand(t, ts, o))
		} else {
			copy(o, operand(f, fs, o))
		}
		return
	}
	c = c[:len(o)]
	var tv, fv uint64
	if ts {
		tv = math.Float64bits(t[0])
	} else {
		t = t[:len(o)]
	}
	if fs {
		fv = math.Float64bits(f[0])
	} else {
		f = f[:len(o)]
	}
	for i := range o {
		var m uint64
		if math.Float64bits(c[i]) != 0 {
			m = ^uint64(0)
		}
		a, b := tv, fv
		if !ts {
			a = math.Float64bits(t[i])
		}
		if !fs {
			b = math.Float64bits(f[i])
		}
		o[i] = math.Float64frombits(a&m | b&^m)
	}
}

// compareBlockF64 is compareBlockF32 for float64.
func compareBlockF64(op backends.OpType, o, x, y []float64, xs, ys bool) {
	const one = 0x3ff0000000000000
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if xs { // both single values
		v := []float64{0}
		compareBlockF64(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
		return
	}
	x = x[:len(o)]
	if ys {
		c := y[0]
		switch op {
		case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a == c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a != c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
			for i, a := range x {
				var m uint64
				if a > c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a >= c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
			for i, a := range x {
				var m uint64
				if a < c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a <= c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		}
		return
	}
	y = y[:len(o)]
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a == y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a != y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		for i, a := range x {
			var m uint64
			if a > y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a >= y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		for i, a := range x {
			var m uint64
			if a < y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a <= y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	}
}

func evalUnary[T floatT](op backends.OpType, v T) T {
	o := []T{0}
	unaryBlock(op, o, []T{v})
	return o[0]
}

func unaryBlock[T floatT](op backends.OpType, o, x []T) {
	switch op {
	case backends.OpTypeNeg:
		for i, v := range x {
			o[i] = -v
		}
	case backends.OpTypeAbs:
		for i, v := range x {
			o[i] = T(math.Abs(float64(v)))
		}
	case backends.OpTypeSign:
		signFloat(o, x)
	default:
		unaryFloatSeq(op, o, x)
	}
}

// unaryFloatSeq applies a unary float op sequentially; each op has its own loop so that intrinsics
// (e.g. math.Sqrt) are not hidden behind a function value.
func unaryFloatSeq[T floatT](op backends.OpType, o, x []T) {
	switch op {
	case backends.OpTypeExp:
		for i, v := range x {
			o[i] = T(math.Exp(float64(v)))
		}
	case backends.OpTypeLog:
		for i, v := range x {
			o[i] = T(math.Log(float64(v)))
		}
	case backends.OpTypeSqrt:
		if o32, ok := any(o).([]float32); ok {
			// Rounding the float64 square root to float32 gives the correctly rounded float32
			// square root, which is what VSQRTPS computes.
			if k := simdLen(len(o32)); k > 0 {
				x32 := any(x).([]float32)[:k]
				sqrtF32(p32(o32), p32(x32), k)
				o, x = o[k:], x[k:]
			}
		}
		for i, v := range x {
			o[i] = T(math.Sqrt(float64(v)))
		}
	case backends.OpTypeRsqrt:
		for i, v := range x {
			o[i] = T(1 / math.Sqrt(float64(v)))
		}
	case backends.OpTypeTanh:
		for i, v := range x {
			o[i] = T(math.Tanh(float64(v)))
		}
	case backends.OpTypeLog1p:
		for i, v := range x {
			o[i] = T(math.Log1p(float64(v)))
		}
	case backends.OpTypeExpm1:
		for i, v := range x {
			o[i] = T(math.Expm1(float64(v)))
		}
	case backends.OpTypeLogistic:
		for i, v := range x {
			f := float64(v)
			if f >= 0 {
				o[i] = T(1 / (1 + math.Exp(-f)))
			} else {
				e := math.Exp(f)
				o[i] = T(e / (1 + e))
			}
		}
	}
}

func binaryBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
	if o32, ok := any(o).([]float32); ok {
		if k := binarySIMD(op, o32, any(x).([]float32), any(y).([]float32), xs, ys); k > 0 {
			if k == len(o) {
				return
			}
			o = o[k:]
			if !xs {
				x = x[k:]
			}
			if !ys {
				y = y[k:]
			}
		}
	}
	n := len(o)
	switch {
	case !xs && !ys:
		x, y = x[:n], y[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = x[i] + y[i]
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = x[i] - y[i]
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = x[i] * y[i]
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = x[i] / y[i]
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(x[i], y[i])
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(x[i], y[i])
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(x[i]), float64(y[i])))
			}
		}
	case xs && ys:
		v := []T{0}
		binaryBlock(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
	case ys:
		c := y[0]
		x = x[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = x[i] + c
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = x[i] - c
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = x[i] * c
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = x[i] / c
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(x[i], c)
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(x[i], c)
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(x[i]), float64(c)))
			}
		}
	default: // xs
		c := x[0]
		y = y[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = c + y[i]
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = c - y[i]
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = c * y[i]
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = c / y[i]
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(c, y[i])
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(c, y[i])
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(c), float64(y[i])))
			}
		}
	}
}

// boolsToFloat writes 1 for true and 0 for false, selecting bit patterns in integer registers.
func boolsToFloat[T floatT](o []T, b []bool) {
	switch ov := any(o).(type) {
	case []float32:
		for i, v := range b {
			var m uint32
			if v {
				m = 0x3f800000
			}
			ov[i] = math.Float32frombits(m)
		}
	case []float64:
		for i, v := range b {
			var m uint64
			if v {
				m = 0x3ff0000000000000
			}
			ov[i] = math.Float64frombits(m)
		}
	}
}

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
	outs := pc.outs
	uses := map[*node]int{}
	for n := range reach {
		for _, in := range n.inputs {
			uses[in]++
		}
	}
	for _, o := range outs {
		uses[o] += 2
	}
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
	leafShapes := make([]shapes.Shape, len(ins))
	for i, in := range ins {
		leafShapes[i] = in.shape
	}
	var outs []*Buffer
	leaves := make([]any, len(ins))
	for i, in := range ins {
		leaves[i] = in.flat
	}
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
	leafShapes := make([]shapes.Shape, len(ins))
	leaves := make([]any, len(ins))
	for i, in := range ins {
		leafShapes[i], leaves[i] = in.shape, in.flat
	}
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

// isConstOne reports whether n is a constant single value equal to 1.
func isConstOne(n *node) bool {
	if n.op != backends.OpTypeConstant || n.shape.Size() != 1 {
		return false
	}
	buf, ok := n.params.(*Buffer)
	if !ok {
		return false
	}
	switch f := buf.flat.(type) {
	case []float32:
		return f[0] == 1
	case []float64:
		return f[0] == 1
	}
	return false
}

// simplifyProgram replaces Sign(Add(Sign(x), 1)) (either operand order of the Add) by one
// opStepNonNeg step, replaces steps equal to an earlier step by it, then drops the steps no longer
// referenced and renumbers the others.
func simplifyProgram(p fusedProgram, leaves []*node) fusedProgram {
	refs := make([]int, len(p.steps))
	for _, st := range p.steps {
		for _, a := range st.args {
			if a >= 0 {
				refs[a]++
			}
		}
	}
	isOne := func(a int) bool { return a < 0 && isConstOne(leaves[-a-1]) }
	changed := false
	for i := range p.steps {
		st := p.steps[i]
		if st.op != backends.OpTypeSign || st.args[0] < 0 || refs[st.args[0]] != 1 {
			continue
		}
		add := p.steps[st.args[0]]
		if add.op != backends.OpTypeAdd {
			continue
		}
		inner := -1
		switch {
		case isOne(add.args[1]) && add.args[0] >= 0:
			inner = add.args[0]
		case isOne(add.args[0]) && add.args[1] >= 0:
			inner = add.args[1]
		}
		if inner < 0 || refs[inner] != 1 || p.steps[inner].op != backends.OpTypeSign {
			continue
		}
		p.steps[i] = fusedStep{op: opStepNonNeg, args: []int{p.steps[inner].args[0]}}
		changed = true
	}
	// Common steps: a step equal to an earlier one (same op, same operands) is replaced by it.
	same := map[string]int{}
	alias := make([]int, len(p.steps))
	for i := range p.steps {
		alias[i] = i
		st := &p.steps[i]
		for j, a := range st.args {
			if a >= 0 && alias[a] != a {
				st.args[j] = alias[a]
				changed = true
			}
		}
		key := fmt.Sprint(st.op, st.args)
		if k, ok := same[key]; ok && i != len(p.steps)-1 {
			alias[i] = k
			changed = true
			continue
		}
		same[key] = i
	}
	if !changed {
		return p
	}
	// Keep the steps reachable from the result, in order.
	live := make([]bool, len(p.steps))
	live[len(p.steps)-1] = true
	for i := len(p.steps) - 1; i >= 0; i-- {
		if !live[i] {
			continue
		}
		for _, a := range p.steps[i].args {
			if a >= 0 {
				live[a] = true
			}
		}
	}
	newIndex := make([]int, len(p.steps))
	var steps []fusedStep
	for i, st := range p.steps {
		if !live[i] {
			continue
		}
		args := slices.Clone(st.args)
		for j, a := range args {
			if a >= 0 {
				args[j] = newIndex[a]
			}
		}
		newIndex[i] = len(steps)
		steps = append(steps, fusedStep{op: st.op, args: args})
	}
	p.steps = steps
	return p
}

// nonNegBlock writes o = NonNeg(x) (see opStepNonNeg) with integer selections, no float branches.
func nonNegBlock[T floatT](o, x []T) {
	switch xs := any(x).(type) {
	case []float32:
		os := any(o).([]float32)[:len(xs)]
		if k := simdLen(len(xs)); k > 0 {
			nonNegF32(p32(os), p32(xs), k)
			os, xs = os[k:], xs[k:]
		}
		for i, v := range xs {
			b := math.Float32bits(v)
			var r uint32 = 0x3f800000 // 1
			if b > 0x80000000 {       // negative, not −0
				r = 0
			}
			if b&0x7fffffff > 0x7f800000 { // NaN
				r = b
			}
			os[i] = math.Float32frombits(r)
		}
	case []float64:
		os := any(o).([]float64)[:len(xs)]
		for i, v := range xs {
			b := math.Float64bits(v)
			var r uint64 = 0x3ff0000000000000
			if b > 1<<63 {
				r = 0
			}
			if b&(1<<63-1) > 0x7ff0000000000000 {
				r = b
			}
			os[i] = math.Float64frombits(r)
		}
	}
}

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
	outs := pc.outs
	uses := map[*node]int{}
	for n := range reach {
		for _, in := range n.inputs {
			uses[in]++
		}
	}
	for _, o := range outs {
		uses[o] += 2
	}
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
	leafShapes := make([]shapes.Shape, len(ins))
	leaves := make([]any, len(ins))
	for i, in := range ins {
		leafShapes[i], leaves[i] = in.shape, in.flat
	}
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

// isConstZero reports whether n is a constant single float value equal to 0 (either sign).
func isConstZero(n *node) bool {
	if n.op != backends.OpTypeConstant || n.shape.Size() != 1 {
		return false
	}
	buf, ok := n.params.(*Buffer)
	if !ok {
		return false
	}
	switch f := buf.flat.(type) {
	case []float32:
		return f[0] == 0
	case []float64:
		return f[0] == 0
	}
	return false
}

// reluMasks rewrites the other users of a ReLU's mask to compare the ReLU's output instead of its
// input: for r = Where(x > 0, x, 0), (x > 0) = (r > 0) at every position (NaN included: both are
// false), so the gradient's mask reads r, which is stored for the next layer anyway, and x can be
// computed inside r's fused program without being stored (a residual sum before a ReLU, say). The
// new comparison takes r's id, ordered right after it.
func reluMasks(pc *compilation) {
	reach := pc.reach
	users := map[*node][]*node{}
	for n := range reach {
		for _, in := range n.inputs {
			users[in] = append(users[in], n)
		}
	}
	for r := range reach {
		if r.op != backends.OpTypeWhere || len(r.inputs) != 3 || !r.shape.DType.IsFloat() {
			continue
		}
		c, x, z := r.inputs[0], r.inputs[1], r.inputs[2]
		if c.op != backends.OpTypeGreaterThan || c.inputs[0] != x || !isConstZero(c.inputs[1]) || !isConstZero(z) ||
			!sameDims(c.shape, r.shape) {
			continue
		}
		var others []*node
		for _, u := range users[c] {
			// Users built before r would come before the new comparison: left as they are.
			if u != r && u.id > r.id && !slices.Contains(others, u) {
				others = append(others, u)
			}
		}
		if len(others) == 0 {
			continue
		}
		c2 := &node{id: r.id, sub: 1, op: backends.OpTypeGreaterThan, shape: c.shape, inputs: []*node{r, c.inputs[1]},
			builder: r.builder}
		for _, u := range others {
			for i, in := range u.inputs {
				if in == c {
					u.inputs[i] = c2
				}
			}
		}
		pc.stats.ReluMasks++
	}
}
