package cluster

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval/gallery"
	"github.com/cct-dev/cct/models/resnet50/resnet50test"
)

// checksums returns the SHA-256 of every file under dir, with its mode, by relative path.
func checksums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := e.Info()
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out[rel] = string(sum[:]) + info.Mode().String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSums(t *testing.T, a, b map[string]string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d files before, %d after", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s changed", k)
		}
	}
}

// writeMixedFolder writes n images of two kinds (bright squares on dark, dark on bright), in
// several sizes and colour modes and nested folders, plus a text file and a broken PNG.
func writeMixedFolder(t *testing.T, dir string, n int) {
	t.Helper()
	cmyk, err := os.ReadFile(filepath.Join("..", "data", "testdata", "cmyk.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		size := 30 + i%5
		bright := i%2 == 0
		var img image.Image
		set := func(x, y int) uint8 {
			in := x > size/4 && x < 3*size/4 && y > size/4 && y < 3*size/4
			if in == bright {
				return 230
			}
			return 20
		}
		switch i % 4 {
		case 0:
			g := image.NewGray(image.Rect(0, 0, size, size))
			for y := range size {
				for x := range size {
					g.SetGray(x, y, color.Gray{set(x, y)})
				}
			}
			img = g
		case 1:
			g := image.NewGray16(image.Rect(0, 0, size, size))
			for y := range size {
				for x := range size {
					g.SetGray16(x, y, color.Gray16{uint16(set(x, y)) * 257})
				}
			}
			img = g
		case 2:
			p := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.RGBA{20, 20, 20, 255}, color.RGBA{230, 230, 230, 255}})
			for y := range size {
				for x := range size {
					if set(x, y) > 100 {
						p.SetColorIndex(x, y, 1)
					}
				}
			}
			img = p
		default:
			c := image.NewNRGBA(image.Rect(0, 0, size, size))
			for y := range size {
				for x := range size {
					v := set(x, y)
					c.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
				}
			}
			img = c
		}
		sub := filepath.Join(dir, []string{"a", "b/c", "."}[i%3])
		os.MkdirAll(sub, 0o755)
		var buf bytes.Buffer
		name := filepath.Join(sub, "img"+strings.Repeat("x", i%3)+string(rune('a'+i))+".png")
		if i%5 == 4 {
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
			name = strings.TrimSuffix(name, ".png") + ".jpg"
		} else {
			png.Encode(&buf, img)
		}
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "a", "cmyk.jpg"), cmyk, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)
	os.WriteFile(filepath.Join(dir, "b", "broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644)
}

// TestRunFolder clusters a small folder end to end: mixed sizes and modes converted, bad files
// skipped and reported, the run folder's files, the path column, the gallery, links and copies,
// and the input folder unchanged (checksums before and after).
func TestRunFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network for a few seconds")
	}
	tmp := t.TempDir()
	in := filepath.Join(tmp, "photos")
	writeMixedFolder(t, in, 24)
	before := checksums(t, in)
	var out bytes.Buffer
	res, err := Run(Options{Dir: in, Clusters: "2", Features: FeaturesNone, Epochs: 1,
		Out: filepath.Join(tmp, "runs", "photos"), SortInto: filepath.Join(tmp, "sorted"), Stdout: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	log := out.String()
	for _, s := range []string{"2 files skipped", "broken.png", "notes.txt", "25 images", "VGG4 from scratch at 32x32x3", "linked 25 files"} {
		if !strings.Contains(log, s) {
			t.Errorf("output lacks %q:\n%s", s, log)
		}
	}
	for _, f := range []string{"config.yaml", "report.json", "assignments.csv", "gallery.html", "gallery.png", "checkpoint"} {
		if _, err := os.Stat(filepath.Join(res.RunDir, f)); err != nil {
			t.Errorf("run folder: %v", err)
		}
	}
	items, err := gallery.ReadAssignments(filepath.Join(res.RunDir, "assignments.csv"))
	if err != nil || len(items) != 25 {
		t.Fatalf("assignments: %v, %d rows", err, len(items))
	}
	perCluster := map[int]int{}
	for _, it := range items {
		if !strings.HasPrefix(it.Path, in) || len(it.Top) != 2 {
			t.Fatalf("row %+v", it)
		}
		perCluster[it.Cluster]++
	}
	// Links: one per image, in its cluster's folder, pointing at the original.
	for k, n := range perCluster {
		entries, err := os.ReadDir(filepath.Join(tmp, "sorted", "cluster-0"+string(rune('0'+k))))
		if err != nil || len(entries) != n {
			t.Fatalf("cluster %d: %v, %d entries, want %d", k, err, len(entries), n)
		}
		for _, e := range entries {
			if e.Type()&os.ModeSymlink == 0 {
				t.Errorf("%s is not a link", e.Name())
			}
		}
	}
	// Copies.
	n, err := SortInto(items, filepath.Join(tmp, "copies"), true)
	if err != nil || n != 25 {
		t.Fatalf("copies: %v %d", err, n)
	}
	a, _ := os.ReadFile(items[0].Path)
	b, err := os.ReadFile(filepath.Join(tmp, "copies", "cluster-0"+string(rune('0'+items[0].Cluster)), filepath.Base(items[0].Path)))
	if err != nil || !bytes.Equal(a, b) {
		t.Errorf("copy differs: %v", err)
	}
	// A second sort into the same folder is refused.
	if _, err := SortInto(items, filepath.Join(tmp, "copies"), true); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("sort into a full folder: %v", err)
	}
	// The same run folder again: refused, with the way out.
	if _, err := Run(Options{Dir: in, Clusters: "2", Features: FeaturesNone, Out: res.RunDir, Quiet: true}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("existing run folder: %v", err)
	}
	sameSums(t, before, checksums(t, in))
}

