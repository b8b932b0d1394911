package pseudolabel

import (
	"fmt"
	"math"
)

// Objective selects the order of the arguments of the fairness divergence.
type Objective int

const (
	// Objective11 is loss (11): (1/N)Σ_i −log(σ_i·y_i) + λ KL(u‖ȳ).
	Objective11 Objective = iota
	// Objective10 is loss (10): (1/N)Σ_i −log(σ_i·y_i) + λ KL(ȳ‖u).
	Objective10
)

// String returns "loss11" or "loss10".
func (o Objective) String() string {
	switch o {
	case Objective11:
		return "loss11"
	case Objective10:
		return "loss10"
	}
	return fmt.Sprintf("Objective(%d)", int(o))
}

// Loss11 returns loss (11), (1/N)Σ_i −log(σ_i·y_i) + λ Σ_k u_k log(u_k/ȳ_k) with u_k = 1/K and
// ȳ = (1/N)Σ_i y_i. It is +Inf when some σ_i·y_i or ȳ_k is 0. It panics if the slices are not N×K.
func Loss11(sigma, y []float64, n, k int, lambda float64) float64 {
	return lossOf(Objective11, sigma, y, n, k, lambda)
}

// Loss10 returns loss (10), (1/N)Σ_i −log(σ_i·y_i) + λ Σ_k ȳ_k log(ȳ_k/u_k) with u_k = 1/K,
// ȳ = (1/N)Σ_i y_i and 0·log 0 = 0. It panics if the slices are not N×K.
func Loss10(sigma, y []float64, n, k int, lambda float64) float64 {
	return lossOf(Objective10, sigma, y, n, k, lambda)
}

func lossOf(obj Objective, sigma, y []float64, n, k int, lambda float64) float64 {
	if n <= 0 || k <= 0 || len(sigma) != n*k || len(y) != n*k {
		panic(fmt.Sprintf("pseudolabel: loss of %d×%d needs slices of %d, got %d and %d", n, k, n*k, len(sigma), len(y)))
	}
	col := make([]float64, k)
	var nll float64
	for i := 0; i < n; i++ {
		si, yi := sigma[i*k:(i+1)*k], y[i*k:(i+1)*k]
		var dot float64
		for j, v := range yi {
			dot += si[j] * v
			col[j] += v
		}
		nll -= math.Log(dot)
	}
	return nll/float64(n) + lambda*fairness(obj, col, n)
}

// fairness returns KL(u‖ȳ) or KL(ȳ‖u) from the column sums col of y (ȳ = col/N).
func fairness(obj Objective, col []float64, n int) float64 {
	k := len(col)
	invK := 1 / float64(k)
	var kl float64
	switch obj {
	case Objective11:
		// Σ_k u_k log(u_k/ȳ_k) = Σ_k (1/K) log(N/(K col_k)).
		for _, c := range col {
			kl += math.Log(float64(n) * invK / c)
		}
		kl *= invK
	case Objective10:
		for _, c := range col {
			yb := c / float64(n)
			if yb > 0 {
				kl += yb * math.Log(yb*float64(k))
			}
		}
	default:
		panic(fmt.Sprintf("pseudolabel: unknown objective %d", int(obj)))
	}
	return kl
}

// checkSigma validates an N×K matrix of probabilities: finite, non-negative entries and a
// positive entry in every row.
func checkSigma(name string, sigma []float64, n, k int) error {
	if n <= 0 || k <= 0 {
		return fmt.Errorf("%s: need N ≥ 1 and K ≥ 1, got N=%d K=%d", name, n, k)
	}
	if len(sigma) != n*k {
		return fmt.Errorf("%s: has %d entries, want N×K = %d×%d = %d", name, len(sigma), n, k, n*k)
	}
	for i := 0; i < n; i++ {
		var mx float64
		for j, v := range sigma[i*k : (i+1)*k] {
			if !(v >= 0) || math.IsInf(v, 1) {
				return fmt.Errorf("%s: row %d column %d is %v, want a finite value ≥ 0", name, i, j, v)
			}
			mx = math.Max(mx, v)
		}
		if mx == 0 {
			return fmt.Errorf("%s: row %d is all zero", name, i)
		}
	}
	return nil
}

func checkScalar(name string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("%s = %v, want a finite value ≥ 0", name, v)
	}
	return nil
}
