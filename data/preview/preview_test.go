package preview

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
)

func TestSample(t *testing.T) {
	s := Sample(10, 4, 1)
	seen := map[int]bool{}
	for _, i := range s {
		if i < 0 || i >= 10 || seen[i] {
			t.Fatalf("sample %v", s)
		}
		seen[i] = true
	}
	if len(s) != 4 || len(Sample(3, 10, 1)) != 3 {
		t.Fatalf("lengths")
	}
	if a, b := Sample(100, 5, 7), Sample(100, 5, 7); a[0] != b[0] || a[4] != b[4] {
		t.Fatal("same seed, different sample")
	}
}

func TestGrid(t *testing.T) {
	// Three 2×3 grey images with value 10·i + x.
	d := &data.Dataset{Name: "t", N: 3, H: 2, W: 3, C: 1, Images: make([]uint8, 18), Labels: []int{-1, -1, -1}}
	for i := 0; i < 3; i++ {
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				d.Images[(i*2+y)*3+x] = uint8(10*i + x)
			}
		}
	}
	img, err := Grid(d, []int{2, 0, 1}, Options{Cols: 2, Scale: 2, Pad: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 2 columns × 2 rows of 6×4 cells with 1-pixel padding: 15 × 11.
	if b := img.Bounds(); b.Dx() != 15 || b.Dy() != 11 {
		t.Fatalf("size %v", b)
	}
	for _, tc := range []struct{ cell, x, y, want int }{
		{0, 0, 0, 20}, {0, 5, 3, 22}, {1, 2, 1, 1}, {2, 4, 2, 12},
	} {
		px := 1 + (tc.cell%2)*7 + tc.x
		py := 1 + (tc.cell/2)*5 + tc.y
		c := img.RGBAAt(px, py)
		if int(c.R) != tc.want || c.G != c.R || c.B != c.R {
			t.Errorf("cell %d (%d,%d): %v, want grey %d", tc.cell, tc.x, tc.y, c, tc.want)
		}
	}
	if c := img.RGBAAt(0, 0); c.R != 40 {
		t.Errorf("padding %v", c)
	}
	if _, err := Grid(d, []int{3}, Options{}); err == nil {
		t.Error("index 3: no error")
	}
	if _, err := Grid(&data.Dataset{Name: "f", N: 1, D: 2, Features: []float32{1, 2}}, []int{0}, Options{}); err == nil {
		t.Error("features: no error")
	}
}

func TestGridAugmentAndWrite(t *testing.T) {
	d := &data.Dataset{Name: "t", N: 2, H: 8, W: 8, C: 3, Images: make([]uint8, 2*8*8*3), Labels: []int{0, 1}}
	for i := range d.Images {
		d.Images[i] = uint8(i)
	}
	p, err := augment.New(augment.Names()[len(augment.Names())-1], augment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Grid(d, []int{0, 1}, Options{Augment: p, Scale: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// 4 cells (2 images, each with its view) in 2 columns.
	if b := img.Bounds(); b.Dx() != 16 || b.Dy() != 16 {
		t.Fatalf("size %v", b)
	}
	path := filepath.Join(t.TempDir(), "g.png")
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	back, err := png.Decode(f)
	if err != nil || back.Bounds() != img.Bounds() {
		t.Fatalf("%v %v", err, back.Bounds())
	}
	if err := WritePNG(filepath.Join(t.TempDir(), "no", "g.png"), img); err == nil {
		t.Error("missing folder: no error")
	}
}
