package pseudolabel

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"
)

// DefaultDualTol is DualNewton's stop level for the KKT residual when DualOptions.Tol is 0.
const DefaultDualTol = 1e-10

// DualOptions configures DualNewton.
type DualOptions struct {
	Lambda   float64   // fairness weight λ ≥ 0 of loss (11)
	Tol      float64   // stop when the KKT bound (see DualNewton) is ≤ Tol; 0 means DefaultDualTol
	MaxIters int       // Newton iteration cap; 0 means DefaultMaxIters
	Threads  int       // goroutines over points; 0: GOMAXPROCS, at most one per 256 points
	C0       []float64 // optional start for the K dual variables c (finite, > 0); nil means c_k = λ
}

// DualResult is the outcome of DualNewton.
type DualResult struct {
	Result
	C     []float64 // the dual variables c at the end
	Bound float64   // the lower bound D(c) ≤ min loss (11) at the end
	KKT   float64   // KKT11 of Y
	Evals int       // passes over the points: one per Newton iteration and line-search trial
}

// DualNewton minimises loss (11) by Newton's method on its K-dimensional concave dual.
//
// Writing −log ȳ_k = max_{β>0} (1 + log β_k − β_k ȳ_k) and exchanging min over y with max over
// β (the problem is convex in y, concave in β, y ranges over a compact set), with c = λβ/K:
//
//	min_y L(y) = max_{c>0} D(c),  D(c) = (λ/K)Σ_k (1 + log(c_k/λ)) − (1/N)Σ_i v_i(c),
//	v_i(c) = max_{y∈Δ_K} log(σ_i·y) + c·y.
//
// The per-point problem v_i is solved exactly by a walk along the upper convex hull of the K
// points (σ_ik, c_k): its maximiser is a hull vertex m or lies on a hull edge (m, j), at
// σ_i·y = (σ_ij − σ_im)/(c_m − c_j), where log(σ·y) + c·y is stationary (see pointDual). It is unique unless (σ_ik, c_k) repeat, so D is C¹ with ∂D/∂c_k =
// λ/(K c_k) − ȳ_k(c), and piecewise C² with −∇²D = diag(λ/(K c_k²)) + (1/N)Σ_{edge points}
// (e_j − e_m)(e_j − e_m)ᵀ/(c_m − c_j)². DualNewton takes Newton steps on c with that Hessian
// (a K×K Cholesky solve) and an Armijo backtracking line search, from c_k = λ (ȳ = u) or C0.
//
// At a stationary point ȳ_k = λ/(K c_k) and y(c) satisfies the KKT conditions of loss (11). For
// any c, y(c) satisfies them for the fairness gradient λ/(K c_k) in place of λ/(K ȳ_k), so with
// δ_k = λ/(K ȳ_k) − c_k, KKT11(y(c)) ≤ (max_k δ_k − min_k δ_k)/(1+λ): the run stops when this
// bound is ≤ Tol or after MaxIters iterations. Losses[t] is L(y(c)) after iteration t, Bound
// the final D(c) ≤ min L, and KKT the exact KKT11 of the returned Y.
//
// The minimiser of loss (11) has at most two non-zero entries per row (the hull edge); rows
// exactly on a vertex are one-hot. With λ = 0, y_i is the vertex of the largest σ_ik.
func DualNewton(sigma []float64, n, k int, opt DualOptions) (DualResult, error) {
	start := time.Now()
	if err := checkSigma("sigma", sigma, n, k); err != nil {
		return DualResult{}, err
	}
	if err := checkScalar("lambda", opt.Lambda); err != nil {
		return DualResult{}, err
	}
	if !(opt.Tol >= 0) {
		return DualResult{}, fmt.Errorf("tol = %v, want ≥ 0", opt.Tol)
	}
	tol := opt.Tol
	if tol == 0 {
		tol = DefaultDualTol
	}
	maxIters := opt.MaxIters
	if maxIters <= 0 {
		maxIters = DefaultMaxIters
	}
	lambda := opt.Lambda
	c := make([]float64, k)
	switch {
	case opt.C0 != nil:
		if len(opt.C0) != k {
			return DualResult{}, fmt.Errorf("C0 has %d entries, want K = %d", len(opt.C0), k)
		}
		for j, v := range opt.C0 {
			if !(v > 0) || math.IsInf(v, 1) {
				return DualResult{}, fmt.Errorf("C0[%d] = %v, want a finite value > 0", j, v)
			}
		}
		copy(c, opt.C0)
		if lambda == 0 {
			clear(c)
		}
	default:
		for j := range c {
			c[j] = lambda
		}
	}
	s := newDualSolver(sigma, n, k, lambda, opt.Threads)
	res := DualResult{C: c}
	cur := s.eval(c)
	res.Evals++
	res.Loss0 = cur.loss
	res.Losses = make([]float64, 0, maxIters)
	res.Elapsed = make([]time.Duration, 0, maxIters)
	if lambda == 0 {
		// c = 0 is optimal: every point at its vertex of largest σ.
		res.Converged = true
	}
	cNew := make([]float64, k)
	dir := make([]float64, k)
	for !res.Converged && res.Iters < maxIters {
		if cur.kktBound <= tol {
			res.Converged = true
			break
		}
		if err := s.newtonDir(dir, c, cur.grad); err != nil {
			break
		}
		// Keep c > 0: at most halve any entry in one step.
		alpha := 1.0
		for j, d := range dir {
			if d < 0 && c[j]+alpha*d < 0.5*c[j] {
				alpha = 0.5 * c[j] / -d
			}
		}
		var slope float64
		for j, d := range dir {
			slope += cur.grad[j] * d // directional derivative of Φ = −D (negative)
		}
		accepted := false
		var next dualEval
		for try := 0; try < 60; try++ {
			for j := range c {
				cNew[j] = c[j] + alpha*dir[j]
			}
			next = s.eval(cNew)
			res.Evals++
			if next.phi <= cur.phi+1e-4*alpha*slope ||
				// Near the optimum the decrease of Φ is below its rounding; accept a step that
				// keeps Φ within rounding and shrinks the residual.
				(next.phi <= cur.phi+1e-13*(math.Abs(cur.phi)+1) && next.kktBound < cur.kktBound) {
				accepted = true
				break
			}
			alpha *= 0.5
		}
		if !accepted {
			// No progress possible in floating point: restore the state of c and stop.
			s.eval(c)
			res.Evals++
			break
		}
		copy(c, cNew)
		cur = next
		res.Iters++
		res.Losses = append(res.Losses, cur.loss)
		res.Elapsed = append(res.Elapsed, time.Since(start))
	}
	if !res.Converged && cur.kktBound <= tol {
		res.Converged = true
	}
	res.Y = s.y
	// D(c) = −Φ(c) + (λ/K)Σ_k(1 − log λ).
	res.Bound = -cur.phi + lambda*(1-math.Log(lambda))
	if lambda == 0 {
		res.Bound = cur.loss
	}
	res.KKT = KKT11(sigma, s.y, n, k, lambda)
	return res, nil
}

