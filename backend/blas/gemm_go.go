package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// goImpl is the pure-Go path: the blocked GEMM with AVX2/FMA assembly micro-kernels on amd64 CPUs
// that have them, gonum's Sgemm/Dgemm on other CPUs, and dot products and axpys for products with
// fewer than 3 rows or 4 columns.
type goImpl struct{}

func (goImpl) name() string     { return "go" }
func (goImpl) setThreads(n int) {}

func gtrans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// useSmall reports whether an m×n product has so few rows or columns that the 6×16 (6×8) tiles of the
// blocked kernel would be mostly padding.
func useSmall(m, n int) bool { return m < 3 || n < 4 }

func (goImpl) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	goGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, gonumImpl{}.sgemm)
}

func (goImpl) dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	goGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, gonumImpl{}.dgemm)
}

// gemmFn is the signature of the GEMM entry points of one element type.
type gemmFn[T Float] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// goGemm is goImpl's GEMM: smallGemm for products with very few rows or columns, else the blocked
// GEMM where the CPU has AVX2/FMA, else gonum.
func goGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int, gonum gemmFn[T]) {
	switch {
	case useSmall(m, n):
		smallGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	case hasFMA:
		blockedGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	default:
		gonum(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// gonumImpl always uses gonum (the path taken by goImpl on CPUs without AVX2/FMA).
type gonumImpl struct{}

func (gonumImpl) name() string     { return "gonum" }
func (gonumImpl) setThreads(n int) {}

func (gonumImpl) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gonum.Implementation{}.Sgemm(gtrans(transA), gtrans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (gonumImpl) dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gonum.Implementation{}.Dgemm(gtrans(transA), gtrans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
