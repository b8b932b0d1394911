package pseudolabel

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cct-dev/cct/internal/cputime"
)

// BenchmarkEMIteration times one EM iteration (E-step, M-step of every point, and the loss)
// at N = 10,000, λ = 1.3, σ = softmax of Gaussian logits, from the state after 10 iterations
// (each op restores that state untimed, then steps once). "warm" starts each point's root
// finder at its previous root; "cold" starts every solve at Lemma 1's point. At K ≤ smallK the
// "-generic" variants run the general per-row path instead of the small-K one. cpu-ms/op is the
// process CPU time of the step (all threads).
func BenchmarkEMIteration(b *testing.B) {
	const n = 10000
	for _, k := range []int{10, 100, 1000} {
		sigma := RandomSigma(n, k, 1)
		for _, v := range []struct {
			name          string
			cold, generic bool
		}{{"warm", false, false}, {"cold", true, false}, {"warm-generic", false, true}, {"cold-generic", true, true}} {
			if v.generic && k > smallK {
				continue
			}
			b.Run(fmt.Sprintf("K=%d/%s", k, v.name), func(b *testing.B) {
				s, err := newEMSolver(sigma, n, k, EMOptions{Lambda: 1.3, ColdStart: v.cold})
				if err != nil {
					b.Fatal(err)
				}
				s.generic = v.generic
				for range 10 {
					s.step()
				}
				y0, u0, col0, nll0 := slices.Clone(s.y), slices.Clone(s.uprev), slices.Clone(s.col), s.nll
				s.rootSteps = 0
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					copy(s.y, y0)
					copy(s.uprev, u0)
					copy(s.col, col0)
					s.nll = nll0
					b.StartTimer()
					c := cputime.Process()
					s.step()
					cpu += cputime.Process() - c
				}
				b.ReportMetric(float64(s.rootSteps)/float64(b.N)/n, "evals/point")
				b.ReportMetric(float64(cpu)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkEMRun times a full EM run to tol 1e-5 at N = 10,000, λ = 1.3, and reports the mean
// time per iteration.
func BenchmarkEMRun(b *testing.B) {
	const n = 10000
	for _, k := range []int{10, 100, 1000} {
		sigma := RandomSigma(n, k, 1)
		b.Run(fmt.Sprintf("K=%d", k), func(b *testing.B) {
			iters := 0
			cpu := cputime.Process()
			for b.Loop() {
				res, err := EM(sigma, n, k, EMOptions{Lambda: 1.3, Tol: 1e-5, MaxIters: 1000})
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iters
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(iters), "ms/iter")
			b.ReportMetric(float64(iters)/float64(b.N), "iters")
			b.ReportMetric(float64(cputime.Process()-cpu)/1e6/float64(iters), "cpu-ms/iter")
		})
	}
}

// BenchmarkEval times one evaluation pass of the M-step root finder over K = 1000 entries (one goroutine).
func BenchmarkEval(b *testing.B) {
	const k = 1000
	sigma := RandomSigma(1, k, 2)
	p := make([]float64, k)
	for j := range p {
		p[j] = 0.001
	}
	y := make([]float64, k)
	cpu := cputime.Process()
	for b.Loop() {
		eval(y, sigma, p, 1.5)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/k, "ns/entry")
	b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N)/k, "cpu-ns/entry")
}
