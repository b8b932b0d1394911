package pseudolabel

import (
	"math"
	"sort"
	"testing"
)

// TestEMContractionAtLambda100 measures why EM stalls at λ = 100 on near-uniform σ (N = 250,
// K = 10, logits 0.05·Gaussian): labels that vanish at the minimum shrink by about
// c_k/(c_k + δ_ik) per EM iteration, c = λ/(K ȳ), δ_ik = max_j h_ij − h_ik, h_ik = σ_ik/x_i + c_k,
// and with c ≈ λ = 100 and δ ≈ 0.05 that factor is within 1e-3 of 1. The measured decay of EM's
// loss gap to Newton's minimum between iterations 2,000 and 3,000 must be that slow too, and
// EM must still be ≥ 0.5% above the minimum after 3,000 iterations (go test -v prints the
// figures).
func TestEMContractionAtLambda100(t *testing.T) {
	n, k, lambda := 250, 10, 100.0
	sigma := RandomSigmaScaled(n, k, 11, 0.05)
	ref, err := Newton(sigma, n, k, NewtonOptions{Lambda: lambda})
	if err != nil {
		t.Fatal(err)
	}
	ls := ref.FinalLoss()
	em, err := EM(sigma, n, k, EMOptions{Lambda: lambda, MaxIters: 3000})
	if err != nil {
		t.Fatal(err)
	}
	gap := func(it int) float64 { return em.Losses[it-1] - ls }
	rate := math.Pow(gap(3000)/gap(2000), 1.0/1000)
	var fac []float64
	for i := 0; i < n; i++ {
		yi, si := ref.Y[i*k:(i+1)*k], sigma[i*k:(i+1)*k]
		var x float64
		for j, v := range yi {
			x += si[j] * v
		}
		hmax := math.Inf(-1)
		for j, sv := range si {
			hmax = math.Max(hmax, sv/x+ref.C[j])
		}
		for j, v := range yi {
			if v < 1e-6 {
				c := ref.C[j]
				fac = append(fac, c/(c+hmax-(si[j]/x+c)))
			}
		}
	}
	sort.Float64s(fac)
	med := fac[len(fac)/2]
	t.Logf("minimum %.12g (Newton, %d iterations, KKT %.2g); EM gap after 100, 1000, 3000 iterations: %.3g, %.3g, %.3g (relative %.3g), KKT %.2g",
		ls, ref.Iters, ref.KKT, gap(100), gap(1000), gap(3000), gap(3000)/ls, KKT11(sigma, em.Y, n, k, lambda))
	t.Logf("measured gap decay per iteration (2000..3000) %.6f; predicted factor on vanishing labels: median %.6f, 90th percentile %.6f",
		rate, med, fac[len(fac)*9/10])
	if gap(3000)/ls < 5e-3 || rate < 0.999 || med < 0.999 {
		t.Errorf("EM not as slow as explained: relative gap %.3g, rate %.6f, median factor %.6f", gap(3000)/ls, rate, med)
	}
}
