package pseudolabel

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// DefaultNewtonTol is Newton's stop level for KKT11 when NewtonOptions.Tol is 0.
const DefaultNewtonTol = 1e-9

// stepToBoundary is the fraction of the largest step that keeps y, d, a, c > 0 taken by Newton.
const stepToBoundary = 0.995

// maxStalled is the number of iterations in a row that fail to halve the best KKT11 after which
// Newton stops.
const maxStalled = 12

// NewtonOptions configures Newton.
type NewtonOptions struct {
	Lambda   float64   // fairness weight λ ≥ 0 of loss (11)
	Tol      float64   // stop when KKT11(y) ≤ Tol; 0 means DefaultNewtonTol
	MaxIters int       // interior-point iteration cap; 0 means DefaultMaxIters
	Threads  int       // goroutines over points; 0: GOMAXPROCS, at most one per 256 points
	C0       []float64 // optional start for the K dual variables c (finite, > 0); nil means c_k = λ
}

// NewtonResult is the outcome of Newton.
type NewtonResult struct {
	Result
	C   []float64 // dual variables c at the end: λ/(K ȳ_k) at the minimum
	KKT float64   // KKT11 of Y
}

// Newton minimises loss (11) by a primal–dual interior-point method (Mehrotra's
// predictor–corrector) whose Newton systems reduce to K×K.
//
// Optimality conditions. With x_i = σ_i·y_i, a_i = 1/x_i, c_k = λ/(K ȳ_k) and the slacks
// d_ik = ν_i − a_i σ_ik − c_k (N ∂L/∂y_ik = −σ_ik a_i − c_k, so d_ik is the gradient's excess over
// its row minimum −ν_i), y minimises loss (11) iff there are a, ν, c with
//
//	d_ik ≥ 0,  y_ik ≥ 0,  y_ik d_ik = 0,  Σ_k y_ik = 1,  Σ_k σ_ik y_ik = 1/a_i,  Σ_i y_ik = Nλ/(K c_k).
//
// Each iteration linearises these with y_ik d_ik = μ, eliminates Δy_ik = (r_ik − y_ik Δd_ik)/d_ik
// (r the complementarity residual), and is left with, per point, a 2×2 block in (Δa_i, Δν_i)
// (q_ik = y_ik/d_ik)
//
//	B_i = [ 1/a_i² + Σ_k q_ik σ_ik²   −Σ_k q_ik σ_ik ]
//	      [ −Σ_k q_ik σ_ik              Σ_k q_ik      ],
//
// couplings q_ik σ_ik (a_i with c_k) and −q_ik (ν_i with c_k), and a diagonal c block
// Σ_i q_ik + Nλ/(K c_k²). Eliminating the point blocks leaves the K×K Schur complement
// S = diag(…) − Σ_i E_iᵀ B_i⁻¹ E_i, accumulated as WᵀW with two rows per point (BLAS syrk) and
// factored once per iteration by Cholesky for both the predictor (μ = 0) and the corrector
// (μ = (μ_aff/μ)³·μ, with the second-order term Δy Δd of the predictor). Each solve is followed
// by two steps of iterative refinement on the unreduced system (see refine): near the solution
// q_ik grows like 1/μ on the support, and without them the reduced solve loses the linear
// feasibility (Σ_k y_ik = 1, σ_i·y_i = 1/a_i) that a full step keeps, which stalled small
// problems between KKT11 1e-8 and 1e-7. An iteration costs O(NK²) at most. Steps take 0.995 of
// the largest step keeping y, d, a, c > 0.
//
// The run stops when KKT11 of y (rows renormalised) is ≤ Tol or after MaxIters iterations.
// Once μ has come within 1000 times its floor it also stops when 12 iterations in a row fail to
// halve the best KKT11 (rounding). Earlier, short steps are progress: with N < K the minimiser
// needs more than two non-zero labels per row and the path takes tens of iterations. If it ends above Tol, five iterations of the
// exact dual (see DualNewton) from the last c try to polish y, and the y with the lower KKT11 is
// returned (a polished y has at most two non-zero entries per row). Losses[t] is loss (11) of
// the renormalised y after iteration t, and a last entry for the returned y when it differs. With λ = 0 the minimiser is y_i = the vertex
// of the largest σ_ik (no iteration). The rounding of the result may depend on Threads.
func Newton(sigma []float64, n, k int, opt NewtonOptions) (NewtonResult, error) {
	start := time.Now()
	if err := checkSigma("sigma", sigma, n, k); err != nil {
		return NewtonResult{}, err
	}
	if err := checkScalar("lambda", opt.Lambda); err != nil {
		return NewtonResult{}, err
	}
	if !(opt.Tol >= 0) {
		return NewtonResult{}, fmt.Errorf("tol = %v, want ≥ 0", opt.Tol)
	}
	if opt.C0 != nil {
		if len(opt.C0) != k {
			return NewtonResult{}, fmt.Errorf("C0 has %d entries, want K = %d", len(opt.C0), k)
		}
		for j, v := range opt.C0 {
			if !(v > 0) || math.IsInf(v, 1) {
				return NewtonResult{}, fmt.Errorf("C0[%d] = %v, want a finite value > 0", j, v)
			}
		}
	}
	tol := opt.Tol
	if tol == 0 {
		tol = DefaultNewtonTol
	}
	maxIters := opt.MaxIters
	if maxIters <= 0 {
		maxIters = DefaultMaxIters
	}
	if opt.Lambda == 0 || k == 1 {
		// c = 0 (λ = 0) or the only vertex (K = 1): no iteration.
		d, err := DualNewton(sigma, n, k, DualOptions{Lambda: opt.Lambda, MaxIters: 1, Threads: opt.Threads})
		if err != nil {
			return NewtonResult{}, err
		}
		return NewtonResult{Result: Result{Y: d.Y, Loss0: d.Loss0, Converged: true}, C: d.C, KKT: d.KKT}, nil
	}
	s := newPDState(sigma, n, k, opt.Lambda, opt.Threads, opt.C0)
	// At the centre of μ, KKT11 ≲ Kμ/(1+λ): aim a decade below the tolerance, no lower.
	s.muFloor = 0.1 * tol * (1 + opt.Lambda) / float64(k)
	res := NewtonResult{}
	res.Loss0 = s.normalised()
	res.Losses = make([]float64, 0, maxIters+1)
	res.Elapsed = make([]time.Duration, 0, maxIters+1)
	bestKKT := math.Inf(1)
	var bestY []float64
	stalled := 0
	minMu := math.Inf(1) // the lowest μ so far
	for res.Iters < maxIters {
		if err := s.iterate(); err != nil {
			break
		}
		res.Iters++
		res.Losses = append(res.Losses, s.normalised())
		res.Elapsed = append(res.Elapsed, time.Since(start))
		kkt := KKT11(sigma, s.yn, n, k, opt.Lambda)
		minMu = math.Min(minMu, s.mu())
		if kkt < 0.5*bestKKT || minMu > 1e3*s.muFloor {
			stalled = 0
		} else if stalled++; stalled >= maxStalled {
			break // rounding bounds the accuracy
		}
		if kkt < bestKKT {
			bestKKT = kkt
			bestY = append(bestY[:0], s.yn...)
			if kkt <= tol {
				res.Converged = true
				break
			}
		}
	}
	// Polish on the exact dual from the last c.
	pol := DualResult{KKT: math.Inf(1)}
	if !res.Converged {
		var err error
		pol, err = DualNewton(sigma, n, k, DualOptions{Lambda: opt.Lambda, Tol: tol, MaxIters: 5, Threads: opt.Threads, C0: s.c})
		if err != nil {
			return NewtonResult{}, err
		}
	}
	if pol.KKT <= bestKKT || bestY == nil {
		res.Y, res.KKT, res.C = pol.Y, pol.KKT, pol.C
	} else {
		res.Y, res.KKT, res.C = bestY, bestKKT, s.c
	}
	res.Converged = res.KKT <= tol
	final := Loss11(sigma, res.Y, n, k, opt.Lambda)
	if len(res.Losses) == 0 || res.Losses[len(res.Losses)-1] != final {
		res.Losses = append(res.Losses, final)
		res.Elapsed = append(res.Elapsed, time.Since(start))
		res.Iters = len(res.Losses)
	}
	return res, nil
}

