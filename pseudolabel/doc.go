// Package pseudolabel computes soft pseudo-labels y for self-labeled clustering from a network's
// predictions σ, in plain Go float64.
//
// Matrices are dense row-major N×K slices: row i holds the K class probabilities of point i.
//
// The losses, with ȳ = (1/N)Σ_i y_i and u_k = 1/K:
//
//	(10)  L(y) = (1/N)Σ_i −log(σ_i·y_i) + λ KL(ȳ‖u)
//	(11)  L(y) = (1/N)Σ_i −log(σ_i·y_i) + λ KL(u‖ȳ)
//
// Solvers:
//   - EM for loss (11): E-step S_ik = y_ik/Σ_j y_jk, then a per-point M-step solved by a
//     safeguarded Halley iteration on the scalar x = σ_i·y_i (see MStep).
//   - Newton for loss (11): a primal–dual interior-point method on its optimality conditions with
//     the K cluster variables c_k = λ/(K ȳ_k); each Newton system reduces to K×K. Tens of
//     iterations at any λ, where EM needs thousands at λ = 100. KKT11 measures the optimality
//     of any y, and DualNewton / pointDual solve the exact (nonsmooth) dual used to polish it.
//   - PGD for loss (10) or (11): y_i ← Π_Δ(y_i − ηG_i) with the sort-based simplex projection.
//   - Sinkhorn–Knopp balancing of P^λ for SeLa hard labels.
//   - The MIADM closed-form update y_ik ∝ σ_ik/(Σ_j σ_jk)^{1/2}.
//
// BenchTable1 runs the EM-versus-PGD timing protocol.
package pseudolabel
