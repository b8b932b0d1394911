// Package losses implements the clustering losses of the paper and its baselines as GoMLX graph
// functions (Zhang and Boykov, "Collision Cross-entropy for Soft Class Labels and Deep Clustering",
// arXiv 2303.07321: eq. (9) and the self-labeling losses (5), (10), (11); the baselines as their
// papers define them).
//
// Notation: z are logits of shape [B, K], σ_i = softmax(z_i), targets y_i ∈ Δ_K (rows of a [B, K]
// node), σ̄ = (1/B) Σ_i σ_i, u_k = 1/K, LSE(v) = log Σ_k exp(v_k), H(p) = −Σ_k p_k log p_k.
// Functions without the PerExample suffix return the mean over the batch as a scalar.
// Targets are treated as given data: callers that want no gradient into them wrap them in
// graph.StopGradient or pass constants.
//
// Only elementwise, broadcast, reduce and matrix-product operations are used, so every backend can
// evaluate and differentiate these losses.
package losses

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Node is a GoMLX graph node.
type Node = graph.Node

// lowest is the finite stand-in for −∞ used to mask entries out of a log-sum-exp.
const lowest = -math.MaxFloat32

// logSumExp returns LSE over the last axis, [B, K] → [B], shifted by the (gradient-free) row maximum:
// LSE(v) = m + log Σ_k exp(v_k − m), m = max_k v_k.
func logSumExp(v *Node) *Node {
	m := graph.StopGradient(graph.ReduceAndKeep(v, graph.ReduceMax, -1))
	s := graph.ReduceSum(graph.Exp(graph.Sub(v, m)), -1)
	return graph.Add(graph.Log(s), graph.Reshape(m, s.Shape().Dimensions...))
}

// maskedLogSumExp returns log Σ_{k: mask_k} exp(v_k) over the last axis. Masked-out entries neither
// contribute to the value nor receive gradient, and no inf/NaN arises from them.
func maskedLogSumExp(v, mask *Node) *Node {
	low := graph.BroadcastToShape(graph.Scalar(v.Graph(), v.DType(), lowest), v.Shape())
	vm := graph.Where(mask, v, low)
	m := graph.StopGradient(graph.ReduceAndKeep(vm, graph.ReduceMax, -1))
	e := graph.Where(mask, graph.Exp(graph.Sub(vm, m)), graph.ZerosLike(v))
	s := graph.ReduceSum(e, -1)
	return graph.Add(graph.Log(s), graph.Reshape(m, s.Shape().Dimensions...))
}

// safeLog returns log(p) where p > 0 and 0 elsewhere, with zero gradient at p ≤ 0.
func safeLog(p *Node) *Node {
	pos := graph.GreaterThan(p, graph.ScalarZero(p.Graph(), p.DType()))
	return graph.Where(pos, graph.Log(graph.Where(pos, p, graph.OnesLike(p))), graph.ZerosLike(p))
}

// xLogX returns p·log p elementwise with 0·log 0 = 0.
func xLogX(p *Node) *Node { return graph.Mul(p, safeLog(p)) }

// CollisionCEPerExample returns the collision cross-entropy of each row (the paper's eq. (9)):
//
//	H2(y_i, σ_i) = −log Σ_k y_ik σ_ik = LSE(z_i) − LSE_{k: y_ik > 0}(z_ik + log y_ik),
//
// shape [B]. Entries with y_ik = 0 are skipped, so zeros in y never produce NaN or ±Inf, in the value
// or in the gradient. The gradient in z is σ_i − q_i with q_i = softmax(z_i + log y_i). The gradient in
// y is −σ_ik/(σ_i·y_i) for y_ik > 0 and 0 (not the one-sided derivative) for y_ik = 0.
func CollisionCEPerExample(z, y *Node) *Node {
	pos := graph.GreaterThan(y, graph.ScalarZero(y.Graph(), y.DType()))
	logY := graph.Log(graph.Where(pos, y, graph.OnesLike(y)))
	return graph.Sub(logSumExp(z), maskedLogSumExp(graph.Add(z, logY), pos))
}

// CollisionCE returns (1/B) Σ_i H2(y_i, σ_i); see CollisionCEPerExample.
func CollisionCE(z, y *Node) *Node { return graph.ReduceAllMean(CollisionCEPerExample(z, y)) }