// pdState holds the iterate and the Newton systems of Newton.
type pdState struct {
	n, k    int
	lambda  float64
	sigma   []float64
	threads int
	y       []float64 // N×K primal iterate (> 0)
	d       []float64 // N×K slacks d_ik = ν_i − a_i σ_ik − c_k (> 0)
	yn      []float64 // y with rows renormalised
	c, a    []float64 // K dual variables; per-point 1/x multipliers
	nu      []float64 // per-point simplex multipliers
	q       []float64 // N×K y/d
	// Per point: B_i⁻¹ = [p r; r s] and the right-hand side parts.
	bp, br, bs []float64
	fa, fnu    []float64
	fc         []float64 // c right-hand side, reduced by the point blocks
	fcRaw      []float64 // c right-hand side before the reduction
	ra, rnu    []float64 // per-point residuals of the Newton system (refinement)
	dc         []float64 // Newton direction
	da, dnu    []float64
	dcAff      []float64 // predictor direction
	daAff      []float64
	dnuAff     []float64
	schur      []float64 // K×K, upper triangle
	part       [][]float64
	chol       mat.Cholesky
	muFloor    float64 // lowest complementarity target
}

func newPDState(sigma []float64, n, k int, lambda float64, threads int, c0 []float64) *pdState {
	t := threadCount(threads, n)
	nk := n * k
	s := &pdState{n: n, k: k, lambda: lambda, sigma: sigma, threads: t,
		y: make([]float64, nk), d: make([]float64, nk), yn: make([]float64, nk), q: make([]float64, nk),
		c: make([]float64, k), a: make([]float64, n), nu: make([]float64, n),
		bp: make([]float64, n), br: make([]float64, n), bs: make([]float64, n),
		fa: make([]float64, n), fnu: make([]float64, n), fc: make([]float64, k), fcRaw: make([]float64, k),
		ra: make([]float64, n), rnu: make([]float64, n),
		dc: make([]float64, k), da: make([]float64, n), dnu: make([]float64, n),
		dcAff: make([]float64, k), daAff: make([]float64, n), dnuAff: make([]float64, n),
		schur: make([]float64, k*k)}
	s.part = make([][]float64, t)
	for j := range s.part {
		s.part[j] = make([]float64, k*k+3*k)
	}
	for j := range s.c {
		s.c[j] = lambda
		if c0 != nil {
			s.c[j] = c0[j]
		}
	}
	// y_i = u, a_i = 1/(σ_i·y_i), ν_i so that every d_ik ≥ 1.
	inv := 1 / float64(k)
	for i := 0; i < n; i++ {
		si := sigma[i*k : (i+1)*k]
		var x float64
		for j, v := range si {
			s.y[i*k+j] = inv
			x += v * inv
		}
		s.a[i] = 1 / x
		mx := math.Inf(-1)
		for j, v := range si {
			mx = math.Max(mx, s.a[i]*v+s.c[j])
		}
		s.nu[i] = mx + 1
		for j, v := range si {
			s.d[i*k+j] = s.nu[i] - s.a[i]*v - s.c[j]
		}
	}
	return s
}

