package cpu

import (
	"unsafe"

	"github.com/gomlx/gomlx/backends"
)

// noSIMD turns the AVX2 loops off (tests compare both ways).
var noSIMD bool

// simdLen returns how many leading elements of an n-element float32 loop the AVX2 loops take: n
// rounded down to a multiple of 8, or 0 without AVX2.
func simdLen(n int) int {
	if noSIMD || !hasAVX2 {
		return 0
	}
	return n &^ 7
}

func p32(s []float32) *float32 { return (*float32)(unsafe.Pointer(unsafe.SliceData(s))) }

// simdPrefix runs the AVX2 loop f(o, x, k) on the first k = simdLen(len(o)) values when T is
// float32 and returns what is left of o and x for the Go loop (all of them otherwise). len(x) ≥
// len(o).
func simdPrefix[T floatT](o, x []T, f func(o, x *float32, n int)) ([]T, []T) {
	o32, ok := any(o).([]float32)
	if !ok {
		return o, x
	}
	k := simdLen(len(o32))
	if k == 0 {
		return o, x
	}
	f(p32(o32), p32(any(x).([]float32)[:k]), k)
	return o[k:], x[k:]
}

// binarySIMD computes the first k = simdLen(len(o)) values of o = x op y (xs, ys: single values)
// for Add, Sub, Mul and Div, and returns k (0 when it computed nothing).
func binarySIMD(op backends.OpType, o, x, y []float32, xs, ys bool) int {
	n := simdLen(len(o))
	if n == 0 || (xs && ys) {
		return 0
	}
	if !xs {
		_ = x[n-1]
	}
	if !ys {
		_ = y[n-1]
	}
	switch {
	case !xs && !ys:
		switch op {
		case backends.OpTypeAdd:
			addVVF32(p32(o), p32(x), p32(y), n)
		case backends.OpTypeSub:
			subVVF32(p32(o), p32(x), p32(y), n)
		case backends.OpTypeMul:
			mulVVF32(p32(o), p32(x), p32(y), n)
		case backends.OpTypeDiv:
			divVVF32(p32(o), p32(x), p32(y), n)
		default:
			return 0
		}
	case ys:
		switch op {
		case backends.OpTypeAdd:
			addVSF32(p32(o), p32(x), y[0], n)
		case backends.OpTypeSub:
			subVSF32(p32(o), p32(x), y[0], n)
		case backends.OpTypeMul:
			mulVSF32(p32(o), p32(x), y[0], n)
		case backends.OpTypeDiv:
			divVSF32(p32(o), p32(x), y[0], n)
		default:
			return 0
		}
	default: // xs
		switch op {
		case backends.OpTypeAdd:
			addVSF32(p32(o), p32(y), x[0], n)
		case backends.OpTypeSub:
			subSVF32(p32(o), p32(y), x[0], n)
		case backends.OpTypeMul:
			mulVSF32(p32(o), p32(y), x[0], n)
		case backends.OpTypeDiv:
			divSVF32(p32(o), p32(y), x[0], n)
		default:
			return 0
		}
	}
	return n
}

// compareSIMD computes the first simdLen(len(o)) values of o = (x op y ? 1 : 0), y a single value
// when ys, and returns how many it computed.
func compareSIMD(op backends.OpType, o, x, y []float32, ys bool) int {
	n := simdLen(len(o))
	if n == 0 {
		return 0
	}
	_ = x[n-1]
	if ys {
		c := y[0]
		switch op {
		case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
			eqVSF32(p32(o), p32(x), c, n)
		case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
			neVSF32(p32(o), p32(x), c, n)
		case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
			ltVSF32(p32(o), p32(x), c, n)
		case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
			leVSF32(p32(o), p32(x), c, n)
		case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
			geVSF32(p32(o), p32(x), c, n)
		case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
			gtVSF32(p32(o), p32(x), c, n)
		default:
			return 0
		}
		return n
	}
	_ = y[n-1]
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		eqVVF32(p32(o), p32(x), p32(y), n)
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		neVVF32(p32(o), p32(x), p32(y), n)
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		ltVVF32(p32(o), p32(x), p32(y), n)
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		leVVF32(p32(o), p32(x), p32(y), n)
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		geVVF32(p32(o), p32(x), p32(y), n)
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		gtVVF32(p32(o), p32(x), p32(y), n)
	default:
		return 0
	}
	return n
}

// whereSIMD computes the first simdLen(len(o)) values of o = bits(c) ≠ 0 ? t : f (t, f single
// values when ts, fs) and returns how many it computed.
func whereSIMD(o, c, t, f []float32, ts, fs bool) int {
	n := simdLen(len(o))
	if n == 0 {
		return 0
	}
	_ = c[n-1]
	mode := 0
	var tv, fv float32
	tp, fp := p32(o), p32(o) // unused when the value is single
	if ts {
		mode |= 1
		tv = t[0]
	} else {
		_ = t[n-1]
		tp = p32(t)
	}
	if fs {
		mode |= 2
		fv = f[0]
	} else {
		_ = f[n-1]
		fp = p32(f)
	}
	whereF32(p32(o), p32(c), tp, fp, tv, fv, mode, n)
	return n
}

// maxInto sets o[i] = max(o[i], x[i]) (Go's max: NaN wins, max(−0, +0) = +0), with the AVX2 loop
// for float32.
func maxInto[T floatT](o, x []T) {
	o, x = simdPrefix(o, x[:len(o)], maxIntoF32)
	for i, v := range x {
		o[i] = max(o[i], v)
	}
}

// isFloat reports whether T is float32 or float64.
func isFloat[T numberT]() bool {
	var z T
	switch any(z).(type) {
	case float32, float64:
		return true
	}
	return false
}

// maxIntoFloat is maxInto for a numberT known to be a float type.
func maxIntoFloat[T numberT](o, x []T) {
	switch ov := any(o).(type) {
	case []float32:
		maxInto(ov, any(x).([]float32))
	case []float64:
		maxInto(ov, any(x).([]float64))
	}
}

// streamMinBytes is the output size (half a 32 MiB L3 cache) from which fused programs write their
// values with non-temporal stores: such outputs do not stay in the caches, and streaming them saves
// reading each destination line from memory before writing it.
var streamMinBytes = 16 << 20

// streamCopy copies src into dst (same length), with non-temporal stores for float32 where the
// CPU has AVX2.
func streamCopy[T floatT](dst, src []T) {
	d32, ok := any(dst).([]float32)
	if !ok || simdLen(len(d32)) == 0 {
		copy(dst, src)
		return
	}
	s32 := any(src).([]float32)[:len(d32)]
	head := 0
	for head < len(d32) && uintptr(unsafe.Pointer(&d32[head]))%32 != 0 {
		head++
	}
	copy(d32[:head], s32[:head])
	n := (len(d32) - head) &^ 7
	if n > 0 {
		copyNTF32(p32(d32[head:]), p32(s32[head:]), n)
	}
	copy(d32[head+n:], s32[head+n:])
}
