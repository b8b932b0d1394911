package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"
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
				for i := 0; i < b.N; i++ {
					Gemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		})
	}
}

func BenchmarkSgemm256(b *testing.B)  { benchGemm[float32](b, 256) }
func BenchmarkSgemm1024(b *testing.B) { benchGemm[float32](b, 1024) }
func BenchmarkDgemm256(b *testing.B)  { benchGemm[float64](b, 256) }
func BenchmarkDgemm1024(b *testing.B) { benchGemm[float64](b, 1024) }
