package cpu

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/notimplemented"
	"github.com/gomlx/gomlx/backends/shapeinference"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

// node is one recorded operation. Multi-output operations (BatchNormForTraining, BatchNormGradient,
// RNGBitGenerator) are a node whose outputs are held by projection nodes (opProjection), one per
// output; the graph only ever sees the projections.
type node struct {
	id      int
	sub     int // orders nodes made by compile-time rewrites after the node whose id they share
	op      backends.OpType
	shape   shapes.Shape
	inputs  []*node
	params  any
	builder *Builder

	// multiShapes holds the output shapes of a multi-output node; projs its projection nodes.
	multiShapes []shapes.Shape
	projs       []*node
	// projIndex is the output index a projection node takes from its single input.
	projIndex int
}

// Builder records a computation graph for the cpu backend. Operations it does not implement fall
// through to notimplemented.Builder and return an error naming the op.
type Builder struct {
	notimplemented.Builder
	backend  *Backend
	name     string
	nodes    []*node
	params   []*node
	compiled bool
}

var _ backends.Builder = (*Builder)(nil)

func newBuilder(b *Backend, name string) *Builder {
	return &Builder{
		Builder: notimplemented.Builder{ErrFn: func(op backends.OpType) error {
			return errors.Errorf("cpu backend: operation %s is not implemented", op)
		}},
		backend: b,
		name:    name,
	}
}

// Name implements backends.Builder.
func (b *Builder) Name() string { return b.name }

func (b *Builder) newNode(op backends.OpType, shape shapes.Shape, params any, inputs ...*node) *node {
	n := &node{id: len(b.nodes), op: op, shape: shape, inputs: inputs, params: params, builder: b}
	b.nodes = append(b.nodes, n)
	return n
}

func (b *Builder) newMultiNode(op backends.OpType, outShapes []shapes.Shape, params any, inputs ...*node) []*node {
	n := b.newNode(op, shapes.Invalid(), params, inputs...)
	n.multiShapes = outShapes
	for i, s := range outShapes {
		p := b.newNode(opProjection, s, nil, n)
		p.projIndex = i
		n.projs = append(n.projs, p)
	}
	return n.projs
}

// toNodes checks that ops are nodes of this builder.
func (b *Builder) toNodes(opName string, ops ...backends.Op) ([]*node, error) {
	if b.compiled {
		return nil, errors.Errorf("cpu backend: %s: builder %q already compiled", opName, b.name)
	}
	out := make([]*node, len(ops))
	for i, op := range ops {
		n, ok := op.(*node)
		if !ok || n == nil {
			return nil, errors.Errorf("cpu backend: %s: operand #%d is %T, not a cpu backend op", opName, i, op)
		}
		if n.builder != b {
			return nil, errors.Errorf("cpu backend: %s: operand #%d belongs to another builder", opName, i)
		}
		if n.multiShapes != nil {
			return nil, errors.Errorf("cpu backend: %s: operand #%d is a multi-output op", opName, i)
		}
		out[i] = n
	}
	return out, nil
}

func checkDType(opName string, dt dtypes.DType) error {
	if !isSupportedDType(dt) {
		return errors.Errorf("cpu backend: %s: dtype %s not supported", opName, dt)
	}
	return nil
}

// OpShape implements backends.Builder.
func (b *Builder) OpShape(op backends.Op) (shapes.Shape, error) {
	ns, err := b.toNodes("OpShape", op)
	if err != nil {
		return shapes.Invalid(), err
	}
	return ns[0].shape, nil
}

// Parameter implements backends.Builder.
func (b *Builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if sharding != nil {
		return nil, errors.New("cpu backend: sharding not supported")
	}
	if err := checkDType("Parameter", shape.DType); err != nil {
		return nil, err
	}
	n := b.newNode(backends.OpTypeParameter, shape.Clone(), paramInfo{name: name, index: len(b.params)})
	b.params = append(b.params, n)
	return n, nil
}

type paramInfo struct {
	name  string
	index int
}

