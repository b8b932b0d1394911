package pseudolabel

import (
	"fmt"
	"math"
)

// Methods accepted by Label.
const (
	MethodEM       = "em"
	MethodPGD      = "pgd"
	MethodSinkhorn = "sinkhorn"
	MethodNewton   = "newton"
)

// LabelOptions configures Label.
type LabelOptions struct {
	Method   string  // MethodEM, MethodNewton, MethodPGD or MethodSinkhorn
	Lambda   float64 // fairness weight λ of loss (11) (EM, PGD)
	Tol      float64 // relative-decrease stop rule (EM, PGD); KKT residual level (Newton, 0: DefaultNewtonTol)
	MaxIters int     // iteration cap (all methods); 0 means the method's default
	Step     float64 // PGD step size
	Power    float64 // Sinkhorn exponent; 0 means 25
	Threads  int     // goroutines (EM, PGD); 0: GOMAXPROCS, at most one per 256 points
}

// LabelSummary reports how a Label run went.
type LabelSummary struct {
	Method      string
	Iters       int
	Converged   bool
	Loss0, Loss float64 // loss (11) before and after (NaN for Sinkhorn)
	KKT         float64 // KKT11 of the result (EM, Newton, PGD)
}

// String formats the summary as one line.
func (s LabelSummary) String() string {
	conv := "converged"
	if !s.Converged && s.Method == MethodNewton {
		conv = "stopped above the KKT tolerance"
	} else if !s.Converged {
		conv = "stopped at the iteration cap"
	}
	if s.Method == MethodSinkhorn {
		return fmt.Sprintf("%s: %d iterations, %s", s.Method, s.Iters, conv)
	}
	return fmt.Sprintf("%s: %d iterations, %s, loss (11) %.10g -> %.10g, KKT residual %.3g", s.Method, s.Iters, conv, s.Loss0, s.Loss, s.KKT)
}

// Label computes pseudo-labels for the N×K probabilities sigma with the chosen method: soft
// labels minimising loss (11) for EM and PGD, one-hot SeLa labels for Sinkhorn.
func Label(sigma []float64, n, k int, opt LabelOptions) ([]float64, LabelSummary, error) {
	sum := LabelSummary{Method: opt.Method}
	switch opt.Method {
	case MethodEM:
		res, err := EM(sigma, n, k, EMOptions{Lambda: opt.Lambda, Tol: opt.Tol, MaxIters: opt.MaxIters, Threads: opt.Threads})
		if err != nil {
			return nil, sum, err
		}
		sum.Iters, sum.Converged, sum.Loss0, sum.Loss = res.Iters, res.Converged, res.Loss0, res.FinalLoss()
		sum.KKT = KKT11(sigma, res.Y, n, k, opt.Lambda)
		return res.Y, sum, nil
	case MethodNewton:
		res, err := Newton(sigma, n, k, NewtonOptions{Lambda: opt.Lambda, Tol: opt.Tol, MaxIters: opt.MaxIters, Threads: opt.Threads})
		if err != nil {
			return nil, sum, err
		}
		sum.Iters, sum.Converged, sum.Loss0, sum.Loss = res.Iters, res.Converged, res.Loss0, res.FinalLoss()
		sum.KKT = res.KKT
		return res.Y, sum, nil
	case MethodPGD:
		res, err := PGD(sigma, n, k, PGDOptions{Objective: Objective11, Lambda: opt.Lambda, Step: opt.Step, Tol: opt.Tol,
			MaxIters: opt.MaxIters, Threads: opt.Threads})
		if err != nil {
			return nil, sum, err
		}
		sum.Iters, sum.Converged, sum.Loss0, sum.Loss = res.Iters, res.Converged, res.Loss0, res.FinalLoss()
		sum.KKT = KKT11(sigma, res.Y, n, k, opt.Lambda)
		return res.Y, sum, nil
	case MethodSinkhorn:
		res, err := Sinkhorn(sigma, n, k, SinkhornOptions{Power: opt.Power, MaxIters: opt.MaxIters})
		if err != nil {
			return nil, sum, err
		}
		y := make([]float64, n*k)
		for i, l := range res.Labels {
			y[i*k+l] = 1
		}
		sum.Iters, sum.Converged, sum.Loss0, sum.Loss = res.Iters, res.Converged, math.NaN(), math.NaN()
		return y, sum, nil
	}
	return nil, sum, fmt.Errorf("method %q, want em, newton, pgd or sinkhorn", opt.Method)
}

// Softmax returns the row-wise softmax σ_ik = exp(z_ik − max_j z_ij)/Σ_l exp(z_il − max_j z_ij)
// of an N×K matrix of logits, or an error naming the first non-finite entry.
func Softmax(z []float64, n, k int) ([]float64, error) {
	if len(z) != n*k {
		return nil, fmt.Errorf("logits: %d values, want %d×%d", len(z), n, k)
	}
	out := make([]float64, n*k)
	for i := 0; i < n; i++ {
		row, dst := z[i*k:(i+1)*k], out[i*k:(i+1)*k]
		mx := math.Inf(-1)
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("row %d column %d is %v, want a finite logit", i, j, v)
			}
			mx = math.Max(mx, v)
		}
		var s float64
		for j, v := range row {
			dst[j] = math.Exp(v - mx)
			s += dst[j]
		}
		for j := range dst {
			dst[j] /= s
		}
	}
	return out, nil
}

// CheckProbabilities returns an error naming the first row of the N×K matrix p that is not a
// probability vector: an entry that is NaN, infinite or negative, or a sum off 1 by more than tol.
func CheckProbabilities(p []float64, n, k int, tol float64) error {
	if len(p) != n*k {
		return fmt.Errorf("probabilities: %d values, want %d×%d", len(p), n, k)
	}
	for i := 0; i < n; i++ {
		var s float64
		for j, v := range p[i*k : (i+1)*k] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("row %d column %d is %v, want a finite probability", i, j, v)
			}
			if v < 0 {
				return fmt.Errorf("row %d column %d is %v, want a probability ≥ 0 (use --logits for logits)", i, j, v)
			}
			s += v
		}
		if math.Abs(s-1) > tol {
			return fmt.Errorf("row %d sums to %.8g, want 1 within %g (use --logits for logits)", i, s, tol)
		}
	}
	return nil
}
