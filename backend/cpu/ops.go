package cpu

import "github.com/gomlx/gomlx/backends"

// Internal op types: made by the compile passes (see passes.go), never by GoMLX. They are numbered
// after GoMLX's own op types.
const (
	// opProjection is a projection node: output projIndex of its single (multi-output) input.
	opProjection = backends.OpTypeLast + 1 + iota
	// opFusedDot is ReduceSum(Mul(a, b)) computed as a product (fuseDots).
	opFusedDot
	// opConvBackFilter and opConvBackInput are the gradients of a convolution with respect to the
	// kernel and to the input, computed directly (rewriteConvGradients).
	opConvBackFilter
	opConvBackInput
	// opFusedElementwise is a tree of float elementwise ops evaluated in one pass (fuseElementwise).
	opFusedElementwise
	// opFusedSum is a ReduceSum over the leading axes of a fused program (fuseSums).
	opFusedSum
	// opFusedMax is a ReduceMax over axes other than the first of a fused program's values (read
	// through a Reshape or not): a max-pool of a ReLU, say, without storing the ReLU (fuseMaxes).
	opFusedMax
	// opFusedMulti is a fused program with several outputs: the values of one step (stored) and
	// sums over leading axes of the values of some steps, all computed in one pass (fuseSums,
	// mergeSums). The outputs are the stored values (if any), then the sums in order.
	opFusedMulti
	// opStepNonNeg is a step of fused programs only: NonNeg(x) = 1 where x ≥ 0 (including −0), +0
	// where x < 0, and x where x is NaN; it is what Sign(Add(Sign(x), 1)) computes (GoMLX's
	// NonNegativeIndicator, used by the gradient of ReduceMax; simplifyProgram).
	opStepNonNeg
)

// opName names op types, the internal ones included.
func opName(op backends.OpType) string {
	switch op {
	case opProjection:
		return "Projection"
	case opFusedDot:
		return "FusedDot"
	case opConvBackFilter:
		return "ConvBackFilter"
	case opConvBackInput:
		return "ConvBackInput"
	case opFusedElementwise:
		return "FusedElementwise"
	case opFusedSum:
		return "FusedSum"
	case opFusedMax:
		return "FusedMax"
	case opFusedMulti:
		return "FusedMulti"
	case opStepNonNeg:
		return "NonNegIndicator"
	}
	return op.String()
}