// dualEval is the state of the dual at one c.
type dualEval struct {
	phi      float64   // Φ(c) = (1/N)Σ_i v_i(c) − (λ/K)Σ_k log c_k
	loss     float64   // loss (11) of y(c)
	grad     []float64 // ∇Φ = ȳ(c) − λ/(K c)
	kktBound float64   // (max δ − min δ)/(1+λ), δ_k = λ/(K ȳ_k) − c_k
}

// dualSolver holds the per-point state of DualNewton. Rows are processed in fixed blocks whose
// sums are added in block order, so the result does not depend on the thread count.
type dualSolver struct {
	n, k    int
	lambda  float64
	sigma   []float64
	y       []float64 // y(c), N×K
	edgeM   []int32   // per point: the vertex m of its hull edge
	edgeJ   []int32   // the other end j, −1 when the point is at the vertex m
	edgeW   []float64 // 1/(c_m − c_j)² for edge points
	threads int
	bsize   int
	kpad    int
	bcol    []float64 // per-block column sums of y
	bout    []dualBlock
	hess    *mat.SymDense
	chol    mat.Cholesky
}

type dualBlock struct {
	v, nll float64 // Σ v_i(c) and Σ −log(σ_i·y_i) over the block
	_      [48]byte
}

func newDualSolver(sigma []float64, n, k int, lambda float64, threads int) *dualSolver {
	s := &dualSolver{n: n, k: k, lambda: lambda, sigma: sigma, threads: threadCount(threads, n)}
	s.y = make([]float64, n*k)
	s.edgeM, s.edgeJ, s.edgeW = make([]int32, n), make([]int32, n), make([]float64, n)
	s.bsize = emBlockRows(n)
	nb := (n + s.bsize - 1) / s.bsize
	s.kpad = (k + 7) &^ 7
	s.bcol = make([]float64, nb*s.kpad)
	s.bout = make([]dualBlock, nb)
	s.hess = mat.NewSymDense(k, nil)
	return s
}

