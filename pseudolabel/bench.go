package pseudolabel

import (
	"fmt"
	"math"
	"time"

	"github.com/cct-dev/cct/internal/cputime"
)

// BenchOptions configures BenchTable1. Zero values take the defaults noted.
type BenchOptions struct {
	N        int       // points; default 10000
	Ks       []int     // cluster counts; default 10, 100, 1000
	Lambda   float64   // fairness weight of loss (11); 0 means 1.3
	Tol      float64   // relative-decrease stop rule; 0 means 1e-5
	MaxIters int       // iteration cap per run; default 1000
	Steps    []float64 // PGD step sizes in units of N/(K·max(1, λ/1.3)); default DefaultBenchSteps
	Newton   bool      // also run Newton (the interior-point solver) at each K
	Seed     uint64    // seed of the Gaussian logits of σ
	Scale    float64   // standard deviation of the logits; 0 means 1 (0.05: near-uniform σ, as at initialisation)
	Threads  int       // goroutines; 0: GOMAXPROCS, at most one per 256 points
}

// DefaultBenchSteps are BenchTable1's PGD step sizes in units of N/K, a decade apart: the
// gradient G of loss (11) has entries of order K/N (σ_ik/(N σ_i·y_i) with σ_i·y_i ≈ 1/K), so
// η = s·N/K moves y by a similar amount at every K. On the default problems (σ = softmax of
// standard Gaussian logits, N = 10,000, λ = 1.3, tol 1e-5) the largest, s = 30, converges at
// K = 10, 100 and 1000 (213 iterations at K = 1000), while s = 100 makes the loss rise at
// K = 1000 and s = 1000 at K = 100. The fairness term's curvature λK/N (at ȳ = u) limits a
// stable step to η < 2N/(λK), so above λ = 1.3 the unit shrinks like 1/λ: N/(K·max(1, λ/1.3)),
// which keeps s < 1.5 under that bound at every K and λ (η = s·N/K diverges after one iteration
// at the training λ = 100).
var DefaultBenchSteps = []float64{0.3, 3, 30}

// BenchRow is one method's run at one K.
type BenchRow struct {
	K          int
	Method     string  // "EM", "PGD" or "Newton"
	Step       float64 // PGD step size η (0 for EM)
	RelStep    float64 // η in units of N/K
	Iters      int
	Seconds    float64 // wall time of the run
	CPUSeconds float64 // process CPU time of the run (all threads)
	PerIter    float64 // Seconds / Iters
	Loss0      float64
	FinalLoss  float64
	Converged  bool    // the stop rule ended the run before the cap, without a loss increase
	Diverged   bool    // the loss rose above its start or became non-finite
	KKT        float64 // KKT11 of the final y (+Inf when σ_i·y_i or ȳ_k is 0)
}

// stepUnit returns N/(K·max(1, λ/1.3)), the unit of the PGD step sizes: N/K at Table 1's λ = 1.3.
func stepUnit(n, k int, lambda float64) float64 {
	return float64(n) / (float64(k) * math.Max(1, lambda/1.3))
}

// BenchSpeedup compares, at one K, the time EM needs to reach the best PGD run's final loss
// with that PGD run's total time.
type BenchSpeedup struct {
	K              int
	Target         float64 // lowest final loss over the PGD runs
	BestStep       float64 // the step size η of that run
	BestRelStep    float64 // η in units of N/K
	PGDSeconds     float64 // its wall time
	EMIters        int     // first EM iteration whose loss is ≤ Target (0 if never within MaxIters)
	EMSeconds      float64 // wall time EM took to get there
	Reached        bool
	Speedup        float64 // PGDSeconds / EMSeconds (NaN when not reached)
	EMFinalLoss    float64 // final loss of the EM row (stop rule Tol)
	RelGapAtFinish float64 // (EMFinalLoss − Target)/|Target|; negative when EM ends lower
}

// BenchReport is the outcome of BenchTable1.
type BenchReport struct {
	Options  BenchOptions // with defaults filled in
	Rows     []BenchRow
	Speedups []BenchSpeedup
}