// normalised fills yn with y's rows renormalised and returns its loss (11).
func (s *pdState) normalised() float64 {
	k := s.k
	for i := 0; i < s.n; i++ {
		yi, out := s.y[i*k:(i+1)*k], s.yn[i*k:(i+1)*k]
		var sum float64
		for _, v := range yi {
			sum += v
		}
		inv := 1 / sum
		for j, v := range yi {
			out[j] = v * inv
		}
	}
	return Loss11(s.sigma, s.yn, s.n, k, s.lambda)
}

// slack returns d_ik at the iterate. The slacks are kept as variables of their own (updated
// by the same steps as ν, a, c) rather than recomputed as ν_i − a_i σ_ik − c_k, which near the
// solution would lose their leading digits to cancellation.
func (s *pdState) slack(i, j int) float64 {
	return s.d[i*s.k+j]
}

// iterate takes one predictor–corrector step.
func (s *pdState) iterate() error {
	n, k := s.n, s.k
	if err := s.factor(); err != nil {
		return err
	}
	// Predictor: complementarity target 0, r_ik = −y_ik d_ik, so r/d = −y.
	s.rhs(func(i, j int, y, d float64) float64 { return -y })
	if err := s.solve(); err != nil {
		return err
	}
	if err := s.refine(); err != nil {
		return err
	}
	copy(s.dcAff, s.dc)
	copy(s.daAff, s.da)
	copy(s.dnuAff, s.dnu)
	alpha := math.Min(1, s.maxStep(s.da, s.dnu, s.dc, func(i, j int, y, d, dd float64) float64 { return -y - y/d*dd }))
	// μ now and after the predictor step.
	var gap, gapAff float64
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			y, d := s.y[i*k+j], s.slack(i, j)
			dd := s.dnuAff[i] - s.daAff[i]*s.sigma[i*k+j] - s.dcAff[j]
			dy := -y - y/d*dd
			gap += y * d
			gapAff += (y + alpha*dy) * (d + alpha*dd)
		}
	}
	mu := gap / float64(n*k)
	ratio := math.Max(gapAff/gap, 0)
	target := math.Max(ratio*ratio*ratio*mu, s.muFloor)

	// Corrector: r = target − y d − Δy_aff Δd_aff.
	s.rhs(func(i, j int, y, d float64) float64 {
		dd := s.dnuAff[i] - s.daAff[i]*s.sigma[i*k+j] - s.dcAff[j]
		dy := -y - y/d*dd
		return (target - y*d - dy*dd) / d
	})
	if err := s.solve(); err != nil {
		return err
	}
	if err := s.refine(); err != nil {
		return err
	}
	// Δy = r/d − q Δd with the corrector's r.
	dyOf := func(i, j int, y, d, dd float64) float64 {
		ddA := s.dnuAff[i] - s.daAff[i]*s.sigma[i*k+j] - s.dcAff[j]
		dyA := -y - y/d*ddA
		return (target-y*d-dyA*ddA)/d - y/d*dd
	}
	alpha = math.Min(1, stepToBoundary*s.maxStep(s.da, s.dnu, s.dc, dyOf))
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			y, d := s.y[i*k+j], s.slack(i, j)
			dd := s.dnu[i] - s.da[i]*s.sigma[i*k+j] - s.dc[j]
			s.y[i*k+j] = y + alpha*dyOf(i, j, y, d, dd)
			s.d[i*k+j] = d + alpha*dd
		}
	}
	for i := range s.a {
		s.a[i] += alpha * s.da[i]
		s.nu[i] += alpha * s.dnu[i]
	}
	for j := range s.c {
		s.c[j] += alpha * s.dc[j]
	}
	return nil
}

