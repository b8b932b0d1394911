package cpu

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

type floatT interface{ ~float32 | ~float64 }
type intT interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}
type signedT interface {
	~int8 | ~int16 | ~int32 | ~int64
}
type numberT interface{ intT | floatT }

func init() {
	for _, op := range []backends.OpType{backends.OpTypeAbs, backends.OpTypeNeg, backends.OpTypeExp,
		backends.OpTypeLog, backends.OpTypeSqrt, backends.OpTypeCos, backends.OpTypeSin, backends.OpTypeTanh,
		backends.OpTypeSign, backends.OpTypeErf, backends.OpTypeCeil, backends.OpTypeFloor, backends.OpTypeRound,
		backends.OpTypeExpm1, backends.OpTypeLog1p, backends.OpTypeRsqrt, backends.OpTypeLogistic,
		backends.OpTypeIsFinite, backends.OpTypeIsNaN, backends.OpTypeLogicalNot, backends.OpTypeBitwiseNot} {
		register(op, execUnary)
	}
	register(backends.OpTypeIdentity, execIdentity)
	for _, op := range []backends.OpType{backends.OpTypeAdd, backends.OpTypeSub, backends.OpTypeMul,
		backends.OpTypeDiv, backends.OpTypeMax, backends.OpTypeMin, backends.OpTypePow, backends.OpTypeRem,
		backends.OpTypeLogicalAnd, backends.OpTypeLogicalOr, backends.OpTypeLogicalXor,
		backends.OpTypeBitwiseAnd, backends.OpTypeBitwiseOr, backends.OpTypeBitwiseXor,
		backends.OpTypeShiftLeft, backends.OpTypeShiftRightArithmetic, backends.OpTypeShiftRightLogical,
		backends.OpTypeEqual, backends.OpTypeNotEqual, backends.OpTypeGreaterOrEqual, backends.OpTypeGreaterThan,
		backends.OpTypeLessOrEqual, backends.OpTypeLessThan, backends.OpTypeEqualTotalOrder,
		backends.OpTypeNotEqualTotalOrder, backends.OpTypeGreaterOrEqualTotalOrder,
		backends.OpTypeGreaterThanTotalOrder, backends.OpTypeLessOrEqualTotalOrder,
		backends.OpTypeLessThanTotalOrder} {
		register(op, execBinary)
	}
	register(backends.OpTypeWhere, execWhere)
	register(backends.OpTypeClamp, execClamp)
	register(backends.OpTypeConvertDType, execConvert)
}

func unsupported(n *node, dt dtypes.DType) error {
	return errors.Errorf("cpu backend: operation %s not implemented for dtype %s", n.op, dt)
}

// outputFor returns the first candidate input that is owned and has the output's shape (setting its
// ins entry to nil, so callers must read inputs through their own references), else a new buffer.
func outputFor(b *Backend, shape shapes.Shape, ins []*Buffer, owned []bool, candidates ...int) *Buffer {
	for _, i := range candidates {
		if owned[i] && ins[i] != nil && ins[i].shape.Equal(shape) {
			out := ins[i]
			ins[i] = nil
			return out
		}
	}
	return b.newBuf(shape)
}

func execIdentity(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	if owned[0] {
		out := ins[0]
		ins[0] = nil
		out.shape = n.shape
		return out, nil
	}
	out := b.newBuf(n.shape)
	if err := copyFlat(out.flat, ins[0].flat); err != nil {
		return nil, err
	}
	return out, nil
}

