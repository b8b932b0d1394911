package train

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/models/resnet50/resnet50test"
)

// TestPretrainedFeatures trains the linear head with data.features on an image folder (a small
// random network stands in for the ImageNet weights): the features are computed once into the
// cache of the data folder, read back by a second run and by predict, and the normalisation of
// feature vectors applies; a non-linear model is refused.
func TestPretrainedFeatures(t *testing.T) {
	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "data")
	resnet50test.Install(t, dataDir)
	photos := filepath.Join(tmp, "photos")
	for i := range 16 {
		cls := []string{"dark", "light"}[i%2]
		os.MkdirAll(filepath.Join(photos, cls), 0o755)
		img := image.NewGray(image.Rect(0, 0, 12+i%3, 12))
		for p := range img.Pix {
			img.Pix[p] = uint8(30 + 180*(i%2) + (p*7+i)%40)
		}
		f, err := os.Create(filepath.Join(photos, cls, string(rune('a'+i))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	cfg := headConfig("feat", DataConfig{Name: "imagefolder:" + photos + ",size=12x12", Split: "train", Dir: dataDir, Features: "resnet50"}, 1, 0.9)
	cfg.Epochs, cfg.Batch = 2, 8
	cfg.Augment.Normalize = "sqrt-l2"
	runs := t.TempDir()
	if _, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	cache, _ := filepath.Glob(filepath.Join(dataDir, "features", "resnet50-*", "*.keys.npy"))
	if len(cache) != 1 {
		t.Fatalf("features cache shards %v, want 1", cache)
	}
	// predict reads the folder at the job's size (the images here differ in width) from the cache.
	out := filepath.Join(tmp, "pred.csv")
	n, err := Predict(filepath.Join(runs, "feat"), PredictOptions{Data: "imagefolder:" + photos, DataDir: dataDir, Out: out, Backend: testBackend})
	if err != nil || n != 16 {
		t.Fatalf("predict: %d, %v", n, err)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), filepath.Join(photos, "light")) {
		t.Errorf("predictions lack the path column:\n%s", b)
	}
	if c2, _ := filepath.Glob(filepath.Join(dataDir, "features", "resnet50-*", "*.keys.npy")); len(c2) != 1 {
		t.Errorf("predict computed the features again: %v", c2)
	}
	cfg.Model.Name = "vgg4"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "data.features") {
		t.Errorf("vgg4 on features: %v", err)
	}
	cfg.Model.Name, cfg.Augment.Normalize = "linear", "cifar10"
	cfg.Name = "bad-norm"
	if _, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true}); err == nil || !strings.Contains(err.Error(), "sqrt-l2") {
		t.Errorf("image normalisation on features: %v", err)
	}
}
