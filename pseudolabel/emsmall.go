package pseudolabel

import "math"

// smallBatch is the number of rows stepBlockSmall takes through each of its passes together.
const smallBatch = 16

// Row states in stepBlockSmall.
const (
	rowDone      = iota // sol describes the solution
	rowPending          // needs an evaluation at x
	rowEvaluated        // the sums at x are ready for a root-finder step
)

// smallState is one row's state between the passes of stepBlockSmall.
type smallState struct {
	sol          pointSol
	x, lo, hi    float64 // current point and the bracket of the root
	q, qr, qrr   float64 // sums of the evaluation at x (see evalSums)
	state, steps int
}

// stepBlockSmall updates the rows [lo, hi) of block b like stepBlock, for small K: it computes
// the same iterates, in the same floating-point operations, but reorganised for speed.
//
// At small K one row's chain of divisions and sums leaves most of the processor idle, so the
// rows go through the passes below in batches of smallBatch rows, each pass over the whole
// batch before the next starts, and the dependency chains of different rows overlap:
//
//  1. the E-step p_k = y_k w_k, P = Σp_k; with a warm start u = (1+P)x from the previous
//     iteration it is fused with the first evaluation, r_k = 1/(u − σ_k) and the sums
//     q = Σp_kr_k, qr = Σp_kr_k², qrr = Σp_kr_k³ (firstSmall); without one the start is
//     startPoint (coldSmall);
//  2. rounds of halleyRoot's loop: one step for every row with fresh sums (smallHalley), then one
//     evaluation for every row that moved (nextSmall), until no row is left (two rounds for
//     most rows with a warm start);
//  3. y_k = p_k r_k (1 − e_k + e_k²)·scale, e_k = (1+P)Δx·r_k (or y_k = p_k r_k/q when the
//     iteration stopped at an evaluated x), fused with the column sums and σ·y, row by row
//     in order.
//
// Rows with some p_k = 0 go to solvePoint.
func (s *emSolver) stepBlockSmall(wk *emWork, b, lo, hi int) {
	k := s.k
	col, w := s.bcol[b*s.kpad:b*s.kpad+k], s.w[:k]
	clear(col)
	lp := logProd{m: 1}
	steps := 0
	ys, ss, argmax, uprev := s.y, s.sigma, s.argmax, s.uprev
	var st [smallBatch]smallState
	pb := wk.pb[:smallBatch*k]
	for i0 := lo; i0 < hi; i0 += smallBatch {
		nb := min(smallBatch, hi-i0)
		// 1. The E-step and, with a warm start, the first evaluation.
		for t := range st[:nb] {
			i := i0 + t
			yi := ys[i*k : i*k+k : i*k+k]
			si := ss[i*k : i*k+k : i*k+k]
			m := int(argmax[i])
			if u := uprev[i]; !s.cold && u > si[m] {
				firstSmall(&st[t], yi, si, w, pb[t*k:t*k+k:t*k+k], m, u)
			} else {
				coldSmall(&st[t], yi, si, w, pb[t*k:t*k+k:t*k+k], m)
			}
		}
		// 2. Rounds of steps and evaluations.
		for {
			for t := range st[:nb] {
				if st[t].state == rowEvaluated {
					i := i0 + t
					si := ss[i*k : i*k+k : i*k+k]
					if !smallHalley(&st[t], si[argmax[i]]) {
						st[t].sol = checked(ys[i*k:i*k+k:i*k+k], si, pb[t*k:t*k+k:t*k+k], st[t].sol)
					}
				}
			}
			more := false
			for t := range st[:nb] {
				if st[t].state == rowPending {
					i := i0 + t
					si := ss[i*k : i*k+k : i*k+k]
					nextSmall(&st[t], ys[i*k:i*k+k:i*k+k], si, pb[t*k:t*k+k:t*k+k], si[argmax[i]])
					more = true
				}
			}
			if !more {
				break
			}
		}
		// 3. The labels, column sums and σ·y.
		for t := range st[:nb] {
			i := i0 + t
			yi := ys[i*k : i*k+k : i*k+k]
			si := ss[i*k : i*k+k : i*k+k]
			p := pb[t*k : t*k+k : t*k+k][:len(yi)]
			colRow := col[:len(yi)]
			sol := &st[t].sol
			uprev[i] = sol.x * sol.a
			steps += sol.steps
			var dot float64
			if sol.direct {
				for j, v := range yi {
					colRow[j] += v
					dot += si[j] * v
				}
			} else {
				adx, scale := sol.adx, sol.scale
				for j, r := range yi {
					e := adx * r
					v := p[j] * r * (1 - e + e*e) * scale
					yi[j] = v
					colRow[j] += v
					dot += si[j] * v
				}
			}
			lp.mul(dot)
		}
	}
	s.bout[b] = blockOut{nll: -lp.log(), steps: steps}
}