func (o *BenchOptions) fill() error {
	if o.N == 0 {
		o.N = 10000
	}
	if len(o.Ks) == 0 {
		o.Ks = []int{10, 100, 1000}
	}
	if o.Lambda == 0 {
		o.Lambda = 1.3
	}
	if o.Tol == 0 {
		o.Tol = 1e-5
	}
	if o.MaxIters == 0 {
		o.MaxIters = 1000
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if len(o.Steps) == 0 {
		o.Steps = append([]float64(nil), DefaultBenchSteps...)
	}
	if o.N < 1 {
		return fmt.Errorf("n = %d, want ≥ 1", o.N)
	}
	for _, k := range o.Ks {
		if k < 2 {
			return fmt.Errorf("k = %d, want ≥ 2", k)
		}
		if o.N*k > 1<<31 {
			return fmt.Errorf("n×k = %d×%d is too large", o.N, k)
		}
	}
	for _, s := range o.Steps {
		if !(s > 0) || math.IsInf(s, 1) {
			return fmt.Errorf("step %v, want a finite value > 0", s)
		}
	}
	if !(o.Scale > 0) || math.IsInf(o.Scale, 1) {
		return fmt.Errorf("scale = %v, want a finite value > 0", o.Scale)
	}
	if err := checkScalar("lambda", o.Lambda); err != nil {
		return err
	}
	if !(o.Tol >= 0) {
		return fmt.Errorf("tol = %v, want ≥ 0", o.Tol)
	}
	if o.MaxIters < 1 {
		return fmt.Errorf("max-iters = %d, want ≥ 1", o.MaxIters)
	}
	return nil
}

// BenchTable1 runs the Table-1 protocol: for each K, σ = softmax of standard Gaussian logits
// (seeded), the same start y = σ, loss (11) with λ, and the same stop rule for EM and for PGD
// at each step size η = s·N/K, s in Steps; then the time EM needs to reach the best PGD final loss. progress, if
// not nil, is called after each run.
func BenchTable1(opt BenchOptions, progress func(BenchRow)) (BenchReport, error) {
	if err := opt.fill(); err != nil {
		return BenchReport{}, err
	}
	rep := BenchReport{Options: opt}
	for _, k := range opt.Ks {
		sigma := RandomSigmaScaled(opt.N, k, opt.Seed+uint64(k), opt.Scale)
		row := func(method string, rel float64, res Result, wall, cpu time.Duration) BenchRow {
			r := BenchRow{K: k, Method: method, Step: rel * stepUnit(opt.N, k, opt.Lambda), RelStep: rel, Iters: res.Iters, Seconds: wall.Seconds(),
				CPUSeconds: cpu.Seconds(), Loss0: res.Loss0, FinalLoss: res.FinalLoss(), Converged: res.Converged,
				KKT: KKT11(sigma, res.Y, opt.N, k, opt.Lambda)}
			r.Diverged = !(r.FinalLoss <= r.Loss0) || math.IsInf(r.FinalLoss, 0)
			if method == "EM" || method == "Newton" {
				r.Step = 0
			}
			if res.Iters > 0 {
				r.PerIter = r.Seconds / float64(res.Iters)
			}
			rep.Rows = append(rep.Rows, r)
			if progress != nil {
				progress(r)
			}
			return r
		}
		best := BenchRow{FinalLoss: math.Inf(1)}
		for _, rel := range opt.Steps {
			c0, t0 := cputime.Process(), time.Now()
			res, err := PGD(sigma, opt.N, k, PGDOptions{Objective: Objective11, Lambda: opt.Lambda, Step: rel * stepUnit(opt.N, k, opt.Lambda),
				Tol: opt.Tol, MaxIters: opt.MaxIters, Threads: opt.Threads})
			if err != nil {
				return BenchReport{}, err
			}
			r := row("PGD", rel, res, time.Since(t0), cputime.Process()-c0)
			if !r.Diverged && r.FinalLoss < best.FinalLoss {
				best = r
			}
		}
		c0, t0 := cputime.Process(), time.Now()
		em, err := EM(sigma, opt.N, k, EMOptions{Lambda: opt.Lambda, Tol: opt.Tol, MaxIters: opt.MaxIters, Threads: opt.Threads})
		if err != nil {
			return BenchReport{}, err
		}
		emRow := row("EM", 0, em, time.Since(t0), cputime.Process()-c0)
		if opt.Newton {
			c0, t0 := cputime.Process(), time.Now()
			nr, err := Newton(sigma, opt.N, k, NewtonOptions{Lambda: opt.Lambda, Threads: opt.Threads})
			if err != nil {
				return BenchReport{}, err
			}
			row("Newton", 0, nr.Result, time.Since(t0), cputime.Process()-c0)
		}
		sp := BenchSpeedup{K: k, Target: best.FinalLoss, BestStep: best.Step, BestRelStep: best.RelStep, PGDSeconds: best.Seconds,
			EMFinalLoss: emRow.FinalLoss, Speedup: math.NaN()}
		sp.RelGapAtFinish = (emRow.FinalLoss - best.FinalLoss) / math.Abs(best.FinalLoss)
		if math.IsInf(best.FinalLoss, 1) {
			// Every PGD run diverged: no target.
			sp.RelGapAtFinish = math.NaN()
			rep.Speedups = append(rep.Speedups, sp)
			continue
		}
		it, at := firstBelow(em, best.FinalLoss)
		if it == 0 {
			// EM stopped (its own rule) above the target: run on without the rule.
			long, err := emUntil(sigma, opt.N, k, EMOptions{Lambda: opt.Lambda, MaxIters: opt.MaxIters, Threads: opt.Threads}, best.FinalLoss)
			if err != nil {
				return BenchReport{}, err
			}
			it, at = firstBelow(long, best.FinalLoss)
		}
		if it > 0 {
			sp.Reached, sp.EMIters, sp.EMSeconds = true, it, at.Seconds()
			sp.Speedup = sp.PGDSeconds / sp.EMSeconds
		}
		rep.Speedups = append(rep.Speedups, sp)
	}
	return rep, nil
}

// firstBelow returns the first iteration (1-based) whose loss is ≤ target and the wall time
// to its end, or 0 when there is none.
func firstBelow(res Result, target float64) (int, time.Duration) {
	for i, l := range res.Losses {
		if l <= target {
			return i + 1, res.Elapsed[i]
		}
	}
	return 0, 0
}
