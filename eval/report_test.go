package eval

import (
	"bytes"
	"image"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sampleReport(t *testing.T) *Report {
	t.Helper()
	// 3 clusters labelled 7, 8, 9 against classes 0, 1, 2: cluster 9 is mostly class 0,
	// 7 mostly class 1, 8 mostly class 2.
	var pred, truth []int
	add := func(p, c, n int) {
		for range n {
			pred, truth = append(pred, p), append(truth, c)
		}
	}
	add(9, 0, 40)
	add(7, 0, 5)
	add(7, 1, 30)
	add(8, 2, 20)
	add(9, 2, 5)
	tab, err := Contingency(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	s := tab.Scores()
	var hist []Epoch
	for e := 1; e <= 12; e++ {
		f := float64(e)
		hist = append(hist, Epoch{Epoch: e, Values: map[string]float64{
			"loss": 2 / f, "acc": 1 - 0.5/f, "nmi": 1 - 0.6/f, "ari": 1 - 0.7/f, "lr": 0.1 * math.Pow(0.9, f),
		}})
	}
	hist[3].Values["loss"] = math.NaN()
	return &Report{
		Name: "mnist-quick", Method: "cce", Dataset: "mnist",
		Config:  map[string]any{"lambda": 100, "batch": 250, "optimizer": "adam|sgd"},
		Scores:  &s,
		Runs:    []Scores{s, {ACC: 0.5, NMI: 0.4, ARI: 0.3}},
		History: hist, Confusion: tab, ClassNames: []string{"zero", "one", "two"},
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	r := sampleReport(t)
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != r.Name || back.Config["optimizer"] != "adam|sgd" || *withoutMap(back.Scores) != *withoutMap(r.Scores) {
		t.Errorf("round trip: %+v", back)
	}
	if len(back.Runs) != 2 || back.Runs[1].ARI != 0.3 || len(back.ClassNames) != 3 {
		t.Errorf("round trip runs/names: %+v", back)
	}
	if back.Scores.Mapping[9] != 0 || back.Scores.Mapping[7] != 1 || back.Scores.Mapping[8] != 2 {
		t.Errorf("mapping after round trip: %v", back.Scores.Mapping)
	}
	if !math.IsNaN(back.History[3].Values["loss"]) || back.History[4].Values["loss"] != r.History[4].Values["loss"] {
		t.Errorf("history after round trip: %v %v", back.History[3], back.History[4])
	}
	if !slices.Equal(back.Confusion.Clusters, r.Confusion.Clusters) || back.Confusion.Counts[2][0] != 40 {
		t.Errorf("confusion after round trip: %+v", back.Confusion)
	}
	// No temporary files are left beside the report.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only report.json", len(entries))
	}
}

// withoutMap returns the comparable part of s.
func withoutMap(s *Scores) *struct {
	ACC, NMI, ARI        float64
	N, Clusters, Classes int
} {
	return &struct {
		ACC, NMI, ARI        float64
		N, Clusters, Classes int
	}{s.ACC, s.NMI, s.ARI, s.N, s.Clusters, s.Classes}
}

func TestReportMarkdown(t *testing.T) {
	r := sampleReport(t)
	md := r.Markdown()
	for _, want := range []string{
		"# mnist-quick", "- method: cce",
		"| 90.00 | ",                    // ACC (40+30+20)/100 in the scores table, 2 decimals
		"| mean (std) | 70.00 (20.0) |", // ACC 0.9 and 0.5: mean 0.7, population std 0.2
		"| optimizer | adam\\|sgd |",
		"| epoch | loss | acc | nmi | ari | lr |",
		"| 4 | NaN |",
		"| 9 → zero | 40 | 0 | 5 |", // Hungarian order: cluster 9 (class 0) first
		"| 7 → one | 5 | 30 | 0 |",
		"| 8 → two | 0 | 0 | 20 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	path := filepath.Join(t.TempDir(), "report.md")
	if err := WriteMarkdown(path, r); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != md {
		t.Error("WriteMarkdown wrote something else than Markdown()")
	}
}

func TestHungarianOrder(t *testing.T) {
	cases := []struct {
		name        string
		pred, truth []int
		want        []int // row indices (rows are clusters in label order)
	}{
		// clusters 0,1,2 ↔ classes 2,0,1: order lists the row matched to class 0, 1, 2.
		{"square", []int{0, 0, 1, 1, 2, 2}, []int{2, 2, 0, 0, 1, 1}, []int{1, 2, 0}},
		// four clusters, two classes: rows 3 (class 0) and 1 (class 1) matched; 0 and 2 follow.
		{"more clusters", []int{0, 1, 1, 1, 2, 3, 3, 3}, []int{0, 1, 1, 1, 0, 0, 0, 0}, []int{3, 1, 0, 2}},
		// one cluster, three classes: the cluster goes to its largest class.
		{"fewer clusters", []int{5, 5, 5, 5}, []int{0, 1, 1, 2}, []int{0}},
	}
	for _, c := range cases {
		tab, _ := Contingency(c.pred, c.truth)
		if got := tab.HungarianOrder(); !slices.Equal(got, c.want) {
			t.Errorf("%s: order %v, want %v", c.name, got, c.want)
		}
	}
}

// checkPNG decodes the file and checks that it is a real picture: large enough, and with many
// distinct colours (text, lines and fills), not a blank canvas.
func checkPNG(t *testing.T, path string, minW, minH int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 5000 {
		t.Errorf("%s: only %d bytes", path, len(b))
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil || format != "png" {
		t.Fatalf("%s: decode: %v (format %q)", path, err, format)
	}
	bd := img.Bounds()
	if bd.Dx() < minW || bd.Dy() < minH {
		t.Errorf("%s: %dx%d, want at least %dx%d", path, bd.Dx(), bd.Dy(), minW, minH)
	}
	colours := map[[4]uint32]bool{}
	for y := bd.Min.Y; y < bd.Max.Y; y += 3 {
		for x := bd.Min.X; x < bd.Max.X; x += 3 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("%s: only %d distinct colours", path, len(colours))
	}
}

func TestPlotConfusion(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(t)
	path := filepath.Join(dir, "confusion.png")
	if err := PlotConfusion(path, r.Confusion, r.ClassNames); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 300, 250)
	// A large rectangular table (no cell labels), and a 1×1 table.
	var pred, truth []int
	for i := range 5000 {
		pred = append(pred, (i*7)%40)
		truth = append(truth, (i*3)%20)
	}
	big, _ := Contingency(pred, truth)
	if err := PlotConfusion(filepath.Join(dir, "big.png"), big, nil); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, filepath.Join(dir, "big.png"), 300, 250)
	one, _ := Contingency([]int{1, 1}, []int{4, 4})
	if err := PlotConfusion(filepath.Join(dir, "one.png"), one, nil); err != nil {
		t.Fatal(err)
	}
	if err := PlotConfusion(filepath.Join(dir, "none.png"), &Table{}, nil); err == nil {
		t.Error("empty table: want an error")
	}
}

func TestPlotCurves(t *testing.T) {
	dir := t.TempDir()
	r := sampleReport(t)
	path := filepath.Join(dir, "curves.png")
	if err := PlotCurves(path, "mnist-quick", r.History); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 600, 300)
	// One epoch, one series; a series with only NaN.
	one := []Epoch{{Epoch: 1, Values: map[string]float64{"acc": 0.5, "loss": math.NaN()}}}
	if err := PlotCurves(filepath.Join(dir, "one.png"), "", one); err != nil {
		t.Fatal(err)
	}
	if err := PlotCurves(filepath.Join(dir, "none.png"), "", nil); err == nil {
		t.Error("empty history: want an error")
	}
	if os.Getenv("EVAL_KEEP_PNG") != "" {
		// Copies for looking at the pictures by eye.
		for _, f := range []string{"curves.png", "one.png"} {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			os.WriteFile(filepath.Join(os.Getenv("EVAL_KEEP_PNG"), f), b, 0o644)
		}
		PlotConfusion(filepath.Join(os.Getenv("EVAL_KEEP_PNG"), "confusion.png"), r.Confusion, r.ClassNames)
		var pred, truth []int
		for i := range 5000 {
			pred = append(pred, (i*7)%40)
			truth = append(truth, (i*3)%20)
		}
		big, _ := Contingency(pred, truth)
		PlotConfusion(filepath.Join(os.Getenv("EVAL_KEEP_PNG"), "big.png"), big, nil)
	}
}

func TestSummarize(t *testing.T) {
	// xs = 0.8, 0.9, 1.0: mean 0.9, Σ(x−m)² = 0.02, population std sqrt(0.02/3), sample sqrt(0.01).
	s := Summarize([]float64{0.8, 0.9, 1.0})
	if !near(s.Mean, 0.9, 1e-15) || !near(s.Std, math.Sqrt(0.02/3), 1e-15) || !near(s.SampleStd, 0.1, 1e-15) || s.Runs != 3 {
		t.Errorf("got %+v", s)
	}
	if got := s.String(); got != "90.00 (8.2)" {
		t.Errorf("String() = %q", got)
	}
	if s := Summarize([]float64{0.5}); s.Std != 0 || s.SampleStd != 0 || s.Mean != 0.5 {
		t.Errorf("one run: %+v", s)
	}
	if s := Summarize(nil); s != (Stat{}) {
		t.Errorf("no runs: %+v", s)
	}
	sum := SummarizeRuns([]Scores{{ACC: 0.9233, NMI: 0.5, ARI: 0.4}, {ACC: 0.9233, NMI: 0.7, ARI: 0.4}}, false)
	if got := sum.String(); got != "ACC 92.33 (0.0) / NMI 60.00 (10.0) / ARI 40.00 (0.0)" {
		t.Errorf("summary %q", got)
	}
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	if err := WriteAll(dir, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"confusion.png", "curves.png", "report.json", "report.md"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	// Without history and table only the two reports are written.
	dir2 := t.TempDir()
	if err := WriteAll(dir2, &Report{Name: "bare"}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 2 {
		t.Errorf("bare report: %d files, want 2", len(entries))
	}
}

// TestReportPlainAccuracy: a labelled-training report shows the plain accuracy (no matching) in
// report.md and keeps it as "accuracy" in report.json; a clustering report shows neither.
func TestReportPlainAccuracy(t *testing.T) {
	// Output c should be class c; run 1 swaps two of three classes: plain 1/3, ACC 1.
	pred, truth := []int{1, 0, 2}, []int{0, 1, 2}
	s1, err := Evaluate(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	s1.Accuracy = PlainAccuracy(pred, truth)
	s2 := Scores{Accuracy: 1, ACC: 1, NMI: 1, ARI: 1}
	r := &Report{Name: "seeded", Method: "cce", Labelled: true, Runs: []Scores{s1, s2}}
	md := r.Markdown()
	for _, want := range []string{
		"the figure is the plain accuracy",
		"| run | plain accuracy | ACC | NMI | ARI |",
		"| 1 | 33.33 | 100.00 |",
		"| mean (std) | 66.67 (33.3) | 100.00 (0.0) |", // plain (1/3 + 1)/2, population std 1/3
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"accuracy"`)) {
		t.Errorf("report.json lacks accuracy:\n%s", raw)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Labelled || math.Abs(back.Runs[0].Accuracy-1.0/3) > 1e-12 {
		t.Errorf("read back labelled %v accuracy %v", back.Labelled, back.Runs[0].Accuracy)
	}
	r.Labelled = false
	if md := r.Markdown(); strings.Contains(md, "plain accuracy") {
		t.Errorf("clustering report mentions plain accuracy:\n%s", md)
	}
}