// SoftCrossEntropyPerExample returns the Shannon cross-entropy of each row with soft targets:
//
//	H(y_i, σ_i) = −Σ_k y_ik log σ_ik = (Σ_k y_ik)·LSE(z_i) − Σ_k y_ik z_ik,
//
// shape [B]. Zero entries of y contribute nothing.
func SoftCrossEntropyPerExample(z, y *Node) *Node {
	return graph.Sub(graph.Mul(graph.ReduceSum(y, -1), logSumExp(z)), graph.ReduceSum(graph.Mul(y, z), -1))
}

// SoftCrossEntropy returns (1/B) Σ_i H(y_i, σ_i); see SoftCrossEntropyPerExample.
func SoftCrossEntropy(z, y *Node) *Node { return graph.ReduceAllMean(SoftCrossEntropyPerExample(z, y)) }

// MIADM returns the network term of loss (5) of the paper (MIADM): the Shannon cross-entropy with the soft
// targets y, (1/B) Σ_i H(y_i, σ_i). The fairness term KL(ȳ‖u) does not depend on the network.
func MIADM(z, y *Node) *Node { return SoftCrossEntropy(z, y) }

// SeLa returns the cross-entropy with hard labels (SeLa's network loss): (1/B) Σ_i (LSE(z_i) − z_{i,l_i}), where
// labels is an integer node of shape [B] with values in [0, K).
func SeLa(z, labels *Node) *Node {
	k := z.Shape().Dimensions[z.Rank()-1]
	return SoftCrossEntropy(z, graph.OneHot(labels, k, z.DType()))
}

// MeanDistribution returns ȳ = (1/B) Σ_i y_i, [B, K] → [K].
func MeanDistribution(y *Node) *Node { return graph.ReduceMean(y, 0) }

// FairnessKLMeanUniform returns KL(ȳ‖u) = Σ_k ȳ_k log ȳ_k + log K, the fairness term of loss (10),
// with 0·log 0 = 0. y is [B, K] (rows in Δ_K).
func FairnessKLMeanUniform(y *Node) *Node {
	ybar := MeanDistribution(y)
	k := ybar.Shape().Dimensions[0]
	return graph.AddScalar(graph.ReduceAllSum(xLogX(ybar)), math.Log(float64(k)))
}

// FairnessKLUniformMean returns KL(u‖ȳ) = −log K − (1/K) Σ_k log ȳ_k, the fairness term of loss (11).
// It is +Inf when some ȳ_k = 0. y is [B, K].
func FairnessKLUniformMean(y *Node) *Node {
	ybar := MeanDistribution(y)
	k := ybar.Shape().Dimensions[0]
	return graph.AddScalar(graph.Neg(graph.ReduceAllMean(graph.Log(ybar))), -math.Log(float64(k)))
}

// EntropyPerExample returns H(σ_i) = LSE(z_i) − Σ_k σ_ik z_ik for logits z, shape [B].
func EntropyPerExample(z *Node) *Node {
	return graph.Sub(logSumExp(z), graph.ReduceSum(graph.Mul(graph.Softmax(z, -1), z), -1))
}

// Entropy returns H(p) = −Σ_k p_k log p_k of a probability vector p ([K]), with 0·log 0 = 0.
func Entropy(p *Node) *Node { return graph.Neg(graph.ReduceAllSum(xLogX(p))) }

// CollisionEntropy returns H2(p) = −log Σ_k p_k² of a probability vector p ([K]) (the paper's eq. (6)).
func CollisionEntropy(p *Node) *Node {
	return graph.Neg(graph.Log(graph.ReduceAllSum(graph.Square(p))))
}

// MIGD returns the mutual-information loss of Krause/Bridle (the paper's eq. (1)):
//
//	L = (1/B) Σ_i H(σ_i) − γ·H(σ̄),
//
// with γ the fairness weight (1.3 in the paper's reading A).
func MIGD(z *Node, gamma float64) *Node {
	sigmaBar := MeanDistribution(graph.Softmax(z, -1))
	return graph.Sub(graph.ReduceAllMean(EntropyPerExample(z)), graph.MulScalar(Entropy(sigmaBar), gamma))
}

// IMSATEpsilon is the constant IMSAT adds inside its logarithms.
const IMSATEpsilon = 1e-8

