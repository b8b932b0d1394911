package data

import (
	"bytes"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the parsers: they must return an error or a result
// consistent with the input, and never panic. Seeds live in testdata/fuzz/<FuzzName>/.

func FuzzIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 3, 3}, randomBytes(18, 1)))
	f.Add(gz(idxBytes([]int{1, 2, 2}, []byte{1, 2, 3, 4})))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, wantDims := range []int{1, 3} {
			dims, body, err := readIDX(bytes.NewReader(b), "fuzz", wantDims, 1<<10)
			if err != nil {
				continue
			}
			n := 1
			for _, d := range dims {
				n *= d
			}
			if len(dims) != wantDims || len(body) != n || 4+4*wantDims+n != len(b) {
				t.Fatalf("dims %v, body %d bytes, input %d bytes", dims, len(body), len(b))
			}
		}
		// The same bytes as an image file with a one-byte-per-image label file.
		if dims, body, err := readIDX(bytes.NewReader(b), "fuzz", 3, 1<<10); err == nil {
			d, err := idxDataset(dims, body, make([]byte, dims[0]), "img", "lab", MNISTClasses)
			if err == nil && d.N*d.ImageSize() != len(d.Images) {
				t.Fatalf("N %d shape %s, %d bytes", d.N, d.Shape(), len(d.Images))
			}
		}
	})
}

func FuzzCIFAR(f *testing.F) {
	rec10, _ := cifarRecords([][]byte{{3}, {9}}, 1)
	rec100, _ := cifarRecords([][]byte{{19, 99}}, 2)
	f.Add(rec10, uint8(0))
	f.Add(rec100, uint8(1))
	f.Add(rec100, uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, variant uint8) {
		format := []CIFARFormat{CIFAR10Format, CIFAR100Format, CIFAR100_20Format}[int(variant)%3]
		n := (len(b) + format.RecordSize() - 1) / format.RecordSize()
		pix, labels := make([]uint8, n*cifarImage), make([]int, n)
		err := decodeCIFAR(bytes.NewReader(b), "fuzz", format, n, pix, labels)
		if err != nil {
			return
		}
		if len(b) != n*format.RecordSize() {
			t.Fatalf("%d bytes accepted as %d records", len(b), n)
		}
		for i, l := range labels {
			if l < 0 || l >= format.Classes || l != int(b[i*format.RecordSize()+format.LabelIndex]) {
				t.Fatalf("record %d: label %d", i, l)
			}
		}
	})
}

func FuzzSTL10(f *testing.F) {
	f.Add([]byte{1, 1, 2}, randomBytes(stlImage, 1))
	f.Add([]byte{}, randomBytes(100, 2))
	f.Fuzz(func(t *testing.T, y, x []byte) {
		n := (len(x) + stlImage - 1) / stlImage
		labels, err := decodeSTLLabels(y, "y", n, "x")
		if err == nil {
			for i, l := range labels {
				if l != int(y[i])-1 || l < 0 || l > 9 {
					t.Fatalf("label %d: %d from byte %d", i, l, y[i])
				}
			}
		}
		pix := make([]uint8, n*stlImage)
		if err := decodeSTLImages(bytes.NewReader(x), "x", n, pix); err == nil && len(x) != n*stlImage {
			t.Fatalf("%d bytes accepted as %d images", len(x), n)
		}
	})
}
