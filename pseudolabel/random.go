package pseudolabel

import (
	"math"
	"math/rand/v2"
)

// RandomSigma returns an N×K row-major matrix of softmax(z_i) with z_ik drawn from the standard
// normal distribution by a PCG generator seeded with seed.
func RandomSigma(n, k int, seed uint64) []float64 {
	return RandomSigmaScaled(n, k, seed, 1)
}

// RandomSigmaScaled is RandomSigma with logits scale·z_ik (scale 1 gives RandomSigma's σ).
func RandomSigmaScaled(n, k int, seed uint64, scale float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	s := make([]float64, n*k)
	for i := 0; i < n; i++ {
		row := s[i*k : (i+1)*k]
		mx := math.Inf(-1)
		for j := range row {
			row[j] = scale * rng.NormFloat64()
			mx = math.Max(mx, row[j])
		}
		var sum float64
		for j := range row {
			row[j] = math.Exp(row[j] - mx)
			sum += row[j]
		}
		for j := range row {
			row[j] /= sum
		}
	}
	return s
}
