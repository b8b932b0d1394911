//go:build !amd64

package cpu

// hasAVX2 is false off amd64: the Go loops run.
var hasAVX2 = false

func addVVF32(o, x, y *float32, n int)                          { panic("unreachable") }
func subVVF32(o, x, y *float32, n int)                          { panic("unreachable") }
func mulVVF32(o, x, y *float32, n int)                          { panic("unreachable") }
func divVVF32(o, x, y *float32, n int)                          { panic("unreachable") }
func addVSF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func subVSF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func mulVSF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func divVSF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func subSVF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func divSVF32(o, x *float32, c float32, n int)                  { panic("unreachable") }
func eqVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func neVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func ltVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func leVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func geVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func gtVVF32(o, x, y *float32, n int)                           { panic("unreachable") }
func eqVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func neVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func ltVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func leVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func geVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func gtVSF32(o, x *float32, c float32, n int)                   { panic("unreachable") }
func whereF32(o, c, t, f *float32, tv, fv float32, mode, n int) { panic("unreachable") }
func nonNegF32(o, x *float32, n int)                            { panic("unreachable") }
func sqrtF32(o, x *float32, n int)                              { panic("unreachable") }
func addRows4F32(acc, a, b, c, d *float32, n int)               { panic("unreachable") }
func maxIntoF32(o, x *float32, n int)                           { panic("unreachable") }
func copyNTF32(dst, src *float32, n int)                        { panic("unreachable") }
