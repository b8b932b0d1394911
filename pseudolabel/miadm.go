package pseudolabel

import "math"

// MIADMUpdate returns MIADM's y-update for loss (5) in the DEPICT/Jabi form,
//
//	y_ik = (σ_ik/√(Σ_j σ_jk)) / Σ_l (σ_il/√(Σ_j σ_jl)),
//
// for an N×K matrix σ. A column with zero sum contributes 0 to every row.
func MIADMUpdate(sigma []float64, n, k int) ([]float64, error) {
	if err := checkSigma("sigma", sigma, n, k); err != nil {
		return nil, err
	}
	w := make([]float64, k)
	for i := 0; i < n; i++ {
		for j, v := range sigma[i*k : (i+1)*k] {
			w[j] += v
		}
	}
	for j, v := range w {
		if v > 0 {
			w[j] = 1 / math.Sqrt(v)
		}
	}
	y := make([]float64, n*k)
	for i := 0; i < n; i++ {
		row := y[i*k : (i+1)*k]
		var sum float64
		for j, v := range sigma[i*k : (i+1)*k] {
			row[j] = v * w[j]
			sum += row[j]
		}
		inv := 1 / sum
		for j := range row {
			row[j] *= inv
		}
	}
	return y, nil
}
