package pseudolabel

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// yFloor is the floor applied to σ when it initialises y (then each row is renormalised).
const yFloor = 1e-12

// DefaultMaxIters is the iteration cap of EM (and of every other solver here) when an options
// struct leaves MaxIters at 0, and the default of the training key pseudolabel.max_iters and of
// the --max-iters flags of cct pseudolabel and cct bench-mstep. With DefaultEMTol it is the stop
// rule under which the quick MNIST job trains well; at λ = 100 EM reaches this cap on every batch
// (docs/results.md, "Loss (11) at the training λ = 100"), while with 100 iterations the job fell
// from 96% to 78% ACC.
const DefaultMaxIters = 3000

// DefaultEMTol is the default of EM's stop level on the relative decrease of loss (11)
// (pseudolabel.tol, cct pseudolabel --tol). EMOptions.Tol = 0 itself means no stop rule.
const DefaultEMTol = 1e-7

// EMOptions configures EM.
type EMOptions struct {
	Lambda   float64   // fairness weight λ ≥ 0 of loss (11)
	Tol      float64   // stop when (L_{t−1} − L_t)/|L_{t−1}| < Tol; 0 runs MaxIters iterations
	MaxIters int       // iteration cap; 0 means DefaultMaxIters
	Threads  int       // goroutines over points; 0: GOMAXPROCS, at most one per 256 points
	Y0       []float64 // optional N×K start, rows on the simplex; nil means y = σ floored at 1e-12, renormalised
	// ColdStart starts every M-step root finder (Halley) at Lemma 1's point instead of reusing the point's
	// previous root when that is safe. The result is the same; it only changes the speed.
	ColdStart bool
}

// Result is the outcome of EM or PGD.
type Result struct {
	Y         []float64       // N×K labels, rows on the simplex
	Iters     int             // iterations done
	Loss0     float64         // loss of the start point
	Losses    []float64       // loss after each iteration (len Iters)
	Elapsed   []time.Duration // wall time from the call to the end of each iteration (len Iters)
	Converged bool            // the stop rule ended the run before the cap, without a loss increase
	RootEvals int             // EM only: evaluations of F in the M-step root finder (Halley), summed over points and iterations
}

// FinalLoss returns the loss after the last iteration, or Loss0 when none ran.
func (r Result) FinalLoss() float64 {
	if len(r.Losses) == 0 {
		return r.Loss0
	}
	return r.Losses[len(r.Losses)-1]
}

// EM minimises loss (11) over y by expectation–maximisation.
//
// Each iteration computes, from the column sums of the current y, the E-step
// S_ik = y_ik/Σ_j y_jk and p_ik = λ N u_k S_ik (u_k = 1/K), then solves the M-step (15) of every
// point independently with MStep's Halley iteration, in parallel over points. The loss never
// increases. It stops when the relative decrease (L_{t−1} − L_t)/|L_{t−1}| falls below Tol or
// after MaxIters iterations.
//
// sigma is N×K row-major with finite entries ≥ 0 and a positive entry per row; rows need not
// be normalised exactly. The returned Y is a new slice. The result does not depend on Threads:
// rows are summed in fixed blocks, in block order, whichever goroutine handled them.
func EM(sigma []float64, n, k int, opt EMOptions) (Result, error) {
	return emUntil(sigma, n, k, opt, math.Inf(-1))
}

// emUntil is EM that also stops as soon as the loss is ≤ target.
func emUntil(sigma []float64, n, k int, opt EMOptions, target float64) (Result, error) {
	start := time.Now()
	s, err := newEMSolver(sigma, n, k, opt)
	if err != nil {
		return Result{}, err
	}
	maxIters := opt.MaxIters
	if maxIters <= 0 {
		maxIters = DefaultMaxIters
	}
	res := Result{Loss0: s.loss(), Losses: make([]float64, 0, maxIters), Elapsed: make([]time.Duration, 0, maxIters)}
	prev := res.Loss0
	for res.Iters < maxIters {
		l := s.step()
		res.Iters++
		res.Losses = append(res.Losses, l)
		res.Elapsed = append(res.Elapsed, time.Since(start))
		if d := relDecrease(prev, l); d < opt.Tol {
			res.Converged = d > -increaseTol
			break
		}
		if l <= target {
			break
		}
		prev = l
	}
	res.Y = s.y
	res.RootEvals = s.rootSteps
	return res, nil
}

// relDecrease returns (prev − cur)/|prev|, or 0 when prev is 0 or either is not finite.
func relDecrease(prev, cur float64) float64 {
	if prev == 0 || math.IsInf(prev, 0) || math.IsNaN(prev) || math.IsNaN(cur) {
		if math.IsInf(prev, 1) && !math.IsInf(cur, 0) && !math.IsNaN(cur) {
			return math.Inf(1) // from an infinite loss to a finite one: keep going
		}
		return 0
	}
	return (prev - cur) / math.Abs(prev)
}

