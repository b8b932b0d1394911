package cpu

// The block kernels of the float elementwise ops: each op's arithmetic is written once, generic over
// float32 and float64 (with a SIMD prefix for float32 where there is one), and called both by the
// unfused executors (ops_elem.go, over ranges of a tensor) and by the fused evaluator (fuse_eval.go,
// over blocks of fuseBlock positions). Selections and comparisons work on the IEEE bit patterns in
// integer registers: Go compiles conditional moves for integers but branches for floats, which
// mispredict on data such as ReLU masks.

import (
	"math"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
)

// floatBits reinterprets a float slice as the unsigned integers of its IEEE 754 bits; U must have
// T's size.
func floatBits[U uint32 | uint64, T floatT](s []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// is32 reports whether T is float32.
func is32[T floatT]() bool { return unsafe.Sizeof(T(0)) == 4 }

// IEEE 754 bit patterns of 1, the sign bit and +Inf.
const (
	one32, sign32, inf32 uint32 = 0x3f800000, 1 << 31, 0x7f800000
	one64, sign64, inf64 uint64 = 0x3ff0000000000000, 1 << 63, 0x7ff0000000000000
)

// operand returns a full-length view of an operand: the block itself, or, for a single value,
// fill filled with it.
func operand[T floatT](v []T, scalar bool, fill []T) []T {
	if !scalar {
		return v[:len(fill)]
	}
	fillT(fill, v[0])
	return fill
}

// whereBlock writes o = c ≠ 0 ? t : f (cs, ts, fs: c, t or f is a single value), by bit masks.
func whereBlock[T floatT](o, c, t, f []T, cs, ts, fs bool) {
	if cs {
		if c[0] != 0 {
			copy(o, operand(t, ts, o))
		} else {
			copy(o, operand(f, fs, o))
		}
		return
	}
	if o32, ok := any(o).([]float32); ok {
		if k := whereSIMD(o32, any(c).([]float32), any(t).([]float32), any(f).([]float32), ts, fs); k > 0 {
			if k == len(o) {
				return
			}
			o, c = o[k:], c[k:]
			if !ts {
				t = t[k:]
			}
			if !fs {
				f = f[k:]
			}
		}
	}
	if is32[T]() {
		selectBits(floatBits[uint32](o), floatBits[uint32](c), floatBits[uint32](t), floatBits[uint32](f), ts, fs)
	} else {
		selectBits(floatBits[uint64](o), floatBits[uint64](c), floatBits[uint64](t), floatBits[uint64](f), ts, fs)
	}
}

// whereBool writes o = c ? t : f for a bool condition (ts, fs: t or f is a single value), by bit
// masks.
func whereBool[T floatT](o []T, c []bool, t, f []T, ts, fs bool) {
	if is32[T]() {
		selectBits(floatBits[uint32](o), c, floatBits[uint32](t), floatBits[uint32](f), ts, fs)
	} else {
		selectBits(floatBits[uint64](o), c, floatBits[uint64](t), floatBits[uint64](f), ts, fs)
	}
}

// selectBits writes o = c ≠ 0 ? t : f on bit patterns (c is a bool or the bits of a float, so that
// only +0 counts as false), with a mask and no data-dependent branch.
func selectBits[U uint32 | uint64, C bool | uint32 | uint64](o []U, c []C, t, f []U, ts, fs bool) {
	c = c[:len(o)]
	var tv, fv U
	if ts {
		tv = t[0]
	} else {
		t = t[:len(o)]
	}
	if fs {
		fv = f[0]
	} else {
		f = f[:len(o)]
	}
	var zero C
	for i := range o {
		var m U
		if c[i] != zero {
			m = ^U(0)
		}
		a, b := tv, fv
		if !ts {
			a = t[i]
		}
		if !fs {
			b = f[i]
		}
		o[i] = a&m | b&^m
	}
}

// compareBlock writes o = 1 where x op y holds, else 0 (xs, ys: x or y is a single value).
func compareBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if o32, ok := any(o).([]float32); ok && !xs {
		if k := compareSIMD(op, o32, any(x).([]float32), any(y).([]float32), ys); k > 0 {
			if k == len(o) {
				return
			}
			o, x = o[k:], x[k:]
			if !ys {
				y = y[k:]
			}
		}
	}
	if is32[T]() {
		compareInto(op, floatBits[uint32](o), x, y, xs, ys, one32)
	} else {
		compareInto(op, floatBits[uint64](o), x, y, xs, ys, one64)
	}
}

