package data

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSTL10(t *testing.T) {
	const n = 3
	dir := t.TempDir()
	x := randomBytes(n*stlImage, 11)
	y := []byte{1, 10, 4}
	xp, yp := filepath.Join(dir, "train_X.bin"), filepath.Join(dir, "train_y.bin")
	writeFile(t, xp, x)
	writeFile(t, yp, y)
	d, err := ReadSTL10Files(xp, yp, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != n || d.Shape() != "96x96x3" {
		t.Fatalf("N %d shape %s", d.N, d.Shape())
	}
	for i := 0; i < n; i++ {
		if d.Labels[i] != int(y[i])-1 {
			t.Errorf("label %d: %d want %d", i, d.Labels[i], y[i]-1)
		}
		checkPlanar(t, d.Image(i), x[i*stlImage:(i+1)*stlImage], 96, 96, true)
	}
	u, err := ReadSTL10Files(xp, "", true)
	if err != nil || u.N != n || u.Images != nil || u.Labels[2] != -1 || u.Labeled() {
		t.Fatalf("unlabeled: %v %+v", err, u)
	}
}

func TestReadSTL10Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []byte
		want string
	}{
		{"partial image", make([]byte, stlImage+5), []byte{1}, "not a whole number of 27648-byte 96x96x3 images"},
		{"label count", make([]byte, 2*stlImage), []byte{1}, "has 1 labels, expected 2"},
		{"label zero", make([]byte, stlImage), []byte{0}, "label byte 0 of image 0, expected 1..10"},
		{"label eleven", make([]byte, stlImage), []byte{11}, "label byte 11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			xp, yp := filepath.Join(dir, "a_X.bin"), filepath.Join(dir, "a_y.bin")
			writeFile(t, xp, tc.x)
			writeFile(t, yp, tc.y)
			_, err := ReadSTL10Files(xp, yp, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadSTL10SplitCheck(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "stl10", "stl10_binary")
	writeFile(t, filepath.Join(base, "test_X.bin"), make([]byte, 2*stlImage))
	writeFile(t, filepath.Join(base, "test_y.bin"), []byte{1, 2})
	_, err := Load("stl10", Test, dir)
	if err == nil || !strings.Contains(err.Error(), "2 images, expected 8000") {
		t.Fatalf("error %v", err)
	}
	if _, err := Load("stl10", "train+unlabeled", dir); err == nil || !strings.Contains(err.Error(), "cct data get stl10") {
		t.Fatalf("error %v", err)
	}
}