// TestRunFolderFeatures: with ResNet-50 weights cached (a small random network stands in), the
// default is the linear head on their features; K is chosen on them; a second run reads every
// image's features from the cache.
func TestRunFolderFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small network on 25 images")
	}
	tmp := t.TempDir()
	dataDir := filepath.Join(tmp, "data")
	resnet50test.Install(t, dataDir)
	in := filepath.Join(tmp, "photos")
	writeMixedFolder(t, in, 24)
	before := checksums(t, in)
	var out bytes.Buffer
	res, err := Run(Options{Dir: in, Clusters: "auto", DataDir: dataDir, Out: filepath.Join(tmp, "runs", "a"), Stdout: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	log := out.String()
	for _, s := range []string{"features: resnet50, because", "0 cached", "computing the features of", "choosing the number of clusters in 2..2 on the ResNet-50 features of 25 images", "training: linear, cce, 2 clusters"} {
		if !strings.Contains(log, s) {
			t.Errorf("output lacks %q:\n%s", s, log)
		}
	}
	items, err := gallery.ReadAssignments(filepath.Join(res.RunDir, "assignments.csv"))
	if err != nil || len(items) != 25 || !strings.HasPrefix(items[0].Path, in) {
		t.Fatalf("assignments: %v, %d rows", err, len(items))
	}
	out.Reset()
	if _, err := Run(Options{Dir: in, Clusters: "2", DataDir: dataDir, Out: filepath.Join(tmp, "runs", "b"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if log := out.String(); !strings.Contains(log, "25 cached") || strings.Contains(log, "computing") {
		t.Errorf("second run did not reuse the cached features:\n%s", log)
	}
	sameSums(t, before, checksums(t, in))
}

// TestChooseOnly: --choose-only chooses K on a sample of the folder, draws its curve and stops
// before training; the folder is only read.
func TestChooseOnly(t *testing.T) {
	defer func(n int) { autoSample = n }(autoSample)
	autoSample = 30
	tmp := t.TempDir()
	in := filepath.Join(tmp, "photos")
	writeMixedFolder(t, in, 40)
	before := checksums(t, in)
	var out bytes.Buffer
	runDir := filepath.Join(tmp, "runs", "a")
	res, err := Run(Options{Dir: in, Features: FeaturesNone, ChooseOnly: true, DataDir: filepath.Join(tmp, "data"), Out: runDir, Stdout: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Clusters < 2 || res.Clusters > 4 || !strings.Contains(out.String(), "on the pixels of 30 images") {
		t.Errorf("chose %d clusters in 2..4:\n%s", res.Clusters, out.String())
	}
	for _, f := range []string{"clusters-auto.png", "clusters-auto.csv"} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err != nil {
			t.Error(err)
		}
	}
	for _, f := range []string{"config.yaml", "checkpoint", "assignments.csv"} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err == nil {
			t.Errorf("%s written without training", f)
		}
	}
	if _, err := Run(Options{Dir: in, ChooseOnly: true, Resume: true, Out: runDir}); err == nil {
		t.Error("--choose-only with --resume: no error")
	}
	sameSums(t, before, checksums(t, in))
}

// TestRunErrors: an empty folder, too few images and bad flags are one-line errors.
func TestRunErrors(t *testing.T) {
	tmp := t.TempDir()
	empty := filepath.Join(tmp, "empty")
	os.MkdirAll(empty, 0o755)
	os.WriteFile(filepath.Join(empty, "readme.txt"), []byte("x"), 0o644)
	few := filepath.Join(tmp, "few")
	writeMixedFolder(t, few, 3)
	cases := []struct {
		opt  Options
		want string
	}{
		{Options{Dir: empty}, "no .png, .jpg or .jpeg images"},
		{Options{Dir: filepath.Join(tmp, "nope")}, "is not a folder"},
		{Options{Dir: few, Clusters: "10", Features: FeaturesNone}, "fewer than the 10 clusters"},
		{Options{Dir: few, Clusters: "auto", Features: FeaturesNone}, "too few to choose"},
		{Options{Dir: few, Clusters: "1", Features: FeaturesNone}, "flag --clusters"},
		{Options{Dir: few, Clusters: "2", Features: "vgg"}, "flag --features"},
		{Options{Dir: few, Clusters: "2", Labels: "yes"}, "flag --labels"},
	}
	for _, c := range cases {
		c.opt.Quiet = true
		c.opt.Out = filepath.Join(tmp, "runs", "x")
		_, err := Run(c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v, want one line with %q", c.opt, err, c.want)
		}
	}
}

// TestChooseShape: the input size and pipeline follow the images' median size and colour.
func TestChooseShape(t *testing.T) {
	mk := func(h, w int, m color.Model, n int) *data.FolderScan {
		s := &data.FolderScan{}
		for range n {
			s.Configs = append(s.Configs, image.Config{Height: h, Width: w, ColorModel: m})
		}
		return s
	}
	cases := []struct {
		scan *data.FolderScan
		want string
	}{
		{mk(28, 28, color.GrayModel, 5), "28x28x1 digits"},
		{mk(20, 32, color.Gray16Model, 5), "28x28x1 digits"},
		{mk(28, 28, color.RGBAModel, 5), "32x32x3 cifar"},
		{mk(60, 40, color.GrayModel, 5), "32x32x3 cifar"},
		{mk(500, 375, color.YCbCrModel, 5), "96x96x3 stl"},
	}
	for _, c := range cases {
		s := ChooseShape(c.scan)
		if got := s.Input() + " " + s.Pipeline; got != c.want {
			t.Errorf("%dx%d: %s, want %s", c.scan.Configs[0].Height, c.scan.Configs[0].Width, got, c.want)
		}
	}
	mixed := mk(500, 375, color.YCbCrModel, 3)
	mixed.Configs = append(mixed.Configs, mk(30, 30, color.GrayModel, 2).Configs...)
	if s := ChooseShape(mixed); s.Input() != "96x96x3" || s.Grey != 0.4 || s.MedianH != 500 {
		t.Errorf("mixed: %+v", s)
	}
}

// TestConfig: the generated configurations validate; epochs follow the folder size; the
// pretrained-features path is the linear head on data.features.
func TestConfig(t *testing.T) {
	shape := Shape{H: 28, W: 28, C: 1, Pipeline: "digits", Normalize: "mnist"}
	cfg, err := Config("x", "imagefolder:d,size=28x28,channels=1", FeaturesNone, shape, 10000, 10, 0, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Epochs != 7 || cfg.Batch != 100 || cfg.Model.Name != "vgg4" || cfg.Model.Clusters != 10 || cfg.Optim.Warmup != 100 {
		t.Errorf("%+v", cfg)
	}
	if cfg, _ = Config("x", "imagefolder:d", FeaturesNone, shape, 60, 3, 0, 0, ""); cfg.Batch != 60 || cfg.Epochs != 50 {
		t.Errorf("small folder: batch %d epochs %d", cfg.Batch, cfg.Epochs)
	}
	cfg, err = Config("x", "imagefolder:d", FeaturesResNet50, shape, 1000, 10, 0, 0, "")
	if err != nil || cfg.Model.Name != "linear" || cfg.Data.Features != "resnet50" || cfg.Augment.Whiten != 0 {
		t.Errorf("resnet50, 1,000 images: %v %+v", err, cfg)
	}
	if cfg, _ = Config("x", "imagefolder:d", FeaturesResNet50, shape, 1280, 10, 0, 0, ""); cfg.Augment.Whiten != featureWhiten {
		t.Errorf("resnet50, 1,280 images: whiten %d, want %d", cfg.Augment.Whiten, featureWhiten)
	}
}

// TestWeightsCached: only complete, verified weights count.
func TestWeightsCached(t *testing.T) {
	dir := t.TempDir()
	if _, ok := WeightsCached(dir); ok {
		t.Error("empty data folder: weights found")
	}
	os.MkdirAll(filepath.Join(dir, "weights", "resnet50"), 0o755)
	os.WriteFile(filepath.Join(dir, "weights", "resnet50", "model.json"), []byte("{}"), 0o644)
	if _, ok := WeightsCached(dir); ok {
		t.Error("unverified weights folder: weights found")
	}
	os.RemoveAll(filepath.Join(dir, "weights"))
	resnet50test.Install(t, dir)
	if p, ok := WeightsCached(dir); !ok || p != filepath.Join(dir, "weights", "resnet50") {
		t.Errorf("weights not found: %s", p)
	}
}
