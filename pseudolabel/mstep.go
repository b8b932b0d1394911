package pseudolabel

import (
	"fmt"
	"math"
)

// Newton stopping rule of the M-step: |Δx| ≤ newtonTol·x and |F(x) − 1| ≤ newtonFTol, or no
// further progress in floating point, or newtonMaxSteps evaluations. The test on F matters where
// F is steep (x near σ_max/(1+P)): there a tiny Δx still leaves y off the simplex.
var halley = true

const (
	newtonTol      = 1e-12
	newtonFTol     = 1e-12
	newtonMaxSteps = 50
)

// MStep solves the per-point M-step problem (15),
//
//	min_{y∈Δ_K} f(y) = −log(σ·y) − Σ_k p_k log y_k,   p_k ≥ 0,
//
// writes the minimiser into y and returns x = σ·y and the number of Newton evaluations.
//
// Main case (all p_k > 0), with P = Σ_k p_k: stationarity of the Lagrangian gives (16),
//
//	y_k(x) = p_k x / ((1+P)x − σ_k),
//
// and x is the unique root of F(x) = Σ_k y_k(x) = 1 on (σ_max/(1+P), σ_max], where F is convex
// and decreasing. Newton's method x ← x − (F(x)−1)/F'(x), F'(x) = −Σ_k p_kσ_k/((1+P)x−σ_k)²,
// starts at Lemma 1's x0 = σ_max/(1+P−p_m), m = argmax σ, where F(x0) ≥ 1, so the iterates
// increase monotonically to the root; a bracket [lo, hi] with F(lo) ≥ 1 ≥ F(hi) guards against
// rounding. The iteration stops when |Δx| ≤ 1e-12·x and |F(x) − 1| ≤ 1e-12.
//
// Zero entries: with A = {k: p_k > 0} and m = argmax_{k∉A} σ_k, if σ_m > σ_k for all k ∈ A the
// candidate x = c = σ_m/(1+P), y_k = p_k c/(σ_m − σ_k) on A, y_m = 1 − Σ_A y_k is the solution
// when y_m > 0; otherwise y is 0 off A and the main case is solved on A. If P = 0, y = e_m with
// m = argmax σ.
//
// σ must have a positive entry; y, σ and p must have the same length K ≥ 1, or MStep panics.
func MStep(y, sigma, p []float64) (x float64, steps int) {
	if len(y) != len(p) || len(sigma) != len(p) || len(p) == 0 {
		panic(fmt.Sprintf("pseudolabel: MStep lengths y=%d sigma=%d p=%d", len(y), len(sigma), len(p)))
	}
	var P float64
	allPos := true
	m := 0
	for k, v := range p {
		P += v
		if !(v > 0) {
			allPos = false
		}
		if sigma[k] > sigma[m] {
			m = k
		}
	}
	x, scale, steps := solvePoint(y, sigma, p, P, m, allPos, 0)
	if scale != 1 {
		for k := range y {
			y[k] *= scale
		}
	}
	return x, steps
}

// solvePoint solves (15) for one point. P = Σp, m = argmax σ, allPos reports p_k > 0 for all k,
// and xWarm > 0 is a previous root used as a start when it is safe. The solution is y·scale:
// the caller applies the scale (so that it can be fused with other work).
func solvePoint(y, sigma, p []float64, P float64, m int, allPos bool, xWarm float64) (x, scale float64, steps int) {
	if !allPos {
		return solveZeros(y, sigma, p, P, xWarm)
	}
	smax := sigma[m]
	a := 1 + P
	x, s0, steps := newton(y, sigma, p, a, smax, smax/(a-p[m]), xWarm, false)
	return x, 1 / s0, steps
}

// solveZeros handles p with zero entries (the supplement's case).
func solveZeros(y, sigma, p []float64, P float64, xWarm float64) (x, scale float64, steps int) {
	mA, mB := -1, -1
	for k, v := range p {
		if v > 0 {
			if mA < 0 || sigma[k] > sigma[mA] {
				mA = k
			}
		} else if mB < 0 || sigma[k] > sigma[mB] {
			mB = k
		}
	}
	if mA < 0 || sigma[mA] <= 0 {
		// P = 0, or σ vanishes on A: only σ·y matters, so y = e_m with m = argmax σ.
		m := 0
		for k := range sigma {
			if sigma[k] > sigma[m] {
				m = k
			}
		}
		clear(y)
		y[m] = 1
		return sigma[m], 1, 0
	}
	a := 1 + P
	if mB >= 0 && sigma[mB] > sigma[mA] {
		sm := sigma[mB]
		c := sm / a
		var sum float64
		for k, v := range p {
			if v > 0 {
				y[k] = v * c / (sm - sigma[k])
				sum += y[k]
			} else {
				y[k] = 0
			}
		}
		if sum < 1 {
			y[mB] = 1 - sum
			return c, 1, 0
		}
	}
	x, s0, steps := newton(y, sigma, p, a, sigma[mA], sigma[mA]/(a-p[mA]), xWarm, true)
	return x, 1 / s0, steps
}

