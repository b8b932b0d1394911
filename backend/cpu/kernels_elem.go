package cpu

import (
	"math"

	"github.com/gomlx/gomlx/backends"
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

// whereBlock writes o = c ≠ 0 ? t : f; see whereBlockF32.
func whereBlock[T floatT](o, c, t, f []T, cs, ts, fs bool) {
	switch ov := any(o).(type) {
	case []float32:
		whereBlockF32(ov, any(c).([]float32), any(t).([]float32), any(f).([]float32), cs, ts, fs)
	case []float64:
		whereBlockF64(ov, any(c).([]float64), any(t).([]float64), any(f).([]float64), cs, ts, fs)
	}
}

// compareBlock writes o = 1 where the comparison holds, else 0; see compareBlockF32.
func compareBlock[T floatT](op backends.OpType, o, x, y []T, xs, ys bool) {
	switch ov := any(o).(type) {
	case []float32:
		compareBlockF32(op, ov, any(x).([]float32), any(y).([]float32), xs, ys)
	case []float64:
		compareBlockF64(op, ov, any(x).([]float64), any(y).([]float64), xs, ys)
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

// whereBlockF32 writes o = c ≠ 0 ? t : f (single values broadcast). Selection uses integer bit
// masks: Go compiles conditional moves for integers but branches for floats, which mispredict on
// data such as ReLU masks.
func whereBlockF32(o, c, t, f []float32, cs, ts, fs bool) {
	if cs {
		if c[0] != 0 {
			copy(o, operand(t, ts, o))
		} else {
			copy(o, operand(f, fs, o))
		}
		return
	}
	if k := whereSIMD(o, c, t, f, ts, fs); k > 0 {
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
	c = c[:len(o)]
	var tv, fv uint32
	if ts {
		tv = math.Float32bits(t[0])
	} else {
		t = t[:len(o)]
	}
	if fs {
		fv = math.Float32bits(f[0])
	} else {
		f = f[:len(o)]
	}
	for i := range o {
		var m uint32
		if math.Float32bits(c[i]) != 0 {
			m = ^uint32(0)
		}
		a, b := tv, fv
		if !ts {
			a = math.Float32bits(t[i])
		}
		if !fs {
			b = math.Float32bits(f[i])
		}
		o[i] = math.Float32frombits(a&m | b&^m)
	}
}

// compareBlockF32 writes o = 1 where the comparison holds, else 0 (by integer selection).
func compareBlockF32(op backends.OpType, o, x, y []float32, xs, ys bool) {
	const one = 0x3f800000
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if xs { // both single values
		v := []float32{0}
		compareBlockF32(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
		return
	}
	if k := compareSIMD(op, o, x, y, ys); k > 0 {
		if k == len(o) {
			return
		}
		o, x = o[k:], x[k:]
		if !ys {
			y = y[k:]
		}
	}
	x = x[:len(o)]
	if ys {
		c := y[0]
		switch op {
		case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a == c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a != c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
			for i, a := range x {
				var m uint32
				if a > c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a >= c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
			for i, a := range x {
				var m uint32
				if a < c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
			for i, a := range x {
				var m uint32
				if a <= c {
					m = one
				}
				o[i] = math.Float32frombits(m)
			}
		}
		return
	}
	y = y[:len(o)]
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a == y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a != y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		for i, a := range x {
			var m uint32
			if a > y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a >= y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		for i, a := range x {
			var m uint32
			if a < y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		for i, a := range x {
			var m uint32
			if a <= y[i] {
				m = one
			}
			o[i] = math.Float32frombits(m)
		}
	}
}

// whereBlockF64 is whereBlockF32 for float64.
func whereBlockF64(o, c, t, f []float64, cs, ts, fs bool) {
	if cs {
		if c[0] != 0 {
			copy(o, operand(t, ts, o))
		} else {
			copy(o, operand(f, fs, o))
		}
		return
	}
	c = c[:len(o)]
	var tv, fv uint64
	if ts {
		tv = math.Float64bits(t[0])
	} else {
		t = t[:len(o)]
	}
	if fs {
		fv = math.Float64bits(f[0])
	} else {
		f = f[:len(o)]
	}
	for i := range o {
		var m uint64
		if math.Float64bits(c[i]) != 0 {
			m = ^uint64(0)
		}
		a, b := tv, fv
		if !ts {
			a = math.Float64bits(t[i])
		}
		if !fs {
			b = math.Float64bits(f[i])
		}
		o[i] = math.Float64frombits(a&m | b&^m)
	}
}

// compareBlockF64 is compareBlockF32 for float64.
func compareBlockF64(op backends.OpType, o, x, y []float64, xs, ys bool) {
	const one = 0x3ff0000000000000
	if xs && !ys {
		op = mirrorComparison(op)
		x, y, xs, ys = y, x, ys, xs
	}
	if xs { // both single values
		v := []float64{0}
		compareBlockF64(op, v, x[:1], y[:1], false, false)
		fillT(o, v[0])
		return
	}
	x = x[:len(o)]
	if ys {
		c := y[0]
		switch op {
		case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a == c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a != c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
			for i, a := range x {
				var m uint64
				if a > c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a >= c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
			for i, a := range x {
				var m uint64
				if a < c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
			for i, a := range x {
				var m uint64
				if a <= c {
					m = one
				}
				o[i] = math.Float64frombits(m)
			}
		}
		return
	}
	y = y[:len(o)]
	switch op {
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a == y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a != y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeGreaterThan, backends.OpTypeGreaterThanTotalOrder:
		for i, a := range x {
			var m uint64
			if a > y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterOrEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a >= y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeLessThan, backends.OpTypeLessThanTotalOrder:
		for i, a := range x {
			var m uint64
			if a < y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	case backends.OpTypeLessOrEqual, backends.OpTypeLessOrEqualTotalOrder:
		for i, a := range x {
			var m uint64
			if a <= y[i] {
				m = one
			}
			o[i] = math.Float64frombits(m)
		}
	}
}

func evalUnary[T floatT](op backends.OpType, v T) T {
	o := []T{0}
	unaryBlock(op, o, []T{v})
	return o[0]
}

func unaryBlock[T floatT](op backends.OpType, o, x []T) {
	switch op {
	case backends.OpTypeNeg:
		for i, v := range x {
			o[i] = -v
		}
	case backends.OpTypeAbs:
		for i, v := range x {
			o[i] = T(math.Abs(float64(v)))
		}
	case backends.OpTypeSign:
		signFloat(o, x)
	default:
		unaryFloatSeq(op, o, x)
	}
}

// unaryFloatSeq applies a unary float op sequentially; each op has its own loop so that intrinsics
// (e.g. math.Sqrt) are not hidden behind a function value.
func unaryFloatSeq[T floatT](op backends.OpType, o, x []T) {
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
		if o32, ok := any(o).([]float32); ok {
			// Rounding the float64 square root to float32 gives the correctly rounded float32
			// square root, which is what VSQRTPS computes.
			if k := simdLen(len(o32)); k > 0 {
				x32 := any(x).([]float32)[:k]
				sqrtF32(p32(o32), p32(x32), k)
				o, x = o[k:], x[k:]
			}
		}
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
	}
}

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
	switch ov := any(o).(type) {
	case []float32:
		for i, v := range b {
			var m uint32
			if v {
				m = 0x3f800000
			}
			ov[i] = math.Float32frombits(m)
		}
	case []float64:
		for i, v := range b {
			var m uint64
			if v {
				m = 0x3ff0000000000000
			}
			ov[i] = math.Float64frombits(m)
		}
	}
}

// nonNegBlock writes o = NonNeg(x) (see opStepNonNeg) with integer selections, no float branches.
func nonNegBlock[T floatT](o, x []T) {
	switch xs := any(x).(type) {
	case []float32:
		os := any(o).([]float32)[:len(xs)]
		if k := simdLen(len(xs)); k > 0 {
			nonNegF32(p32(os), p32(xs), k)
			os, xs = os[k:], xs[k:]
		}
		for i, v := range xs {
			b := math.Float32bits(v)
			var r uint32 = 0x3f800000 // 1
			if b > 0x80000000 {       // negative, not −0
				r = 0
			}
			if b&0x7fffffff > 0x7f800000 { // NaN
				r = b
			}
			os[i] = math.Float32frombits(r)
		}
	case []float64:
		os := any(o).([]float64)[:len(xs)]
		for i, v := range xs {
			b := math.Float64bits(v)
			var r uint64 = 0x3ff0000000000000
			if b > 1<<63 {
				r = 0
			}
			if b&(1<<63-1) > 0x7ff0000000000000 {
				r = b
			}
			os[i] = math.Float64frombits(r)
		}
	}
}
