package blas

import (
	"runtime"

	"github.com/cct-dev/cct/backend/internal/parallel"
)

// smallGemm computes C ← alpha·op(A)·op(B) + beta·C for products with very few rows or columns
// (where the tiles of the blocked kernel would be mostly padding), as dot products and axpys over
// the long dimension, split over goroutines. k ≥ 1.
func smallGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	scaleC(m, n, beta, c, ldc)
	if n <= m {
		// Few columns: one column of C at a time.
		v := make([]T, k)
		for j := 0; j < n; j++ {
			// v = column j of op(B)
			line(v, b, j, ldb, transB)
			if !transA { // row i of op(A) is a[i·lda : i·lda+k]
				splitRange(m, k, func(i0, i1 int) {
					for i := i0; i < i1; i++ {
						c[i*ldc+j] += alpha * dot(a[i*lda:i*lda+k], v)
					}
				})
				continue
			}
			// Column j of C += alpha·Σ_p v[p]·(row p of stored A), the rows being contiguous.
			splitRange(m, k, func(i0, i1 int) {
				acc := make([]T, i1-i0)
				for p, vp := range v {
					axpy(vp, a[p*lda+i0:p*lda+i1], acc)
				}
				for i, s := range acc {
					c[(i0+i)*ldc+j] += alpha * s
				}
			})
		}
		return
	}
	// Few rows: one row of C at a time.
	u := make([]T, k)
	for i := 0; i < m; i++ {
		line(u, a, i, lda, !transA) // u = row i of op(A)
		row := c[i*ldc : i*ldc+n]
		if transB { // column j of op(B) is b[j·ldb : j·ldb+k]
			splitRange(n, k, func(j0, j1 int) {
				for j := j0; j < j1; j++ {
					row[j] += alpha * dot(b[j*ldb:j*ldb+k], u)
				}
			})
			continue
		}
		splitRange(n, k, func(j0, j1 int) {
			for p, up := range u {
				axpy(alpha*up, b[p*ldb+j0:p*ldb+j1], row[j0:j1])
			}
		})
	}
}

// line copies line i of a row-major matrix m with leading dimension ld into dst: row i, dst[p] =
// m[i·ld+p], when row is true, else column i, dst[p] = m[p·ld+i].
func line[T Float](dst, m []T, i, ld int, row bool) {
	for p := range dst {
		if row {
			dst[p] = m[i*ld+p]
		} else {
			dst[p] = m[p*ld+i]
		}
	}
}

// splitRange calls f on contiguous parts of [0, n) from up to Threads() goroutines, when the work
// n·k is large enough to pay for them.
func splitRange(n, k int, f func(lo, hi int)) {
	workers := min(Threads(), runtime.GOMAXPROCS(0))
	if float64(n)*float64(k) < 1<<16 {
		workers = 1
	}
	parallel.Split(n, workers, f)
}

// dot returns Σ_i x[i]·y[i] (len(y) ≥ len(x)), with four partial sums.
func dot[T Float](x, y []T) T {
	y = y[:len(x)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy sets y ← y + alpha·x (len(y) ≥ len(x)).
func axpy[T Float](alpha T, x, y []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
