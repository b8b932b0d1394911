package torchckpt

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/x448/float16"
)

// DType is a tensor's element type, named as in PyTorch.
type DType string

// The element types a checkpoint's storages can hold.
const (
	Float32  DType = "float32"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Float64  DType = "float64"
	Int64    DType = "int64"
	Int32    DType = "int32"
	Int16    DType = "int16"
	Int8     DType = "int8"
	Uint8    DType = "uint8"
	Bool     DType = "bool"
)

// Size returns the bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float64, Int64:
		return 8
	case Float32, Int32:
		return 4
	case Float16, BFloat16, Int16:
		return 2
	}
	return 1
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	return d == Float32 || d == Float16 || d == BFloat16 || d == Float64
}

// storage is one torch storage: numel elements of dtype, little-endian, in data once read.
type storage struct {
	dtype DType
	key   string
	numel int
	data  []byte
}

// Tensor is a strided view of a storage, as torch rebuilds it: element (i_0, …, i_{r−1}) sits at
// storage index Offset + Σ_k i_k·Stride[k].
type Tensor struct {
	DType  DType
	Shape  []int
	Stride []int
	Offset int
	st     *storage
}

// Len returns the number of elements, Π Shape.
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Float32 returns the elements in row-major (C) order of Shape, converted to float32 (integers and
// booleans too).
func (t *Tensor) Float32() ([]float32, error) {
	if t.st == nil || len(t.st.data) < t.st.numel*t.DType.Size() {
		return nil, fmt.Errorf("tensor data missing from the checkpoint")
	}
	n := t.Len()
	out := make([]float32, n)
	if n == 0 {
		return out, nil
	}
	es := t.DType.Size()
	rank := len(t.Shape)
	idx := make([]int, rank)
	pos := t.Offset
	for i := range n {
		b := t.st.data[pos*es : pos*es+es]
		if t.DType.IsFloat() {
			out[i] = float32(decodeFloat(t.DType, b))
		} else {
			out[i] = float32(decodeInt(t.DType, b))
		}
		// Advance the multi-index, last axis fastest.
		for k := rank - 1; k >= 0; k-- {
			idx[k]++
			pos += t.Stride[k]
			if idx[k] < t.Shape[k] {
				break
			}
			pos -= idx[k] * t.Stride[k]
			idx[k] = 0
		}
	}
	return out, nil
}

func decodeFloat(d DType, b []byte) float64 {
	switch d {
	case Float32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case Float64:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case Float16:
		return float64(float16.Frombits(binary.LittleEndian.Uint16(b)).Float32())
	case BFloat16:
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16))
	}
	return math.NaN()
}

func decodeInt(d DType, b []byte) int64 {
	switch d {
	case Int64:
		return int64(binary.LittleEndian.Uint64(b))
	case Int32:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	case Int16:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case Int8:
		return int64(int8(b[0]))
	case Uint8:
		return int64(b[0])
	case Bool:
		if b[0] != 0 {
			return 1
		}
		return 0
	}
	return 0
}