// newton finds the root of F(x) = x·Σ_k p_k/(a x − σ_k) = 1 on (hi/a, hi], hi = max σ over
// {p_k > 0}, from the Lemma-1 point x0 (F(x0) ≥ 1) or from xWarm when x0 < xWarm < hi. It leaves
// y_k = p_k/(a x − σ_k) at the last evaluated x and returns x, s0 = Σ_k y_k (so y/s0 ∈ Δ) and the
// number of evaluations. With masked set, entries with p_k = 0 are skipped and set to 0.
func newton(y, sigma, p []float64, a, hi, x0, xWarm float64, masked bool) (x, s0 float64, steps int) {
	lo, loEval := x0, false
	x = x0
	if xWarm > x0 && xWarm < hi {
		x = xWarm
	}
	for steps < newtonMaxSteps {
		var s1, s2 float64
		if masked {
			s0, s1, s2 = evalMasked(y, sigma, p, a*x)
		} else {
			s0, s1, s2 = eval(y, sigma, p, a*x)
		}
		steps++
		f := x * s0
		dx := (f - 1) / s1 // Newton step: −(F−1)/F' with F' = −s1
		if halley {
			// Halley: Δx = −2GF'/(2F'² − GF''), G = F−1, F'' = 2a s2.
			g := f - 1
			dx = 2 * g * s1 / (2*s1*s1 - g*2*a*s2)
		}
		if f >= 1 {
			lo, loEval = x, true
		} else {
			hi = x
		}
		if (math.Abs(dx) <= newtonTol*x && math.Abs(f-1) <= newtonFTol) || !(s1 > 0) {
			break
		}
		xn := x + dx
		switch {
		case !(xn > lo):
			if loEval {
				xn = 0.5 * (lo + hi)
			} else {
				xn = lo
			}
		case !(xn < hi):
			xn = 0.5 * (lo + hi)
		}
		if xn == x || hi-lo <= newtonTol*x {
			break
		}
		x = xn
	}
	return x, s0, steps
}

// eval writes y_k = p_k/(ax − σ_k) and returns s0 = Σ_k y_k, s1 = Σ_k y_k σ_k/(ax − σ_k) and
// s2 = Σ_k y_k σ_k/(ax − σ_k)². Independent accumulators let the divisions overlap.
func eval(y, sigma, p []float64, ax float64) (s0, s1, s2 float64) {
	n := len(p)
	sigma = sigma[:n]
	y = y[:n]
	var a0, a1, b0, b1, c0, c1 float64
	k := 0
	for ; k+2 <= n; k += 2 {
		r0 := 1 / (ax - sigma[k])
		r1 := 1 / (ax - sigma[k+1])
		q0, q1 := p[k]*r0, p[k+1]*r1
		y[k], y[k+1] = q0, q1
		a0 += q0
		a1 += q1
		t0, t1 := q0*sigma[k]*r0, q1*sigma[k+1]*r1
		b0 += t0
		b1 += t1
		c0 += t0 * r0
		c1 += t1 * r1
	}
	for ; k < n; k++ {
		r := 1 / (ax - sigma[k])
		q := p[k] * r
		y[k] = q
		a0 += q
		t := q * sigma[k] * r
		b0 += t
		c0 += t * r
	}
	return a0 + a1, b0 + b1, c0 + c1
}

// evalMasked is eval that skips entries with p_k = 0 (setting y_k = 0).
func evalMasked(y, sigma, p []float64, ax float64) (s0, s1, s2 float64) {
	for k, v := range p {
		if !(v > 0) {
			y[k] = 0
			continue
		}
		r := 1 / (ax - sigma[k])
		q := v * r
		y[k] = q
		s0 += q
		t := q * sigma[k] * r
		s1 += t
		s2 += t * r
	}
	return s0, s1, s2
}
