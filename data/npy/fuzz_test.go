package npy

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the .npy and CSV decoders: they must return an error or a
// consistent result, never panic, and a decoded .npy must survive an encode/decode round trip
// when its type can be written.
func FuzzRead(f *testing.F) {
	f.Add(handMade(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }\n", make([]byte, 8)))
	f.Add(handMade(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)))
	f.Add([]byte("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := Decode(b, "fuzz.npy"); err == nil {
			if a.Len() != len(a.F32)+len(a.F64)+len(a.Ints) {
				t.Fatalf("shape %v but %d values", a.Shape, len(a.F32)+len(a.F64)+len(a.Ints))
			}
			if a.DType == Float32 || a.DType == Float64 || a.DType == Int64 {
				var buf bytes.Buffer
				if err := Encode(&buf, a); err != nil {
					t.Fatal(err)
				}
				if _, err := Decode(buf.Bytes(), "again.npy"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if m, err := DecodeCSV(b, "fuzz.csv"); err == nil && len(m.Data) != m.Rows*m.Cols {
			t.Fatalf("%d×%d with %d values", m.Rows, m.Cols, len(m.Data))
		}
	})
}