// Constant implements backends.Builder.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	dt := dtypeOfFlat(flat)
	if err := checkDType("Constant", dt); err != nil {
		return nil, err
	}
	shape := shapes.Make(dt, dims...)
	if flatLen(flat) != shape.Size() {
		return nil, errors.Errorf("cpu backend: Constant: %d values for shape %s", flatLen(flat), shape)
	}
	buf := &Buffer{shape: shape, flat: allocFlat(dt, shape.Size())}
	if err := copyFlat(buf.flat, flat); err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeConstant, shape, buf), nil
}

// Identity implements backends.Builder.
func (b *Builder) Identity(x backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("Identity", x)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeIdentity, ns[0].shape, nil, ns[0]), nil
}

// DistributedSPMD implements backends.Builder: only one device.
func (b *Builder) DistributedSPMD(numDevices int) error {
	if numDevices == 1 {
		return nil
	}
	return errors.New("cpu backend: distributed execution not supported")
}

// DistributedAutoSharding implements backends.Builder.
func (b *Builder) DistributedAutoSharding(meshes ...backends.Mesh) error {
	return errors.New("cpu backend: distributed execution not supported")
}

// DeviceAssignment implements backends.Builder: only device 0.
func (b *Builder) DeviceAssignment(devices ...backends.DeviceNum) error {
	if len(devices) == 1 && devices[0] == 0 {
		return nil
	}
	return errors.New("cpu backend: only device 0 exists")
}

// Reshape implements backends.Builder.
func (b *Builder) Reshape(x backends.Op, dims ...int) (backends.Op, error) {
	ns, err := b.toNodes("Reshape", x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.ReshapeOp(ns[0].shape, dims)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeReshape, shape, nil, ns[0]), nil
}

// Transpose implements backends.Builder: output axis i is input axis permutation[i].
func (b *Builder) Transpose(x backends.Op, permutation ...int) (backends.Op, error) {
	ns, err := b.toNodes("Transpose", x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.TransposeOp(ns[0].shape, permutation)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeTranspose, shape, slices.Clone(permutation), ns[0]), nil
}

// BroadcastInDim implements backends.Builder: operand axis i maps to output axis broadcastAxes[i].
func (b *Builder) BroadcastInDim(x backends.Op, outputShape shapes.Shape, broadcastAxes []int) (backends.Op, error) {
	ns, err := b.toNodes("BroadcastInDim", x)
	if err != nil {
		return nil, err
	}
	if err := shapeinference.BroadcastInDimOp(ns[0].shape, outputShape, broadcastAxes); err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeBroadcastInDim, outputShape.Clone(), slices.Clone(broadcastAxes), ns[0]), nil
}

func (b *Builder) reduce(op backends.OpType, x backends.Op, axes []int) (backends.Op, error) {
	ns, err := b.toNodes(op.String(), x)
	if err != nil {
		return nil, err
	}
	if len(axes) == 0 {
		axes = make([]int, ns[0].shape.Rank())
		for i := range axes {
			axes[i] = i
		}
	}
	shape, err := shapeinference.ReduceOp(ns[0].shape, axes)
	if err != nil {
		return nil, err
	}
	return b.newNode(op, shape, slices.Clone(axes), ns[0]), nil
}

func (b *Builder) ReduceSum(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceSum, x, axes)
}
func (b *Builder) ReduceMax(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceMax, x, axes)
}
func (b *Builder) ReduceMin(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceMin, x, axes)
}
func (b *Builder) ReduceProduct(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceProduct, x, axes)
}
func (b *Builder) ReduceLogicalAnd(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceLogicalAnd, x, axes)
}
func (b *Builder) ReduceLogicalOr(x backends.Op, axes ...int) (backends.Op, error) {
	return b.reduce(backends.OpTypeReduceLogicalOr, x, axes)
}