// blocks runs fn on every block of rows, spread over s.threads goroutines.
func (s *dualSolver) blocks(fn func(b, lo, hi int)) {
	nb := len(s.bout)
	if s.threads == 1 {
		for b := 0; b < nb; b++ {
			fn(b, b*s.bsize, min((b+1)*s.bsize, s.n))
		}
		return
	}
	var next atomic.Int64
	worker := func() {
		for {
			b := int(next.Add(1) - 1)
			if b >= nb {
				return
			}
			fn(b, b*s.bsize, min((b+1)*s.bsize, s.n))
		}
	}
	var wg sync.WaitGroup
	wg.Add(s.threads - 1)
	for t := 1; t < s.threads; t++ {
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	worker()
	wg.Wait()
}

// eval solves every point's problem at c (writing y, the edges) and returns Φ, the loss, ∇Φ and
// the KKT bound.
func (s *dualSolver) eval(c []float64) dualEval {
	n, k := s.n, s.k
	s.blocks(func(b, lo, hi int) {
		col := s.bcol[b*s.kpad : b*s.kpad+k]
		clear(col)
		var v, nll float64
		for i := lo; i < hi; i++ {
			yi := s.y[i*k : (i+1)*k]
			x, m, j, t := pointDual(yi, s.sigma[i*k:(i+1)*k], c)
			s.edgeM[i], s.edgeJ[i] = int32(m), int32(j)
			lx := math.Log(x)
			if j >= 0 {
				d := c[m] - c[j]
				s.edgeW[i] = 1 / (d * d)
				col[m] += 1 - t
				col[j] += t
				v += lx + (1-t)*c[m] + t*c[j]
			} else {
				s.edgeW[i] = 0
				col[m]++
				v += lx + c[m]
			}
			nll -= lx
		}
		s.bout[b] = dualBlock{v: v, nll: nll}
	})
	col := make([]float64, k)
	var v, nll float64
	for b := range s.bout {
		for j, x := range s.bcol[b*s.kpad : b*s.kpad+k] {
			col[j] += x
		}
		v += s.bout[b].v
		nll += s.bout[b].nll
	}
	fn, fk := float64(n), float64(k)
	e := dualEval{grad: make([]float64, k)}
	var logc float64
	dmin, dmax := math.Inf(1), math.Inf(-1)
	for j, cj := range c {
		yb := col[j] / fn
		e.grad[j] = yb - s.lambda/(fk*cj)
		logc += math.Log(cj)
		d := s.lambda/(fk*yb) - cj
		dmin, dmax = math.Min(dmin, d), math.Max(dmax, d)
	}
	e.phi = v/fn - s.lambda/fk*logc
	e.loss = nll/fn + s.lambda*fairness(Objective11, col, n)
	e.kktBound = (dmax - dmin) / (1 + s.lambda)
	if math.IsNaN(e.kktBound) {
		e.kktBound = math.Inf(1)
	}
	return e
}

// newtonDir solves ∇²Φ(c)·dir = −∇Φ(c) from the edges of the last eval.
func (s *dualSolver) newtonDir(dir, c, grad []float64) error {
	k := s.k
	h := s.hess
	raw := h.RawSymmetric()
	clear(raw.Data)
	fn, fk := float64(s.n), float64(k)
	for j, cj := range c {
		raw.Data[j*raw.Stride+j] = s.lambda / (fk * cj * cj)
	}
	inv := 1 / fn
	for i, j := range s.edgeJ {
		if j < 0 {
			continue
		}
		m := int(s.edgeM[i])
		w := s.edgeW[i] * inv
		a, b := min(m, int(j)), max(m, int(j))
		raw.Data[a*raw.Stride+a] += w
		raw.Data[b*raw.Stride+b] += w
		raw.Data[a*raw.Stride+b] -= w // upper triangle only
	}
	if ok := s.chol.Factorize(h); !ok {
		return fmt.Errorf("the Newton matrix is not positive definite")
	}
	g := mat.NewVecDense(k, nil)
	for j, v := range grad {
		g.SetVec(j, -v)
	}
	d := mat.NewVecDense(k, dir)
	if err := s.chol.SolveVecTo(d, g); err != nil {
		return err
	}
	for _, v := range dir {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("non-finite Newton direction")
		}
	}
	return nil
}

