package data

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/cct-dev/cct/data/npy"
)

// readFeatureMatrix reads an N×D matrix of finite numbers from a .npy file (rank 2, any element
// type package npy reads) or a .csv file, as float32.
func readFeatureMatrix(path string) (n, d int, vals []float32, err error) {
	if strings.ToLower(filepath.Ext(path)) == ".npy" {
		a, err := npy.ReadFile(path)
		if err != nil {
			return 0, 0, nil, err
		}
		if len(a.Shape) != 2 {
			return 0, 0, nil, fmt.Errorf("%s: array of shape %v, expected an N×D matrix", path, a.Shape)
		}
		n, d = a.Shape[0], a.Shape[1]
		if a.F32 != nil {
			vals = a.F32
		} else {
			f64 := a.Float64s()
			vals = make([]float32, len(f64))
			for i, v := range f64 {
				vals[i] = float32(v)
			}
		}
	} else {
		m, err := npy.ReadMatrix(path)
		if err != nil {
			return 0, 0, nil, err
		}
		n, d = m.Rows, m.Cols
		vals = make([]float32, len(m.Data))
		for i, v := range m.Data {
			vals[i] = float32(v)
		}
	}
	if n == 0 || d == 0 {
		return 0, 0, nil, fmt.Errorf("%s: empty %dx%d matrix", path, n, d)
	}
	for i, v := range vals {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, 0, nil, fmt.Errorf("%s: row %d column %d is %v, expected a finite number", path, i/d, i%d, v)
		}
	}
	return n, d, vals, nil
}

// readLabelVector reads N integer labels from a .npy file (a vector or an N×1 matrix) or a
// one-column .csv file; float elements must be whole numbers.
func readLabelVector(path string) ([]int, error) {
	var (
		vals []float64
		cols int
	)
	if strings.ToLower(filepath.Ext(path)) == ".npy" {
		a, err := npy.ReadFile(path)
		if err != nil {
			return nil, err
		}
		cols = 1
		if len(a.Shape) == 2 {
			cols = a.Shape[1]
		}
		if a.Ints != nil {
			vals = make([]float64, len(a.Ints))
			for i, v := range a.Ints {
				if v < -1 || v > math.MaxInt32 {
					return nil, fmt.Errorf("%s: label %d of row %d, expected -1 (unknown) or a class index", path, v, i)
				}
				vals[i] = float64(v)
			}
		} else {
			vals = a.Float64s()
		}
	} else {
		m, err := npy.ReadMatrix(path)
		if err != nil {
			return nil, err
		}
		vals, cols = m.Data, m.Cols
	}
	if cols != 1 {
		return nil, fmt.Errorf("%s: %d columns, expected one label per row", path, cols)
	}
	labels := make([]int, len(vals))
	for i, v := range vals {
		if v != math.Trunc(v) || v < -1 || v > math.MaxInt32 {
			return nil, fmt.Errorf("%s: label %v of row %d, expected -1 (unknown) or a class index", path, v, i)
		}
		labels[i] = int(v)
	}
	return labels, nil
}
