package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// goImpl is the pure-Go path: the blocked GEMM with AVX2/FMA assembly micro-kernels on amd64 CPUs
// that have them, gonum's Sgemm/Dgemm otherwise and for products with fewer than 3 rows or 4 columns.
type goImpl struct{}

func (goImpl) name() string     { return "go" }
func (goImpl) setThreads(n int) {}

func gtrans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// useBlocked reports whether the blocked kernel suits an m×n product: its 6×16 (6×8) tiles waste
// most of their work on products with very few rows or columns, which gonum handles as dot products.
func useBlocked(m, n int) bool { return hasFMA && m >= 3 && n >= 4 }

func (goImpl) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if useBlocked(m, n) {
		blockedGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gonumImpl{}.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (goImpl) dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if useBlocked(m, n) {
		blockedGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gonumImpl{}.dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