// pointDual writes into y the maximiser of log(σ·y) + c·y over the simplex and returns x = σ·y,
// the vertex m, the other end j of its edge (−1 at a vertex) and t = y_j.
//
// The maximiser lies on the upper convex hull of the points (σ_k, c_k), along which the
// objective is concave. The walk starts at the vertex of largest σ (largest c among ties), which
// is on the hull, and moves left: from vertex v the next hull vertex is the j with σ_j < σ_v
// maximising the slope s_j = (c_j − c_v)/(σ_v − σ_j). The derivative towards j,
// (σ_v − σ_j)(s_j − 1/σ_v), is ≤ 0 when v is the maximiser; otherwise the objective is
// stationary on the edge at x = 1/s_j, which is the maximiser when x > σ_j (then
// y_j = t = (σ_v − x)/(σ_v − σ_j), y_v = 1 − t), and the walk goes on from j when x ≤ σ_j.
// Each step costs O(K).
func pointDual(y, sigma, c []float64) (x float64, m, j int, t float64) {
	k := len(y)
	sigma, c = sigma[:k], c[:k]
	v := 0
	for q, sq := range sigma {
		if sq > sigma[v] || (sq == sigma[v] && c[q] > c[v]) {
			v = q
		}
	}
	clear(y)
	for {
		sv, cv := sigma[v], c[v]
		// Best slope kept as the fraction bn/bd, starting at 1/σ_v (the vertex test).
		j, bn, bd := -1, 1.0, sv
		for q, sq := range sigma {
			if sq < sv {
				if dc := c[q] - cv; dc*bd > bn*(sv-sq) {
					j, bn, bd = q, dc, sv-sq
				}
			}
		}
		if j < 0 {
			y[v] = 1
			return sv, v, -1, 0
		}
		x := bd / bn
		if x > sigma[j] {
			t = (sv - x) / (sv - sigma[j])
			if !(t > 0) {
				y[v] = 1
				return sv, v, -1, 0
			}
			if t >= 1 {
				y[j] = 1
				return sigma[j], j, -1, 0
			}
			y[v], y[j] = 1-t, t
			return (1-t)*sv + t*sigma[j], v, j, t
		}
		v = j
	}
}

// KKT11 returns the KKT residual of y for loss (11): with g_ik = N ∂L/∂y_ik =
// −σ_ik/(σ_i·y_i) − λ/(K ȳ_k),
//
//	KKT11(y) = max_i Σ_k y_ik (g_ik − min_j g_ij) / (1 + λ).
//
// It is ≥ 0 for rows on the simplex and 0 exactly at a minimiser (stationarity on each simplex:
// g_ik equals its row minimum wherever y_ik > 0). Σ_k y_ik(g_ik − min_j g_ij) is point i's
// Frank–Wolfe gap, so by convexity L(y) − min L ≤ (1+λ)·KKT11(y). It is +Inf when some σ_i·y_i
// or ȳ_k is 0. It panics if the slices are not N×K.
func KKT11(sigma, y []float64, n, k int, lambda float64) float64 {
	if n <= 0 || k <= 0 || len(sigma) != n*k || len(y) != n*k {
		panic(fmt.Sprintf("pseudolabel: KKT of %d×%d needs slices of %d, got %d and %d", n, k, n*k, len(sigma), len(y)))
	}
	col := make([]float64, k)
	for i := 0; i < n; i++ {
		for j, v := range y[i*k : (i+1)*k] {
			col[j] += v
		}
	}
	b := make([]float64, k)
	for j, v := range col {
		if !(v > 0) {
			return math.Inf(1)
		}
		b[j] = lambda * float64(n) / (float64(k) * v)
	}
	worst := 0.0
	for i := 0; i < n; i++ {
		si, yi := sigma[i*k:(i+1)*k], y[i*k:(i+1)*k]
		var x float64
		for j, v := range yi {
			x += si[j] * v
		}
		if !(x > 0) {
			return math.Inf(1)
		}
		// g_ik − min_j g_ij = max_j h_ij − h_ik with h_ik = σ_ik/x + b_k.
		hmax := math.Inf(-1)
		for j, sv := range si {
			hmax = math.Max(hmax, sv/x+b[j])
		}
		var gap float64
		for j, v := range yi {
			gap += v * (hmax - (si[j]/x + b[j]))
		}
		worst = math.Max(worst, gap)
	}
	return worst / (1 + lambda)
}