// mirrorComparison returns op' with (c op x) ⇔ (x op' c).
func mirrorComparison(op backends.OpType) backends.OpType {
	switch op {
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		return backends.OpTypeLessThan
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		return backends.OpTypeLessOrEqual
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		return backends.OpTypeGreaterThan
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		return backends.OpTypeGreaterOrEqual
	}
	return op
}

// compareInto writes o = one where x op y holds, else the zero value (false, or the bits of +0),
// for the six comparisons (the TotalOrder ones as the plain ones); xs, ys: x or y is a single
// value. It returns false for other ops. Each op has its own loop, so that the comparison compiles
// to a flag-setting instruction.
func compareInto[T numberT, O bool | uint32 | uint64](op backends.OpType, o []O, x, y []T, xs, ys bool, one O) bool {
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if xs { // both single values
		if len(o) == 0 {
			return true
		}
		ok := compareInto(op, o[:1], x[:1], y[:1], false, false, one)
		fillT(o, o[0])
		return ok
	}
	// y is read at i&ym: every i, or 0 for a single value.
	x, ym := x[:len(o)], -1
	if ys {
		ym = 0
	} else {
		y = y[:len(o)]
	}
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		for i, a := range x {
			var m O
			if a == y[i&ym] {
				m = one
			}
			o[i] = m
		}
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		for i, a := range x {
			var m O
			if a != y[i&ym] {
				m = one
			}
			o[i] = m
		}
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		for i, a := range x {
			var m O
			if a > y[i&ym] {
				m = one
			}
			o[i] = m
		}
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		for i, a := range x {
			var m O
			if a >= y[i&ym] {
				m = one
			}
			o[i] = m
		}
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		for i, a := range x {
			var m O
			if a < y[i&ym] {
				m = one
			}
			o[i] = m
		}
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		for i, a := range x {
			var m O
			if a <= y[i&ym] {
				m = one
			}
			o[i] = m
		}
	default:
		return false
	}
	return true
}

// negBlock writes o = −x.
func negBlock[T signedT | floatT](o, x []T) {
	for i, v := range x {
		o[i] = -v
	}
}

// evalUnary returns op(v) for one value.
func evalUnary[T floatT](op backends.OpType, v T) T {
	o := []T{0}
	unaryBlock(op, o, []T{v})
	return o[0]
}

// unaryBlock writes o = op(x) for a float unary op; o and x may alias. It returns false for ops
// it does not know.
func unaryBlock[T floatT](op backends.OpType, o, x []T) bool {
	switch op {
	case backends.OpTypeNeg:
		negBlock(o, x)
	case backends.OpTypeAbs:
		for i, v := range x {
			o[i] = T(math.Abs(float64(v)))
		}
	case backends.OpTypeSign:
		signFloat(o, x)
	default:
		return unaryFloatSeq(op, o, x)
	}
	return true
}

// unaryFloatSeq applies a unary float op sequentially; each op has its own loop so that intrinsics
// (e.g. math.Sqrt) are not hidden behind a function value.
func unaryFloatSeq[T floatT](op backends.OpType, o, x []T) bool {
	switch op {
	case backends.OpTypeExp:
		for i, v := range x {
			o[i] = T(math.Exp(float64(v)))
		}
	case backends.OpTypeLog:
		for i, v := range x {
			o[i] = T(math.Log(float64(v)))
		}
	case backends.OpTypeSqrt:
		// Rounding the float64 square root to float32 gives the correctly rounded float32 square
		// root, which is what VSQRTPS computes.
		o, x = simdPrefix(o, x, sqrtF32)
		for i, v := range x {
			o[i] = T(math.Sqrt(float64(v)))
		}
	case backends.OpTypeRsqrt:
		for i, v := range x {
			o[i] = T(1 / math.Sqrt(float64(v)))
		}
	case backends.OpTypeTanh:
		for i, v := range x {
			o[i] = T(math.Tanh(float64(v)))
		}
	case backends.OpTypeLog1p:
		for i, v := range x {
			o[i] = T(math.Log1p(float64(v)))
		}
	case backends.OpTypeExpm1:
		for i, v := range x {
			o[i] = T(math.Expm1(float64(v)))
		}
	case backends.OpTypeLogistic:
		for i, v := range x {
			f := float64(v)
			if f >= 0 {
				o[i] = T(1 / (1 + math.Exp(-f)))
			} else {
				e := math.Exp(f)
				o[i] = T(e / (1 + e))
			}
		}
	case backends.OpTypeCos:
		for i, v := range x {
			o[i] = T(math.Cos(float64(v)))
		}
	case backends.OpTypeSin:
		for i, v := range x {
			o[i] = T(math.Sin(float64(v)))
		}
	case backends.OpTypeErf:
		for i, v := range x {
			o[i] = T(math.Erf(float64(v)))
		}
	case backends.OpTypeCeil:
		for i, v := range x {
			o[i] = T(math.Ceil(float64(v)))
		}
	case backends.OpTypeFloor:
		for i, v := range x {
			o[i] = T(math.Floor(float64(v)))
		}
	case backends.OpTypeRound:
		for i, v := range x {
			o[i] = T(math.RoundToEven(float64(v)))
		}
	default:
		return false
	}
	return true
}

