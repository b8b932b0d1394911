package cpu

import xcpu "golang.org/x/sys/cpu"

// The float32 loops of simd_amd64.s; n must be a multiple of 8 and the slices behind the pointers
// at least n long.

//go:noescape
func addVVF32(o, x, y *float32, n int)

//go:noescape
func subVVF32(o, x, y *float32, n int)

//go:noescape
func mulVVF32(o, x, y *float32, n int)

//go:noescape
func divVVF32(o, x, y *float32, n int)

//go:noescape
func addVSF32(o, x *float32, c float32, n int)

//go:noescape
func subVSF32(o, x *float32, c float32, n int)

//go:noescape
func mulVSF32(o, x *float32, c float32, n int)

//go:noescape
func divVSF32(o, x *float32, c float32, n int)

//go:noescape
func subSVF32(o, x *float32, c float32, n int)

//go:noescape
func divSVF32(o, x *float32, c float32, n int)

//go:noescape
func eqVVF32(o, x, y *float32, n int)

//go:noescape
func neVVF32(o, x, y *float32, n int)

//go:noescape
func ltVVF32(o, x, y *float32, n int)

//go:noescape
func leVVF32(o, x, y *float32, n int)

//go:noescape
func geVVF32(o, x, y *float32, n int)

//go:noescape
func gtVVF32(o, x, y *float32, n int)

//go:noescape
func eqVSF32(o, x *float32, c float32, n int)

//go:noescape
func neVSF32(o, x *float32, c float32, n int)

//go:noescape
func ltVSF32(o, x *float32, c float32, n int)

//go:noescape
func leVSF32(o, x *float32, c float32, n int)

//go:noescape
func geVSF32(o, x *float32, c float32, n int)

//go:noescape
func gtVSF32(o, x *float32, c float32, n int)

//go:noescape
func whereF32(o, c, t, f *float32, tv, fv float32, mode, n int)

//go:noescape
func nonNegF32(o, x *float32, n int)

//go:noescape
func sqrtF32(o, x *float32, n int)

//go:noescape
func addRows4F32(acc, a, b, c, d *float32, n int)

// hasAVX2 reports whether the CPU and the OS support AVX2 (with the YMM state enabled).
var hasAVX2 = xcpu.X86.HasAVX2

//go:noescape
func maxIntoF32(o, x *float32, n int)

//go:noescape
func copyNTF32(dst, src *float32, n int)
