package data

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// cifarRecords builds n CIFAR records with random planar pixels; labelBytes holds each record's
// label bytes.
func cifarRecords(labelBytes [][]byte, seed uint64) (file []byte, planes [][]byte) {
	var b bytes.Buffer
	for i, lb := range labelBytes {
		p := randomBytes(cifarImage, seed+uint64(i))
		b.Write(lb)
		b.Write(p)
		planes = append(planes, p)
	}
	return b.Bytes(), planes
}

// checkPlanar checks that img (HWC) holds the planar image p, whose pixel (y, x) of channel c is at
// c·h·w + y·w + x (row-major planes) or c·h·w + x·h + y (column-major planes).
func checkPlanar(t *testing.T, img, p []byte, h, w int, colMajor bool) {
	t.Helper()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				src := c*h*w + y*w + x
				if colMajor {
					src = c*h*w + x*h + y
				}
				if img[(y*w+x)*3+c] != p[src] {
					t.Fatalf("pixel y=%d x=%d c=%d: %d, want %d", y, x, c, img[(y*w+x)*3+c], p[src])
				}
			}
		}
	}
}

func TestCIFARFormats(t *testing.T) {
	const n = 4
	for _, tc := range []struct {
		name   string
		format CIFARFormat
		labels [][]byte
		want   []int
	}{
		{"cifar10", CIFAR10Format, [][]byte{{3}, {0}, {9}, {5}}, []int{3, 0, 9, 5}},
		{"cifar100 fine", CIFAR100Format, [][]byte{{4, 0}, {1, 1}, {19, 99}, {13, 98}}, []int{0, 1, 99, 98}},
		{"cifar100 coarse", CIFAR100_20Format, [][]byte{{4, 0}, {1, 1}, {19, 99}, {13, 98}}, []int{4, 1, 19, 13}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, planes := cifarRecords(tc.labels, 7)
			path := filepath.Join(t.TempDir(), "batch.bin")
			writeFile(t, path, file)
			pix, labels := make([]uint8, n*cifarImage), make([]int, n)
			if err := ReadCIFARFile(path, tc.format, n, pix, labels); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if labels[i] != tc.want[i] {
					t.Errorf("record %d: label %d, want %d", i, labels[i], tc.want[i])
				}
				checkPlanar(t, pix[i*cifarImage:(i+1)*cifarImage], planes[i], 32, 32, false)
			}
		})
	}
}

func TestCIFARErrors(t *testing.T) {
	good, _ := cifarRecords([][]byte{{1}, {2}}, 1)
	for _, tc := range []struct {
		name   string
		file   []byte
		format CIFARFormat
		n      int
		want   string
	}{
		{"short file", good[:len(good)-1], CIFAR10Format, 2, "6145 bytes, expected 2 records of 3073 bytes"},
		{"wrong record count", good, CIFAR10Format, 3, "expected 3 records"},
		{"cifar10 file read as cifar100", good, CIFAR100Format, 2, "expected 2 records of 3074 bytes"},
		{"label out of range", append([]byte{10}, good[1:]...), CIFAR10Format, 2, "record 0 has label 10, expected 0..9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.bin")
			writeFile(t, path, tc.file)
			err := ReadCIFARFile(path, tc.format, tc.n, make([]uint8, tc.n*cifarImage), make([]int, tc.n))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want %q naming %s", err, tc.want, path)
			}
		})
	}
}

// writeCIFAR100 writes train.bin (nTrain records) and test.bin into a data folder and returns the
// folder and the fine labels of train then test.
func writeCIFAR100(t *testing.T, nTrain, nTest int) (string, []int) {
	dir := t.TempDir()
	var fine []int
	for _, s := range []struct {
		file string
		n    int
	}{{"train.bin", nTrain}, {"test.bin", nTest}} {
		var lbs [][]byte
		for _, f := range randomLabels(s.n, 100, 0, uint64(s.n)) {
			lbs = append(lbs, []byte{byte(CIFAR100CoarseOfFine[f]), f})
			fine = append(fine, int(f))
		}
		b, _ := cifarRecords(lbs, 9)
		writeFile(t, filepath.Join(dir, "cifar100", "cifar-100-binary", s.file), b)
	}
	return dir, fine
}