// Slice implements backends.Builder.
func (b *Builder) Slice(x backends.Op, starts, limits, strides []int) (backends.Op, error) {
	ns, err := b.toNodes("Slice", x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.SliceOp(ns[0].shape, starts, limits, strides)
	if err != nil {
		return nil, err
	}
	if len(strides) == 0 {
		strides = make([]int, len(starts))
		for i := range strides {
			strides[i] = 1
		}
	}
	return b.newNode(backends.OpTypeSlice, shape, sliceParams{slices.Clone(starts), slices.Clone(strides)}, ns[0]), nil
}

type sliceParams struct{ starts, strides []int }

// Concatenate implements backends.Builder.
func (b *Builder) Concatenate(axis int, operands ...backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("Concatenate", operands...)
	if err != nil {
		return nil, err
	}
	inShapes := make([]shapes.Shape, len(ns))
	for i, n := range ns {
		inShapes[i] = n.shape
	}
	shape, err := shapeinference.ConcatenateOp(inShapes, axis)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeConcatenate, shape, axis, ns...), nil
}

// Pad implements backends.Builder: per axis, Start/End values are added (removed if negative) at
// the ends and Interior values between consecutive elements, filled with the scalar fillValue.
func (b *Builder) Pad(x, fillValue backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	ns, err := b.toNodes("Pad", x, fillValue)
	if err != nil {
		return nil, err
	}
	in := ns[0].shape
	if !ns[1].shape.IsScalar() || ns[1].shape.DType != in.DType {
		return nil, errors.Errorf("cpu backend: Pad: fill value %s must be a scalar of %s", ns[1].shape, in.DType)
	}
	if len(axesConfig) > in.Rank() {
		return nil, errors.Errorf("cpu backend: Pad: %d axes configured for rank %d", len(axesConfig), in.Rank())
	}
	cfg := make([]backends.PadAxis, in.Rank())
	copy(cfg, axesConfig)
	dims := make([]int, in.Rank())
	for i, d := range in.Dimensions {
		if cfg[i].Interior < 0 {
			return nil, errors.Errorf("cpu backend: Pad: negative interior padding on axis %d", i)
		}
		dims[i] = cfg[i].Start + cfg[i].End + d
		if d > 0 {
			dims[i] += (d - 1) * cfg[i].Interior
		}
		if dims[i] < 0 {
			return nil, errors.Errorf("cpu backend: Pad: axis %d would have negative size", i)
		}
	}
	return b.newNode(backends.OpTypePad, shapes.Make(in.DType, dims...), cfg, ns...), nil
}

// Reverse implements backends.Builder.
func (b *Builder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	ns, err := b.toNodes("Reverse", x)
	if err != nil {
		return nil, err
	}
	for _, a := range axes {
		if a < 0 || a >= ns[0].shape.Rank() {
			return nil, errors.Errorf("cpu backend: Reverse: axis %d out of range for %s", a, ns[0].shape)
		}
	}
	return b.newNode(backends.OpTypeReverse, ns[0].shape, slices.Clone(axes), ns[0]), nil
}

// Iota implements backends.Builder.
func (b *Builder) Iota(shape shapes.Shape, iotaAxis int) (backends.Op, error) {
	if err := checkDType("Iota", shape.DType); err != nil {
		return nil, err
	}
	if shape.Rank() == 0 || iotaAxis < 0 || iotaAxis >= shape.Rank() {
		return nil, errors.Errorf("cpu backend: Iota: bad axis %d for shape %s", iotaAxis, shape)
	}
	return b.newNode(backends.OpTypeIota, shape.Clone(), iotaAxis), nil
}

// ArgMinMax implements backends.Builder.
func (b *Builder) ArgMinMax(x backends.Op, axis int, outputDType dtypes.DType, isMin bool) (backends.Op, error) {
	ns, err := b.toNodes("ArgMinMax", x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.ArgMinMaxOp(ns[0].shape, axis, outputDType)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeArgMinMax, shape, argMinMaxParams{axis, isMin}, ns[0]), nil
}

type argMinMaxParams struct {
	axis  int
	isMin bool
}

// Dot implements backends.Builder with numpy-like semantics for rank ≤ 2 operands.
func (b *Builder) Dot(lhs, rhs backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("Dot", lhs, rhs)
	if err != nil {
		return nil, err
	}
	lr, rr := ns[0].shape.Rank(), ns[1].shape.Rank()
	if lr < 1 || lr > 2 || rr < 1 || rr > 2 {
		return nil, errors.Errorf("cpu backend: Dot: ranks %d and %d not supported", lr, rr)
	}
	return b.DotGeneral(lhs, []int{lr - 1}, nil, rhs, []int{0}, nil)
}

