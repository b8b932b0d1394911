package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encodePNG writes img as a PNG file.
func encodePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

// TestImageFolderMixedModes: grey, 16-bit grey, 16-bit RGBA, paletted, semi-transparent RGBA and
// CMYK JPEG images of different sizes are all converted to RGB at one size; every image is one
// flat colour, so the resized pixels must keep it.
func TestImageFolderMixedModes(t *testing.T) {
	dir := t.TempDir()
	fill := func(img interface{ Set(x, y int, c color.Color) }, w, h int, c color.Color) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, c)
			}
		}
	}
	g := image.NewGray(image.Rect(0, 0, 5, 7))
	fill(g, 5, 7, color.Gray{200})
	encodePNG(t, filepath.Join(dir, "a-grey.png"), g)
	g16 := image.NewGray16(image.Rect(0, 0, 9, 9))
	fill(g16, 9, 9, color.Gray16{0x4000}) // 64/255 after the 16 → 8 bit conversion
	encodePNG(t, filepath.Join(dir, "b-grey16.png"), g16)
	c16 := image.NewRGBA64(image.Rect(0, 0, 3, 4))
	fill(c16, 3, 4, color.RGBA64{0xffff, 0x8080, 0, 0xffff})
	encodePNG(t, filepath.Join(dir, "c-rgb16.png"), c16)
	pal := image.NewPaletted(image.Rect(0, 0, 6, 2), color.Palette{color.RGBA{10, 20, 30, 255}, color.RGBA{0, 0, 0, 255}})
	encodePNG(t, filepath.Join(dir, "d-palette.png"), pal) // every index 0
	rgba := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	fill(rgba, 4, 4, color.NRGBA{200, 100, 50, 128}) // half transparent: composited over black
	encodePNG(t, filepath.Join(dir, "e-alpha.png"), rgba)
	cmyk, err := os.ReadFile(filepath.Join("testdata", "cmyk.jpg")) // 8×6, left cyan, right yellow
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "f-cmyk.jpg"), cmyk)

	d, err := Load("imagefolder:"+dir+",size=4", Train, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 6 || d.Shape() != "4x4x3" {
		t.Fatalf("N %d shape %s, want 6 of 4x4x3", d.N, d.Shape())
	}
	want := [][3]int{{200, 200, 200}, {64, 64, 64}, {255, 128, 0}, {10, 20, 30}, {100, 50, 25}}
	for i, w := range want {
		p := d.Image(i)[(1*4+1)*3:]
		for c := range 3 {
			if absDiff(p[c], uint8(w[c])) > 1 {
				t.Errorf("%s: pixel %v, want %v", filepath.Base(d.Paths[i]), p[:3], w)
				break
			}
		}
	}
	// CMYK: cyan (0, 255, 255) on the left, yellow (255, 255, 0) on the right, up to JPEG loss.
	left, right := d.Image(5)[(1*4+0)*3:], d.Image(5)[(1*4+3)*3:]
	if left[0] > 30 || left[1] < 225 || left[2] < 225 || right[0] < 225 || right[1] < 225 || right[2] > 30 {
		t.Errorf("cmyk pixels %v %v, want about cyan and yellow", left[:3], right[:3])
	}
	if d.Paths[5] != filepath.Join(dir, "f-cmyk.jpg") {
		t.Errorf("paths %v", d.Paths)
	}
}

// TestImageFolderSkipBad: with bad=skip, broken and non-image files are listed and the others read;
// without it the first broken file is an error.
func TestImageFolderSkipBad(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "x", "ok1.png"), 3, 3, false, pattern(1))
	writeImage(t, filepath.Join(dir, "y", "ok2.jpg"), 5, 2, false, pattern(2))
	writeFile(t, filepath.Join(dir, "x", "broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"))
	writeFile(t, filepath.Join(dir, "y", "truncated.jpg"), []byte("\xff\xd8\xff\xe0"))
	writeFile(t, filepath.Join(dir, "y", "notes.txt"), []byte("text"))
	if _, err := Load("imagefolder:"+dir+",size=3", Train, ""); err == nil {
		t.Fatal("broken files without bad=skip: no error")
	}
	d, err := Load("imagefolder:"+dir+",size=3,bad=skip,labels=none", Train, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || len(d.Skipped) != 3 || d.NumClasses() != 0 || d.Labels[0] != -1 {
		t.Fatalf("N %d skipped %v classes %v labels %v", d.N, d.Skipped, d.ClassNames, d.Labels)
	}
	if filepath.Base(d.Paths[0]) != "ok1.png" || filepath.Base(d.Paths[1]) != "ok2.jpg" {
		t.Errorf("paths %v", d.Paths)
	}
	sum := SkippedSummary(d.Skipped)
	for _, s := range []string{"3 files skipped", "broken.png", "notes.txt: not a PNG or JPEG image", "truncated.jpg"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary %q lacks %q", sum, s)
		}
	}
	// With folders as labels, the two sub-folders are classes.
	d, err = Load("imagefolder:"+dir+",size=3,bad=skip", Train, "")
	if err != nil || d.NumClasses() != 2 || d.Labels[1] != 1 {
		t.Fatalf("labels=folders: %v, %+v", err, d)
	}
	// Only broken files: an error that names them.
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "a.png"), []byte("nope"))
	_, err = Load("imagefolder:"+bad+",bad=skip", Train, "")
	if err == nil || !strings.Contains(err.Error(), "1 file skipped: ") || !strings.Contains(err.Error(), "a.png") {
		t.Fatalf("error %v", err)
	}
	for _, opt := range []string{",labels=maybe", ",bad=ignore"} {
		if _, err := Load("imagefolder:"+dir+opt, Train, ""); err == nil {
			t.Errorf("%s: no error", opt)
		}
	}
}

// TestSubsetPaths: Subset keeps each example's path.
func TestSubsetPaths(t *testing.T) {
	d := &Dataset{N: 3, D: 1, Features: []float32{0, 1, 2}, Labels: []int{-1, -1, -1}, Paths: []string{"a", "b", "c"}}
	s, err := d.Subset([]int{2, 0})
	if err != nil || strings.Join(s.Paths, ",") != "c,a" || s.Features[0] != 2 {
		t.Fatalf("%v %+v", err, s)
	}
}