// initY returns the start point: a copy of y0 (validated), or σ floored at yFloor and renormalised.
func initY(sigma []float64, n, k int, y0 []float64) ([]float64, error) {
	y := make([]float64, n*k)
	if y0 != nil {
		if len(y0) != n*k {
			return nil, fmt.Errorf("Y0 has %d entries, want %d×%d = %d", len(y0), n, k, n*k)
		}
		for i := 0; i < n; i++ {
			var sum float64
			for j, v := range y0[i*k : (i+1)*k] {
				if !(v >= 0) || math.IsInf(v, 1) {
					return nil, fmt.Errorf("Y0: row %d column %d is %v, want a finite value ≥ 0", i, j, v)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-6 {
				return nil, fmt.Errorf("Y0: row %d sums to %v, want 1", i, sum)
			}
		}
		copy(y, y0)
		return y, nil
	}
	for i := 0; i < n; i++ {
		row := y[i*k : (i+1)*k]
		var sum float64
		for j, v := range sigma[i*k : (i+1)*k] {
			v = math.Max(v, yFloor)
			row[j] = v
			sum += v
		}
		inv := 1 / sum
		for j := range row {
			row[j] *= inv
		}
	}
	return y, nil
}

// emSolver holds the state of one EM run.
//
// Rows are processed in fixed blocks of bsize rows; each block writes its own column sums and
// log terms, and these are added in block order. The blocks are handed to the goroutines
// dynamically, yet the result does not depend on the thread count or the scheduling.
type emSolver struct {
	n, k      int
	lambda    float64
	sigma, y  []float64
	argmax    []int32   // argmax_k σ_ik per row
	uprev     []float64 // previous (1+P)x per row; 0 = none
	col       []float64 // column sums of y
	nll       float64   // Σ_i −log(σ_i·y_i)
	w         []float64 // E-step weights λ N u_k / col_k
	work      []emWork  // one per goroutine
	bsize     int       // rows per block
	kpad      int       // stride of bcol: k rounded up to a cache line of float64
	bcol      []float64 // column sums per block, nblocks×kpad
	bout      []blockOut
	cold      bool
	generic   bool // use the general per-row path at every K
	rootSteps int
}

// emWork is one goroutine's scratch space.
type emWork struct {
	p  []float64
	pb []float64 // smallBatch rows of p for stepBlockSmall
	_  [64]byte  // keep neighbours off the same cache line
}

// blockOut is one block's Σ −log(σ_i·y_i) and root-finder evaluation count.
type blockOut struct {
	nll   float64
	steps int
	_     [48]byte // one cache line per block
}

// smallK is the largest K served by the fused small-K path (stepBlockSmall).
const smallK = 32

// emBlockRows returns the rows per block for n rows: about n/128, at least 16. Many small
// blocks keep the goroutines' finishing times close together.
func emBlockRows(n int) int {
	return max(16, (n+127)/128)
}

func newEMSolver(sigma []float64, n, k int, opt EMOptions) (*emSolver, error) {
	if err := checkSigma("sigma", sigma, n, k); err != nil {
		return nil, err
	}
	if err := checkScalar("lambda", opt.Lambda); err != nil {
		return nil, err
	}
	if math.IsNaN(opt.Tol) {
		return nil, fmt.Errorf("tol is NaN")
	}
	y, err := initY(sigma, n, k, opt.Y0)
	if err != nil {
		return nil, err
	}
	t := threadCount(opt.Threads, n)
	bs := emBlockRows(n)
	nb := (n + bs - 1) / bs
	kpad := (k + 7) &^ 7
	s := &emSolver{
		n: n, k: k, lambda: opt.Lambda, sigma: sigma, y: y,
		argmax: make([]int32, n), uprev: make([]float64, n),
		col: make([]float64, k), w: make([]float64, k),
		work: make([]emWork, t), cold: opt.ColdStart,
		bsize: bs, kpad: kpad, bcol: make([]float64, nb*kpad), bout: make([]blockOut, nb),
	}
	for c := range s.work {
		s.work[c].p = make([]float64, k)
		if k <= smallK {
			s.work[c].pb = make([]float64, smallBatch*k)
		}
	}
	for i := 0; i < n; i++ {
		m := 0
		for j, v := range sigma[i*k : (i+1)*k] {
			if v > sigma[i*k+m] {
				m = j
			}
		}
		s.argmax[i] = int32(m)
	}
	// Column sums and Σ −log(σ_i·y_i) of the start point.
	s.blocks(func(_ *emWork, b, lo, hi int) {
		col := s.bcol[b*kpad : b*kpad+k]
		clear(col)
		var nll float64
		for i := lo; i < hi; i++ {
			yi, si := y[i*k:(i+1)*k], sigma[i*k:(i+1)*k]
			var dot float64
			for j, v := range yi {
				col[j] += v
				dot += si[j] * v
			}
			nll -= math.Log(dot)
		}
		s.bout[b] = blockOut{nll: nll}
	})
	s.reduce()
	return s, nil
}

// blocks runs fn(work, b, lo, hi) on every block b of rows [lo, hi), spread over len(s.work)
// goroutines (the calling one included) that take the next undone block until none is left.
func (s *emSolver) blocks(fn func(wk *emWork, b, lo, hi int)) {
	nb := len(s.bout)
	if len(s.work) == 1 {
		for b := 0; b < nb; b++ {
			fn(&s.work[0], b, b*s.bsize, min((b+1)*s.bsize, s.n))
		}
		return
	}
	var next atomic.Int64
	worker := func(wk *emWork) {
		for {
			b := int(next.Add(1) - 1)
			if b >= nb {
				return
			}
			fn(wk, b, b*s.bsize, min((b+1)*s.bsize, s.n))
		}
	}
	var wg sync.WaitGroup
	wg.Add(len(s.work) - 1)
	for c := 1; c < len(s.work); c++ {
		go func() {
			defer wg.Done()
			worker(&s.work[c])
		}()
	}
	worker(&s.work[0])
	wg.Wait()
}

// reduce adds the blocks' column sums and log terms, in block order, into s.col and s.nll.
func (s *emSolver) reduce() {
	clear(s.col)
	s.nll = 0
	for b := range s.bout {
		for j, v := range s.bcol[b*s.kpad : b*s.kpad+s.k] {
			s.col[j] += v
		}
		s.nll += s.bout[b].nll
		s.rootSteps += s.bout[b].steps
	}
}

// loss returns loss (11) of the current y.
func (s *emSolver) loss() float64 {
	return s.nll/float64(s.n) + s.lambda*fairness(Objective11, s.col, s.n)
}

// step runs one E-step and M-step, updating y, its column sums and log terms, and returns the
// new loss (11).
func (s *emSolver) step() float64 {
	n, k := s.n, s.k
	c := s.lambda * float64(n) / float64(k)
	for j, v := range s.col {
		if v > 0 {
			s.w[j] = c / v
		} else {
			s.w[j] = 0
		}
	}
	if k <= smallK && !s.generic {
		s.blocks(s.stepBlockSmall)
	} else {
		s.blocks(s.stepBlock)
	}
	s.reduce()
	return s.loss()
}

// stepBlock updates the rows [lo, hi) of block b by the general per-row path.
func (s *emSolver) stepBlock(wk *emWork, b, lo, hi int) {
	k := s.k
	p, col, w := wk.p[:k], s.bcol[b*s.kpad:b*s.kpad+k], s.w[:k]
	clear(col)
	lp := logProd{m: 1}
	steps := 0
	for i := lo; i < hi; i++ {
		yi, si := s.y[i*k:(i+1)*k], s.sigma[i*k:(i+1)*k]
		yi = yi[:k]
		si = si[:k]
		m := int(s.argmax[i])
		smax := si[m]
		var sol pointSol
		if u := s.uprev[i]; u > smax && !s.cold {
			// Warm start at the previous u = (1+P)x: the first evaluation of F needs only
			// u, so it is fused with the E-step that computes p and P. F(u/(1+P)) then
			// brackets the root from one side wherever u/(1+P) lies (see halleyRoot).
			sums, P, allPos := evalP(yi, si, w, p, u)
			a := 1 + P
			if allPos {
				sol = checked(yi, si, p, halleyRoot(yi, si, p, a, smax, smax/(a-p[m]), u/a, &sums, false))
			} else {
				// yi now holds r; p is complete, so solve from scratch.
				sol = solvePoint(yi, si, p, P, m, allPos, 0)
			}
		} else {
			var P float64
			allPos := true
			for j, v := range yi {
				q := v * w[j]
				p[j] = q
				P += q
				if !(q > 0) {
					allPos = false
				}
			}
			sol = solvePoint(yi, si, p, P, m, allPos, 0)
		}
		s.uprev[i] = sol.x * sol.a
		steps += sol.steps
		var dot float64
		if sol.direct {
			for j, v := range yi {
				col[j] += v
				dot += si[j] * v
			}
		} else {
			adx, scale := sol.adx, sol.scale
			for j, r := range yi {
				e := adx * r
				v := p[j] * r * (1 - e + e*e) * scale
				yi[j] = v
				col[j] += v
				dot += si[j] * v
			}
		}
		lp.mul(dot)
	}
	s.bout[b] = blockOut{nll: -lp.log(), steps: steps}
}

// increaseTol is the relative loss increase still read as rounding when a run stops: a larger
// increase stops the run with Converged false.
const increaseTol = 1e-12

// logProd accumulates Σ log v_i as the logarithm of a running product kept as mantissa·2^exp,
// so that one logarithm serves many values.
type logProd struct {
	m   float64 // running product of the mantissa, kept within [1e-280, 1e280]
	exp int
	sum float64 // logarithms of values too small for the product
}

// mul adds log v for v > 0 (v = 0 adds −Inf). The zero value is not ready: start from
// logProd{m: 1}.
func (l *logProd) mul(v float64) {
	if !(v >= 1e-100) || v > 1e100 {
		l.sum += math.Log(v)
		return
	}
	l.m *= v
	if l.m < 1e-180 || l.m > 1e180 {
		fr, e := math.Frexp(l.m)
		l.m, l.exp = fr, l.exp+e
	}
}

// log returns the accumulated Σ log v_i.
func (l *logProd) log() float64 {
	return math.Log(l.m) + float64(l.exp)*math.Ln2 + l.sum
}