func execUnary(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	x := ins[0]
	if n.op == backends.OpTypeIsFinite || n.op == backends.OpTypeIsNaN {
		out := b.newBuf(n.shape)
		o := out.flat.([]bool)
		switch f := x.flat.(type) {
		case []float32:
			unaryFloatPred(n.op, o, f)
		case []float64:
			unaryFloatPred(n.op, o, f)
		default:
			return nil, unsupported(n, x.shape.DType)
		}
		return out, nil
	}
	out := outputFor(b, n.shape, ins, owned, 0)
	var ok bool
	switch f := x.flat.(type) {
	case []float32:
		ok = unaryFloat(n.op, out.flat.([]float32), f)
	case []float64:
		ok = unaryFloat(n.op, out.flat.([]float64), f)
	case []int8:
		ok = unarySigned(n.op, out.flat.([]int8), f)
	case []int16:
		ok = unarySigned(n.op, out.flat.([]int16), f)
	case []int32:
		ok = unarySigned(n.op, out.flat.([]int32), f)
	case []int64:
		ok = unarySigned(n.op, out.flat.([]int64), f)
	case []uint8:
		ok = unaryUnsigned(n.op, out.flat.([]uint8), f)
	case []uint16:
		ok = unaryUnsigned(n.op, out.flat.([]uint16), f)
	case []uint32:
		ok = unaryUnsigned(n.op, out.flat.([]uint32), f)
	case []uint64:
		ok = unaryUnsigned(n.op, out.flat.([]uint64), f)
	case []bool:
		if n.op == backends.OpTypeLogicalNot {
			o := out.flat.([]bool)
			for i, v := range f {
				o[i] = !v
			}
			ok = true
		}
	}
	if !ok {
		return nil, unsupported(n, x.shape.DType)
	}
	return out, nil
}

func unaryFloatPred[T floatT](op backends.OpType, o []bool, x []T) {
	for i, v := range x {
		f := float64(v)
		if op == backends.OpTypeIsNaN {
			o[i] = math.IsNaN(f)
		} else {
			o[i] = !math.IsNaN(f) && !math.IsInf(f, 0)
		}
	}
}

// unaryFloat applies the float unary op elementwise (unaryBlock, over ranges in parallel); o and x
// may alias.
func unaryFloat[T floatT](op backends.OpType, o, x []T) bool {
	if !unaryBlock(op, o[:0], x[:0]) {
		return false
	}
	parallelFor(len(x), elemGrain, func(lo, hi int) { unaryBlock(op, o[lo:hi], x[lo:hi]) })
	return true
}

func unarySigned[T signedT](op backends.OpType, o, x []T) bool {
	switch op {
	case backends.OpTypeNeg:
		negBlock(o, x)
	case backends.OpTypeAbs:
		for i, v := range x {
			if v < 0 {
				v = -v
			}
			o[i] = v
		}
	case backends.OpTypeSign:
		for i, v := range x {
			switch {
			case v > 0:
				o[i] = 1
			case v < 0:
				o[i] = -1
			default:
				o[i] = 0
			}
		}
	case backends.OpTypeBitwiseNot:
		for i, v := range x {
			o[i] = ^v
		}
	default:
		return false
	}
	return true
}

func unaryUnsigned[T ~uint8 | ~uint16 | ~uint32 | ~uint64](op backends.OpType, o, x []T) bool {
	switch op {
	case backends.OpTypeAbs:
		copy(o, x)
	case backends.OpTypeSign:
		for i, v := range x {
			if v > 0 {
				o[i] = 1
			} else {
				o[i] = 0
			}
		}
	case backends.OpTypeBitwiseNot:
		for i, v := range x {
			o[i] = ^v
		}
	default:
		return false
	}
	return true
}

// bcast describes how an operand of a broadcasting binary op is read: strides per output axis
// (0 on broadcast axes).
type bcast struct {
	strides []int
	scalar  bool
	same    bool
}

func makeBcast(in, out shapes.Shape) bcast {
	if in.Size() == 1 && out.Size() != 1 {
		return bcast{scalar: true}
	}
	if in.Equal(out) || in.Size() == out.Size() {
		return bcast{same: true}
	}
	st := make([]int, out.Rank())
	s := 1
	for a := in.Rank() - 1; a >= 0; a-- {
		if in.Dimensions[a] != 1 {
			st[a] = s
		}
		s *= in.Dimensions[a]
	}
	return bcast{strides: st}
}

