package blas

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func sgemmKernel6x16(k int, a, b, c *float32, ldc int)

//go:noescape
func dgemmKernel6x8(k int, a, b, c *float64, ldc int)

//go:noescape
func sgemmKernel6x16U(k int, a *float32, lda int, b, c *float32, ldc int)

//go:noescape
func dgemmKernel6x8U(k int, a *float64, lda int, b, c *float64, ldc int)

//go:noescape
func sgemmKernel6x16S(k, nseg int, a *float32, sa, sega int, b *float32, sb, segb int, c *float32, ldc int)

//go:noescape
func sgemmKernel6x16I(k, nseg int, a *unsafe.Pointer, sega int, b *float32, segb int, c *unsafe.Pointer, add int)

//go:noescape
func copyRows64(dst, src unsafe.Pointer, lds, rows int)

// hasFMA reports whether the CPU and OS support AVX2 and FMA3.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// microKernel adds the product of a packed kc×mr A strip and a packed kc×nr B strip to the mr×nr
// tile of C at c with row stride ldc.
func microKernel[T Float](kc int, a, b []T, c []T, ldc int) {
	nr := nrOf[T]()
	_, _, _ = a[kc*mr-1], b[kc*nr-1], c[(mr-1)*ldc+nr-1] // the assembly reads and writes these
	switch any(T(0)).(type) {
	case float32:
		sgemmKernel6x16(kc, (*float32)(unsafe.Pointer(&a[0])), (*float32)(unsafe.Pointer(&b[0])), (*float32)(unsafe.Pointer(&c[0])), ldc)
	default:
		dgemmKernel6x8(kc, (*float64)(unsafe.Pointer(&a[0])), (*float64)(unsafe.Pointer(&b[0])), (*float64)(unsafe.Pointer(&c[0])), ldc)
	}
}

// microKernelU is microKernel with A read in place: row i of the 6×kc block starts at a[i·lda].
func microKernelU[T Float](kc int, a []T, lda int, b, c []T, ldc int) {
	nr := nrOf[T]()
	_, _, _ = a[(mr-1)*lda+kc-1], b[kc*nr-1], c[(mr-1)*ldc+nr-1] // the assembly reads and writes these
	switch any(T(0)).(type) {
	case float32:
		sgemmKernel6x16U(kc, (*float32)(unsafe.Pointer(&a[0])), lda, (*float32)(unsafe.Pointer(&b[0])), (*float32)(unsafe.Pointer(&c[0])), ldc)
	default:
		dgemmKernel6x8U(kc, (*float64)(unsafe.Pointer(&a[0])), lda, (*float64)(unsafe.Pointer(&b[0])), (*float64)(unsafe.Pointer(&c[0])), ldc)
	}
}

// tileKernelS is the strided tile product of TileMulAdd; float64 uses the portable loop.
func tileKernelS[T Float](k, nseg int, a []T, sa, sega int, b []T, sb, segb int, c []T, ldc int) {
	if a32, ok := any(a).([]float32); ok && hasFMA {
		b32, c32 := any(b).([]float32), any(c).([]float32)
		sgemmKernel6x16S(k, nseg, &a32[0], sa, sega, &b32[0], sb, segb, &c32[0], ldc)
		return
	}
	tileKernelSGo(k, nseg, a, sa, sega, b, sb, segb, c, ldc)
}

// tileKernelI is the indirect tile product of IndirectTile; float64 uses the portable loop.
func tileKernelI[T Float](k, nseg int, a *[mr][]T, aoff, sega int, b []T, segb int, c *[mr][]T, add bool) {
	if b32, ok := any(b).([]float32); ok && hasFMA {
		var ap, cp [mr]unsafe.Pointer
		for r := range ap {
			ap[r], cp[r] = unsafe.Pointer(&a[r][aoff]), unsafe.Pointer(&c[r][0])
		}
		flag := 0
		if add {
			flag = 1
		}
		sgemmKernel6x16I(k, nseg, &ap[0], sega, &b32[0], segb, &cp[0], flag)
		return
	}
	tileKernelIGo(k, nseg, a, aoff, sega, b, segb, c, add)
}

// copyRows copies rows of nr elements (64 bytes: 16 float32 or 8 float64), row p from src[p·lds],
// to dst[p·nr], for p < rows.
func copyRows[T Float](dst, src []T, lds, rows int) {
	if rows == 0 {
		return
	}
	nr := nrOf[T]()
	_, _ = dst[rows*nr-1], src[(rows-1)*lds+nr-1] // the assembly reads and writes these
	copyRows64(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), lds*int(unsafe.Sizeof(dst[0])), rows)
}