type dotParams struct {
	lhsContract, lhsBatch, rhsContract, rhsBatch []int
}

// DotGeneral implements backends.Builder. The output axes are the batch axes, then lhs's free axes,
// then rhs's free axes, each in operand order.
func (b *Builder) DotGeneral(lhs backends.Op, lhsContractingAxes, lhsBatchAxes []int, rhs backends.Op,
	rhsContractingAxes, rhsBatchAxes []int) (backends.Op, error) {
	ns, err := b.toNodes("DotGeneral", lhs, rhs)
	if err != nil {
		return nil, err
	}
	p := dotParams{slices.Clone(lhsContractingAxes), slices.Clone(lhsBatchAxes),
		slices.Clone(rhsContractingAxes), slices.Clone(rhsBatchAxes)}
	shape, err := dotGeneralShape(ns[0].shape, ns[1].shape, p)
	if err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeDotGeneral, shape, p, ns...), nil
}

func dotGeneralShape(l, r shapes.Shape, p dotParams) (shapes.Shape, error) {
	if l.DType != r.DType {
		return shapes.Invalid(), errors.Errorf("cpu backend: DotGeneral: dtypes %s and %s differ", l.DType, r.DType)
	}
	if len(p.lhsContract) != len(p.rhsContract) || len(p.lhsBatch) != len(p.rhsBatch) {
		return shapes.Invalid(), errors.New("cpu backend: DotGeneral: contracting/batch axes counts differ")
	}
	used := func(rank int, lists ...[]int) ([]bool, error) {
		u := make([]bool, rank)
		for _, list := range lists {
			for _, a := range list {
				if a < 0 || a >= rank || u[a] {
					return nil, errors.Errorf("cpu backend: DotGeneral: bad or repeated axis %d", a)
				}
				u[a] = true
			}
		}
		return u, nil
	}
	lu, err := used(l.Rank(), p.lhsContract, p.lhsBatch)
	if err != nil {
		return shapes.Invalid(), err
	}
	ru, err := used(r.Rank(), p.rhsContract, p.rhsBatch)
	if err != nil {
		return shapes.Invalid(), err
	}
	var dims []int
	for i, a := range p.lhsBatch {
		if l.Dimensions[a] != r.Dimensions[p.rhsBatch[i]] {
			return shapes.Invalid(), errors.Errorf("cpu backend: DotGeneral: batch dims differ: %s, %s", l, r)
		}
		dims = append(dims, l.Dimensions[a])
	}
	for i, a := range p.lhsContract {
		if l.Dimensions[a] != r.Dimensions[p.rhsContract[i]] {
			return shapes.Invalid(), errors.Errorf("cpu backend: DotGeneral: contracting dims differ: %s, %s", l, r)
		}
	}
	for a, d := range l.Dimensions {
		if !lu[a] {
			dims = append(dims, d)
		}
	}
	for a, d := range r.Dimensions {
		if !ru[a] {
			dims = append(dims, d)
		}
	}
	return shapes.Make(l.DType, dims...), nil
}

type convParams struct {
	axes                             backends.ConvolveAxesConfig
	strides, inDilation, kerDilation []int
	paddings                         [][2]int
}

// ConvGeneral implements backends.Builder for channelGroupCount = batchGroupCount = 1.
func (b *Builder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig, strides []int,
	paddings [][2]int, inputDilations, kernelDilations []int, channelGroupCount, batchGroupCount int) (backends.Op, error) {
	ns, err := b.toNodes("ConvGeneral", input, kernel)
	if err != nil {
		return nil, err
	}
	if channelGroupCount > 1 || batchGroupCount > 1 {
		return nil, errors.Errorf("cpu backend: ConvGeneral: channel/batch group counts > 1 not implemented")
	}
	nsd := ns[0].shape.Rank() - 2
	fill := func(v []int) []int {
		if len(v) == 0 {
			v = make([]int, nsd)
			for i := range v {
				v[i] = 1
			}
			return v
		}
		return slices.Clone(v)
	}
	strides, inputDilations, kernelDilations = fill(strides), fill(inputDilations), fill(kernelDilations)
	if len(paddings) == 0 {
		paddings = make([][2]int, nsd)
	} else {
		paddings = slices.Clone(paddings)
	}
	shape, err := shapeinference.ConvGeneralOp(ns[0].shape, ns[1].shape, axes, strides, paddings,
		inputDilations, kernelDilations, 1, 1)
	if err != nil {
		return nil, err
	}
	p := convParams{axes: axes.Clone(), strides: strides, inDilation: inputDilations, kerDilation: kernelDilations, paddings: paddings}
	return b.newNode(backends.OpTypeConvGeneral, shape, p, ns...), nil
}