// forEachRow iterates the output in rows of its last axis, calling fn(outOffset, aOffset, aStep,
// bOffset, bStep, n) in parallel over ranges of rows.
func forEachRow(out shapes.Shape, ba, bb bcast, fn func(o, ia, sa, ib, sb, n int)) {
	size := out.Size()
	if size == 0 {
		return
	}
	simple := func(bc bcast) bool { return bc.scalar || bc.same }
	if simple(ba) && simple(bb) {
		sa, sb := 1, 1
		if ba.scalar {
			sa = 0
		}
		if bb.scalar {
			sb = 0
		}
		parallelFor(size, elemGrain, func(lo, hi int) {
			fn(lo, lo*sa, sa, lo*sb, sb, hi-lo)
		})
		return
	}
	rank := out.Rank()
	dims := out.Dimensions
	inner := dims[rank-1]
	rows := size / inner
	strideOf := func(bc bcast, a int) int {
		switch {
		case bc.scalar:
			return 0
		case bc.same:
			s := 1
			for k := a + 1; k < rank; k++ {
				s *= dims[k]
			}
			return s
		}
		return bc.strides[a]
	}
	sta := make([]int, rank)
	stb := make([]int, rank)
	for a := 0; a < rank; a++ {
		sta[a], stb[a] = strideOf(ba, a), strideOf(bb, a)
	}
	parallelFor(rows, max(1, elemGrain/inner), func(lo, hi int) {
		idx := make([]int, rank)
		unravel(idx[:rank-1], lo, dims[:rank-1])
		for row := lo; row < hi; row++ {
			ia, ib := 0, 0
			for a := 0; a < rank-1; a++ {
				ia += idx[a] * sta[a]
				ib += idx[a] * stb[a]
			}
			fn(row*inner, ia, sta[rank-1], ib, stb[rank-1], inner)
			for a := rank - 2; a >= 0; a-- {
				idx[a]++
				if idx[a] < dims[a] {
					break
				}
				idx[a] = 0
			}
		}
	})
}

func execBinary(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	x, y := ins[0], ins[1]
	ba, bb := makeBcast(x.shape, n.shape), makeBcast(y.shape, n.shape)
	var out *Buffer
	if n.shape.DType == x.shape.DType {
		out = outputFor(b, n.shape, ins, owned, 0, 1)
	} else {
		out = b.newBuf(n.shape)
	}
	var ok bool
	switch xf := x.flat.(type) {
	case []float32:
		ok = binaryFloat(n.op, out, xf, y.flat.([]float32), ba, bb) ||
			binaryNum(n.op, out, xf, y.flat.([]float32), ba, bb, true)
	case []float64:
		ok = binaryFloat(n.op, out, xf, y.flat.([]float64), ba, bb) ||
			binaryNum(n.op, out, xf, y.flat.([]float64), ba, bb, true)
	case []int8:
		ok = binaryNum(n.op, out, xf, y.flat.([]int8), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]int8), ba, bb)
	case []int16:
		ok = binaryNum(n.op, out, xf, y.flat.([]int16), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]int16), ba, bb)
	case []int32:
		ok = binaryNum(n.op, out, xf, y.flat.([]int32), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]int32), ba, bb)
	case []int64:
		ok = binaryNum(n.op, out, xf, y.flat.([]int64), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]int64), ba, bb)
	case []uint8:
		ok = binaryNum(n.op, out, xf, y.flat.([]uint8), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]uint8), ba, bb)
	case []uint16:
		ok = binaryNum(n.op, out, xf, y.flat.([]uint16), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]uint16), ba, bb)
	case []uint32:
		ok = binaryNum(n.op, out, xf, y.flat.([]uint32), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]uint32), ba, bb)
	case []uint64:
		ok = binaryNum(n.op, out, xf, y.flat.([]uint64), ba, bb, false) || binaryInt(n.op, out, xf, y.flat.([]uint64), ba, bb)
	case []bool:
		ok = binaryBool(n.op, out, xf, y.flat.([]bool), ba, bb)
	}
	if !ok {
		b.release(out)
		return nil, unsupported(n, x.shape.DType)
	}
	return out, nil
}