// coldSmall is pass 1 of stepBlockSmall for a row without a warm start: the E-step (as
// stepBlock), then, as solvePoint, solvePoint itself when some p_k = 0, or else the start
// x = startPoint with the bracket [x, σ_max]. It leaves p_k in p and the outcome in st.
func coldSmall(st *smallState, y, sigma, w, p []float64, m int) {
	n := len(y)
	sigma, w, p = sigma[:n], w[:n], p[:n]
	var P float64
	allPos := true
	for j, v := range y {
		q := v * w[j]
		p[j] = q
		P += q
		if !(q > 0) {
			allPos = false
		}
	}
	if !allPos {
		st.sol, st.state = solvePoint(y, sigma, p, P, m, false, 0), rowDone
		return
	}
	a := 1 + P
	x0 := startPoint(sigma, p, a)
	st.lo, st.hi, st.steps = x0, sigma[m], 0
	st.x, st.sol.a, st.state = x0, a, rowPending
}

// firstSmall is pass 1 of stepBlockSmall for one row with u > σ_max: the E-step fused with
// the evaluation at (1+P)x = u (as evalP). It leaves r_k in y, p_k in p, and in st the sums,
// x = u/(1+P) and the bracket [σ_max/(1+P−p_m), σ_max] of the root (x may lie outside it; see
// halleyRoot).
func firstSmall(st *smallState, y, sigma, w, p []float64, m int, u float64) {
	n := len(y)
	sigma, w, p = sigma[:n], w[:n], p[:n]
	smax := sigma[m]
	var q0, q1, d0, d1, e0, e1, P0, P1 float64
	allPos := true
	// Every u − σ_k lies in [u − σ_max, u]: when the products of two stay in recip2's range,
	// its test can be left out.
	direct2 := (u-smax)*(u-smax) > 1e-290 && u*u < 1e290
	j := 0
	for ; j < n-1; j += 2 {
		p0, p1 := y[j]*w[j], y[j+1]*w[j+1]
		p[j], p[j+1] = p0, p1
		P0 += p0
		P1 += p1
		if !(p0 > 0 && p1 > 0) {
			allPos = false
		}
		var r0, r1 float64
		if da, db := u-sigma[j], u-sigma[j+1]; direct2 {
			v := 1 / (da * db)
			r0, r1 = db*v, da*v
		} else {
			r0, r1 = recip2(da, db)
		}
		y[j], y[j+1] = r0, r1
		u0, u1 := p0*r0, p1*r1
		q0 += u0
		q1 += u1
		v0, v1 := u0*r0, u1*r1
		d0 += v0
		d1 += v1
		e0 += v0 * r0
		e1 += v1 * r1
	}
	if j < n {
		p0 := y[j] * w[j]
		p[j] = p0
		P0 += p0
		if !(p0 > 0) {
			allPos = false
		}
		r := 1 / (u - sigma[j])
		y[j] = r
		u0 := p0 * r
		q0 += u0
		v := u0 * r
		d0 += v
		e0 += v * r
	}
	P := P0 + P1
	a := 1 + P
	if !allPos {
		// y holds r; p is complete, so solve from scratch.
		st.sol, st.state = solvePoint(y, sigma, p, P, m, allPos, 0), rowDone
		return
	}
	st.lo, st.hi, st.steps = smax/(a-p[m]), smax, 0
	st.x, st.sol.a, st.state = u/a, a, rowEvaluated
	st.q, st.qr, st.qrr = q0+q1, d0+d1, e0+e1
}

