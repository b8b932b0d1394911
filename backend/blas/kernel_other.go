//go:build !amd64

package blas

// hasFMA is false off amd64: the Go path then uses gonum (the blocked driver stays unused).
var hasFMA = false

// microKernel is the portable micro-kernel on this architecture.
func microKernel[T Float](kc int, a, b []T, c []T, ldc int) {
	microKernelGo(kc, a, b, c, ldc)
}

// microKernelU is the portable unpacked micro-kernel on this architecture.
func microKernelU[T Float](kc int, a []T, lda int, b, c []T, ldc int) {
	microKernelUGo(kc, a, lda, b, c, ldc)
}

// copyRows copies rows of nr elements, row p from src[p·lds], to dst[p·nr], for p < rows.
func copyRows[T Float](dst, src []T, lds, rows int) {
	nr := nrOf[T]()
	for p := 0; p < rows; p++ {
		copy(dst[p*nr:(p+1)*nr], src[p*lds:p*lds+nr])
	}
}

// tileKernelS is the portable strided tile product on this architecture.
func tileKernelS[T Float](k, nseg int, a []T, sa, sega int, b []T, sb, segb int, c []T, ldc int) {
	tileKernelSGo(k, nseg, a, sa, sega, b, sb, segb, c, ldc)
}

// tileKernelI is the portable indirect tile product on this architecture.
func tileKernelI[T Float](k, nseg int, a *[mr][]T, aoff, sega int, b []T, segb int, c *[mr][]T, add bool) {
	tileKernelIGo(k, nseg, a, aoff, sega, b, segb, c, add)
}