type windowParams struct {
	reduce                                          backends.ReduceOpType
	window, strides, baseDilations, windowDilations []int
	paddings                                        [][2]int
}

// ReduceWindow implements backends.Builder.
func (b *Builder) ReduceWindow(x backends.Op, reductionType backends.ReduceOpType, windowDimensions, strides,
	baseDilations, windowDilations []int, paddings [][2]int) (backends.Op, error) {
	ns, err := b.toNodes("ReduceWindow", x)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.ReduceWindowOp(ns[0].shape, windowDimensions, strides, baseDilations, windowDilations, paddings)
	if err != nil {
		return nil, err
	}
	rank := ns[0].shape.Rank()
	fill := func(v []int, def []int) []int {
		if len(v) == 0 {
			if def != nil {
				return slices.Clone(def)
			}
			v = make([]int, rank)
			for i := range v {
				v[i] = 1
			}
			return v
		}
		return slices.Clone(v)
	}
	p := windowParams{reduce: reductionType, window: slices.Clone(windowDimensions)}
	p.strides = fill(strides, p.window)
	p.baseDilations = fill(baseDilations, nil)
	p.windowDilations = fill(windowDilations, nil)
	p.paddings = make([][2]int, rank)
	copy(p.paddings, paddings)
	return b.newNode(backends.OpTypeReduceWindow, shape, p, ns[0]), nil
}

func (b *Builder) selectAndScatter(op backends.OpType, operand, source backends.Op, windowDimensions,
	windowStrides []int, paddings [][2]int) (backends.Op, error) {
	ns, err := b.toNodes(op.String(), operand, source)
	if err != nil {
		return nil, err
	}
	outShape, err := shapeinference.ReduceWindowOp(ns[0].shape, windowDimensions, windowStrides, nil, nil, paddings)
	if err != nil {
		return nil, err
	}
	if !outShape.Equal(ns[1].shape) {
		return nil, errors.Errorf("cpu backend: %s: source shape %s, want %s", op, ns[1].shape, outShape)
	}
	rank := ns[0].shape.Rank()
	p := windowParams{window: slices.Clone(windowDimensions), strides: slices.Clone(windowStrides)}
	if len(p.strides) == 0 {
		p.strides = slices.Clone(p.window)
	}
	p.paddings = make([][2]int, rank)
	copy(p.paddings, paddings)
	return b.newNode(op, ns[0].shape, p, ns...), nil
}

// SelectAndScatterMax implements backends.Builder.
func (b *Builder) SelectAndScatterMax(operand, source backends.Op, windowDimensions, windowStrides []int,
	paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMax, operand, source, windowDimensions, windowStrides, paddings)
}

// SelectAndScatterMin implements backends.Builder.
func (b *Builder) SelectAndScatterMin(operand, source backends.Op, windowDimensions, windowStrides []int,
	paddings [][2]int) (backends.Op, error) {
	return b.selectAndScatter(backends.OpTypeSelectAndScatterMin, operand, source, windowDimensions, windowStrides, paddings)
}

type bnParams struct {
	epsilon float32
	axis    int
}

func (b *Builder) checkBN(name string, x *node, vecs []*node, axis int) error {
	if !x.shape.DType.IsFloat() {
		return errors.Errorf("cpu backend: %s: operand must be float, got %s", name, x.shape)
	}
	if axis < 0 || axis >= x.shape.Rank() {
		return errors.Errorf("cpu backend: %s: feature axis %d out of range for %s", name, axis, x.shape)
	}
	for _, v := range vecs {
		if v.shape.Rank() != 1 || v.shape.Dimensions[0] != x.shape.Dimensions[axis] || v.shape.DType != x.shape.DType {
			return errors.Errorf("cpu backend: %s: parameter shape %s does not match operand %s on axis %d",
				name, v.shape, x.shape, axis)
		}
	}
	return nil
}

