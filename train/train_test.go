package train

import (
	"bufio"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBlobImages writes an image folder of k classes (sub-folders c0, c1, …) with n grey 6×6 PNGs
// each: class c is bright in a 3×3 block of its own (one of four quadrants) plus uniform noise,
// so the classes are linearly separable clusters.
func writeBlobImages(t testing.TB, dir string, k, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for c := 0; c < k; c++ {
		sub := filepath.Join(dir, "c"+string(rune('0'+c)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			img := image.NewGray(image.Rect(0, 0, 6, 6))
			for y := 0; y < 6; y++ {
				for x := 0; x < 6; x++ {
					v := 40 * r.Float64()
					if (y/3)*2+x/3 == c {
						v += 180
					}
					img.SetGray(x, y, color.Gray{Y: uint8(v)})
				}
			}
			f, err := os.Create(filepath.Join(sub, "img"+string(rune('a'+i/26))+string(rune('a'+i%26))+".png"))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}

// blobConfig is a small linear-model job on the image folder.
func blobConfig(dataDir string) Config {
	cfg := Default()
	cfg.Name = "blobs"
	cfg.Data = DataConfig{Name: "imagefolder:" + dataDir, Split: "all"}
	cfg.Model = ModelConfig{Name: "linear"}
	cfg.Epochs = 3
	cfg.Batch = 40
	cfg.Optim.LR = 0.05
	cfg.Optim.WeightDecay = 0
	cfg.Seed = 3
	return cfg
}

func readJSONL(t *testing.T, path string) []EpochMetrics {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []EpochMetrics
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestTrainImageFolderEndToEnd(t *testing.T) {
	dataDir := t.TempDir()
	writeBlobImages(t, dataDir, 4, 50)
	runs := t.TempDir()
	cfg := blobConfig(dataDir)
	var log strings.Builder
	rep, err := Train(cfg, Options{RunsDir: runs, Backend: "go", Out: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(log.String())
	if acc := rep.Summary.ACC.Mean; acc < 0.95 {
		t.Fatalf("ACC %.3f, want ≥ 0.95", acc)
	}
	dir := filepath.Join(runs, "blobs")
	for _, f := range []string{"config.yaml", "metrics.jsonl", "report.json", "report.md", "assignments.csv", "checkpoint/latest"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("run file %s missing or empty (%v)", f, err)
		}
	}
	hist := readJSONL(t, filepath.Join(dir, "metrics.jsonl"))
	if len(hist) != cfg.Epochs+1 {
		t.Fatalf("metrics.jsonl has %d lines, want %d", len(hist), cfg.Epochs+1)
	}
}

func TestResumeMatchesUninterruptedRun(t *testing.T) {
	dataDir := t.TempDir()
	writeBlobImages(t, dataDir, 4, 30)
	runs := t.TempDir()
	base := blobConfig(dataDir)
	base.Optim.LR = 0.01
	base.Augment.Pipeline = "digits"
	base.Augment.Weight = 0.5
	base.Epochs = 2

	straight := base
	straight.Name = "straight"
	a, err := Train(straight, Options{RunsDir: runs, Backend: "go", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	part := base
	part.Name = "resumed"
	part.Epochs = 1
	if _, err := Train(part, Options{RunsDir: runs, Backend: "go", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	// Without --resume the folder is protected.
	if _, err := Train(part, Options{RunsDir: runs, Backend: "go", Quiet: true}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("want an error pointing at --resume, got %v", err)
	}
	// Another configuration cannot resume it.
	other := part
	other.Optim.LR = 0.5
	if _, err := Train(other, Options{RunsDir: runs, Backend: "go", Quiet: true, Resume: true}); err == nil {
		t.Fatal("resuming with another learning rate must fail")
	}
	part.Epochs = 2
	b, err := Train(part, Options{RunsDir: runs, Backend: "go", Quiet: true, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	ha, hb := a.Runs[0].History, b.Runs[0].History
	if len(ha) != 3 || len(hb) != 3 {
		t.Fatalf("history lengths %d and %d, want 3", len(ha), len(hb))
	}
	for i := range ha {
		x, y := ha[i], hb[i]
		x.Seconds, y.Seconds, x.ImagesPerSec, y.ImagesPerSec = 0, 0, 0, 0
		if x != y {
			t.Errorf("epoch %d differs:\n straight %+v\n resumed  %+v", i, x, y)
		}
	}
	if ha[2].Loss == ha[1].Loss {
		t.Error("second epoch did not train")
	}
	ma := readJSONL(t, filepath.Join(runs, "resumed", "metrics.jsonl"))
	if len(ma) != 3 {
		t.Fatalf("resumed metrics.jsonl has %d lines", len(ma))
	}
}
