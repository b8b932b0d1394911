package pseudolabel

import (
	"fmt"
	"math"
)

// Stopping rule of the M-step root finder (halleyRoot): |Δx| ≤ rootTol·x and |F(x) − 1| ≤ rootFTol,
// or no further progress in floating point, or rootMaxSteps evaluations. The test on F matters
// where F is steep (x near σ_max/(1+P)): there a tiny Δx still leaves y off the simplex.
const (
	rootTol      = 1e-12
	rootFTol     = 1e-12
	rootMaxSteps = 50
	// extrapTol bounds e = (1+P)|Δx|·max_k 1/((1+P)x − σ_k) for finishing with a series step
	// instead of another evaluation: the neglected terms are O(e³) relative.
	extrapTol = 1e-5
)

// useHalley selects Halley's iteration (true, the default) or plain Newton steps (false, kept for
// the tests) in the M-step root finder halleyRoot.
var useHalley = true

// MStep solves the per-point M-step problem (15),
//
//	min_{y∈Δ_K} f(y) = −log(σ·y) − Σ_k p_k log y_k,   p_k ≥ 0,
//
// writes the minimiser into y and returns x = σ·y and the number of evaluations of F.
//
// Main case (all p_k > 0), with P = Σ_k p_k: stationarity of the Lagrangian (multiplier 1+P)
// gives (16),
//
//	y_k(x) = p_k x / ((1+P)x − σ_k),
//
// and x is the unique root of F(x) = Σ_k y_k(x) = 1 on (σ_max/(1+P), σ_max], where F is convex
// and decreasing, F' = −Σ_k p_kσ_k/d_k², F″ = 2(1+P)Σ_k p_kσ_k/d_k³, d_k = (1+P)x − σ_k.
// The root finder starts at max_k σ_k/(1+P−p_k), which is at least Lemma 1's x0 = σ_max/(1+P−p_m),
// m = argmax σ, and has F ≥ 1 for the same reason (some y_k equals 1 there), and
// takes Halley steps Δx = −2GF'/(2F'² − GF″), G = F − 1 (Newton's −G/F' when halley is off),
// kept inside a bracket [lo, hi] with F(lo) ≥ 1 ≥ F(hi). It stops when |Δx| ≤ 1e-12·x and
// |F(x) − 1| ≤ 1e-12, or, when the step is so small that e = (1+P)|Δx|/min_k d_k ≤ 1e-5, it
// finishes at x + Δx with the second-order series 1/(d_k + (1+P)Δx) ≈ (1 − e_k + e_k²)/d_k,
// e_k = (1+P)Δx/d_k, whose error is O(e³). y is then normalised to sum to 1.
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
	sol := solvePoint(y, sigma, p, P, m, allPos, 0)
	for k := range y {
		y[k] = sol.value(y[k], p[k])
	}
	return sol.x, sol.steps
}

// pointSol describes the M-step solution of one point. With direct set, y already holds the
// solution. Otherwise y holds r_k = 1/d_k at the last evaluated x and the solution is
// value(r_k, p_k) = p_k r_k (1 − e_k + e_k²)·scale with e_k = adx·r_k.
type pointSol struct {
	x, scale, adx float64
	a             float64 // 1 + P
	steps         int
	direct        bool
}

// value returns the solution entry from the stored r_k and p_k (see pointSol).
func (s *pointSol) value(r, p float64) float64 {
	if s.direct {
		return r
	}
	e := s.adx * r
	return p * r * (1 - e + e*e) * s.scale
}

// solvePoint solves (15) for one point. P = Σp, m = argmax σ, allPos reports p_k > 0 for all k,
// and xWarm > 0 is a previous root used as a start when it is safe.
func solvePoint(y, sigma, p []float64, P float64, m int, allPos bool, xWarm float64) pointSol {
	if !allPos {
		return checked(y, sigma, p, solveZeros(y, sigma, p, P, xWarm))
	}
	smax := sigma[m]
	a := 1 + P
	return checked(y, sigma, p, halleyRoot(y, sigma, p, a, smax, startPoint(sigma, p, a), xWarm, nil, false))
}

// startPoint returns max_k σ_k/(a − p_k) over p_k > 0. At x_k = σ_k/(a − p_k), y_k(x_k) = 1, so
// (Lemma 1 applied to each k) F(x_k) ≥ 1 wherever x_k lies in the domain, which holds for the
// largest x_k since it is at least Lemma 1's x0. Unlike x0 it stays away from the pole
// σ_max/a when p_m is below the rounding level of a.
func startPoint(sigma, p []float64, a float64) float64 {
	b := -1
	for k, v := range p {
		// σ_k/(a−p_k) > σ_b/(a−p_b) without dividing (both denominators are positive).
		if v > 0 && (b < 0 || sigma[k]*(a-p[b]) > sigma[b]*(a-v)) {
			b = k
		}
	}
	return sigma[b] / (a - p[b])
}

