package pseudolabel

import (
	"fmt"
	"math"
)

// SinkhornOptions configures Sinkhorn. Zero values take the SeLa defaults.
type SinkhornOptions struct {
	Power      float64 // λ in Q = P^λ; 0 means 25
	Tol        float64 // stop when Σ_i |c_i/c_i^new − 1| < Tol; 0 means 0.1
	CheckEvery int     // test the stop rule every this many iterations; 0 means 10
	MaxIters   int     // iteration cap; 0 means 10000
}

// SinkhornResult holds SeLa's hard labels and the scalings that balance Q.
type SinkhornResult struct {
	Labels    []int     // argmax_k r_k Q_ik c_i per point
	Iters     int       // iterations done
	Converged bool      // the stop rule ended the run before the cap
	R         []float64 // K cluster scalings r
	C         []float64 // N point scalings c
}

// Sinkhorn computes SeLa's balanced hard labels from an N×K probability matrix P.
//
// With Q_ik = P_ik^λ, it alternates r_k = (1/K)/Σ_i Q_ik c_i and c_i = (1/N)/Σ_k r_k Q_ik from
// c = 1/N, so that diag(c) Q diag(r) has row sums 1/N and column sums tending to 1/K, and returns
// labels argmax_k r_k Q_ik c_i. Every CheckEvery iterations (from the first) it stops when
// Σ_i |c_i/c_i^new − 1| < Tol. Q is computed in log space as exp(λ log P_ik − a_i − b_k), with a_i
// the row maxima and b_k the column maxima of the row-scaled matrix, so every row and column of Q
// has an entry 1 and none overflows; the scalings a, b are absorbed into c and r, so labels and
// the balanced matrix are unchanged.
func Sinkhorn(p []float64, n, k int, opt SinkhornOptions) (SinkhornResult, error) {
	if err := checkSigma("P", p, n, k); err != nil {
		return SinkhornResult{}, err
	}
	if opt.Power == 0 {
		opt.Power = 25
	}
	if opt.Tol == 0 {
		opt.Tol = 0.1
	}
	if opt.CheckEvery <= 0 {
		opt.CheckEvery = 10
	}
	if opt.MaxIters <= 0 {
		opt.MaxIters = 10000
	}
	if !(opt.Power > 0) || math.IsInf(opt.Power, 1) {
		return SinkhornResult{}, fmt.Errorf("sinkhorn power = %v, want a finite value > 0", opt.Power)
	}
	q := sinkhornKernel(p, n, k, opt.Power)
	r := make([]float64, k)
	c := make([]float64, n)
	for i := range c {
		c[i] = 1 / float64(n)
	}
	invK, invN := 1/float64(k), 1/float64(n)
	res := SinkhornResult{R: r, C: c}
	qc := make([]float64, k)
	for res.Iters < opt.MaxIters {
		// r = (1/K) / (Qᵀ c)
		clear(qc)
		for i := 0; i < n; i++ {
			ci := c[i]
			for j, v := range q[i*k : (i+1)*k] {
				qc[j] += v * ci
			}
		}
		for j := range r {
			r[j] = invK / qc[j]
		}
		// c_new = (1/N) / (Q r), with the stop test on the scheduled iterations.
		check := res.Iters%opt.CheckEvery == 0
		var errSum float64
		for i := 0; i < n; i++ {
			var s float64
			for j, v := range q[i*k : (i+1)*k] {
				s += v * r[j]
			}
			cn := invN / s
			if check {
				errSum += math.Abs(c[i]/cn - 1)
			}
			c[i] = cn
		}
		res.Iters++
		if check && errSum < opt.Tol {
			res.Converged = true
			break
		}
	}
	res.Labels = make([]int, n)
	for i := 0; i < n; i++ {
		best, bj := -1.0, 0
		for j, v := range q[i*k : (i+1)*k] {
			if s := v * r[j]; s > best {
				best, bj = s, j
			}
		}
		res.Labels[i] = bj
	}
	return res, nil
}

// sinkhornKernel returns Q_ik = exp(λ log P_ik − a_i − b_k) (see Sinkhorn).
func sinkhornKernel(p []float64, n, k int, power float64) []float64 {
	q := make([]float64, n*k)
	for i := 0; i < n; i++ {
		row := q[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for j, v := range p[i*k : (i+1)*k] {
			row[j] = power * math.Log(v)
			mx = math.Max(mx, row[j])
		}
		for j := range row {
			row[j] -= mx
		}
	}
	b := make([]float64, k)
	for j := range b {
		b[j] = math.Inf(-1)
	}
	for i := 0; i < n; i++ {
		for j, v := range q[i*k : (i+1)*k] {
			b[j] = math.Max(b[j], v)
		}
	}
	for i := range q {
		q[i] = math.Exp(q[i] - b[i%k])
	}
	return q
}
