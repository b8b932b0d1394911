package cpu

import (
	"math"
	"runtime"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

func init() {
	register(backends.OpTypeReshape, execIdentity)
	register(backends.OpTypeTranspose, execTranspose)
	register(backends.OpTypeBroadcastInDim, execBroadcastInDim)
	register(backends.OpTypeSlice, execSlice)
	register(backends.OpTypeReverse, execReverse)
	register(backends.OpTypeConcatenate, execConcatenate)
	register(backends.OpTypePad, execPad)
	register(backends.OpTypeIota, execIota)
	register(backends.OpTypeDynamicSlice, execDynamicSlice)
	register(backends.OpTypeDynamicUpdateSlice, execDynamicUpdateSlice)
	for _, op := range []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax,
		backends.OpTypeReduceMin, backends.OpTypeReduceProduct, backends.OpTypeReduceLogicalAnd,
		backends.OpTypeReduceLogicalOr} {
		register(op, execReduce)
	}
	register(backends.OpTypeArgMinMax, execArgMinMax)
}

// rowMajorStrides returns the element strides of a row-major array with the given dimensions.
func rowMajorStrides(dims []int) []int {
	st := make([]int, len(dims))
	s := 1
	for a := len(dims) - 1; a >= 0; a-- {
		st[a] = s
		s *= dims[a]
	}
	return st
}

// view is a strided walk over an index space: element idx is at base + Σ idx[a]*strides[a].
type view struct {
	base    int
	strides []int
}