// checked returns sol when it describes a finite solution, and otherwise solves again with the
// entries p_k < 1e-14·(1+P) set to 0 (they are below the rounding level of the problem), or
// as a last resort sets y to the vertex of the largest σ. The result of a retry is direct.
func checked(y, sigma, p []float64, sol pointSol) pointSol {
	if sol.direct || (sol.scale > 0 && !math.IsInf(sol.scale, 1) && sol.x > 0 && !math.IsInf(sol.x, 1)) {
		return sol
	}
	var P float64
	for _, v := range p {
		P += v
	}
	cut := 1e-14 * (1 + P)
	P = 0
	for k, v := range p {
		if v < cut {
			p[k] = 0
		}
		P += p[k]
	}
	s := solveZeros(y, sigma, p, P, 0)
	if !s.direct {
		for k := range y {
			y[k] = s.value(y[k], p[k])
		}
		s.direct = true
	}
	ok := s.x > 0 && !math.IsInf(s.x, 1)
	for _, v := range y {
		if !(v >= 0 && v <= 1) {
			ok = false
		}
	}
	if !ok {
		m := 0
		for k := range sigma {
			if sigma[k] > sigma[m] {
				m = k
			}
		}
		clear(y)
		y[m] = 1
		return pointSol{x: sigma[m], a: 1 + P, direct: true}
	}
	return s
}

// solveZeros handles p with zero entries (the supplement's case).
func solveZeros(y, sigma, p []float64, P float64, xWarm float64) pointSol {
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
	a := 1 + P
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
		return pointSol{x: sigma[m], a: a, direct: true}
	}
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
			return pointSol{x: c, a: a, direct: true}
		}
	}
	return halleyRoot(y, sigma, p, a, sigma[mA], startPoint(sigma, p, a), xWarm, nil, true)
}

// halleyRoot finds the root of F(x) = x·Σ_k p_k/(a x − σ_k) = 1 on (hi/a, hi], hi = max σ over
// {p_k > 0}, from x0 (a point with F(x0) ≥ 1) or from xWarm when x0 < xWarm < hi. If first
// is not nil it holds the sums of an evaluation at xWarm already done (r stored in y); xWarm
// may then be any point with a·xWarm > hi, inside [x0, hi] or not: F is defined there, and
// the evaluation is a step like any other (F ≥ 1 left of x0, F ≤ 1 right of hi). The
// bracket [lo, hi] starts at [x0, hi] and only shrinks. It leaves r_k = 1/(a x − σ_k) in y (0
// where p_k = 0) and returns how to form the solution from it. With masked set, entries with
// p_k = 0 are skipped.
func halleyRoot(y, sigma, p []float64, a, hi, x0, xWarm float64, first *evalSums, masked bool) pointSol {
	smax := hi
	lo := x0
	x := x0
	if first != nil || (xWarm > x0 && xWarm < hi) {
		x = xWarm
	}
	sol := pointSol{a: a}
	var lastQ float64
	for sol.steps < rootMaxSteps {
		var s evalSums
		switch {
		case first != nil:
			s, first = *first, nil
		case masked:
			s = evalMasked(y, sigma, p, a*x)
		default:
			s = eval(y, sigma, p, a*x)
		}
		sol.steps++
		sol.x, lastQ = x, s.q
		// With d_k = ax − σ_k, σ_k r_k = ax r_k − 1, so F' = −Σ p σ r² = −(ax·Σpr² − Σpr)
		// and F''/(2a) = Σ p σ r³ = ax·Σpr³ − Σpr².
		ax := a * x
		fp := ax*s.qr - s.q
		f := x * s.q
		g := f - 1
		dx := g / fp // Newton: −G/F'
		if useHalley {
			fpp := ax*s.qrr - s.qr
			dx = 2 * g * fp / (2*fp*fp - g*2*a*fpp)
		}
		if f >= 1 {
			if x > lo {
				lo = x
			}
		} else if x < hi {
			hi = x
		}
		if (math.Abs(dx) <= rootTol*x && math.Abs(g) <= rootFTol) || !(fp > 0) {
			break
		}
		// The largest r_k is 1/(ax − σ_max), σ_max over the active entries.
		if a*math.Abs(dx) <= extrapTol*(ax-smax) && x+dx > lo && x+dx < hi {
			// Finish at x+Δx by the series; its normaliser is Σ q(1 − e_k + e_k²).
			sol.x = x + dx
			sol.adx = a * dx
			sol.scale = 1 / (s.q - sol.adx*s.qr + sol.adx*sol.adx*s.qrr)
			return sol
		}
		xn := x + dx
		switch {
		case !(xn > lo), !(xn < hi):
			xn = 0.5 * (lo + hi)
		}
		if xn == x || hi-lo <= rootTol*x {
			break
		}
		x = xn
	}
	sol.scale = 1 / lastQ
	return sol
}

