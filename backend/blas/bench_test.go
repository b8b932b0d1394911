package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cct-dev/cct/internal/cputime"
)

func benchGemm[T Float](b *testing.B, n int) {
	r := rand.New(rand.NewPCG(7, 8))
	x, y := randSlice[T](r, n*n), randSlice[T](r, n*n)
	c := make([]T, n*n)
	for _, im := range implementations(b) {
		b.Run(fmt.Sprintf("%s/n=%d", im.name(), n), func(b *testing.B) {
			withImpl(im, func() {
				Gemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n) // warm up threads
				b.ResetTimer()
				c0 := cputime.Process()
				for i := 0; i < b.N; i++ {
					Gemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n)
				}
				cpu := cputime.Process() - c0
				flops := 2 * float64(n) * float64(n) * float64(n) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// On a shared machine the wall clock depends on the other load; the rate per CPU
				// second times the thread count estimates the rate on an idle machine.
				if cpu > 0 {
					b.ReportMetric(flops/cpu.Seconds()/1e9*float64(Threads()), "GFLOP/s-cpu")
				}
			})
		})
	}
}

func BenchmarkSgemm256(b *testing.B)  { benchGemm[float32](b, 256) }
func BenchmarkSgemm1024(b *testing.B) { benchGemm[float32](b, 1024) }
func BenchmarkDgemm256(b *testing.B)  { benchGemm[float64](b, 256) }
func BenchmarkDgemm1024(b *testing.B) { benchGemm[float64](b, 1024) }
