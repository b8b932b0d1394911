package cpu

// The elementwise fusion planner (fuseElementwise): which trees of float elementwise ops become one
// fused program, and which shared values each program recomputes instead of reading.

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

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
	uses := pc.uses()
	sumUser := map[*node]bool{}
	for n := range reach {
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
	users := usersOf(nodes)
	inline := inlinableNodes(nodes, outs, uses, users, candidate)
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
func inlinableNodes(nodes, outs []*node, uses map[*node]int, users map[*node][]*node,
	candidate func(*node) bool) map[*node]bool {
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