// factor forms q = y/d, the point blocks B_i⁻¹ and the Schur complement, and factors it.
func (s *pdState) factor() error {
	n, k := s.n, s.k
	const chunkRows = 256
	forChunks(n, s.threads, func(t, lo, hi int) {
		acc := s.part[t]
		S, diag := acc[:k*k], acc[k*k:k*k+k]
		clear(acc)
		w := make([]float64, 2*chunkRows*k)
		nw := 0
		flush := func() {
			if nw == 0 {
				return
			}
			blas64.Syrk(blas.Trans, 1, blas64.General{Rows: nw, Cols: k, Data: w[:nw*k], Stride: k}, 1,
				blas64.Symmetric{Uplo: blas.Upper, N: k, Data: S, Stride: k})
			nw = 0
		}
		for i := lo; i < hi; i++ {
			si, qi, yi := s.sigma[i*k:(i+1)*k], s.q[i*k:(i+1)*k], s.y[i*k:(i+1)*k]
			ai := s.a[i]
			// The point's contribution to S is M_i = diag(q) − uuᵀ/Σq − vvᵀ/β with u = q,
			// v = q∘(σ − σ̄), σ̄ = Σqσ/Σq, β = 1/a² + Σq(σ − σ̄)² (eliminating ν_i, then a_i).
			// Near the solution one q_ik0 per row dominates and diag(q) − uuᵀ/Σq cancels in its
			// k0 entry, so the diagonal is formed as q_k(Σ_{j≠k} q_j)/Σq − v_k²/β with the sums
			// over the other entries taken directly, and σ − σ̄ from differences to σ_k0.
			var sq float64
			k0 := 0
			for j := range si {
				q := yi[j] / s.d[i*k+j]
				qi[j] = q
				sq += q
				if q > qi[k0] {
					k0 = j
				}
			}
			var others, t0 float64 // Σ_{j≠k0} q_j and Σ_{j≠k0} q_j(σ_k0 − σ_j)
			sk0 := si[k0]
			for j, q := range qi {
				if j != k0 {
					others += q
					t0 += q * (sk0 - si[j])
				}
			}
			dev0 := t0 / sq // σ_k0 − σ̄
			dev := w[(nw+1)*k : (nw+2)*k]
			var vq float64
			for j, sv := range si {
				e := sv - sk0 + dev0
				if j == k0 {
					e = dev0
				}
				dev[j] = e
				vq += qi[j] * e * e
			}
			sbar := sk0 - dev0
			sqs := sbar * sq
			sqss := vq + sbar*sqs
			b11, b12, b22 := 1/(ai*ai)+sqss, -sqs, sq
			beta := 1/(ai*ai) + vq
			det := sq * beta
			p, r, ss := b22/det, -b12/det, b11/det
			s.bp[i], s.br[i], s.bs[i] = p, r, ss
			w1, w2 := w[nw*k:(nw+1)*k], dev
			isq, ib := 1/math.Sqrt(sq), 1/math.Sqrt(beta)
			for j, q := range qi {
				rest := sq - q
				if j == k0 {
					rest = others
				}
				v := q * dev[j]
				diag[j] += q*rest/sq - v*v/beta
				w1[j] = q * isq
				w2[j] = v * ib
			}
			nw += 2
			if nw == 2*chunkRows {
				flush()
			}
		}
		flush()
	})
	clear(s.schur)
	fn, fk := float64(n), float64(k)
	for t := range s.part {
		acc := s.part[t]
		for j := 0; j < k; j++ {
			for l := j + 1; l < k; l++ {
				s.schur[j*k+l] -= acc[j*k+l]
			}
			s.schur[j*k+j] += acc[k*k+j] // the stable diagonal, not the syrk one
		}
	}
	for j, cj := range s.c {
		s.schur[j*k+j] += fn * s.lambda / (fk * cj * cj)
	}
	// Rounding in the point blocks (q_ik grows like 1/μ on the support) can leave S slightly
	// indefinite near the end: shift its diagonal by a growing multiple of its largest entry.
	var dmax float64
	for j := 0; j < k; j++ {
		dmax = math.Max(dmax, s.schur[j*k+j])
	}
	for shift := 0.0; ; {
		if s.chol.Factorize(mat.NewSymDense(k, s.schur)) {
			return nil
		}
		if shift > 1e-6*dmax {
			return fmt.Errorf("the Newton matrix is not positive definite")
		}
		add := math.Max(1e-14*dmax, shift)
		for j := 0; j < k; j++ {
			s.schur[j*k+j] += add
		}
		shift += add
	}
}

