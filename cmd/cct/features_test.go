package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/models/resnet50"
	"github.com/cct-dev/cct/models/resnet50/resnet50test"
)

func writePNG(t *testing.T, path string, h, w int, seed int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x*7 + seed), uint8(y*5 + 3*seed), uint8(x*y + seed), 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestFeaturesCommand(t *testing.T) {
	dataDir := t.TempDir()
	resnet50test.Install(t, dataDir)
	photos := t.TempDir()
	for i, class := range []string{"a", "a", "b"} {
		os.MkdirAll(filepath.Join(photos, class), 0o755)
		writePNG(t, filepath.Join(photos, class, string(rune('0'+i))+".png"), 30, 40, i)
	}
	out := filepath.Join(t.TempDir(), "f.npy")
	if msg, err := execute("features", "--data", "imagefolder:"+photos, "--out", out, "--data-dir", dataDir, "--batch", "2"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	if left, _ := filepath.Glob(out + ".partial*"); len(left) > 0 {
		t.Errorf("checkpoint files left: %v", left)
	}
	a, err := npy.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	d := resnet50.TinyArch.FeatureDim()
	if a.DType != npy.Float32 || len(a.Shape) != 2 || a.Shape[0] != 3 || a.Shape[1] != d {
		t.Fatalf("features %v %v, want 3×%d float32", a.DType, a.Shape, d)
	}
	// The same features as the library computes.
	m, err := resnet50.Open(filepath.Join(dataDir, "weights", "resnet50"))
	if err != nil {
		t.Fatal(err)
	}
	img, h, w, err := resnet50.ReadImage(filepath.Join(photos, "b", "2.png"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Features(img, 1, h, w, 3, resnet50.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < d; j++ {
		if diff := a.F32[2*d+j] - want[j]; diff > 1e-5 || diff < -1e-5 {
			t.Fatalf("feature %d of image 2: %v, library %v", j, a.F32[2*d+j], want[j])
		}
	}
	l, err := npy.ReadFile(strings.TrimSuffix(out, ".npy") + ".labels.npy")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Float64s(); len(got) != 3 || got[0] != 0 || got[1] != 0 || got[2] != 1 {
		t.Errorf("labels %v, want [0 0 1]", got)
	}

	msg, err := execute("features", "--classify", filepath.Join(photos, "a", "0.png"), "--data-dir", dataDir, "--top", "2")
	if err != nil || strings.Count(msg, "class") != 2 {
		t.Errorf("classify: %v\n%s", err, msg)
	}
}

func TestFeaturesCommandErrors(t *testing.T) {
	empty := t.TempDir()
	out := filepath.Join(t.TempDir(), "f.npy")
	_, err := execute("features", "--data", "mnist", "--out", out, "--data-dir", empty)
	if err == nil || !strings.Contains(err.Error(), "cct weights get resnet50") {
		t.Errorf("missing weights: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output written after a failure")
	}
	if _, err := execute("features", "--backbone", "vgg", "--data", "mnist", "--out", out); err == nil || !strings.Contains(err.Error(), "--backbone") {
		t.Errorf("unknown backbone: %v", err)
	}
	if _, err := execute("features", "--data", "mnist", "--data-dir", empty); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("missing --out: %v", err)
	}
	dataDir := t.TempDir()
	resnet50test.Install(t, dataDir)
	bad := filepath.Join(t.TempDir(), "x.jpg")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	if _, err := execute("features", "--classify", bad, "--data-dir", dataDir); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad image: %v", err)
	}
}

// TestDataEnvIsNotADataset: $CCT_DATA names the data folder and never fills --data.
func TestDataEnvIsNotADataset(t *testing.T) {
	t.Setenv("CCT_DATA", t.TempDir())
	out := filepath.Join(t.TempDir(), "f.npy")
	if _, err := execute("features", "--out", out); err == nil || !strings.Contains(err.Error(), "--data and --out are required") {
		t.Errorf("CCT_DATA filled --data: %v", err)
	}
}
