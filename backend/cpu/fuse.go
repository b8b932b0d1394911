package cpu

import (
	"math"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
)

// opFusedElementwise is the internal op type of a tree of float elementwise ops evaluated in one pass.
const opFusedElementwise = backends.OpTypeLast + 5

func init() {
	register(opFusedElementwise, execFusedElementwise)
}

// fusedElementwise counts the fused programs built.
var fusedElementwise atomic.Int64

// FusedElementwiseCount returns how many fused elementwise programs have been compiled.
func FusedElementwiseCount() int64 { return fusedElementwise.Load() }

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
}

// fuseElementwise merges trees of float elementwise ops over the same shape, whose inner nodes have a
// single user, into one opFusedElementwise node evaluated block by block, so that intermediate
// results never reach memory. Operands are either of the output's shape or single values.
func fuseElementwise(reach map[*node]bool, outs []*node) {
	uses := map[*node]int{}
	for n := range reach {
		for _, in := range n.inputs {
			uses[in]++
		}
	}
	for _, o := range outs {
		uses[o] += 2
	}
	candidate := func(n *node) bool {
		if _, ok := fusableOps[n.op]; !ok || !n.shape.DType.IsFloat() || n.shape.Size() < 1024 {
			return false
		}
		for _, in := range n.inputs {
			if in.shape.DType != n.shape.DType || (in.shape.Size() != 1 && !in.shape.Equal(n.shape)) {
				return false
			}
		}
		return true
	}
	nodes := make([]*node, 0, len(reach))
	for n := range reach {
		nodes = append(nodes, n)
	}
	// Roots are visited from the last node backwards, so a node absorbed by a later root is skipped.
	sortNodesDesc(nodes)
	absorbed := map[*node]bool{}
	for _, root := range nodes {
		if absorbed[root] || !candidate(root) {
			continue
		}
		var prog fusedProgram
		var leaves []*node
		leafIndex := map[*node]int{}
		count := 0
		var build func(n *node) int
		build = func(n *node) int {
			args := make([]int, len(n.inputs))
			for i, in := range n.inputs {
				if in != root && uses[in] == 1 && candidate(in) && in.shape.Equal(root.shape) {
					absorbed[in] = true
					count++
					args[i] = build(in)
					continue
				}
				k, ok := leafIndex[in]
				if !ok {
					k = len(leaves)
					leafIndex[in] = k
					leaves = append(leaves, in)
				}
				args[i] = -k - 1
			}
			prog.steps = append(prog.steps, fusedStep{op: n.op, args: args})
			return len(prog.steps) - 1
		}
		build(root)
		if count == 0 {
			continue
		}
		fusedElementwise.Add(1)
		root.op = opFusedElementwise
		root.inputs = leaves
		root.params = prog
	}
}

func sortNodesDesc(nodes []*node) {
	sortSlice(nodes, func(a, b *node) bool { return a.id > b.id })
}

const fuseBlock = 1024

func execFusedElementwise(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	prog := n.params.(fusedProgram)
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
		runFused(prog, o, leaves)
	case []float64:
		runFused(prog, o, leaves)
	default:
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

func runFused[T floatT](prog fusedProgram, out []T, leavesAny []any) {
	leaves := make([][]T, len(leavesAny))
	for i, l := range leavesAny {
		leaves[i] = l.([]T)
	}
	total := len(out)
	parallelFor((total+fuseBlock-1)/fuseBlock, max(1, elemGrain/fuseBlock), func(lo, hi int) {
		scratch := make([][]T, len(prog.steps))
		for i := range scratch {
			scratch[i] = make([]T, fuseBlock)
		}
		ops := make([][]T, 2)
		scal := make([]bool, 2)
		for blk := lo; blk < hi; blk++ {
			s, e := blk*fuseBlock, min((blk+1)*fuseBlock, total)
			m := e - s
			for si, st := range prog.steps {
				for j, a := range st.args {
					if a >= 0 {
						ops[j], scal[j] = scratch[a][:m], false
					} else if l := leaves[-a-1]; len(l) == 1 {
						ops[j], scal[j] = l, true
					} else {
						ops[j], scal[j] = l[s:e], false
					}
				}
				dst := scratch[si][:m]
				if si == len(prog.steps)-1 {
					dst = out[s:e]
				}
				if len(st.args) == 1 {
					if scal[0] {
						fillT(dst, evalUnary(st.op, ops[0][0]))
					} else {
						unaryBlock(st.op, dst, ops[0])
					}
				} else {
					binaryBlock(st.op, dst, ops[0], ops[1], scal[0], scal[1])
				}
			}
		}
	})
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

// unaryFloatSeq applies a transcendental unary op sequentially.
func unaryFloatSeq[T floatT](op backends.OpType, o, x []T) {
	var f func(float64) float64
	switch op {
	case backends.OpTypeExp:
		f = math.Exp
	case backends.OpTypeLog:
		f = math.Log
	case backends.OpTypeSqrt:
		f = math.Sqrt
	case backends.OpTypeRsqrt:
		f = func(v float64) float64 { return 1 / math.Sqrt(v) }
	case backends.OpTypeTanh:
		f = math.Tanh
	case backends.OpTypeLog1p:
		f = math.Log1p
	case backends.OpTypeExpm1:
		f = math.Expm1
	case backends.OpTypeLogistic:
		f = func(v float64) float64 {
			if v >= 0 {
				return 1 / (1 + math.Exp(-v))
			}
			e := math.Exp(v)
			return e / (1 + e)
		}
	}
	for i, v := range x {
		o[i] = T(f(float64(v)))
	}
}

func binaryBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
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