// compare writes the comparison x op y into the bool tensor o, row by row (compareInto).
func compare[T numberT](op backends.OpType, o []bool, x, y []T, ba, bb bcast, shape shapes.Shape) bool {
	if !compareInto(op, o[:0], x[:0], y[:0], false, false, true) {
		return false
	}
	forEachRow(shape, ba, bb, func(oo, ia, sa, ib, sb, n int) {
		compareInto(op, o[oo:oo+n], x[ia:], y[ib:], sa == 0, sb == 0, true)
	})
	return true
}

// binaryFloat computes the float ops of binaryBlock, row by row.
func binaryFloat[T floatT](op backends.OpType, out *Buffer, x, y []T, ba, bb bcast) bool {
	o, ok := out.flat.([]T)
	if !ok || fusableOps[op] != 2 {
		return false
	}
	forEachRow(out.shape, ba, bb, func(oo, ia, sa, ib, sb, n int) {
		binaryBlock(op, o[oo:oo+n], x[ia:], y[ib:], sa == 0, sb == 0)
	})
	return true
}

// binaryNum handles the arithmetic of integers, Rem of floats, and comparisons of all number types.
func binaryNum[T numberT](op backends.OpType, out *Buffer, x, y []T, ba, bb bcast, isFloat bool) bool {
	if o, isBool := out.flat.([]bool); isBool {
		return compare(op, o, x, y, ba, bb, out.shape)
	}
	o := out.flat.([]T)
	var f func(a, b T) T
	switch op {
	case backends.OpTypeAdd:
		f = func(a, b T) T { return a + b }
	case backends.OpTypeSub:
		f = func(a, b T) T { return a - b }
	case backends.OpTypeMul:
		f = func(a, b T) T { return a * b }
	case backends.OpTypeDiv:
		f = func(a, b T) T {
			if b == 0 && !isFloat {
				return 0
			}
			return a / b
		}
	case backends.OpTypeMax:
		f = func(a, b T) T { return max(a, b) }
	case backends.OpTypeMin:
		f = func(a, b T) T { return min(a, b) }
	case backends.OpTypePow:
		f = func(a, b T) T { return T(math.Pow(float64(a), float64(b))) }
	case backends.OpTypeRem:
		f = func(a, b T) T {
			switch {
			case isFloat:
				return T(math.Mod(float64(a), float64(b)))
			case b == 0:
				return 0
			}
			return T(int64(a) % int64(b))
		}
	default:
		return false
	}
	applyRows(out.shape, ba, bb, o, x, y, f)
	return true
}

// applyRows writes o = f(x, y) elementwise with broadcasting (forEachRow).
func applyRows[T, O any](shape shapes.Shape, ba, bb bcast, o []O, x, y []T, f func(a, b T) O) {
	forEachRow(shape, ba, bb, func(oo, ia, sa, ib, sb, n int) {
		for k := 0; k < n; k++ {
			o[oo+k] = f(x[ia], y[ib])
			ia += sa
			ib += sb
		}
	})
}

func binaryInt[T intT](op backends.OpType, out *Buffer, x, y []T, ba, bb bcast) bool {
	o, ok := out.flat.([]T)
	if !ok {
		return false
	}
	var f func(a, b T) T
	bits := T(bitSize[T]())
	switch op {
	case backends.OpTypeBitwiseAnd:
		f = func(a, b T) T { return a & b }
	case backends.OpTypeBitwiseOr:
		f = func(a, b T) T { return a | b }
	case backends.OpTypeBitwiseXor:
		f = func(a, b T) T { return a ^ b }
	case backends.OpTypeShiftLeft:
		f = func(a, b T) T {
			if b >= bits {
				return 0
			}
			return a << b
		}
	case backends.OpTypeShiftRightArithmetic:
		f = func(a, b T) T {
			if b >= bits {
				b = bits - 1
			}
			return T(int64(a) >> b)
		}
	case backends.OpTypeShiftRightLogical:
		f = func(a, b T) T {
			if b >= bits {
				return 0
			}
			return T(uint64(a) & (^uint64(0) >> (64 - uint64(bits))) >> uint64(b))
		}
	default:
		return false
	}
	applyRows(out.shape, ba, bb, o, x, y, f)
	return true
}