// binaryBlock writes o = x op y for the float ops Add, Sub, Mul, Div, Max, Min and Pow (xs, ys: x or
// y is a single value); the float32 Add, Sub, Mul and Div run in SIMD where available. Max and Min
// are Go's builtins (NaN wins, max(−0, +0) = +0).
func binaryBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
	if o32, ok := any(o).([]float32); ok {
		if k := binarySIMD(op, o32, any(x).([]float32), any(y).([]float32), xs, ys); k > 0 {
			if k == len(o) {
				return
			}
			o = o[k:]
			if !xs {
				x = x[k:]
			}
			if !ys {
				y = y[k:]
			}
		}
	}
	n := len(o)
	switch {
	case !xs && !ys:
		x, y = x[:n], y[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = x[i] + y[i]
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = x[i] - y[i]
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = x[i] * y[i]
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = x[i] / y[i]
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(x[i], y[i])
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(x[i], y[i])
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(x[i]), float64(y[i])))
			}
		}
	case xs && ys:
		v := []T{0}
		binaryBlock(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
	case ys:
		c := y[0]
		x = x[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = x[i] + c
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = x[i] - c
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = x[i] * c
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = x[i] / c
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(x[i], c)
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(x[i], c)
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(x[i]), float64(c)))
			}
		}
	default: // xs
		c := x[0]
		y = y[:n]
		switch op {
		case backends.OpTypeAdd:
			for i := range o {
				o[i] = c + y[i]
			}
		case backends.OpTypeSub:
			for i := range o {
				o[i] = c - y[i]
			}
		case backends.OpTypeMul:
			for i := range o {
				o[i] = c * y[i]
			}
		case backends.OpTypeDiv:
			for i := range o {
				o[i] = c / y[i]
			}
		case backends.OpTypeMax:
			for i := range o {
				o[i] = max(c, y[i])
			}
		case backends.OpTypeMin:
			for i := range o {
				o[i] = min(c, y[i])
			}
		case backends.OpTypePow:
			for i := range o {
				o[i] = T(math.Pow(float64(c), float64(y[i])))
			}
		}
	}
}

// boolsToFloat writes 1 for true and 0 for false, selecting bit patterns in integer registers.
func boolsToFloat[T floatT](o []T, b []bool) {
	if is32[T]() {
		selectBits(floatBits[uint32](o), b, []uint32{one32}, []uint32{0}, true, true)
	} else {
		selectBits(floatBits[uint64](o), b, []uint64{one64}, []uint64{0}, true, true)
	}
}

// nonNegBlock writes o = NonNeg(x) (see opStepNonNeg) with integer selections, no float branches.
func nonNegBlock[T floatT](o, x []T) {
	o, x = simdPrefix(o[:len(x)], x, nonNegF32)
	if is32[T]() {
		nonNegBits(floatBits[uint32](o), floatBits[uint32](x), one32, sign32, inf32)
	} else {
		nonNegBits(floatBits[uint64](o), floatBits[uint64](x), one64, sign64, inf64)
	}
}

// nonNegBits is nonNegBlock on bit patterns: 1 where x ≥ 0 (−0 included), +0 where x < 0, x where x
// is NaN.
func nonNegBits[U uint32 | uint64](o, x []U, one, sign, inf U) {
	for i, b := range x {
		r := one
		if b > sign { // negative, not −0
			r = 0
		}
		if b&^sign > inf { // NaN
			r = b
		}
		o[i] = r
	}
}

// signFloat writes sign(x) (−1, 0 or 1; ±0 and NaN map to themselves) without data-dependent
// branches, from the IEEE sign bit.
func signFloat[T floatT](o, x []T) {
	if is32[T]() {
		signBits(floatBits[uint32](o), floatBits[uint32](x), one32, sign32, inf32)
	} else {
		signBits(floatBits[uint64](o), floatBits[uint64](x), one64, sign64, inf64)
	}
}

// signBits is signFloat on bit patterns.
func signBits[U uint32 | uint64](o, x []U, one, sign, inf U) {
	for i, b := range x {
		var nz U
		if b&^sign != 0 {
			nz = ^U(0)
		}
		r := (b&sign | one) & nz
		if b&^sign > inf { // NaN
			r = b
		}
		o[i] = r
	}
}
