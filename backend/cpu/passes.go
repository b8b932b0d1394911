package cpu

// The compile passes: their order, the state they share and the counts of what they rewrote.

import (
	"github.com/gomlx/gomlx/backends"
)

// CompileStats counts the rewrites the compile passes made in a program.
type CompileStats struct {
	ConvGradients    int // convolutions compiled as direct gradient kernels (rewriteConvGradients)
	FusedDots        int // ReduceSum(Mul(a, b)) compiled as products (fuseDots)
	ReluMasks        int // ReLU masks rewritten to compare the ReLU's output (reluMasks)
	FusedElementwise int // fused elementwise programs (fuseElementwise)
	FusedSums        int // sums over leading axes of fused programs (fuseSums)
	MergedSums       int // sums moved into the pass of the program they read (mergeSums)
	FusedMaxes       int // maxima of fused programs (fuseMaxes)
}

// add adds the counts of o to s.
func (s *CompileStats) add(o CompileStats) {
	s.ConvGradients += o.ConvGradients
	s.FusedDots += o.FusedDots
	s.ReluMasks += o.ReluMasks
	s.FusedElementwise += o.FusedElementwise
	s.FusedSums += o.FusedSums
	s.MergedSums += o.MergedSums
	s.FusedMaxes += o.FusedMaxes
}

// compilation is the state the compile passes share: the nodes reachable from the outputs (a pass
// rewrites nodes in place), the outputs, and the counts of rewrites made.
type compilation struct {
	reach map[*node]bool
	outs  []*node
	stats CompileStats
}

// compilePass is one graph rewrite run by Compile.
type compilePass struct {
	name string
	run  func(pc *compilation)
	// fusion marks the passes that run only with elementwise fusion on; merge, those that run only
	// with sum merging on too.
	fusion, merge bool
	// refresh recomputes the reachable nodes after the pass (nodes it bypassed drop out).
	refresh bool
}

// compilePasses are the graph rewrites in the order Compile runs them. Each later pass matches the
// ops made by the earlier ones: fuseSums, mergeSums and fuseMaxes take fused programs as input.
var compilePasses = []compilePass{
	{name: "conv gradients", run: rewriteConvGradients},
	{name: "scalar broadcasts", run: elideScalarBroadcasts},
	{name: "dots", run: fuseDots, refresh: true},
	{name: "relu masks", run: reluMasks, fusion: true, refresh: true},
	{name: "elementwise", run: fuseElementwise, fusion: true, refresh: true},
	{name: "sums", run: fuseSums, fusion: true, refresh: true},
	{name: "merge sums", run: mergeSums, fusion: true, merge: true, refresh: true},
	{name: "maxes", run: fuseMaxes, fusion: true, refresh: true},
}

// noElementwiseFusion turns off the fusion passes (tests compare both ways).
var noElementwiseFusion bool

// noSumMerging turns off mergeSums (tests compare both ways).
var noSumMerging bool

// runPasses runs compilePasses on pc in order.
func runPasses(pc *compilation) {
	for _, p := range compilePasses {
		if (p.fusion && noElementwiseFusion) || (p.merge && noSumMerging) {
			continue
		}
		p.run(pc)
		if p.refresh {
			pc.reach = reachable(pc.outs)
		}
	}
}

// uses counts the users of each reachable node; outputs count two extra uses, so that no pass takes
// an output for a value with a single user.
func (pc *compilation) uses() map[*node]int {
	uses := map[*node]int{}
	for n := range pc.reach {
		for _, in := range n.inputs {
			uses[in]++
		}
	}
	for _, o := range pc.outs {
		uses[o] += 2
	}
	return uses
}

// usersOf lists the users of each input of nodes, in the order of nodes.
func usersOf(nodes []*node) map[*node][]*node {
	users := map[*node][]*node{}
	for _, n := range nodes {
		for _, in := range n.inputs {
			users[in] = append(users[in], n)
		}
	}
	return users
}

// isConstScalar reports whether n is a constant single float value equal to v (0 matches either
// sign).
func isConstScalar(n *node, v float64) bool {
	if n.op != backends.OpTypeConstant || n.shape.Size() != 1 {
		return false
	}
	buf, ok := n.params.(*Buffer)
	if !ok {
		return false
	}
	switch f := buf.flat.(type) {
	case []float32:
		return float64(f[0]) == v
	case []float64:
		return f[0] == v
	}
	return false
}