// moveView copies, for every index idx in dims, in[inV(idx)] to out[outV(idx)].
func moveView[T any](out, in []T, dims []int, outV, inV view) {
	rank := len(dims)
	if rank == 0 {
		out[outV.base] = in[inV.base]
		return
	}
	total := 1
	for _, d := range dims {
		total *= d
	}
	if total == 0 {
		return
	}
	inner := dims[rank-1]
	rows := total / inner
	os, is := outV.strides[rank-1], inV.strides[rank-1]
	parallelFor(rows, max(1, elemGrain/inner), func(lo, hi int) {
		idx := make([]int, rank)
		unravel(idx[:rank-1], lo, dims[:rank-1])
		for row := lo; row < hi; row++ {
			o, i := outV.base, inV.base
			for a := 0; a < rank-1; a++ {
				o += idx[a] * outV.strides[a]
				i += idx[a] * inV.strides[a]
			}
			if os == 1 && is == 1 {
				copy(out[o:o+inner], in[i:i+inner])
			} else {
				for k := 0; k < inner; k++ {
					out[o] = in[i]
					o += os
					i += is
				}
			}
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

// move dispatches moveView on the flat slices' type.
func move(out, in any, dims []int, outV, inV view) {
	switch o := out.(type) {
	case []float32:
		moveView(o, in.([]float32), dims, outV, inV)
	case []float64:
		moveView(o, in.([]float64), dims, outV, inV)
	case []int32:
		moveView(o, in.([]int32), dims, outV, inV)
	case []int64:
		moveView(o, in.([]int64), dims, outV, inV)
	case []bool:
		moveView(o, in.([]bool), dims, outV, inV)
	case []uint8:
		moveView(o, in.([]uint8), dims, outV, inV)
	case []uint32:
		moveView(o, in.([]uint32), dims, outV, inV)
	case []uint64:
		moveView(o, in.([]uint64), dims, outV, inV)
	case []int8:
		moveView(o, in.([]int8), dims, outV, inV)
	case []int16:
		moveView(o, in.([]int16), dims, outV, inV)
	case []uint16:
		moveView(o, in.([]uint16), dims, outV, inV)
	default:
		panic(errors.Errorf("cpu backend: unsupported flat type %T", out))
	}
}

// gatherInto fills out (contiguous, shape dims) from the strided view inV of in.
func gatherInto(out, in any, dims []int, inV view) {
	move(out, in, dims, view{0, rowMajorStrides(dims)}, inV)
}

// transposeFlat returns the transposition of in (dims) by perm: output axis a is input axis perm[a].
func transposeFlat(b *Backend, in *Buffer, perm []int) *Buffer {
	inSt := rowMajorStrides(in.shape.Dimensions)
	dims := make([]int, len(perm))
	st := make([]int, len(perm))
	for a, p := range perm {
		dims[a] = in.shape.Dimensions[p]
		st[a] = inSt[p]
	}
	out := b.newBuf(shapes.Make(in.shape.DType, dims...))
	gatherInto(out.flat, in.flat, dims, view{0, st})
	return out
}

func isIdentityPerm(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}

func execTranspose(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	perm := n.params.([]int)
	if isIdentityPerm(perm) {
		return execIdentity(b, n, ins, owned)
	}
	return transposeFlat(b, ins[0], perm), nil
}

func execBroadcastInDim(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	axes := n.params.([]int)
	in := ins[0]
	inSt := rowMajorStrides(in.shape.Dimensions)
	st := make([]int, n.shape.Rank())
	for i, a := range axes {
		if in.shape.Dimensions[i] != 1 {
			st[a] = inSt[i]
		}
	}
	out := b.newBuf(n.shape)
	gatherInto(out.flat, in.flat, n.shape.Dimensions, view{0, st})
	return out, nil
}

func execSlice(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(sliceParams)
	in := ins[0]
	inSt := rowMajorStrides(in.shape.Dimensions)
	v := view{strides: make([]int, len(inSt))}
	for a := range inSt {
		v.base += p.starts[a] * inSt[a]
		v.strides[a] = p.strides[a] * inSt[a]
	}
	out := b.newBuf(n.shape)
	gatherInto(out.flat, in.flat, n.shape.Dimensions, v)
	return out, nil
}

func execReverse(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	in := ins[0]
	inSt := rowMajorStrides(in.shape.Dimensions)
	v := view{strides: append([]int(nil), inSt...)}
	for _, a := range n.params.([]int) {
		if d := in.shape.Dimensions[a]; d > 0 {
			v.base += (d - 1) * inSt[a]
			v.strides[a] = -inSt[a]
		}
	}
	out := b.newBuf(n.shape)
	gatherInto(out.flat, in.flat, n.shape.Dimensions, v)
	return out, nil
}

func execConcatenate(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	axis := n.params.(int)
	out := b.newBuf(n.shape)
	outSt := rowMajorStrides(n.shape.Dimensions)
	off := 0
	for _, in := range ins {
		move(out.flat, in.flat, in.shape.Dimensions, view{off * outSt[axis], outSt},
			view{0, rowMajorStrides(in.shape.Dimensions)})
		off += in.shape.Dimensions[axis]
	}
	return out, nil
}

func execPad(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	cfg := n.params.([]backends.PadAxis)
	in := ins[0]
	out := b.newBuf(n.shape)
	fillFlat(out.flat, ins[1].flat)
	inSt := rowMajorStrides(in.shape.Dimensions)
	outSt := rowMajorStrides(n.shape.Dimensions)
	rank := in.shape.Rank()
	dims := make([]int, rank)
	inV := view{strides: make([]int, rank)}
	outV := view{strides: make([]int, rank)}
	for a := 0; a < rank; a++ {
		step := cfg[a].Interior + 1
		// Input element i lands at Start + i*step; keep those in [0, outDim).
		lo := 0
		if cfg[a].Start < 0 {
			lo = (-cfg[a].Start + step - 1) / step
		}
		hi := in.shape.Dimensions[a] // exclusive
		for hi > lo && cfg[a].Start+(hi-1)*step >= n.shape.Dimensions[a] {
			hi--
		}
		dims[a] = max(0, hi-lo)
		inV.base += lo * inSt[a]
		inV.strides[a] = inSt[a]
		outV.base += (cfg[a].Start + lo*step) * outSt[a]
		outV.strides[a] = step * outSt[a]
	}
	for _, d := range dims {
		if d == 0 {
			return out, nil
		}
	}
	move(out.flat, in.flat, dims, outV, inV)
	return out, nil
}

func fillT[T any](o []T, v T) {
	parallelFor(len(o), elemGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			o[i] = v
		}
	})
}

// fillFlat sets every element of out to the single value in scalar.
func fillFlat(out, scalar any) {
	switch o := out.(type) {
	case []float32:
		fillT(o, scalar.([]float32)[0])
	case []float64:
		fillT(o, scalar.([]float64)[0])
	case []int32:
		fillT(o, scalar.([]int32)[0])
	case []int64:
		fillT(o, scalar.([]int64)[0])
	case []bool:
		fillT(o, scalar.([]bool)[0])
	case []uint8:
		fillT(o, scalar.([]uint8)[0])
	case []uint32:
		fillT(o, scalar.([]uint32)[0])
	case []uint64:
		fillT(o, scalar.([]uint64)[0])
	case []int8:
		fillT(o, scalar.([]int8)[0])
	case []int16:
		fillT(o, scalar.([]int16)[0])
	case []uint16:
		fillT(o, scalar.([]uint16)[0])
	}
}

func iotaT[T numberT](o []T, dims []int, axis int) {
	inner := 1
	for a := axis + 1; a < len(dims); a++ {
		inner *= dims[a]
	}
	d := dims[axis]
	for i := range o {
		o[i] = T((i / inner) % d)
	}
}

func execIota(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	axis := n.params.(int)
	out := b.newBuf(n.shape)
	dims := n.shape.Dimensions
	switch o := out.flat.(type) {
	case []float32:
		iotaT(o, dims, axis)
	case []float64:
		iotaT(o, dims, axis)
	case []int32:
		iotaT(o, dims, axis)
	case []int64:
		iotaT(o, dims, axis)
	case []uint8:
		iotaT(o, dims, axis)
	case []uint32:
		iotaT(o, dims, axis)
	case []uint64:
		iotaT(o, dims, axis)
	case []int8:
		iotaT(o, dims, axis)
	case []int16:
		iotaT(o, dims, axis)
	case []uint16:
		iotaT(o, dims, axis)
	default:
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

// scalarInt reads an integer scalar buffer.
func scalarInt(buf *Buffer) int {
	switch f := buf.flat.(type) {
	case []int32:
		return int(f[0])
	case []int64:
		return int(f[0])
	case []uint8:
		return int(f[0])
	case []uint32:
		return int(f[0])
	case []uint64:
		return int(f[0])
	case []int8:
		return int(f[0])
	case []int16:
		return int(f[0])
	case []uint16:
		return int(f[0])
	}
	panic(errors.Errorf("cpu backend: index of type %T", buf.flat))
}

func execDynamicSlice(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	in := ins[0]
	inSt := rowMajorStrides(in.shape.Dimensions)
	v := view{strides: inSt}
	for a := range inSt {
		s := min(max(scalarInt(ins[1+a]), 0), in.shape.Dimensions[a]-n.shape.Dimensions[a])
		v.base += s * inSt[a]
	}
	out := b.newBuf(n.shape)
	gatherInto(out.flat, in.flat, n.shape.Dimensions, v)
	return out, nil
}

func execDynamicUpdateSlice(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	x, u := ins[0], ins[1]
	out := outputFor(b, n.shape, ins, owned, 0)
	if out != x {
		if err := copyFlat(out.flat, x.flat); err != nil {
			return nil, err
		}
	}
	outSt := rowMajorStrides(n.shape.Dimensions)
	ov := view{strides: outSt}
	for a := range outSt {
		s := min(max(scalarInt(ins[2+a]), 0), x.shape.Dimensions[a]-u.shape.Dimensions[a])
		ov.base += s * outSt[a]
	}
	move(out.flat, u.flat, u.shape.Dimensions, ov, view{0, rowMajorStrides(u.shape.Dimensions)})
	return out, nil
}

// reduceStrides returns, for each input axis, the stride of the output (0 for reduced axes).
func reduceStrides(in shapes.Shape, axes []int) []int {
	red := make([]bool, in.Rank())
	for _, a := range axes {
		red[a] = true
	}
	var outDims []int
	for a, d := range in.Dimensions {
		if !red[a] {
			outDims = append(outDims, d)
		}
	}
	outSt := rowMajorStrides(outDims)
	st := make([]int, in.Rank())
	k := 0
	for a := range in.Dimensions {
		if !red[a] {
			st[a] = outSt[k]
			k++
		}
	}
	return st
}

func reduceT[T numberT](op backends.OpType, o, x []T, dims, ost []int) bool {
	var init T
	var f func(a, b T) T
	switch op {
	case backends.OpTypeReduceSum:
		f = func(a, b T) T { return a + b }
	case backends.OpTypeReduceProduct:
		init = 1
		f = func(a, b T) T { return a * b }
	case backends.OpTypeReduceMax:
		init = lowest[T]()
		f = func(a, b T) T {
			if b > a || b != b {
				return b
			}
			return a
		}
	case backends.OpTypeReduceMin:
		init = highest[T]()
		f = func(a, b T) T {
			if b < a || b != b {
				return b
			}
			return a
		}
	default:
		return false
	}
	for i := range o {
		o[i] = init
	}
	rank := len(dims)
	if rank == 0 {
		o[0] = f(o[0], x[0])
		return true
	}
	inner := dims[rank-1]
	if inner == 0 || len(x) == 0 {
		return true
	}
	rows := len(x) / inner
	innerSt := ost[rank-1]
	run := func(lo, hi int, o []T) { // rows [lo, hi), accumulated into o
		idx := make([]int, rank)
		unravel(idx[:rank-1], lo, dims[:rank-1])
		for row := lo; row < hi; row++ {
			oo := 0
			for a := 0; a < rank-1; a++ {
				oo += idx[a] * ost[a]
			}
			xs := x[row*inner : (row+1)*inner]
			if innerSt == 0 {
				acc := o[oo]
				switch op {
				case backends.OpTypeReduceSum:
					for _, v := range xs {
						acc += v
					}
				case backends.OpTypeReduceMax:
					for _, v := range xs {
						acc = max(acc, v)
					}
				case backends.OpTypeReduceMin:
					for _, v := range xs {
						acc = min(acc, v)
					}
				default:
					for _, v := range xs {
						acc = f(acc, v)
					}
				}
				o[oo] = acc
			} else {
				os := o[oo : oo+inner]
				switch op {
				case backends.OpTypeReduceSum:
					for k, v := range xs {
						os[k] += v
					}
				case backends.OpTypeReduceMax:
					if isFloat[T]() {
						maxIntoFloat(os, xs)
						break
					}
					for k, v := range xs {
						os[k] = max(os[k], v)
					}
				case backends.OpTypeReduceMin:
					for k, v := range xs {
						os[k] = min(os[k], v)
					}
				default:
					for k, v := range xs {
						os[k] = f(os[k], v)
					}
				}
			}
			for a := rank - 2; a >= 0; a-- {
				idx[a]++
				if idx[a] < dims[a] {
					break
				}
				idx[a] = 0
			}
		}
	}
	switch {
	case rank >= 2 && ost[0] != 0 && dims[0] > 1:
		// Rows with different indices on a kept leading axis write disjoint outputs: split over axis 0.
		perLead := rows / dims[0]
		parallelFor(dims[0], max(1, elemGrain/max(1, perLead*inner)), func(lo, hi int) { run(lo*perLead, hi*perLead, o) })
	case len(o) <= 1<<16 && len(x) >= 4*elemGrain && op != backends.OpTypeReduceProduct:
		// Small output: each goroutine reduces a range of rows into its own copy; the copies are
		// merged in range order, so the result does not depend on scheduling.
		parts := make([][]T, runtime.GOMAXPROCS(0))
		used := parallelParts(rows, max(1, 2*elemGrain/inner), func(w, lo, hi int) {
			part := make([]T, len(o))
			for i := range part {
				part[i] = init
			}
			run(lo, hi, part)
			parts[w] = part
		})
		for w := 0; w < used; w++ {
			for i, v := range parts[w] {
				o[i] = f(o[i], v)
			}
		}
	default:
		run(0, rows, o)
	}
	return true
}

func lowest[T numberT]() T {
	var z T
	var v any
	switch any(z).(type) {
	case float32:
		v = float32(math.Inf(-1))
	case float64:
		v = math.Inf(-1)
	case int8:
		v = int8(math.MinInt8)
	case int16:
		v = int16(math.MinInt16)
	case int32:
		v = int32(math.MinInt32)
	case int64:
		v = int64(math.MinInt64)
	default: // unsigned
		return 0
	}
	return v.(T)
}

func highest[T numberT]() T {
	var z T
	var v any
	switch any(z).(type) {
	case float32:
		v = float32(math.Inf(1))
	case float64:
		v = math.Inf(1)
	case int8:
		v = int8(math.MaxInt8)
	case int16:
		v = int16(math.MaxInt16)
	case int32:
		v = int32(math.MaxInt32)
	case int64:
		v = int64(math.MaxInt64)
	case uint8:
		v = uint8(math.MaxUint8)
	case uint16:
		v = uint16(math.MaxUint16)
	case uint32:
		v = uint32(math.MaxUint32)
	case uint64:
		v = uint64(math.MaxUint64)
	}
	return v.(T)
}

func reduceBool(op backends.OpType, o, x []bool, dims, ost []int) bool {
	isAnd := op == backends.OpTypeReduceLogicalAnd
	if !isAnd && op != backends.OpTypeReduceLogicalOr {
		return false
	}
	for i := range o {
		o[i] = isAnd
	}
	rank := len(dims)
	idx := make([]int, rank)
	for i, v := range x {
		oo := 0
		for a := 0; a < rank; a++ {
			oo += idx[a] * ost[a]
		}
		if isAnd {
			o[oo] = o[oo] && v
		} else {
			o[oo] = o[oo] || v
		}
		_ = i
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < dims[a] {
				break
			}
			idx[a] = 0
		}
	}
	return true
}

func execReduce(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	in := ins[0]
	ost := reduceStrides(in.shape, n.params.([]int))
	dims := in.shape.Dimensions
	out := b.newBuf(n.shape)
	if n.op == backends.OpTypeReduceSum && in.shape.Size() > 0 && isLeadingAxes(n.params.([]int)) {
		switch x := in.flat.(type) {
		case []float32:
			sumLeading(out.flat.([]float32), x)
			return out, nil
		case []float64:
			sumLeading(out.flat.([]float64), x)
			return out, nil
		}
	}
	ok := false
	switch x := in.flat.(type) {
	case []float32:
		ok = reduceT(n.op, out.flat.([]float32), x, dims, ost)
	case []float64:
		ok = reduceT(n.op, out.flat.([]float64), x, dims, ost)
	case []int32:
		ok = reduceT(n.op, out.flat.([]int32), x, dims, ost)
	case []int64:
		ok = reduceT(n.op, out.flat.([]int64), x, dims, ost)
	case []uint8:
		ok = reduceT(n.op, out.flat.([]uint8), x, dims, ost)
	case []uint32:
		ok = reduceT(n.op, out.flat.([]uint32), x, dims, ost)
	case []uint64:
		ok = reduceT(n.op, out.flat.([]uint64), x, dims, ost)
	case []int8:
		ok = reduceT(n.op, out.flat.([]int8), x, dims, ost)
	case []int16:
		ok = reduceT(n.op, out.flat.([]int16), x, dims, ost)
	case []uint16:
		ok = reduceT(n.op, out.flat.([]uint16), x, dims, ost)
	case []bool:
		ok = reduceBool(n.op, out.flat.([]bool), x, dims, ost)
	}
	if !ok {
		b.release(out)
		return nil, unsupported(n, in.shape.DType)
	}
	return out, nil
}

func argMinMaxT[T numberT](x []T, pre, d, post int, isMin bool, set func(i, v int)) {
	for p := 0; p < pre; p++ {
		for q := 0; q < post; q++ {
			base := p*d*post + q
			best := x[base]
			bi := 0
			for k := 1; k < d; k++ {
				v := x[base+k*post]
				if best != best { // NaN already selected
					break
				}
				if v != v || (isMin && v < best) || (!isMin && v > best) {
					best, bi = v, k
				}
			}
			set(p*post+q, bi)
		}
	}
}

func execArgMinMax(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(argMinMaxParams)
	in := ins[0]
	dims := in.shape.Dimensions
	pre, post := 1, 1
	for a := 0; a < p.axis; a++ {
		pre *= dims[a]
	}
	for a := p.axis + 1; a < len(dims); a++ {
		post *= dims[a]
	}
	d := dims[p.axis]
	out := b.newBuf(n.shape)
	var set func(i, v int)
	switch o := out.flat.(type) {
	case []int32:
		set = func(i, v int) { o[i] = int32(v) }
	case []int64:
		set = func(i, v int) { o[i] = int64(v) }
	case []uint8:
		set = func(i, v int) { o[i] = uint8(v) }
	case []uint32:
		set = func(i, v int) { o[i] = uint32(v) }
	case []uint64:
		set = func(i, v int) { o[i] = uint64(v) }
	case []int16:
		set = func(i, v int) { o[i] = int16(v) }
	case []int8:
		set = func(i, v int) { o[i] = int8(v) }
	case []uint16:
		set = func(i, v int) { o[i] = uint16(v) }
	default:
		return nil, unsupported(n, n.shape.DType)
	}
	switch x := in.flat.(type) {
	case []float32:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	case []float64:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	case []int32:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	case []int64:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	case []uint8:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	case []uint32:
		argMinMaxT(x, pre, d, post, p.isMin, set)
	default:
		return nil, unsupported(n, in.shape.DType)
	}
	return out, nil
}

// unravel writes into idx the row-major multi-index of flat position r in a tensor of dimensions
// dims (len(idx) = len(dims)).
func unravel(idx []int, r int, dims []int) {
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = r % dims[a]
		r /= dims[a]
	}
}