// evalSums holds, for r_k = 1/(ax − σ_k): q = Σp_kr_k, qr = Σp_kr_k² and qrr = Σp_kr_k³.
type evalSums struct{ q, qr, qrr float64 }

// eval stores r_k = 1/(ax − σ_k) in y and returns the sums of evalSums. It is unrolled with independent accumulators so that the divisions overlap.
func eval(y, sigma, p []float64, ax float64) evalSums {
	n := len(p)
	sigma = sigma[:n]
	y = y[:n]
	var q0, q1, d0, d1, e0, e1 float64
	k := 0
	for ; k+2 <= n; k += 2 {
		r0, r1 := recip2(ax-sigma[k], ax-sigma[k+1])
		y[k], y[k+1] = r0, r1
		u0, u1 := p[k]*r0, p[k+1]*r1
		q0 += u0
		q1 += u1
		v0, v1 := u0*r0, u1*r1
		d0 += v0
		d1 += v1
		e0 += v0 * r0
		e1 += v1 * r1
	}
	if k < n {
		r := 1 / (ax - sigma[k])
		y[k] = r
		u := p[k] * r
		q0 += u
		v := u * r
		d0 += v
		e0 += v * r
	}
	return evalSums{q: q0 + q1, qr: d0 + d1, qrr: e0 + e1}
}

// evalP is eval fused with the E-step: it stores p_k = y_k w_k in p and r_k in y, and also
// returns P = Σp_k and whether all p_k > 0.
func evalP(y, sigma, w, p []float64, ax float64) (s evalSums, P float64, allPos bool) {
	n := len(p)
	sigma = sigma[:n]
	y = y[:n]
	w = w[:n]
	var q0, q1, d0, d1, e0, e1, P0, P1 float64
	allPos = true
	k := 0
	for ; k+2 <= n; k += 2 {
		p0, p1 := y[k]*w[k], y[k+1]*w[k+1]
		p[k], p[k+1] = p0, p1
		P0 += p0
		P1 += p1
		if !(p0 > 0 && p1 > 0) {
			allPos = false
		}
		r0, r1 := recip2(ax-sigma[k], ax-sigma[k+1])
		y[k], y[k+1] = r0, r1
		u0, u1 := p0*r0, p1*r1
		q0 += u0
		q1 += u1
		v0, v1 := u0*r0, u1*r1
		d0 += v0
		d1 += v1
		e0 += v0 * r0
		e1 += v1 * r1
	}
	if k < n {
		p0 := y[k] * w[k]
		p[k] = p0
		P0 += p0
		if !(p0 > 0) {
			allPos = false
		}
		r := 1 / (ax - sigma[k])
		y[k] = r
		u := p0 * r
		q0 += u
		v := u * r
		d0 += v
		e0 += v * r
	}
	return evalSums{q: q0 + q1, qr: d0 + d1, qrr: e0 + e1}, P0 + P1, allPos
}

// evalMasked is eval that skips entries with p_k = 0 (storing r_k = 0 for them).
func evalMasked(y, sigma, p []float64, ax float64) evalSums {
	var s evalSums
	for k, pk := range p {
		if !(pk > 0) {
			y[k] = 0
			continue
		}
		r := 1 / (ax - sigma[k])
		y[k] = r
		u := pk * r
		s.q += u
		v := u * r
		s.qr += v
		s.qrr += v * r
	}
	return s
}

// recip2 returns 1/a and 1/b for a, b > 0 with one division: v = 1/(ab), 1/a = bv, 1/b = av
// (two more roundings than plain division). When ab could leave the normal range it divides
// twice.
func recip2(a, b float64) (float64, float64) {
	ab := a * b
	if ab > 1e-290 && ab < 1e290 {
		v := 1 / ab
		return b * v, a * v
	}
	return 1 / a, 1 / b
}
