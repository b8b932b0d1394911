//go:build !amd64

package blas

var hasFMA = false

func microKernel[T Float](kc int, a, b []T, c []T, ldc int) {
	microKernelGo(kc, a, b, c, ldc)
}

func microKernelU[T Float](kc int, a []T, lda int, b, c []T, ldc int) {
	microKernelUGo(kc, a, lda, b, c, ldc)
}
