package npy

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeCSV(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		rows, cols int
		want       []float64
	}{
		{"plain", "1,2,3\n4,5,6\n", 2, 3, []float64{1, 2, 3, 4, 5, 6}},
		{"header and spaces", "a, b\n 0.5, 0.5\n\n1e-3,  -2\n", 2, 2, []float64{0.5, 0.5, 1e-3, -2}},
		{"crlf no final newline", "1,2\r\n3,4", 2, 2, []float64{1, 2, 3, 4}},
		{"one column", "label\n3\n1\n", 2, 1, []float64{3, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DecodeCSV([]byte(tc.in), "m.csv")
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != tc.rows || m.Cols != tc.cols {
				t.Fatalf("%d×%d, want %d×%d", m.Rows, m.Cols, tc.rows, tc.cols)
			}
			for i := range tc.want {
				if m.Data[i] != tc.want[i] {
					t.Fatalf("data %v, want %v", m.Data, tc.want)
				}
			}
		})
	}
}

func TestDecodeCSVErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad cell", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n2,2,2\n3,3,x7\n", `file m.csv line 7 column 5: "x7" is not a number`},
		{"ragged", "1,2\n3\n", "file m.csv line 2: 1 cells, previous rows have 2"},
		{"second header", "a,b\nc,d\n", `file m.csv line 2 column 1: "c" is not a number`},
		{"empty", "", "file m.csv: no numeric rows"},
		{"only header", "a,b\n", "no numeric rows"},
		{"quote", "1,\"2\n", "file m.csv line"},
		{"range", "1,1e999\n", "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCSV([]byte(tc.in), "m.csv")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMatrixRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := Matrix{Rows: 2, Cols: 3, Rank: 2, Data: []float64{0.1, 0.2, 0.7, 1.0 / 3, 1.0 / 3, 1.0 / 3}}
	for _, tc := range []struct {
		file  string
		dtype DType
		tol   float64
	}{
		{"a.npy", Float64, 0}, {"b.npy", Float32, 1e-7}, {"c.csv", Float64, 0}, {"d.csv", Float32, 1e-7},
	} {
		path := filepath.Join(dir, tc.file)
		if err := WriteMatrix(path, m, tc.dtype); err != nil {
			t.Fatal(err)
		}
		got, err := ReadMatrix(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Rows != 2 || got.Cols != 3 {
			t.Fatalf("%s: %d×%d", tc.file, got.Rows, got.Cols)
		}
		if strings.HasSuffix(tc.file, ".npy") && got.DType != tc.dtype {
			t.Fatalf("%s: dtype %v, want %v", tc.file, got.DType, tc.dtype)
		}
		for i, v := range m.Data {
			if math.Abs(got.Data[i]-v) > tc.tol {
				t.Fatalf("%s: %v, want %v", tc.file, got.Data, m.Data)
			}
		}
	}
	// Vectors: rank 1 .npy reads as N×1 and writes back as rank 1.
	v := Matrix{Rows: 3, Cols: 1, Rank: 1, Data: []float64{3, 1, 2}}
	path := filepath.Join(dir, "labels.npy")
	if err := WriteMatrix(path, v, Int64); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(path)
	if err != nil || len(a.Shape) != 1 || a.DType != Int64 || a.Ints[2] != 2 {
		t.Fatalf("vector: %+v %v", a, err)
	}
	if err := WriteMatrix(path, Matrix{Rows: 1, Cols: 1, Rank: 1, Data: []float64{0.5}}, Int64); err == nil {
		t.Fatal("no error writing 0.5 as int64")
	}
	if _, err := ReadMatrix(filepath.Join(dir, "x.txt")); err == nil || !strings.Contains(err.Error(), "unknown extension") {
		t.Fatalf("error %v", err)
	}
	if _, err := ReadMatrix(filepath.Join(dir, "nope.npy")); err == nil || !strings.Contains(err.Error(), "nope.npy") {
		t.Fatalf("error %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("1,2\n3,zz\n"), 0o644)
	if _, err := ReadMatrix(filepath.Join(dir, "bad.csv")); err == nil || !strings.Contains(err.Error(), "bad.csv line 2 column 3") {
		t.Fatalf("error %v", err)
	}
}