// rhs forms the right-hand sides for the complementarity residual given as ρ_ik = r_ik/d_ik:
// per point f_a = 1/a − Σσy − Σσρ, f_ν = −(1 − Σy − Σρ), and f_c = Nλ/(Kc) − Σ_i y − Σ_i ρ,
// then reduces f_c by the point blocks: f_c − Σ_i E_iᵀ B_i⁻¹ f_i.
func (s *pdState) rhs(rho func(i, j int, y, d float64) float64) {
	n, k := s.n, s.k
	forChunks(n, s.threads, func(t, lo, hi int) {
		acc, red := s.part[t][k*k+k:k*k+2*k], s.part[t][k*k+2*k:]
		clear(acc)
		clear(red)
		for i := lo; i < hi; i++ {
			si, yi, qi := s.sigma[i*k:(i+1)*k], s.y[i*k:(i+1)*k], s.q[i*k:(i+1)*k]
			var sy, ssy, sr, ssr float64
			for j, sv := range si {
				y := yi[j]
				r := rho(i, j, y, s.slack(i, j))
				sy += y
				ssy += sv * y
				sr += r
				ssr += sv * r
				acc[j] -= y + r
			}
			fa := 1/s.a[i] - ssy - ssr
			fnu := -(1 - sy - sr)
			s.fa[i], s.fnu[i] = fa, fnu
			s.reduceRow(i, fa, fnu, si, qi, red)
		}
	})
	fn, fk := float64(n), float64(k)
	for j, cj := range s.c {
		s.fcRaw[j] = fn * s.lambda / (fk * cj)
		s.fc[j] = 0
	}
	for t := range s.part {
		for j, v := range s.part[t][k*k+k : k*k+2*k] {
			s.fcRaw[j] += v
		}
		for j, v := range s.part[t][k*k+2*k:] {
			s.fc[j] += v
		}
	}
	for j, v := range s.fcRaw {
		s.fc[j] += v
	}
}

