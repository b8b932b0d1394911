// Package blas provides the dense matrix products used by the CPU training backend.
//
// Sgemm and Dgemm compute, on row-major matrices,
//
//	C ← alpha·op(A)·op(B) + beta·C
//
// with op(X) = X or Xᵀ, op(A) of size m×k, op(B) of size k×n and C of size m×n. A row-major matrix
// with leading dimension ld stores element (i, j) at index i·ld + j, and ld must be at least the number
// of stored columns (and at least 1).
//
// Two implementations exist: the pure-Go path, a cache-blocked GEMM (Goto's algorithm) with AVX2/FMA
// assembly micro-kernels on amd64 CPUs that support them, gonum's Sgemm/Dgemm on other CPUs, and dot
// products for products with very few rows or columns; and OpenBLAS (libopenblas.so.0) called
// through cblas_sgemm/cblas_dgemm without cgo (purego) when the library can be loaded at run time.
// The Go path is the default on AVX2/FMA CPUs: it trains the models 20–35% faster than OpenBLAS
// here (no lock, no thread hand-off between products). Elsewhere OpenBLAS is used when present. The
// environment variable CCT_BLAS=go or CCT_BLAS=openblas forces a choice. Name reports which one is
// active ("openblas (<library>)" or "go").
//
// Threading: OpenBLAS runs its own worker threads, GOMAXPROCS of them by default (SetThreads changes
// the count). Unless OPENBLAS_THREAD_TIMEOUT is already set, it is set to 4 before the library is
// loaded, so that idle OpenBLAS threads sleep instead of spinning while Go code runs between
// products. Calls into OpenBLAS are serialised by a mutex, so Sgemm and Dgemm are safe to call from
// several goroutines; each call then uses all the configured threads. The pure-Go path splits each
// product over Threads() goroutines and needs no lock.
//
// Besides whole products, the Go path offers its micro-kernels for products whose operands are read
// in place, as convolutions without a patch matrix need them: PackedB (a right operand packed once,
// times row blocks with overlapping rows), TileMulAdd (a 6×16 tile summed over strided operands) and
// IndirectTile (a 6×16 tile whose six left rows and six output rows are anywhere in memory). Packed
// reports whether they run on the assembly kernels and the Go GEMM is the active implementation.
//
// As in reference BLAS, a call with invalid dimensions or slices that are too short panics: these are
// programming errors, not user input.
package blas

import (
	"fmt"
	"os"
	"runtime"
	"sync"
)

// impl is one GEMM implementation.
type impl interface {
	name() string
	sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	setThreads(n int)
}

var (
	initOnce sync.Once
	active   impl
	threadMu sync.Mutex
	nThreads int
)

// current returns the active implementation, choosing it on first use.
func current() impl {
	initOnce.Do(func() {
		nThreads = runtime.GOMAXPROCS(0)
		want := os.Getenv("CCT_BLAS")
		if want == "openblas" || want != "go" && !hasFMA {
			if ob, err := loadOpenBLAS(); err == nil {
				active = ob
			}
		}
		if active == nil {
			active = goImpl{}
		}
		active.setThreads(nThreads)
	})
	return active
}

// Name describes the active implementation, e.g. "openblas (libopenblas.so.0)" or "go".
func Name() string { return current().name() }

// SetThreads sets the number of threads one product may use (OpenBLAS threads or Go goroutines).
// n < 1 means runtime.GOMAXPROCS(0).
func SetThreads(n int) {
	im := current()
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threadMu.Lock()
	nThreads = n
	threadMu.Unlock()
	im.setThreads(n)
}

// Threads returns the number of threads one product may use.
func Threads() int {
	current()
	threadMu.Lock()
	defer threadMu.Unlock()
	return nThreads
}

// Float is the element type accepted by Gemm.
type Float interface{ float32 | float64 }

// Gemm is the generic form of Sgemm and Dgemm: C ← alpha·op(A)·op(B) + beta·C on row-major matrices.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch any(alpha).(type) {
	case float32:
		Sgemm(transA, transB, m, n, k, float32(alpha), as32(a), lda, as32(b), ldb, float32(beta), as32(c), ldc)
	case float64:
		Dgemm(transA, transB, m, n, k, float64(alpha), as64(a), lda, as64(b), ldb, float64(beta), as64(c), ldc)
	default:
		panic(fmt.Sprintf("blas: Gemm on unsupported type %T", alpha))
	}
}

// Sgemm computes C ← alpha·op(A)·op(B) + beta·C in float32 on row-major matrices, where op(A) is m×k
// (A is stored k×m when transA), op(B) is k×n (B is stored n×k when transB) and C is m×n.
// When beta = 0, C need not be initialised (NaNs in C are not propagated).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkedGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, func() gemmFn[float32] { return current().sgemm })
}

// Dgemm computes C ← alpha·op(A)·op(B) + beta·C in float64; see Sgemm.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkedGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, func() gemmFn[float64] { return current().dgemm })
}

// checkedGemm checks the arguments, handles the empty and zero products, and runs the rest with
// the GEMM of the active implementation (chosen on first use).
func checkedGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int, active func() gemmFn[T]) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	active()(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleC sets C ← beta·C (C ← 0 when beta = 0).
func scaleC[T Float](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// checkGemm panics unless the dimensions, leading dimensions and slice lengths describe valid
// row-major operands.
func checkGemm(transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("blas: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	check := func(name string, rows, cols, length, ld int) {
		if ld < max(1, cols) {
			panic(fmt.Sprintf("blas: ld%s=%d is smaller than its %d columns", name, ld, cols))
		}
		if rows > 0 && cols > 0 && length < (rows-1)*ld+cols {
			panic(fmt.Sprintf("blas: %s has %d elements, needs %d for %d×%d with ld %d", name, length, (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	check("a", ar, ac, la, lda)
	check("b", br, bc, lb, ldb)
	check("c", m, n, lc, ldc)
}
