package data

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pattern gives each test image a distinct, position-dependent colour.
func pattern(id int) func(x, y int) color.RGBA {
	return func(x, y int) color.RGBA {
		return color.RGBA{uint8(10*x + id), uint8(20*y + id), uint8(5 * id), 255}
	}
}

func TestImageFolderClasses(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "dog", "a.png"), 4, 3, false, pattern(1))
	writeImage(t, filepath.Join(dir, "dog", "sub", "b.PNG"), 4, 3, false, pattern(2))
	writeImage(t, filepath.Join(dir, "cat", "c.jpg"), 4, 3, false, pattern(3))
	writeImage(t, filepath.Join(dir, ".hidden", "d.png"), 9, 9, false, pattern(4))
	writeFile(t, filepath.Join(dir, "cat", "notes.txt"), []byte("not an image"))
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	d, err := Load("imagefolder:"+dir, Train, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.ClassNames, ",") != "cat,dog,empty" || d.N != 3 || d.Shape() != "3x4x3" {
		t.Fatalf("classes %v N %d shape %s", d.ClassNames, d.N, d.Shape())
	}
	wantLabels := []int{0, 1, 1}
	for i, l := range wantLabels {
		if d.Labels[i] != l {
			t.Errorf("labels %v, want %v", d.Labels, wantLabels)
		}
	}
	// The PNG (lossless) dog/a.png is example 1; check every pixel.
	fn := pattern(1)
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			c := fn(x, y)
			p := d.Image(1)[(y*4+x)*3:]
			if p[0] != c.R || p[1] != c.G || p[2] != c.B {
				t.Fatalf("pixel %d,%d = %v, want %v", x, y, p[:3], c)
			}
		}
	}
	// The JPEG is close to its source colours.
	c := pattern(3)(2, 1)
	p := d.Image(0)[(1*4+2)*3:]
	if absDiff(p[0], c.R) > 12 || absDiff(p[1], c.G) > 12 || absDiff(p[2], c.B) > 12 {
		t.Errorf("jpeg pixel %v, want about %v", p[:3], c)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestImageFolderUnlabeledGreyResize(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "x.png"), 8, 6, true, pattern(1))
	writeImage(t, filepath.Join(dir, "more", "y.png"), 4, 2, true, pattern(2))
	_, err := Load("imagefolder:"+dir, Train, "")
	if err == nil || !strings.Contains(err.Error(), "x.png is 6x8 (HxW), expected 2x4") || !strings.Contains(err.Error(), "size=") {
		t.Fatalf("error %v", err)
	}
	d, err := Load("imagefolder:"+dir+",size=3x4", All, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || d.Shape() != "3x4x1" || d.Labels[0] != -1 || d.NumClasses() != 0 {
		t.Fatalf("N %d shape %s labels %v", d.N, d.Shape(), d.Labels)
	}
	// Example 1 (more/y.png, sorted first) is 2×4 → 3×4: rows interpolate, columns stay.
	src := make([]uint8, 8)
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			src[y*4+x] = pattern(2)(x, y).R
		}
	}
	want := Resize(src, 2, 4, 1, 3, 4)
	if string(d.Image(0)) != string(want) {
		t.Errorf("resized %v, want %v", d.Image(0), want)
	}
	rgb, err := Load("imagefolder:"+dir+",size=4,channels=3", Train, "")
	if err != nil || rgb.Shape() != "4x4x3" {
		t.Fatalf("channels=3: %v", err)
	}
	if p := rgb.Image(1)[:3]; p[0] != p[1] || p[1] != p[2] {
		t.Errorf("grey as RGB: %v", p)
	}
}

func TestImageFolderTestSplit(t *testing.T) {
	train, test := t.TempDir(), t.TempDir()
	writeImage(t, filepath.Join(train, "a", "1.png"), 2, 2, false, pattern(1))
	writeImage(t, filepath.Join(train, "b", "1.png"), 2, 2, false, pattern(2))
	writeImage(t, filepath.Join(test, "b", "1.png"), 2, 2, false, pattern(3))
	d, err := Load("imagefolder:"+train+",test="+test, All, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.Labels[2] != 1 || d.NumClasses() != 2 {
		t.Fatalf("N %d labels %v", d.N, d.Labels)
	}
	writeImage(t, filepath.Join(test, "zebra", "1.png"), 2, 2, false, pattern(3))
	if _, err := Load("imagefolder:"+train+",test="+test, Test, ""); err == nil || !strings.Contains(err.Error(), `"zebra"`) {
		t.Fatalf("error %v", err)
	}
	if _, err := Load("imagefolder:"+train, Test, ""); err == nil || !strings.Contains(err.Error(), "test=") {
		t.Fatalf("error %v", err)
	}
}

func TestImageFolderErrors(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a", "ok.png"), 2, 2, false, pattern(1))
	writeFile(t, filepath.Join(dir, "a", "bad.png"), []byte("\x89PNG\r\n\x1a\nbroken"))
	_, err := Load("imagefolder:"+dir, Train, "")
	if err == nil || !strings.Contains(err.Error(), "bad.png: cannot decode image") {
		t.Fatalf("error %v", err)
	}
	empty := t.TempDir()
	if _, err := Load("imagefolder:"+empty, Train, ""); err == nil || !strings.Contains(err.Error(), "no .png") {
		t.Fatalf("error %v", err)
	}
	if _, err := Load("imagefolder:"+filepath.Join(empty, "nope"), Train, ""); err == nil {
		t.Fatal("missing folder: no error")
	}
	for _, opt := range []string{",size=0", ",size=ax3", ",channels=2"} {
		if _, err := Load("imagefolder:"+dir+opt, Train, ""); err == nil {
			t.Errorf("%s: no error", opt)
		}
	}
}