func binaryBool(op backends.OpType, out *Buffer, x, y []bool, ba, bb bcast) bool {
	o := out.flat.([]bool)
	var f func(a, b bool) bool
	switch op {
	case backends.OpTypeLogicalAnd:
		f = func(a, b bool) bool { return a && b }
	case backends.OpTypeLogicalOr:
		f = func(a, b bool) bool { return a || b }
	case backends.OpTypeLogicalXor, backends.OpTypeNotEqual, backends.OpTypeNotEqualTotalOrder:
		f = func(a, b bool) bool { return a != b }
	case backends.OpTypeEqual, backends.OpTypeEqualTotalOrder:
		f = func(a, b bool) bool { return a == b }
	default:
		return false
	}
	applyRows(out.shape, ba, bb, o, x, y, f)
	return true
}

func execWhere(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	cond := ins[0].flat.([]bool)
	condScalar := len(cond) == 1 && n.shape.Size() != 1
	// The output may reuse an operand's buffer (elementwise, so safe): read the operands first.
	tf, ff := ins[1].flat, ins[2].flat
	out := outputFor(b, n.shape, ins, owned, 1, 2)
	ins = []*Buffer{nil, {flat: tf}, {flat: ff}}
	ok := false
	switch o := out.flat.(type) {
	case []float32:
		if !condScalar {
			whereFloat(o, cond, ins[1].flat.([]float32), ins[2].flat.([]float32))
			return out, nil
		}
		ok = whereT(o, cond, condScalar, ins[1].flat.([]float32), ins[2].flat.([]float32))
	case []float64:
		if !condScalar {
			whereFloat(o, cond, ins[1].flat.([]float64), ins[2].flat.([]float64))
			return out, nil
		}
		ok = whereT(o, cond, condScalar, ins[1].flat.([]float64), ins[2].flat.([]float64))
	case []int32:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]int32), ins[2].flat.([]int32))
	case []int64:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]int64), ins[2].flat.([]int64))
	case []uint8:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]uint8), ins[2].flat.([]uint8))
	case []uint32:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]uint32), ins[2].flat.([]uint32))
	case []uint64:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]uint64), ins[2].flat.([]uint64))
	case []int8:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]int8), ins[2].flat.([]int8))
	case []int16:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]int16), ins[2].flat.([]int16))
	case []uint16:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]uint16), ins[2].flat.([]uint16))
	case []bool:
		ok = whereT(o, cond, condScalar, ins[1].flat.([]bool), ins[2].flat.([]bool))
	}
	if !ok {
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// whereT writes o[i] = cond[i] ? t[i] : f[i]; scalars (length 1) broadcast. o may alias t or f.
func whereT[T any](o []T, cond []bool, condScalar bool, t, f []T) bool {
	tS, fS := len(t) == 1 && len(o) != 1, len(f) == 1 && len(o) != 1
	parallelFor(len(o), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c := cond[0]
			if !condScalar {
				c = cond[i]
			}
			if c {
				if tS {
					o[i] = t[0]
				} else {
					o[i] = t[i]
				}
			} else {
				if fS {
					o[i] = f[0]
				} else {
					o[i] = f[i]
				}
			}
		}
	})
	return true
}