// logEps returns log(p + IMSATEpsilon).
func logEps(p *Node) *Node { return graph.Log(graph.AddScalar(p, IMSATEpsilon)) }

// IMSATKL returns the self-augmentation term R_SAT = (1/B) Σ_i KL(σ(x_i)‖σ(x'_i)) with IMSAT's
// smoothing, KL(p‖q) = Σ_k p_k (log(p_k + 1e-8) − log(q_k + 1e-8)), for logits z of the clean inputs
// and zAug of the perturbed ones. The clean prediction p is a fixed target (no gradient), as in
// IMSAT's code.
func IMSATKL(z, zAug *Node) *Node {
	p := graph.StopGradient(graph.Softmax(z, -1))
	q := graph.Softmax(zAug, -1)
	kl := graph.ReduceSum(graph.Mul(p, graph.Sub(logEps(p), logEps(q))), -1)
	return graph.ReduceAllMean(kl)
}

// IMSATInfo returns IMSAT's information term with its smoothing:
//
//	mean_i H_ε(σ_i) − μ·H_ε(σ̄),  H_ε(p) = −Σ_k p_k log(p_k + 1e-8).
func IMSATInfo(z *Node, mu float64) *Node {
	sigma := graph.Softmax(z, -1)
	hEach := graph.Neg(graph.ReduceSum(graph.Mul(sigma, logEps(sigma)), -1))
	sigmaBar := MeanDistribution(sigma)
	hBar := graph.Neg(graph.ReduceAllSum(graph.Mul(sigmaBar, logEps(sigmaBar))))
	return graph.Sub(graph.ReduceAllMean(hEach), graph.MulScalar(hBar, mu))
}

// IMSAT returns the IMSAT loss (Hu et al., 2017): R_SAT + λ_I·(mean_i H(σ_i) − μ·H(σ̄)), see IMSATKL and
// IMSATInfo. IMSAT's defaults are λ_I = 0.1, μ = 4.
func IMSAT(z, zAug *Node, lambdaI, mu float64) *Node {
	return graph.Add(IMSATKL(z, zAug), graph.MulScalar(IMSATInfo(z, mu), lambdaI))
}

// IICEpsilon is the clamp of IIC's joint and marginals (Python's sys.float_info.epsilon).
const IICEpsilon = 2.220446049250313e-16

// IICJoint returns IIC's symmetrised joint distribution of the cluster assignments of two views:
// P = normalise(Σ_i σ_i σ'_iᵀ), then (P + Pᵀ)/2, shape [K, K].
func IICJoint(z, zAug *Node) *Node {
	s1 := graph.Softmax(z, -1)
	s2 := graph.Softmax(zAug, -1)
	p := graph.Einsum("bi,bj->ij", s1, s2)
	p = graph.MulScalar(graph.Add(p, graph.Transpose(p, 0, 1)), 0.5)
	return graph.Div(p, graph.ReduceAllSum(p))
}

// IIC returns the invariant-information-clustering loss (Ji et al., 2019):
//
//	L = −Σ_{c,c'} P_cc' (log P_cc' − λ log P_c − λ log P_c'),
//
// with P = IICJoint(z, zAug), P_c = Σ_c' P_cc' and P_c' = Σ_c P_cc' (taken before clamping), and P,
// P_c, P_c' clamped below at IICEpsilon (clamped entries get no gradient). λ = 1 is mutual information.
func IIC(z, zAug *Node, lambda float64) *Node {
	p := IICJoint(z, zAug)
	k := p.Shape().Dimensions[0]
	pi := graph.BroadcastToDims(graph.ReduceAndKeep(p, graph.ReduceSum, 1), k, k)
	pj := graph.BroadcastToDims(graph.ReduceAndKeep(p, graph.ReduceSum, 0), k, k)
	clamp := func(x *Node) *Node {
		eps := graph.BroadcastToShape(graph.Scalar(x.Graph(), x.DType(), IICEpsilon), x.Shape())
		return graph.Where(graph.LessThan(x, eps), eps, x)
	}
	p, pi, pj = clamp(p), clamp(pi), clamp(pj)
	inner := graph.Sub(graph.Log(p), graph.MulScalar(graph.Add(graph.Log(pi), graph.Log(pj)), lambda))
	return graph.Neg(graph.ReduceAllSum(graph.Mul(p, inner)))
}
