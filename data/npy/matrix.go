package npy

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"
)

// Matrix is a dense row-major matrix read from an .npy or CSV file.
type Matrix struct {
	Rows, Cols int
	Data       []float64 // Rows×Cols, row-major
	DType      DType     // element type in the file; Float64 for CSV
	Rank       int       // 1 for a vector (read as Rows×1), 2 for a matrix
}

// ReadMatrix reads a matrix from path, choosing the format by extension: .npy (rank 1 is read
// as N×1) or .csv (see DecodeCSV). Other extensions are an error.
func ReadMatrix(path string) (Matrix, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		a, err := ReadFile(path)
		if err != nil {
			return Matrix{}, err
		}
		m := Matrix{Rows: a.Shape[0], Cols: 1, DType: a.DType, Rank: len(a.Shape), Data: a.Float64s()}
		if len(a.Shape) == 2 {
			m.Cols = a.Shape[1]
		}
		return m, nil
	case ".csv":
		b, err := os.ReadFile(path)
		if err != nil {
			return Matrix{}, fmt.Errorf("file %s: %w", path, unwrapPathError(err))
		}
		return DecodeCSV(b, path)
	}
	return Matrix{}, fmt.Errorf("file %s: unknown extension %q, want .npy or .csv", path, filepath.Ext(path))
}

// DecodeCSV parses comma-separated numbers, one matrix row per line. A first line whose cells
// are not all numbers is taken as a header and skipped; blank lines are skipped; every row must
// have the same number of cells. Cells are parsed with strconv.ParseFloat (so "NaN" and "Inf"
// are numbers; callers that forbid them must check). name labels error messages.
func DecodeCSV(b []byte, name string) (Matrix, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	m := Matrix{DType: Float64, Rank: 2}
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Matrix{}, fmt.Errorf("file %s line %d column %d: %v", name, pe.Line, pe.Column, pe.Err)
			}
			return Matrix{}, fmt.Errorf("file %s: %v", name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		vals := make([]float64, len(rec))
		bad := -1
		var badErr error
		for j, cell := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
			if err != nil {
				bad, badErr = j, err
				break
			}
			vals[j] = v
		}
		if bad >= 0 {
			if first && !errors.Is(badErr, strconv.ErrRange) {
				first = false
				continue // header line
			}
			_, col := r.FieldPos(bad)
			msg := "not a number"
			if errors.Is(badErr, strconv.ErrRange) {
				msg = "out of range"
			}
			return Matrix{}, fmt.Errorf("file %s line %d column %d: %q is %s", name, line, col, rec[bad], msg)
		}
		first = false
		if m.Rows == 0 {
			m.Cols = len(vals)
		} else if len(vals) != m.Cols {
			return Matrix{}, fmt.Errorf("file %s line %d: %d cells, previous rows have %d", name, line, len(vals), m.Cols)
		}
		m.Data = append(m.Data, vals...)
		m.Rows++
	}
	if m.Rows == 0 {
		return Matrix{}, fmt.Errorf("file %s: no numeric rows", name)
	}
	return m, nil
}

// WriteMatrix writes m to path atomically, choosing the format by extension: .npy with element
// type dtype (Float32, Float64 or Int64; Int64 needs integer values), or .csv (dtype Float32
// prints the shortest float32 representation, anything else the shortest float64 one).
// Rank 1 matrices (Cols = 1) are written as vectors to .npy.
func WriteMatrix(path string, m Matrix, dtype DType) error {
	if m.Rows < 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("file %s: matrix %d×%d has %d values", path, m.Rows, m.Cols, len(m.Data))
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		shape := []int{m.Rows, m.Cols}
		if m.Rank == 1 && m.Cols == 1 {
			shape = []int{m.Rows}
		}
		a := &Array{Shape: shape, DType: dtype}
		switch dtype {
		case Float64:
			a.F64 = m.Data
		case Float32:
			a.F32 = make([]float32, len(m.Data))
			for i, v := range m.Data {
				a.F32[i] = float32(v)
			}
		case Int64:
			a.Ints = make([]int64, len(m.Data))
			for i, v := range m.Data {
				if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
					return fmt.Errorf("file %s: value %v at row %d is not an integer", path, v, i/max(m.Cols, 1))
				}
				a.Ints[i] = int64(v)
			}
		default:
			return fmt.Errorf("file %s: cannot write dtype %v", path, dtype)
		}
		return WriteFile(path, a)
	case ".csv":
		bits := 64
		if dtype == Float32 {
			bits = 32
		}
		return fsutil.WriteAtomic(path, func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 1<<16)
			buf := make([]byte, 0, 32)
			for i := 0; i < m.Rows; i++ {
				for j, v := range m.Data[i*m.Cols : (i+1)*m.Cols] {
					if j > 0 {
						bw.WriteByte(',')
					}
					buf = strconv.AppendFloat(buf[:0], v, 'g', -1, bits)
					bw.Write(buf)
				}
				bw.WriteByte('\n')
			}
			return bw.Flush()
		})
	}
	return fmt.Errorf("file %s: unknown extension %q, want .npy or .csv", path, filepath.Ext(path))
}