// BatchNormForInference implements backends.Builder: (x-mean)/sqrt(variance+eps)*scale+offset.
func (b *Builder) BatchNormForInference(operand, scale, offset, mean, variance backends.Op, epsilon float32,
	axis int) (backends.Op, error) {
	ns, err := b.toNodes("BatchNormForInference", operand, scale, offset, mean, variance)
	if err != nil {
		return nil, err
	}
	if err := b.checkBN("BatchNormForInference", ns[0], ns[1:], axis); err != nil {
		return nil, err
	}
	return b.newNode(backends.OpTypeBatchNormForInference, ns[0].shape, bnParams{epsilon, axis}, ns...), nil
}

// BatchNormForTraining implements backends.Builder: normalizes with the batch mean and (biased)
// variance over all axes but the feature axis, and returns them too.
func (b *Builder) BatchNormForTraining(operand, scale, offset backends.Op, epsilon float32, axis int) (
	normalized, batchMean, batchVariance backends.Op, err error) {
	ns, err := b.toNodes("BatchNormForTraining", operand, scale, offset)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := b.checkBN("BatchNormForTraining", ns[0], ns[1:], axis); err != nil {
		return nil, nil, nil, err
	}
	vs := ns[1].shape
	outs := b.newMultiNode(backends.OpTypeBatchNormForTraining, []shapes.Shape{ns[0].shape, vs, vs},
		bnParams{epsilon, axis}, ns...)
	return outs[0], outs[1], outs[2], nil
}

// BatchNormGradient implements backends.Builder: the gradient of BatchNormForTraining's normalized
// output with respect to operand, scale and offset, mean and variance being the batch statistics.
func (b *Builder) BatchNormGradient(operand, scale, mean, variance, gradOutput backends.Op, epsilon float32,
	axis int) (gradOperand, gradScale, gradOffset backends.Op, err error) {
	ns, err := b.toNodes("BatchNormGradient", operand, scale, mean, variance, gradOutput)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := b.checkBN("BatchNormGradient", ns[0], ns[1:4], axis); err != nil {
		return nil, nil, nil, err
	}
	if !ns[4].shape.Equal(ns[0].shape) {
		return nil, nil, nil, errors.Errorf("cpu backend: BatchNormGradient: gradOutput %s != operand %s", ns[4].shape, ns[0].shape)
	}
	vs := ns[1].shape
	outs := b.newMultiNode(backends.OpTypeBatchNormGradient, []shapes.Shape{ns[0].shape, vs, vs},
		bnParams{epsilon, axis}, ns...)
	return outs[0], outs[1], outs[2], nil
}

// RNGBitGenerator implements backends.Builder with a PCG generator seeded by the state.
func (b *Builder) RNGBitGenerator(state backends.Op, shape shapes.Shape) (newState, values backends.Op, err error) {
	ns, err := b.toNodes("RNGBitGenerator", state)
	if err != nil {
		return nil, nil, err
	}
	if !ns[0].shape.Equal(backends.RNGStateShape) {
		return nil, nil, errors.Errorf("cpu backend: RNGBitGenerator: state must be %s, got %s", backends.RNGStateShape, ns[0].shape)
	}
	if err := checkDType("RNGBitGenerator", shape.DType); err != nil {
		return nil, nil, err
	}
	outs := b.newMultiNode(backends.OpTypeRNGBitGenerator, []shapes.Shape{ns[0].shape, shape.Clone()}, nil, ns[0])
	return outs[0], outs[1], nil
}

type gatherParams struct {
	indexVectorAxis                                                 int
	offsetOutputAxes, collapsedSliceAxes, startIndexMap, sliceSizes []int
}