// solve finds Δc from the factored Schur complement and then Δa, Δν per point.
func (s *pdState) solve() error {
	k := s.k
	out := mat.NewVecDense(k, s.dc)
	if err := s.chol.SolveVecTo(out, mat.NewVecDense(k, append([]float64(nil), s.fc...))); err != nil {
		return err
	}
	for _, v := range s.dc {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("non-finite Newton direction")
		}
	}
	forChunks(s.n, s.threads, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			si, qi := s.sigma[i*k:(i+1)*k], s.q[i*k:(i+1)*k]
			var e1, e2 float64
			for j, sv := range si {
				e1 += qi[j] * sv * s.dc[j]
				e2 -= qi[j] * s.dc[j]
			}
			f1, f2 := s.fa[i]-e1, s.fnu[i]-e2
			s.da[i] = s.bp[i]*f1 + s.br[i]*f2
			s.dnu[i] = s.br[i]*f1 + s.bs[i]*f2
		}
	})
	return nil
}

// maxStep returns the largest α (possibly > 1, +Inf when unbounded) keeping y, d, a, c > 0 along
// the direction (da, dnu, dc) with Δy from dy.
func (s *pdState) maxStep(da, dnu, dc []float64, dy func(i, j int, y, d, dd float64) float64) float64 {
	k := s.k
	alpha := math.Inf(1)
	for j, v := range dc {
		if v < 0 {
			alpha = math.Min(alpha, -s.c[j]/v)
		}
	}
	for i := 0; i < s.n; i++ {
		if da[i] < 0 {
			alpha = math.Min(alpha, -s.a[i]/da[i])
		}
		for j := 0; j < k; j++ {
			y, d := s.y[i*k+j], s.slack(i, j)
			dd := dnu[i] - da[i]*s.sigma[i*k+j] - dc[j]
			if dd < 0 {
				alpha = math.Min(alpha, -d/dd)
			}
			if v := dy(i, j, y, d, dd); v < 0 {
				alpha = math.Min(alpha, -y/v)
			}
		}
	}
	return alpha
}

// refineSteps is the number of iterative-refinement steps after each solve.
const refineSteps = 2

