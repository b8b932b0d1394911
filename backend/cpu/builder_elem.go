package cpu

// The elementwise ops of Builder: unary and binary arithmetic, comparisons, Where, Clamp and
// ConvertDType.

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

func (b *Builder) unary(op backends.OpType, x backends.Op) (backends.Op, error) {
	ns, err := b.toNodes(op.String(), x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.UnaryOp(op, ns[0].shape)
	if err != nil {
		return nil, err
	}
	if op == backends.OpTypeIsFinite || op == backends.OpTypeIsNaN {
		shape.DType = dtypes.Bool
	}
	return b.newNode(op, shape, nil, ns[0]), nil
}

func (b *Builder) binary(op backends.OpType, lhs, rhs backends.Op) (backends.Op, error) {
	ns, err := b.toNodes(op.String(), lhs, rhs)
	if err != nil {
		return nil, err
	}
	var shape shapes.Shape
	if shapeinference.ComparisonOperations.Has(op) {
		shape, err = shapeinference.ComparisonOp(op, ns[0].shape, ns[1].shape)
	} else {
		shape, err = shapeinference.BinaryOp(op, ns[0].shape, ns[1].shape)
	}
	if err != nil {
		return nil, err
	}
	return b.newNode(op, shape, nil, ns[0], ns[1]), nil
}

// Unary operations.

func (b *Builder) Abs(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeAbs, x) }
func (b *Builder) Neg(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeNeg, x) }
func (b *Builder) Exp(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeExp, x) }
func (b *Builder) Log(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeLog, x) }
func (b *Builder) Sqrt(x backends.Op) (backends.Op, error) { return b.unary(backends.OpTypeSqrt, x) }
func (b *Builder) Cos(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeCos, x) }
func (b *Builder) Sin(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeSin, x) }
func (b *Builder) Tanh(x backends.Op) (backends.Op, error) { return b.unary(backends.OpTypeTanh, x) }
func (b *Builder) Sign(x backends.Op) (backends.Op, error) { return b.unary(backends.OpTypeSign, x) }
func (b *Builder) Erf(x backends.Op) (backends.Op, error)  { return b.unary(backends.OpTypeErf, x) }
func (b *Builder) Ceil(x backends.Op) (backends.Op, error) { return b.unary(backends.OpTypeCeil, x) }
func (b *Builder) Expm1(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeExpm1, x)
}
func (b *Builder) Log1p(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeLog1p, x)
}
func (b *Builder) Rsqrt(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeRsqrt, x)
}
func (b *Builder) Logistic(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeLogistic, x)
}
func (b *Builder) Floor(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeFloor, x)
}
func (b *Builder) Round(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeRound, x)
}
func (b *Builder) IsFinite(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeIsFinite, x)
}
func (b *Builder) IsNaN(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeIsNaN, x)
}
func (b *Builder) LogicalNot(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeLogicalNot, x)
}
func (b *Builder) BitwiseNot(x backends.Op) (backends.Op, error) {
	return b.unary(backends.OpTypeBitwiseNot, x)
}

// Binary operations.

func (b *Builder) Add(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeAdd, l, r)
}
func (b *Builder) Sub(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeSub, l, r)
}
func (b *Builder) Mul(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMul, l, r)
}
func (b *Builder) Div(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeDiv, l, r)
}
func (b *Builder) Max(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMax, l, r)
}
func (b *Builder) Min(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeMin, l, r)
}
func (b *Builder) Pow(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypePow, l, r)
}
func (b *Builder) Rem(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeRem, l, r)
}
func (b *Builder) LogicalAnd(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLogicalAnd, l, r)
}
func (b *Builder) LogicalOr(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLogicalOr, l, r)
}
func (b *Builder) LogicalXor(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLogicalXor, l, r)
}
func (b *Builder) BitwiseAnd(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeBitwiseAnd, l, r)
}
func (b *Builder) BitwiseOr(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeBitwiseOr, l, r)
}
func (b *Builder) BitwiseXor(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeBitwiseXor, l, r)
}
func (b *Builder) ShiftLeft(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeShiftLeft, l, r)
}
func (b *Builder) ShiftRightArithmetic(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeShiftRightArithmetic, l, r)
}
func (b *Builder) ShiftRightLogical(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeShiftRightLogical, l, r)
}

// Comparisons.

func (b *Builder) Equal(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeEqual, l, r)
}
func (b *Builder) NotEqual(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeNotEqual, l, r)
}
func (b *Builder) GreaterOrEqual(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeGreaterOrEqual, l, r)
}
func (b *Builder) GreaterThan(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeGreaterThan, l, r)
}
func (b *Builder) LessOrEqual(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLessOrEqual, l, r)
}
func (b *Builder) LessThan(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLessThan, l, r)
}
func (b *Builder) EqualTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeEqualTotalOrder, l, r)
}
func (b *Builder) NotEqualTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeNotEqualTotalOrder, l, r)
}
func (b *Builder) GreaterOrEqualTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeGreaterOrEqualTotalOrder, l, r)
}
func (b *Builder) GreaterThanTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeGreaterThanTotalOrder, l, r)
}
func (b *Builder) LessOrEqualTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLessOrEqualTotalOrder, l, r)
}
func (b *Builder) LessThanTotalOrder(l, r backends.Op) (backends.Op, error) {
	return b.binary(backends.OpTypeLessThanTotalOrder, l, r)
}

// Where implements backends.Builder: out = condition ? onTrue : onFalse, with scalar broadcasting.
func (b *Builder) Where(condition, onTrue, onFalse backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("Where", condition, onTrue, onFalse)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.WhereOp(ns[0].shape, ns[1].shape, ns[2].shape)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeWhere, shape, nil, ns...), nil
}

// Clamp implements backends.Builder: out = min(max(x, lo), hi); lo and hi may be scalars.
func (b *Builder) Clamp(lo, x, hi backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("Clamp", lo, x, hi)
	if err != nil {
		return nil, err
	}
	for _, n := range []*node{ns[0], ns[2]} {
		if n.shape.DType != ns[1].shape.DType || (!n.shape.IsScalar() && !n.shape.Equal(ns[1].shape)) {
			return nil, errors.Errorf("cpu backend: Clamp: bound %s incompatible with operand %s", n.shape, ns[1].shape)
		}
	}
	return b.newNode(backends.OpTypeClamp, ns[1].shape, nil, ns...), nil
}

// ConvertDType implements backends.Builder.
func (b *Builder) ConvertDType(x backends.Op, dtype dtypes.DType) (backends.Op, error) {
	ns, err := b.toNodes("ConvertDType", x)
	if err != nil {
		return nil, err
	}
	if err := checkDType("ConvertDType", dtype); err != nil {
		return nil, err
	}
	shape := ns[0].shape.Clone()
	shape.DType = dtype
	return b.newNode(backends.OpTypeConvertDType, shape, nil, ns[0]), nil
}
