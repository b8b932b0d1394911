package losses

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// klFixed returns (1/B) Σ_i KL(p_i‖softmax(zq_i)) with IMSAT's smoothing, p a fixed [B, K] target.
func klFixed(p, zq *Node) *Node {
	q := graph.Softmax(zq, -1)
	return graph.ReduceAllMean(graph.ReduceSum(graph.Mul(p, graph.Sub(logEps(p), logEps(q))), -1))
}

// normalizePerExample scales each example of d ([B, ...]) to unit Euclidean norm over its non-batch
// axes: d_i/‖d_i‖₂.
func normalizePerExample(d *Node) *Node {
	axes := make([]int, d.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	norm := graph.Sqrt(graph.ReduceAndKeep(graph.Square(d), graph.ReduceSum, axes...))
	return graph.Div(d, norm)
}

// VATDirection returns the adversarial direction of virtual adversarial training with one power
// iteration (IMSAT's vat()):
//
//	d = noise_i/‖noise_i‖,  g = ∇_d (1/B) Σ_i KL(σ(x_i)‖σ(x_i + ξ·d_i)),  r_adv,i = g_i/‖g_i‖,
//
// where σ(x) = softmax(forward(x)) is held fixed. noise has x's shape (e.g. ctx.RandomNormal); the
// result has no gradient.
func VATDirection(forward func(x *Node) *Node, x, noise *Node, xi float64) *Node {
	p := graph.StopGradient(graph.Softmax(forward(x), -1))
	d := normalizePerExample(graph.StopGradient(noise))
	kl := klFixed(p, forward(graph.Add(x, graph.MulScalar(d, xi))))
	g := graph.Gradient(kl, d)[0]
	return graph.StopGradient(normalizePerExample(g))
}

// VAT returns IMSAT's VAT smoothness term (1/B) Σ_i KL(σ(x_i)‖σ(x_i + ε_i·r_adv,i)) with the +1e-8
// smoothing, σ(x_i) fixed, r_adv from VATDirection, and eps of shape [B] (IMSAT: 0.25 × the distance
// to the 10th nearest neighbour) or a scalar. IMSAT uses ξ = 10.
//
// forward is called three times; a model with batch norm in training mode updates its running
// statistics on each call.
func VAT(forward func(x *Node) *Node, x, noise *Node, xi float64, eps *Node) *Node {
	r := VATDirection(forward, x, noise, xi)
	if eps.Rank() == 1 {
		dims := make([]int, x.Rank())
		for i := range dims {
			dims[i] = 1
		}
		dims[0] = x.Shape().Dimensions[0]
		eps = graph.Reshape(eps, dims...)
	}
	p := graph.StopGradient(graph.Softmax(forward(x), -1))
	return klFixed(p, forward(graph.Add(x, graph.Mul(r, eps))))
}
