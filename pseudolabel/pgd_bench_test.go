package pseudolabel

import (
	"fmt"
	"testing"

	"github.com/cct-dev/cct/internal/cputime"
)

// BenchmarkPGDIteration times PGD iterations on loss (11) at N = 10,000, η = N/K (the middle
// default step of BenchTable1).
func BenchmarkPGDIteration(b *testing.B) {
	const n = 10000
	for _, k := range []int{10, 100, 1000} {
		sigma := RandomSigma(n, k, 1)
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			iters := 0
			cpu := cputime.Process()
			for b.Loop() {
				res, err := PGD(sigma, n, k, PGDOptions{Lambda: 1.3, Step: float64(n) / float64(k), MaxIters: 5})
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iters
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(iters), "ms/iter")
			b.ReportMetric(float64(cputime.Process()-cpu)/1e6/float64(iters), "cpu-ms/iter")
		})
	}
}
