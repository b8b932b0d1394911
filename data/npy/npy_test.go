package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// handMade builds an .npy file byte by byte: magic, version, header length, header, data.
func handMade(major byte, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func le32(vals ...uint32) []byte {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func le64(vals ...uint64) []byte {
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func TestDecodeHandMade(t *testing.T) {
	f32 := le32(math.Float32bits(1.5), math.Float32bits(-2), math.Float32bits(3.25), math.Float32bits(0), math.Float32bits(7), math.Float32bits(1e-3))
	tests := []struct {
		name  string
		file  []byte
		shape []int
		dtype DType
		want  []float64
	}{
		{"v1 f4 2x3", handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n", f32), []int{2, 3}, Float32,
			[]float64{1.5, -2, 3.25, 0, 7, float64(float32(1e-3))}},
		{"v2 f8 vector", handMade(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", le64(math.Float64bits(0.1), math.Float64bits(-1e300))), []int{2}, Float64,
			[]float64{0.1, -1e300}},
		{"v3 i4 key order", handMade(3, "{'shape': (1, 2), 'fortran_order': False, 'descr': '<i4'}\n", le32(uint32(0xFFFFFFFF), 7)), []int{1, 2}, Int32,
			[]float64{-1, 7}},
		{"i8", handMade(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }\n", le64(5, uint64(1<<62), ^uint64(2))), []int{3}, Int64,
			[]float64{5, 1 << 62, -3}},
		{"u1", handMade(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }\n", []byte{0, 255, 9, 1}), []int{2, 2}, Uint8,
			[]float64{0, 255, 9, 1}},
		{"empty", handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }\n", nil), []int{0, 4}, Float32, []float64{}},
		{"python2 long", handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 1L), }\n", le64(math.Float64bits(2))), []int{1, 1}, Float64, []float64{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Decode(tc.file, "x.npy")
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tc.dtype || len(a.Shape) != len(tc.shape) {
				t.Fatalf("dtype %v shape %v", a.DType, a.Shape)
			}
			for i := range tc.shape {
				if a.Shape[i] != tc.shape[i] {
					t.Fatalf("shape %v, want %v", a.Shape, tc.shape)
				}
			}
			got := a.Float64s()
			if len(got) != len(tc.want) {
				t.Fatalf("%d values, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("value %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
			if tc.dtype == Int64 && a.Ints[1] != 1<<62 {
				t.Fatalf("int64 lost precision: %d", a.Ints[1])
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	hdr := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n"
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"magic", []byte("PK\x03\x04 not numpy at all"), "file x.npy: not an .npy file (wrong magic"},
		{"short", []byte("\x93NUM"), "wrong magic"},
		{"version", handMade(1, hdr("<f4", "False", "(1,)"), le32(0))[:6:6], "wrong magic"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), 0, 0, 0, 0), "unsupported .npy format version 4.0"},
		{"truncated header", handMade(1, hdr("<f4", "False", "(1,)"), nil)[:30], "truncated header"},
		{"truncated data", handMade(1, hdr("<f4", "False", "(1000, 10)"), make([]byte, 3996)),
			"file x.npy: header says 1000×10 float32 (40000 bytes), found 3996"},
		{"trailing data", handMade(1, hdr("<f8", "False", "(1,)"), make([]byte, 9)), "header says 1 float64 (8 bytes), found 9"},
		{"dtype", handMade(1, hdr("<c16", "False", "(1,)"), make([]byte, 16)), `unsupported dtype "<c16"`},
		{"bool", handMade(1, hdr("|b1", "False", "(1,)"), make([]byte, 1)), `unsupported dtype "|b1"`},
		{"big endian", handMade(1, hdr(">f4", "False", "(1,)"), make([]byte, 4)), "big-endian"},
		{"fortran", handMade(1, hdr("<f4", "True", "(2, 2)"), make([]byte, 16)), "Fortran-order"},
		{"rank 3", handMade(1, hdr("<f4", "False", "(1, 1, 1)"), make([]byte, 4)), "rank 3, want 1 or 2"},
		{"rank 0", handMade(1, hdr("<f4", "False", "()"), make([]byte, 4)), "rank 0"},
		{"huge", handMade(1, hdr("<f8", "False", "(999999999999, 999999999999)"), nil), "too large"},
		{"missing key", handMade(1, "{'descr': '<f4', 'shape': (1,), }\n", make([]byte, 4)), `missing key "fortran_order"`},
		{"structured", handMade(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", nil), "structured"},
		{"not a dict", handMade(1, "hello\n", nil), "want a dict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.file, "x.npy")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f64 := []float64{0, -1.5, math.Pi, 1e-310, math.MaxFloat64, math.Inf(-1)}
	f32 := []float32{0, -1.5, math.Pi, 1e-40, math.MaxFloat32, float32(math.Inf(1))}
	i64 := []int64{0, -1, math.MaxInt64, math.MinInt64, 42, 7}
	for _, tc := range []struct {
		name string
		a    *Array
	}{
		{"f64 2x3", &Array{Shape: []int{2, 3}, DType: Float64, F64: f64}},
		{"f32 6", &Array{Shape: []int{6}, DType: Float32, F32: f32}},
		{"i64 3x2", &Array{Shape: []int{3, 2}, DType: Int64, Ints: i64}},
		{"empty", &Array{Shape: []int{0, 3}, DType: Float64, F64: []float64{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npy")
			if err := WriteFile(path, tc.a); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Layout: version 1.0, header ends with '\n', data start on a 64-byte boundary.
			hlen := int(binary.LittleEndian.Uint16(raw[8:10]))
			if raw[6] != 1 || raw[7] != 0 || (10+hlen)%64 != 0 || raw[10+hlen-1] != '\n' {
				t.Fatalf("bad layout: version %d.%d, header length %d", raw[6], raw[7], hlen)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != tc.a.DType || len(got.Shape) != len(tc.a.Shape) || got.Len() != tc.a.Len() {
				t.Fatalf("read back %v %v", got.DType, got.Shape)
			}
			for i := range tc.a.F64 {
				if math.Float64bits(got.F64[i]) != math.Float64bits(tc.a.F64[i]) {
					t.Fatalf("f64[%d] = %v, want %v", i, got.F64[i], tc.a.F64[i])
				}
			}
			for i := range tc.a.F32 {
				if math.Float32bits(got.F32[i]) != math.Float32bits(tc.a.F32[i]) {
					t.Fatalf("f32[%d] = %v, want %v", i, got.F32[i], tc.a.F32[i])
				}
			}
			for i := range tc.a.Ints {
				if got.Ints[i] != tc.a.Ints[i] {
					t.Fatalf("ints[%d] = %v, want %v", i, got.Ints[i], tc.a.Ints[i])
				}
			}
		})
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "y.npy")
	if err := WriteFloat64(path, []int{1, 2}, []float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	// A failing write (wrong length) must leave the old file and no temporary file.
	if err := WriteFloat64(path, []int{2, 2}, []float64{1, 2}); err == nil {
		t.Fatal("no error for a short data slice")
	}
	if err := WriteInt64(path, []int{1, 1, 1}, []int64{1}); err == nil {
		t.Fatal("no error for rank 3")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only y.npy", len(entries))
	}
	a, err := ReadFile(path)
	if err != nil || a.F64[1] != 2 {
		t.Fatalf("old file damaged: %v %v", a, err)
	}
	if err := WriteFloat32(filepath.Join(dir, "missing", "z.npy"), []int{1}, []float32{1}); err == nil ||
		!strings.Contains(err.Error(), "z.npy") {
		t.Fatalf("error %v should name the file", err)
	}
}