func execClamp(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	// The output may reuse the operand's buffer: keep references to the inputs first.
	lo, x, hi := ins[0].flat, ins[1].flat, ins[2].flat
	out := outputFor(b, n.shape, ins, owned, 1)
	ins = []*Buffer{{flat: lo}, {flat: x}, {flat: hi}}
	ok := false
	switch o := out.flat.(type) {
	case []float32:
		ok = clampT(o, ins[0].flat.([]float32), ins[1].flat.([]float32), ins[2].flat.([]float32))
	case []float64:
		ok = clampT(o, ins[0].flat.([]float64), ins[1].flat.([]float64), ins[2].flat.([]float64))
	case []int32:
		ok = clampT(o, ins[0].flat.([]int32), ins[1].flat.([]int32), ins[2].flat.([]int32))
	case []int64:
		ok = clampT(o, ins[0].flat.([]int64), ins[1].flat.([]int64), ins[2].flat.([]int64))
	case []uint8:
		ok = clampT(o, ins[0].flat.([]uint8), ins[1].flat.([]uint8), ins[2].flat.([]uint8))
	}
	if !ok {
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

func clampT[T numberT](o, lo, x, hi []T) bool {
	loS, hiS := len(lo) == 1, len(hi) == 1
	for i, v := range x {
		l, h := lo[0], hi[0]
		if !loS {
			l = lo[i]
		}
		if !hiS {
			h = hi[i]
		}
		if v < l {
			v = l
		}
		if v > h {
			v = h
		}
		o[i] = v
	}
	return true
}

func execConvert(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	x := ins[0]
	if x.shape.DType == n.shape.DType {
		return execIdentity(b, n, ins, owned)
	}
	out := b.newBuf(n.shape)
	if err := convertFlat(out.flat, x.flat); err != nil {
		return nil, err
	}
	return out, nil
}

// convertFlat converts src into dst elementwise (float→int truncates toward zero, bool↔number as 0/1).
func convertFlat(dst, src any) error {
	switch s := src.(type) {
	case []float32:
		return convertFrom(dst, s)
	case []float64:
		return convertFrom(dst, s)
	case []int8:
		return convertFrom(dst, s)
	case []int16:
		return convertFrom(dst, s)
	case []int32:
		return convertFrom(dst, s)
	case []int64:
		return convertFrom(dst, s)
	case []uint8:
		return convertFrom(dst, s)
	case []uint16:
		return convertFrom(dst, s)
	case []uint32:
		return convertFrom(dst, s)
	case []uint64:
		return convertFrom(dst, s)
	case []bool:
		tmp := make([]uint8, len(s))
		for i, v := range s {
			if v {
				tmp[i] = 1
			}
		}
		return convertFrom(dst, tmp)
	}
	return errors.Errorf("cpu backend: ConvertDType from %T not supported", src)
}

func convertFrom[S numberT](dst any, s []S) error {
	switch d := dst.(type) {
	case []float32:
		convertTo(d, s)
	case []float64:
		convertTo(d, s)
	case []int8:
		convertTo(d, s)
	case []int16:
		convertTo(d, s)
	case []int32:
		convertTo(d, s)
	case []int64:
		convertTo(d, s)
	case []uint8:
		convertTo(d, s)
	case []uint16:
		convertTo(d, s)
	case []uint32:
		convertTo(d, s)
	case []uint64:
		convertTo(d, s)
	case []bool:
		for i, v := range s {
			d[i] = v != 0
		}
	default:
		return errors.Errorf("cpu backend: ConvertDType to %T not supported", dst)
	}
	return nil
}

func convertTo[D, S numberT](d []D, s []S) {
	parallelFor(len(s), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = D(s[i])
		}
	})
}

// bitSize returns the number of bits of the integer type T.
func bitSize[T intT]() int {
	var x T = 1
	n := 0
	for x != 0 {
		x <<= 1
		n++
	}
	return n
}

// whereFloat writes o[i] = cond[i] ? t[i] : f[i] (t and f of length 1 broadcast) by bit masks,
// without data-dependent branches (whereBool, over ranges in parallel).
func whereFloat[T floatT](o []T, cond []bool, t, f []T) {
	tS, fS := len(t) == 1 && len(o) != 1, len(f) == 1 && len(o) != 1
	parallelFor(len(o), elemGrain, func(lo, hi int) {
		ts, fs := t, f
		if !tS {
			ts = t[lo:hi]
		}
		if !fS {
			fs = f[lo:hi]
		}
		whereBool(o[lo:hi], cond[lo:hi], ts, fs, tS, fS)
	})
}
