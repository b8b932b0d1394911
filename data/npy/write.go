package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"
)

// Encode writes a as .npy bytes to w. a must hold float32, float64 or int64 data (Ints with
// DType Int64) whose length matches the shape.
func Encode(w io.Writer, a *Array) error {
	n, err := checkShape(a.Shape)
	if err != nil {
		return err
	}
	var got int
	switch a.DType {
	case Float32:
		got = len(a.F32)
	case Float64:
		got = len(a.F64)
	case Int64:
		got = len(a.Ints)
	default:
		return fmt.Errorf("npy: cannot write dtype %v (want float32, float64 or int64)", a.DType)
	}
	if got != n {
		return fmt.Errorf("npy: shape %s needs %d elements, have %d", shapeString(a.Shape), n, got)
	}
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = fmt.Sprint(d)
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a.DType.descr(), shape)
	// Pad with spaces and a final newline so that the data start on a 64-byte boundary.
	pre := 10
	if len(dict)+1+pre > math.MaxUint16 {
		pre = 12
	}
	total := (pre + len(dict) + 1 + 63) / 64 * 64
	header := dict + strings.Repeat(" ", total-pre-len(dict)-1) + "\n"
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.Write(magic)
	if pre == 10 {
		bw.Write([]byte{1, 0})
		binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	} else {
		bw.Write([]byte{2, 0})
		binary.Write(bw, binary.LittleEndian, uint32(len(header)))
	}
	bw.WriteString(header)
	var buf [8]byte
	switch a.DType {
	case Float32:
		for _, v := range a.F32 {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			bw.Write(buf[:4])
		}
	case Float64:
		for _, v := range a.F64 {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			bw.Write(buf[:])
		}
	case Int64:
		for _, v := range a.Ints {
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			bw.Write(buf[:])
		}
	}
	return bw.Flush()
}

func checkShape(shape []int) (int, error) {
	if len(shape) != 1 && len(shape) != 2 {
		return 0, fmt.Errorf("npy: shape %s has rank %d, want 1 or 2", shapeString(shape), len(shape))
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("npy: negative dimension in shape %s", shapeString(shape))
		}
		n *= d
	}
	return n, nil
}

// WriteFile writes a to path atomically (see Encode for what a may hold).
func WriteFile(path string, a *Array) error {
	if _, err := checkShape(a.Shape); err != nil {
		return fmt.Errorf("file %s: %w", path, err)
	}
	return fsutil.WriteAtomic(path, func(w io.Writer) error { return Encode(w, a) })
}

// WriteFloat64 writes a float64 array of the given shape (one or two dimensions) to path.
func WriteFloat64(path string, shape []int, data []float64) error {
	return WriteFile(path, &Array{Shape: shape, DType: Float64, F64: data})
}

// WriteFloat32 writes a float32 array of the given shape to path.
func WriteFloat32(path string, shape []int, data []float32) error {
	return WriteFile(path, &Array{Shape: shape, DType: Float32, F32: data})
}

// WriteInt64 writes an int64 array of the given shape to path.
func WriteInt64(path string, shape []int, data []int64) error {
	return WriteFile(path, &Array{Shape: shape, DType: Int64, Ints: data})
}