// refine improves the direction (Δa, Δν, Δc) of solve by iterative refinement: it forms the
// residuals of the unreduced Newton system with Δd_ik = Δν_i − σ_ik Δa_i − Δc_k,
//
//	R_a = f_a − (Δa/a² − Σ_k σ_k q_k Δd_k),  R_ν = f_ν − Σ_k q_k Δd_k,
//	R_c = f_c − (Nλ/(K c²) Δc − Σ_i q_i Δd_i),
//
// solves the same system (the factored Schur complement) for the correction and adds it.
// Near the end q_ik grows like 1/μ on the support and the reduced solve alone loses the
// linear feasibility (Σ_k y_ik = 1, σ_i·y_i = 1/a_i) that a full step should keep.
func (s *pdState) refine() error {
	n, k := s.n, s.k
	fn, fk := float64(n), float64(k)
	for step := 0; step < refineSteps; step++ {
		forChunks(n, s.threads, func(t, lo, hi int) {
			acc, red := s.part[t][k*k+k:k*k+2*k], s.part[t][k*k+2*k:]
			clear(acc)
			clear(red)
			for i := lo; i < hi; i++ {
				si, qi := s.sigma[i*k:(i+1)*k], s.q[i*k:(i+1)*k]
				da, dnu := s.da[i], s.dnu[i]
				var t1, t2 float64
				for j, sv := range si {
					qd := qi[j] * (dnu - sv*da - s.dc[j])
					t1 += sv * qd
					t2 += qd
					acc[j] += qd
				}
				ra := s.fa[i] - (da/(s.a[i]*s.a[i]) - t1)
				rnu := s.fnu[i] - t2
				s.ra[i], s.rnu[i] = ra, rnu
				s.reduceRow(i, ra, rnu, si, qi, red)
			}
		})
		rc := make([]float64, k)
		for j, cj := range s.c {
			rc[j] = s.fcRaw[j] - fn*s.lambda/(fk*cj*cj)*s.dc[j]
		}
		for t := range s.part {
			for j, v := range s.part[t][k*k+k : k*k+2*k] {
				rc[j] += v
			}
			for j, v := range s.part[t][k*k+2*k:] {
				rc[j] += v
			}
		}
		corr := mat.NewVecDense(k, nil)
		if err := s.chol.SolveVecTo(corr, mat.NewVecDense(k, rc)); err != nil {
			return err
		}
		dc := corr.RawVector().Data
		for _, v := range dc {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("non-finite Newton direction")
			}
		}
		forChunks(n, s.threads, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				si, qi := s.sigma[i*k:(i+1)*k], s.q[i*k:(i+1)*k]
				var e1, e2 float64
				for j, sv := range si {
					e1 += qi[j] * sv * dc[j]
					e2 -= qi[j] * dc[j]
				}
				f1, f2 := s.ra[i]-e1, s.rnu[i]-e2
				s.da[i] += s.bp[i]*f1 + s.br[i]*f2
				s.dnu[i] += s.br[i]*f1 + s.bs[i]*f2
			}
		})
		for j, v := range dc {
			s.dc[j] += v
		}
	}
	return nil
}

// mu returns the mean complementarity Σ y_ik d_ik/(NK) of the iterate.
func (s *pdState) mu() float64 {
	var gap float64
	for i, y := range s.y {
		gap += y * s.d[i]
	}
	return gap / float64(s.n*s.k)
}

// reduceRow subtracts row i's part of the Schur-complement right-hand side from red: with
// (h1, h2) = B_i·(fa, fnu) (B_i the row's 2×2 block inverse bp, br, bs),
// red[j] −= q_ij·(σ_ij·h1 − h2).
func (s *pdState) reduceRow(i int, fa, fnu float64, si, qi, red []float64) {
	h1 := s.bp[i]*fa + s.br[i]*fnu
	h2 := s.br[i]*fa + s.bs[i]*fnu
	for j, sv := range si {
		q := qi[j]
		red[j] -= q*sv*h1 - q*h2
	}
}