// nextSmall is an evaluation in pass 2 of stepBlockSmall: the sums at (1+P)x (as eval),
// leaving r_k in y and the sums in st.
func nextSmall(st *smallState, y, sigma, p []float64, smax float64) {
	n := len(y)
	sigma, p = sigma[:n], p[:n]
	ax := st.sol.a * st.x
	var q0, q1, d0, d1, e0, e1 float64
	direct2 := (ax-smax)*(ax-smax) > 1e-290 && ax*ax < 1e290 // as in firstSmall
	j := 0
	for ; j < n-1; j += 2 {
		var r0, r1 float64
		if da, db := ax-sigma[j], ax-sigma[j+1]; direct2 {
			v := 1 / (da * db)
			r0, r1 = db*v, da*v
		} else {
			r0, r1 = recip2(da, db)
		}
		y[j], y[j+1] = r0, r1
		u0, u1 := p[j]*r0, p[j+1]*r1
		q0 += u0
		q1 += u1
		v0, v1 := u0*r0, u1*r1
		d0 += v0
		d1 += v1
		e0 += v0 * r0
		e1 += v1 * r1
	}
	if j < n {
		r := 1 / (ax - sigma[j])
		y[j] = r
		u0 := p[j] * r
		q0 += u0
		v := u0 * r
		d0 += v
		e0 += v * r
	}
	st.q, st.qr, st.qrr = q0+q1, d0+d1, e0+e1
	st.state = rowEvaluated
}

// smallHalley is one round of halleyRoot's loop at st.x, with the sums of an evaluation at (1+P)x.
// It either ends the solve (state rowDone, sol set) or moves st.x to the next point (state
// rowPending). It returns false when the solution it set is not finite and must go through
// checked.
func smallHalley(st *smallState, smax float64) bool {
	a, x, q, qr, qrr := st.sol.a, st.x, st.q, st.qr, st.qrr
	lo, hi := st.lo, st.hi
	st.steps++
	ax := a * x
	fp := ax*qr - q
	f := x * q
	g := f - 1
	fpp := ax*qrr - qr
	dx := 2 * g * fp / (2*fp*fp - g*2*a*fpp)
	if f >= 1 {
		if x > lo {
			lo = x
		}
	} else if x < hi {
		hi = x
	}
	st.lo, st.hi = lo, hi
	adx, scale := 0.0, 0.0
	switch {
	case (math.Abs(dx) <= rootTol*x && math.Abs(g) <= rootFTol) || !(fp > 0):
		scale = 1 / q
	case a*math.Abs(dx) <= extrapTol*(ax-smax) && x+dx > lo && x+dx < hi:
		// Finish at x+Δx by the series; its normaliser is Σ q(1 − e_k + e_k²).
		x += dx
		adx = a * dx
		scale = 1 / (q - adx*qr + adx*adx*qrr)
	default:
		xn := x + dx
		if !(xn > lo) || !(xn < hi) {
			xn = 0.5 * (lo + hi)
		}
		if xn != x && hi-lo > rootTol*x && st.steps < rootMaxSteps {
			st.x, st.state = xn, rowPending
			return true
		}
		scale = 1 / q
	}
	st.sol = pointSol{x: x, a: a, adx: adx, scale: scale, steps: st.steps}
	st.state = rowDone
	return scale > 0 && scale <= math.MaxFloat64 && x > 0 && x <= math.MaxFloat64
}