func TestLoadCIFAR100SplitSizes(t *testing.T) {
	// The loader insists on the official split sizes, so a small file is an error naming the file.
	dir, _ := writeCIFAR100(t, 3, 2)
	_, err := Load("cifar100-20", Train, dir)
	if err == nil || !strings.Contains(err.Error(), "train.bin") || !strings.Contains(err.Error(), "expected 50000 records") {
		t.Fatalf("error %v", err)
	}
}

func TestLoadCIFAR100Full(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 184 MB")
	}
	dir, fine := writeCIFAR100(t, 50000, 10000)
	d20, err := Load("cifar100-20", All, dir)
	if err != nil {
		t.Fatal(err)
	}
	d100, err := LoadLabels("cifar100", All, dir)
	if err != nil {
		t.Fatal(err)
	}
	if d20.N != 60000 || d100.N != 60000 || d20.NumClasses() != 20 || d100.NumClasses() != 100 || d100.Images != nil {
		t.Fatalf("N %d/%d K %d/%d", d20.N, d100.N, d20.NumClasses(), d100.NumClasses())
	}
	for i := range fine {
		if d100.Labels[i] != fine[i] || d20.Labels[i] != CIFAR100CoarseOfFine[fine[i]] {
			t.Fatalf("example %d: labels %d/%d, fine %d", i, d100.Labels[i], d20.Labels[i], fine[i])
		}
	}
	if len(d20.Files) != 2 || filepath.Base(d20.Files[1]) != "test.bin" {
		t.Errorf("files %v", d20.Files)
	}
}

func TestCIFAR100CoarseMap(t *testing.T) {
	// Every superclass holds exactly five fine classes, and the class names agree on examples.
	per := make([]int, 20)
	for _, c := range CIFAR100CoarseOfFine {
		per[c]++
	}
	for c, n := range per {
		if n != 5 {
			t.Errorf("superclass %d (%s) has %d fine classes, want 5", c, CIFAR100CoarseClasses[c], n)
		}
	}
	if len(CIFAR100Classes) != 100 || len(CIFAR100CoarseClasses) != 20 {
		t.Fatalf("%d fine, %d coarse names", len(CIFAR100Classes), len(CIFAR100CoarseClasses))
	}
	for _, pair := range [][2]string{{"apple", "fruit_and_vegetables"}, {"aquarium_fish", "fish"},
		{"whale", "aquatic_mammals"}, {"worm", "non-insect_invertebrates"}, {"bus", "vehicles_1"},
		{"tractor", "vehicles_2"}, {"maple_tree", "trees"}, {"woman", "people"}} {
		fine := index(CIFAR100Classes, pair[0])
		if got := CIFAR100CoarseClasses[CIFAR100CoarseOfFine[fine]]; got != pair[1] {
			t.Errorf("%s -> %s, want %s", pair[0], got, pair[1])
		}
	}
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestLoadCIFAR10Missing(t *testing.T) {
	dir := t.TempDir()
	b, _ := cifarRecords([][]byte{{1}}, 1)
	writeFile(t, filepath.Join(dir, "cifar10", "cifar-10-batches-bin", "test_batch.bin"), b)
	_, err := Load("cifar10", Train, dir)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.HasSuffix(nf.Missing, "data_batch_1.bin") {
		t.Fatalf("error %v", err)
	}
	_, err = Load("cifar10", Test, dir)
	if err == nil || !strings.Contains(err.Error(), "test_batch.bin: 3073 bytes, expected 10000 records") {
		t.Fatalf("error %v", err)
	}
}