// Gather implements backends.Builder with XLA's semantics.
func (b *Builder) Gather(operand, startIndices backends.Op, indexVectorAxis int, offsetOutputAxes,
	collapsedSliceAxes, startIndexMap, sliceSizes []int, indicesAreSorted bool) (backends.Op, error) {
	ns, err := b.toNodes("Gather", operand, startIndices)
	if err != nil {
		return nil, err
	}
	shape, err := shapeinference.Gather(ns[0].shape, ns[1].shape, indexVectorAxis, offsetOutputAxes,
		collapsedSliceAxes, startIndexMap, sliceSizes, indicesAreSorted)
	if err != nil {
		return nil, err
	}
	if !ns[1].shape.DType.IsInt() {
		return nil, errors.Errorf("cpu backend: Gather: indices must be integers, got %s", ns[1].shape)
	}
	p := gatherParams{indexVectorAxis, slices.Clone(offsetOutputAxes), slices.Clone(collapsedSliceAxes),
		slices.Clone(startIndexMap), slices.Clone(sliceSizes)}
	return b.newNode(backends.OpTypeGather, shape, p, ns...), nil
}

// DynamicSlice implements backends.Builder: start indices are clamped so the slice fits.
func (b *Builder) DynamicSlice(operand backends.Op, startIndices []backends.Op, sliceDims []int) (backends.Op, error) {
	ns, err := b.toNodes("DynamicSlice", append([]backends.Op{operand}, startIndices...)...)
	if err != nil {
		return nil, err
	}
	x := ns[0].shape
	if len(startIndices) != x.Rank() || len(sliceDims) != x.Rank() {
		return nil, errors.Errorf("cpu backend: DynamicSlice: need %d start indices and slice dims", x.Rank())
	}
	for i, n := range ns[1:] {
		if !n.shape.IsScalar() || !n.shape.DType.IsInt() {
			return nil, errors.Errorf("cpu backend: DynamicSlice: start index %d must be an integer scalar", i)
		}
		if sliceDims[i] < 0 || sliceDims[i] > x.Dimensions[i] {
			return nil, errors.Errorf("cpu backend: DynamicSlice: slice dim %d out of range", i)
		}
	}
	return b.newNode(backends.OpTypeDynamicSlice, shapes.Make(x.DType, sliceDims...), nil, ns...), nil
}

// DynamicUpdateSlice implements backends.Builder: start indices are clamped so the update fits.
func (b *Builder) DynamicUpdateSlice(operand, update backends.Op, startIndices []backends.Op) (backends.Op, error) {
	ns, err := b.toNodes("DynamicUpdateSlice", append([]backends.Op{operand, update}, startIndices...)...)
	if err != nil {
		return nil, err
	}
	x, u := ns[0].shape, ns[1].shape
	if len(startIndices) != x.Rank() || u.Rank() != x.Rank() || u.DType != x.DType {
		return nil, errors.Errorf("cpu backend: DynamicUpdateSlice: update %s incompatible with %s", u, x)
	}
	for i, n := range ns[2:] {
		if !n.shape.IsScalar() || !n.shape.DType.IsInt() {
			return nil, errors.Errorf("cpu backend: DynamicUpdateSlice: start index %d must be an integer scalar", i)
		}
		if u.Dimensions[i] > x.Dimensions[i] {
			return nil, errors.Errorf("cpu backend: DynamicUpdateSlice: update larger than operand on axis %d", i)
		}
	}
	return b.newNode(backends.OpTypeDynamicUpdateSlice, x, nil, ns...), nil
}

// dtypeOfFlat returns the dtype of a flat slice, or InvalidDType.
func dtypeOfFlat(flat any) dtypes.DType {
	switch flat.(type) {
	case []bool:
		return dtypes.Bool
	case []int8:
		return dtypes.Int8
	case []int16:
		return dtypes.Int16
	case []int32:
		return dtypes.Int32
	case []int64:
		return dtypes.Int64
	case []uint8:
		return dtypes.Uint8
	case []uint16:
		return dtypes.Uint16
	case []uint32:
		return dtypes.Uint32
	case []uint64:
		return dtypes.Uint64
	case []float32:
		return dtypes.Float32
	case []float64:
		return dtypes.Float64
	}
	return dtypes.InvalidDType
}
