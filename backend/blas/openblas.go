//go:build (darwin || freebsd || linux || netbsd) && !android && !faketime

package blas

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/ebitengine/purego"
)

// CBLAS enumeration values (cblas.h).
const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// openBLASNames are tried in order with dlopen.
var openBLASNames = []string{
	"libopenblas.so.0",
	"libopenblas.so",
	"/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
	"/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
	"/usr/lib64/libopenblas.so.0",
	"/usr/local/lib/libopenblas.so.0",
	"/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
	"/usr/local/opt/openblas/lib/libopenblas.dylib",
}

// openBLAS calls cblas_?gemm of a dynamically loaded OpenBLAS (32-bit integer interface).
type openBLAS struct {
	lib        string
	mu         sync.Mutex
	sgemmFn    func(order, transA, transB, m, n, k int32, alpha float32, a *float32, lda int32, b *float32, ldb int32, beta float32, c *float32, ldc int32)
	dgemmFn    func(order, transA, transB, m, n, k int32, alpha float64, a *float64, lda int32, b *float64, ldb int32, beta float64, c *float64, ldc int32)
	setThreadN func(n int32)
}

// loadOpenBLAS opens the first OpenBLAS library found and binds its GEMM entry points.
func loadOpenBLAS() (ob impl, err error) {
	defer func() {
		// RegisterLibFunc panics on a missing symbol.
		if r := recover(); r != nil {
			ob, err = nil, fmt.Errorf("blas: binding OpenBLAS: %v", r)
		}
	}()
	// Idle OpenBLAS threads spin for about 2^28 cycles after each call by default, taking the cores
	// from the Go goroutines that run between products (im2col, element-wise ops). Unless the user
	// chose otherwise, make them sleep at once; the library reads this when it is loaded.
	if _, ok := os.LookupEnv("OPENBLAS_THREAD_TIMEOUT"); !ok {
		os.Setenv("OPENBLAS_THREAD_TIMEOUT", "4")
	}
	var errs []error
	for _, name := range openBLASNames {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, sym := range []string{"cblas_sgemm", "cblas_dgemm", "openblas_set_num_threads"} {
			if _, err := purego.Dlsym(h, sym); err != nil {
				return nil, fmt.Errorf("blas: %s lacks %s: %w", name, sym, err)
			}
		}
		ob := &openBLAS{lib: name}
		purego.RegisterLibFunc(&ob.sgemmFn, h, "cblas_sgemm")
		purego.RegisterLibFunc(&ob.dgemmFn, h, "cblas_dgemm")
		purego.RegisterLibFunc(&ob.setThreadN, h, "openblas_set_num_threads")
		return ob, nil
	}
	return nil, fmt.Errorf("blas: OpenBLAS not found: %w", errors.Join(errs...))
}

func (o *openBLAS) name() string { return "openblas (" + o.lib + ")" }

func (o *openBLAS) setThreads(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setThreadN(int32(n))
}

// fitsInt32 reports whether every integer argument fits the 32-bit CBLAS interface.
func fitsInt32(vals ...int) bool {
	for _, v := range vals {
		if v > 1<<31-1 {
			return false
		}
	}
	return true
}

func trans(t bool) int32 {
	if t {
		return cblasTrans
	}
	return cblasNoTrans
}

func (o *openBLAS) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cblasGemm(o, o.sgemmFn, goImpl{}.sgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (o *openBLAS) dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	cblasGemm(o, o.dgemmFn, goImpl{}.dgemm, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// cblasGemm computes C ← alpha·op(A)·op(B) + beta·C with the library's cblas_?gemm fn, under o.mu
// (the library's threads are shared), or with fallback when a size does not fit the library's
// 32-bit integers.
func cblasGemm[T Float](o *openBLAS,
	fn func(order, transA, transB, m, n, k int32, alpha T, a *T, lda int32, b *T, ldb int32, beta T, c *T, ldc int32),
	fallback func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if !fitsInt32(m, n, k, lda, ldb, ldc) {
		fallback(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	o.mu.Lock()
	fn(cblasRowMajor, trans(transA), trans(transB), int32(m), int32(n), int32(k),
		alpha, &a[0], int32(lda), &b[0], int32(ldb), beta, &c[0], int32(ldc))
	o.mu.Unlock()
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
}
