package pseudolabel

import (
	"fmt"
	"math"
	"time"
)

// PGDOptions configures PGD.
type PGDOptions struct {
	Objective Objective // Objective11 (KL(u‖ȳ)) or Objective10 (KL(ȳ‖u))
	Lambda    float64   // fairness weight λ ≥ 0
	Step      float64   // step size η > 0
	Tol       float64   // stop when (L_{t−1} − L_t)/|L_{t−1}| < Tol; 0 runs MaxIters iterations
	MaxIters  int       // iteration cap; 0 means DefaultMaxIters
	Threads   int       // goroutines over points; 0: GOMAXPROCS, at most one per 256 points
	Y0        []float64 // optional N×K start; nil means y = σ floored at 1e-12, renormalised
}

// ybarFloor keeps the fairness gradient finite when a column of y is all zero.
const ybarFloor = 1e-300

// PGD minimises loss (10) or (11) over y by projected gradient descent,
//
//	y_i ← Π_Δ(y_i − η G_i),   G_ik = −σ_ik/(N σ_i·y_i) + λ g_k,
//
// with g_k = −u_k/(N ȳ_k) for loss (11) and g_k = (log(ȳ_k/u_k) + 1)/N for loss (10), u_k = 1/K.
// G is the gradient of the loss with respect to the N×K matrix y. It stops when the relative
// decrease of the loss falls below Tol (a loss increase stops it too) or after MaxIters.
func PGD(sigma []float64, n, k int, opt PGDOptions) (Result, error) {
	start := time.Now()
	if err := checkSigma("sigma", sigma, n, k); err != nil {
		return Result{}, err
	}
	if err := checkScalar("lambda", opt.Lambda); err != nil {
		return Result{}, err
	}
	if !(opt.Step > 0) || math.IsInf(opt.Step, 1) {
		return Result{}, fmt.Errorf("step = %v, want a finite value > 0", opt.Step)
	}
	if opt.Objective != Objective10 && opt.Objective != Objective11 {
		return Result{}, fmt.Errorf("unknown objective %d", int(opt.Objective))
	}
	if math.IsNaN(opt.Tol) {
		return Result{}, fmt.Errorf("tol is NaN")
	}
	y, err := initY(sigma, n, k, opt.Y0)
	if err != nil {
		return Result{}, err
	}
	maxIters := opt.MaxIters
	if maxIters <= 0 {
		maxIters = DefaultMaxIters
	}
	t := threadCount(opt.Threads, n)
	type work struct {
		col, v []float64
		buf    []uint64
		nll    float64
		_      [64]byte
	}
	ws := make([]work, t)
	for c := range ws {
		ws[c] = work{col: make([]float64, k), v: make([]float64, k), buf: make([]uint64, k)}
	}
	dots := make([]float64, n)
	col := make([]float64, k)
	g := make([]float64, k)
	reduce := func() float64 {
		clear(col)
		var nll float64
		for c := range ws {
			for j, v := range ws[c].col {
				col[j] += v
			}
			nll += ws[c].nll
		}
		return nll/float64(n) + opt.Lambda*fairness(opt.Objective, col, n)
	}
	forChunks(n, t, func(c, lo, hi int) {
		wk := &ws[c]
		clear(wk.col)
		wk.nll = 0
		for i := lo; i < hi; i++ {
			var dot float64
			yi, si := y[i*k:(i+1)*k], sigma[i*k:(i+1)*k]
			for j, v := range yi {
				wk.col[j] += v
				dot += si[j] * v
			}
			dots[i] = dot
			wk.nll -= math.Log(dot)
		}
	})
	res := Result{Loss0: reduce(), Losses: make([]float64, 0, maxIters), Elapsed: make([]time.Duration, 0, maxIters)}
	prev := res.Loss0
	fn := float64(n)
	eta := opt.Step
	for res.Iters < maxIters {
		fairGrad(g, opt.Objective, opt.Lambda, col, n)
		forChunks(n, t, func(c, lo, hi int) {
			wk := &ws[c]
			wcol, v := wk.col[:k], wk.v[:k]
			clear(wcol)
			wk.nll = 0
			for i := lo; i < hi; i++ {
				yi, si := y[i*k:(i+1)*k], sigma[i*k:(i+1)*k]
				a := 1 / (fn * dots[i])
				for j, yv := range yi {
					v[j] = yv - eta*(g[j]-si[j]*a)
				}
				ProjectSimplex(yi, v, wk.buf)
				var dot float64
				for j, yv := range yi {
					wcol[j] += yv
					dot += si[j] * yv
				}
				dots[i] = dot
				wk.nll -= math.Log(dot)
			}
		})
		l := reduce()
		res.Iters++
		res.Losses = append(res.Losses, l)
		res.Elapsed = append(res.Elapsed, time.Since(start))
		if d := relDecrease(prev, l); d < opt.Tol {
			res.Converged = d > -increaseTol
			break
		}
		prev = l
	}
	res.Y = y
	return res, nil
}

// fairGrad writes g_k = λ ∂KL/∂y_ik, the fairness part of the gradient (the same for every
// row), from the column sums col of y: −λ u_k/(N ȳ_k) for loss (11) and λ(log(ȳ_k/u_k) + 1)/N
// for loss (10), with ȳ_k = col_k/N floored at 1e-300.
func fairGrad(g []float64, obj Objective, lambda float64, col []float64, n int) {
	fn, fk := float64(n), float64(len(col))
	for j, c := range col {
		yb := math.Max(c/fn, ybarFloor)
		if obj == Objective11 {
			g[j] = -lambda / (fk * fn * yb)
		} else {
			g[j] = lambda * (math.Log(yb*fk) + 1) / fn
		}
	}
}

// LossGradient returns the N×K gradient of loss (10) or (11) with respect to y, the G that PGD
// steps along: G_ik = −σ_ik/(N σ_i·y_i) + g_k with g from the fairness term (see PGD).
// It panics if the slices are not N×K.
func LossGradient(obj Objective, sigma, y []float64, n, k int, lambda float64) []float64 {
	if n <= 0 || k <= 0 || len(sigma) != n*k || len(y) != n*k {
		panic(fmt.Sprintf("pseudolabel: gradient of %d×%d needs slices of %d, got %d and %d", n, k, n*k, len(sigma), len(y)))
	}
	col := make([]float64, k)
	for i := 0; i < n; i++ {
		for j, v := range y[i*k : (i+1)*k] {
			col[j] += v
		}
	}
	g := make([]float64, k)
	fairGrad(g, obj, lambda, col, n)
	out := make([]float64, n*k)
	for i := 0; i < n; i++ {
		si, yi := sigma[i*k:(i+1)*k], y[i*k:(i+1)*k]
		var dot float64
		for j, v := range yi {
			dot += si[j] * v
		}
		a := 1 / (float64(n) * dot)
		for j := range yi {
			out[i*k+j] = g[j] - si[j]*a
		}
	}
	return out
}
