package featcache

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/models/resnet50"
)

// images returns a dataset of n random 20×20×3 images; image 5 repeats image 1.
func images(n int) *data.Dataset {
	r := rand.New(rand.NewPCG(1, 5))
	ds := &data.Dataset{Name: "synthetic", Split: "train", N: n, H: 20, W: 20, C: 3,
		Images: make([]uint8, n*20*20*3), Labels: make([]int, n), ClassNames: []string{"a", "b"}}
	for i := range ds.Images {
		ds.Images[i] = uint8(r.IntN(256))
	}
	if n > 5 {
		copy(ds.Image(5), ds.Image(1))
	}
	for i := range ds.Labels {
		ds.Labels[i] = i % 2
	}
	return ds
}

func setup(t *testing.T) (Options, *resnet50.Model) {
	t.Helper()
	model := filepath.Join(t.TempDir(), "model")
	if err := resnet50.WriteRandom(model, resnet50.TinyArch, 3); err != nil {
		t.Fatal(err)
	}
	m, err := resnet50.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Backbone: "resnet50", DataDir: t.TempDir(), Model: model, Batch: 2}, m
}

func shardCount(t *testing.T, opt Options) int {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(opt.DataDir, "features", "resnet50-*", "*"+keysExt))
	return len(m)
}

// checkRows compares the features of got with the backbone run directly on each image alone.
func checkRows(t *testing.T, m *resnet50.Model, ds, got *data.Dataset) {
	t.Helper()
	d := m.Arch.FeatureDim()
	if got.N != ds.N || got.D != d || got.IsImage() {
		t.Fatalf("got N %d D %d image %v, want N %d D %d features", got.N, got.D, got.IsImage(), ds.N, d)
	}
	for i := 0; i < ds.N; i++ {
		want, err := m.Features(ds.Image(i), 1, ds.H, ds.W, ds.C, resnet50.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for j, w := range want {
			if g := got.Feature(i)[j]; math.Abs(float64(g-w)) > 1e-5*(1+math.Abs(float64(w))) {
				t.Fatalf("image %d feature %d: %v, want %v", i, j, g, w)
			}
		}
		if got.Labels[i] != ds.Labels[i] {
			t.Fatalf("label %d: %d, want %d", i, got.Labels[i], ds.Labels[i])
		}
	}
}

func TestComputeAndReuse(t *testing.T) {
	opt, m := setup(t)
	var log bytes.Buffer
	opt.Log = &log
	opt.SaveEvery = time.Nanosecond // a shard after every batch, merged at the end
	ds := images(7)
	// First the first four images, then all seven: only the three new ones are computed
	// (image 5 is a copy of image 1).
	sub, err := ds.Subset([]int{0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compute(sub, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, m, sub, got)
	if n := shardCount(t, opt); n != 1 {
		t.Errorf("%d shards after one run, want its partial shards merged into 1", n)
	}
	log.Reset()
	if got, err = Compute(ds, opt); err != nil {
		t.Fatal(err)
	}
	checkRows(t, m, ds, got)
	if !strings.Contains(log.String(), "5 cached") || !strings.Contains(log.String(), "features of 2 distinct images") {
		t.Errorf("second run log does not say 5 cached, 2 computed:\n%s", log.String())
	}
	// A reordered subset is served from the cache alone.
	rev, _ := ds.Subset([]int{6, 5, 4, 3, 2, 1, 0})
	log.Reset()
	if got, err = Compute(rev, opt); err != nil {
		t.Fatal(err)
	}
	checkRows(t, m, rev, got)
	if strings.Contains(log.String(), "computing") {
		t.Errorf("reordered subset recomputed:\n%s", log.String())
	}
}

func TestBadShardIgnored(t *testing.T) {
	opt, m := setup(t)
	ds := images(3)
	if _, err := Compute(ds, opt); err != nil {
		t.Fatal(err)
	}
	keys, _ := filepath.Glob(filepath.Join(opt.DataDir, "features", "resnet50-*", "*"+keysExt))
	rows := []string{}
	for _, k := range keys {
		rows = append(rows, strings.TrimSuffix(k, keysExt)+rowsExt)
	}
	if len(rows) != 1 {
		t.Fatalf("rows files %v", rows)
	}
	b, _ := os.ReadFile(rows[0])
	if err := os.WriteFile(rows[0], b[:len(b)-7], 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	opt.Log = &log
	got, err := Compute(ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, m, ds, got)
	if !strings.Contains(log.String(), "ignoring "+rows[0]) {
		t.Errorf("truncated shard not reported:\n%s", log.String())
	}
}

func TestOtherWeightsOtherFolder(t *testing.T) {
	opt, _ := setup(t)
	ds := images(2)
	if _, err := Compute(ds, opt); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "model")
	if err := resnet50.WriteRandom(other, resnet50.TinyArch, 4); err != nil {
		t.Fatal(err)
	}
	opt.Model = other
	var log bytes.Buffer
	opt.Log = &log
	if _, err := Compute(ds, opt); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "0 cached") {
		t.Errorf("other weights reused the first weights' rows:\n%s", log.String())
	}
	dirs, _ := filepath.Glob(filepath.Join(opt.DataDir, "features", "resnet50-*"))
	if len(dirs) != 2 {
		t.Errorf("cache folders %v, want one per weights", dirs)
	}
}

func TestErrors(t *testing.T) {
	opt, _ := setup(t)
	feats := &data.Dataset{Name: "f", N: 1, D: 2, Features: []float32{1, 2}, Labels: []int{-1}}
	if _, err := Compute(feats, opt); err == nil || !strings.Contains(err.Error(), "not images") {
		t.Errorf("feature dataset: %v", err)
	}
	opt.Backbone = "vgg"
	if _, err := Compute(images(1), opt); err == nil || !strings.Contains(err.Error(), "unknown backbone") {
		t.Errorf("unknown backbone: %v", err)
	}
	opt.Backbone, opt.Model = "resnet50", ""
	if _, err := Compute(images(1), opt); err == nil || !strings.Contains(err.Error(), "cct weights get resnet50") {
		t.Errorf("missing weights: %v", err)
	}
}
