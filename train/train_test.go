package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data/npy"
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
	rep, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Out: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(log.String())
	if acc := rep.Summary.ACC.Mean; acc < 0.95 {
		t.Fatalf("ACC %.3f, want ≥ 0.95", acc)
	}
	dir := filepath.Join(runs, "blobs")
	for _, f := range []string{"config.yaml", "metrics.jsonl", "report.json", "report.md", "assignments.csv", "checkpoint/latest", "curves.png", "confusion.png"} {
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
	a, err := Train(straight, Options{RunsDir: runs, Backend: testBackend, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	part := base
	part.Name = "resumed"
	part.Epochs = 1
	if _, err := Train(part, Options{RunsDir: runs, Backend: testBackend, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	// Without --resume the folder is protected.
	if _, err := Train(part, Options{RunsDir: runs, Backend: testBackend, Quiet: true}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("want an error pointing at --resume, got %v", err)
	}
	// Another configuration cannot resume it.
	other := part
	other.Optim.LR = 0.5
	if _, err := Train(other, Options{RunsDir: runs, Backend: testBackend, Quiet: true, Resume: true}); err == nil {
		t.Fatal("resuming with another learning rate must fail")
	}
	part.Epochs = 2
	b, err := Train(part, Options{RunsDir: runs, Backend: testBackend, Quiet: true, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Runs[0], b.Runs[0]) {
		t.Errorf("final scores differ: straight %+v, resumed %+v", a.Runs[0], b.Runs[0])
	}
	ha := readJSONL(t, filepath.Join(runs, "straight", "metrics.jsonl"))
	hb := readJSONL(t, filepath.Join(runs, "resumed", "metrics.jsonl"))
	if len(ha) != 3 || len(hb) != 3 {
		t.Fatalf("history lengths %d and %d, want 3", len(ha), len(hb))
	}
	for i := range ha {
		x, y := ha[i], hb[i]
		x.Seconds, y.Seconds, x.ImagesPerSec, y.ImagesPerSec, x.YSeconds, y.YSeconds = 0, 0, 0, 0, 0, 0
		if x != y {
			t.Errorf("epoch %d differs:\n straight %+v\n resumed  %+v", i, x, y)
		}
	}
	if ha[2].Loss == ha[1].Loss {
		t.Error("second epoch did not train")
	}
}

func TestEvalAndPredictRoundTrip(t *testing.T) {
	dataDir := t.TempDir()
	writeBlobImages(t, dataDir, 4, 30)
	runs := t.TempDir()
	cfg := blobConfig(dataDir)
	cfg.Epochs = 2
	cfg.Runs = 2
	rep, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(runs, cfg.Name)
	for _, f := range []string{"config.yaml", "report.json", "report.md", "curves.png", "run-1/report.json", "run-1/confusion.png", "run-2/assignments.csv", "run-2/checkpoint/latest"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	ev, err := Evaluate(dir, EvalOptions{Backend: testBackend})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Runs) != 2 {
		t.Fatalf("eval found %d runs", len(ev.Runs))
	}
	for i := range ev.Runs {
		if got, want := ev.Runs[i], rep.Runs[i]; !reflect.DeepEqual(got, want) {
			t.Errorf("run %d: eval %+v, training report %+v", i+1, got, want)
		}
	}
	out := filepath.Join(t.TempDir(), "pred.csv")
	n, err := Predict(dir, PredictOptions{Data: "imagefolder:" + dataDir, Out: out, Run: 2, Backend: testBackend})
	if err != nil {
		t.Fatal(err)
	}
	if n != 120 {
		t.Fatalf("predicted %d examples, want 120", n)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(filepath.Join(dir, "run-2", "assignments.csv"))
	if string(got) != string(want) {
		t.Fatalf("predict output differs from the run's assignments.csv:\n%s\nvs\n%s", got[:200], want[:200])
	}
	if _, err := Predict(dir, PredictOptions{Data: "imagefolder:" + dataDir, Out: out, Run: 3, Backend: testBackend}); err == nil {
		t.Fatal("want an error for run 3 of 2")
	}
	if _, err := Evaluate(t.TempDir(), EvalOptions{Backend: testBackend}); err == nil || !strings.Contains(err.Error(), "not a run folder") {
		t.Fatalf("want a not-a-run-folder error, got %v", err)
	}
}

func TestTable(t *testing.T) {
	root := t.TempDir()
	write := func(name, loss, dataName string, accs ...float64) string {
		cfg := Default()
		cfg.Name, cfg.Loss, cfg.Data.Name, cfg.Runs = name, loss, dataName, len(accs)
		var runs []runResult
		for _, a := range accs {
			runs = append(runs, runResult{final: EpochMetrics{ACC: a, NMI: a / 2, ARI: a / 4}})
		}
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeReport(dir, buildReport(reportInfo{cfg: &cfg}, runs)); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dirs := []string{
		write("a", "cce", "mnist", 0.9, 0.8),
		write("b", "miadm", "mnist", 0.5),
		write("c", "cce", "cifar10", 0.3, 0.1),
	}
	flat, err := Table(dirs, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flat, "| a | cce | mnist | vgg4 | 2 | 85.00 (5.0) | 42.50 (2.5) | 21.25 (1.2) |") {
		t.Fatalf("flat table:\n%s", flat)
	}
	pivot, err := Table(dirs, TableOptions{Rows: "loss", Cols: "data.name"})
	if err != nil {
		t.Fatal(err)
	}
	want := "| loss \\ data.name | mnist | cifar10 |\n|---|---|---|\n| cce | 85.00 (5.0) | 20.00 (10.0) |\n| miadm | 50.00 (0.0) | – |\n"
	if pivot != want {
		t.Fatalf("pivot table:\n%s\nwant\n%s", pivot, want)
	}
	// IMSAT rows name the R_SAT variant; labelled training shows the plain accuracy, not ACC.
	imsat := write("d", "imsat", "mnist", 0.7)
	seeded := func() string {
		cfg := Default()
		cfg.Name, cfg.Seeds.Fraction = "e", 0.01
		dir := filepath.Join(root, "e")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		run := runResult{final: EpochMetrics{Accuracy: 0.6, ACC: 0.95}}
		if err := writeReport(dir, buildReport(reportInfo{cfg: &cfg}, []runResult{run})); err != nil {
			t.Fatal(err)
		}
		return dir
	}()
	pivot, err = Table([]string{imsat, seeded}, TableOptions{Rows: "loss", Cols: "seeds.fraction"})
	if err != nil {
		t.Fatal(err)
	}
	want = "| loss \\ seeds.fraction | 0 | 0.01 |\n|---|---|---|\n| imsat (VAT) | 70.00 (0.0) | – |\n| cce | – | 60.00 (0.0) (plain) |\n"
	if pivot != want {
		t.Fatalf("pivot table:\n%s\nwant\n%s", pivot, want)
	}
	if _, err := Table(dirs, TableOptions{Rows: "loss", Cols: "nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want an unknown-key error, got %v", err)
	}
	if _, err := Table([]string{root}, TableOptions{}); err == nil {
		t.Fatal("want an error for a folder without report.json")
	}
}

// testBackend is the backend of the trainer tests: GoMLX's pure-Go backend, which trains the linear model.
const testBackend = "go"

// TestMethods trains every method on the blob images with the linear model and checks that each
// finds the classes.
func TestMethods(t *testing.T) {
	dataDir := t.TempDir()
	writeBlobImages(t, dataDir, 4, 40)
	cases := []struct {
		name string
		sets []string
	}{
		{"cce-epoch", []string{"pseudolabel.scope=epoch"}},
		{"cce-lambda-1.3", []string{"lambda=1.3"}},
		{"cce-pgd", []string{"loss=cce-pgd", "lambda=1.3"}},
		{"cce-pgd-10", []string{"loss=cce-pgd", "pseudolabel.pgd_loss=10", "lambda=1.3"}},
		{"miadm-epoch", []string{"loss=miadm", "pseudolabel.scope=epoch"}},
		{"sela", []string{"loss=sela", "sela.refreshes=5"}},
		{"migd", []string{"loss=migd"}},
		{"imsat", []string{"loss=imsat", "augment.pipeline=digits", "imsat.sat=augment", "optim.lr=0.1"}},
		{"imsat-vat", []string{"loss=imsat", "optim.lr=0.1"}},
		{"iic", []string{"loss=iic", "augment.pipeline=digits", "optim.lr=0.1"}},
		{"kmeans", []string{"loss=kmeans"}},
		{"supervised-ce", []string{"loss=supervised-ce", "labels.noise=0.5"}},
		{"supervised-cce", []string{"loss=supervised-cce", "labels.noise=0.5"}},
		{"seeds", []string{"loss=seeds", "seeds.fraction=0.1"}},
		{"cce+seeds", []string{"seeds.fraction=0.05", "epochs=8"}},
		{"sgd", []string{"optim.name=sgd", "optim.lr=0.5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := blobConfig(dataDir)
			cfg.Epochs = 4
			for _, s := range tc.sets {
				if err := cfg.Set(s); err != nil {
					t.Fatal(err)
				}
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			rep, err := Train(cfg, Options{RunsDir: t.TempDir(), Backend: testBackend, Quiet: true})
			if err != nil {
				t.Fatal(err)
			}
			if acc := rep.Summary.ACC.Mean; acc < 0.9 {
				t.Errorf("ACC %.3f, want ≥ 0.9", acc)
			}
		})
	}
}

// writeBlobs writes n points of dimension d in k Gaussian blobs to a temporary blobs.npy, their
// labels to blobs.labels.npy beside it, and returns the .npy path: centres with coordinates
// N(0, scale²), point i in blob i mod k with noise N(0, 0.25) per coordinate, plus offset.
func writeBlobs(t *testing.T, r *rand.Rand, n, d, k int, scale, offset float64) string {
	t.Helper()
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = scale * r.NormFloat64()
	}
	x := make([]float32, n*d)
	labels := make([]int64, n)
	for i := range n {
		c := i % k
		labels[i] = int64(c)
		for j := range d {
			x[i*d+j] = float32(centers[c*d+j] + 0.5*r.NormFloat64() + offset)
		}
	}
	dir := t.TempDir()
	feat := filepath.Join(dir, "blobs.npy")
	if err := npy.WriteFloat32(feat, []int{n, d}, x); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteInt64(filepath.Join(dir, "blobs.labels.npy"), []int{n}, labels); err != nil {
		t.Fatal(err)
	}
	return feat
}

// headConfig is the Table 2 set-up of the tests: a linear head on data, SGD at lr with momentum,
// seed 1, no weight decay.
func headConfig(name string, data DataConfig, lr, momentum float64) Config {
	cfg := Default()
	cfg.Name, cfg.Data, cfg.Seed = name, data, 1
	cfg.Model = ModelConfig{Name: "linear"}
	cfg.Optim = OptimConfig{Name: "sgd", LR: lr, Momentum: momentum, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, HeadScope: "head"}
	return cfg
}

// TestTrainFeaturesEndToEnd runs the Table 2 set-up (a linear layer on fixed features, SGD) on
// well-separated Gaussian blobs written as .npy with a sibling label file.
func TestTrainFeaturesEndToEnd(t *testing.T) {
	const n, d, k = 400, 16, 4
	feat := writeBlobs(t, rand.New(rand.NewPCG(5, 6)), n, d, k, 4, 0)
	cfg := headConfig("feat", DataConfig{Name: "features:" + feat, Split: "all"}, 0.1, 0)
	cfg.Optim.WeightDecay = 0.001
	cfg.Epochs, cfg.Batch = 5, 50
	runs := t.TempDir()
	rep, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if acc := rep.Summary.ACC.Mean; acc < 0.95 {
		t.Fatalf("ACC %.3f, want ≥ 0.95", acc)
	}
	out := filepath.Join(runs, "feat")
	for _, f := range []string{"config.yaml", "metrics.jsonl", "checkpoint/latest", "report.json", "report.md", "curves.png", "confusion.png", "assignments.csv"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("run file %s missing or empty (%v)", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "assignments.csv"))
	if lines := strings.Count(string(csv), "\n"); lines != n+1 {
		t.Errorf("assignments.csv has %d lines, want %d", lines, n+1)
	}
}

// TestPlotTable checks the lines of a noise plot against the runs written: plain accuracy of
// labelled training, mean and population std in percent, points sorted by noise, and the PNG.
func TestPlotTable(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for _, tc := range []struct {
		loss  string
		noise float64
		accs  []float64
	}{
		{"supervised-cce", 0.5, []float64{0.6, 0.8}},
		{"supervised-ce", 0.5, []float64{0.5, 0.5}},
		{"supervised-cce", 0, []float64{0.9, 0.9}},
	} {
		cfg := Default()
		cfg.Loss, cfg.Labels.Noise, cfg.Runs = tc.loss, tc.noise, len(tc.accs)
		cfg.Name = fmt.Sprintf("%s-%g", tc.loss, tc.noise)
		var runs []runResult
		for _, a := range tc.accs {
			runs = append(runs, runResult{final: EpochMetrics{Accuracy: a, ACC: 1}})
		}
		dir := filepath.Join(root, cfg.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeReport(dir, buildReport(reportInfo{cfg: &cfg}, runs)); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	opt := TableOptions{Rows: "loss", Cols: "labels.noise"}
	series, yLabel, err := tableSeries(dirs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if yLabel != "plain accuracy (%)" || len(series) != 2 {
		t.Fatalf("label %q, %d series", yLabel, len(series))
	}
	cce := series[0]
	if cce.Name != "supervised-cce" || fmt.Sprint(cce.X) != "[0 0.5]" || math.Abs(cce.Y[1]-70) > 1e-9 ||
		math.Abs(cce.Std[1]-10) > 1e-9 || math.Abs(cce.Y[0]-90) > 1e-9 || cce.Std[0] != 0 {
		t.Fatalf("cce series %+v", cce)
	}
	if ce := series[1]; ce.Name != "supervised-ce" || math.Abs(ce.Y[0]-50) > 1e-9 {
		t.Fatalf("ce series %+v", ce)
	}
	png := filepath.Join(root, "plot.png")
	if err := PlotTable(dirs, opt, png, "noise"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := image.Decode(f); err != nil {
		t.Fatalf("plot is not an image: %v", err)
	}
	if _, _, err := tableSeries(dirs, TableOptions{Rows: "labels.noise", Cols: "loss"}); err == nil {
		t.Fatal("non-numeric x axis accepted")
	}
}
