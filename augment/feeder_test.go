package augment

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testData returns n random images and labels i%10.
func testData(n, h, w, c int) ([]Image, Source) {
	rng := rand.New(rand.NewPCG(41, 42))
	imgs := make([]Image, n)
	for i := range imgs {
		imgs[i] = randImage(rng, h, w, c)
	}
	return imgs, func(i int) (Image, int) { return imgs[i], i % 10 }
}

func collect(t *testing.T, cfg FeederConfig) []Batch {
	t.Helper()
	f, err := NewFeeder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Batch
	for b := range f.Batches() {
		out = append(out, b)
	}
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != f.NumBatches() {
		t.Fatalf("%d batches, NumBatches says %d", len(out), f.NumBatches())
	}
	return out
}

func TestFeederContents(t *testing.T) {
	imgs, get := testData(23, 8, 6, 3)
	order := rand.New(rand.NewPCG(43, 44)).Perm(23)
	p := mustNew(t, "scan", Options{})
	norm, _ := NormalizerPreset("cifar10")
	for _, drop := range []bool{false, true} {
		cfg := FeederConfig{Get: get, Order: order, BatchSize: 5, DropLast: drop, Pipeline: p, Norm: norm,
			Views: 2, Workers: 3, Prefetch: 2, Seed: 99, Epoch: 4}
		batches := collect(t, cfg)
		wantN := 5
		if drop {
			wantN = 4
		}
		if len(batches) != wantN {
			t.Fatalf("drop=%v: %d batches want %d", drop, len(batches), wantN)
		}
		pos := 0
		for bi, b := range batches {
			if b.Number != bi || b.H != 8 || b.W != 6 || b.C != 3 {
				t.Fatalf("batch %d header %+v", bi, b)
			}
			bs := len(b.Indices)
			hwc := 8 * 6 * 3
			if len(b.X) != bs*hwc || len(b.Aug) != 2*bs*hwc || len(b.Labels) != bs {
				t.Fatalf("batch %d sizes X %d Aug %d labels %d", bi, len(b.X), len(b.Aug), len(b.Labels))
			}
			for k, i := range b.Indices {
				if i != order[pos] {
					t.Fatalf("batch %d slot %d holds index %d, want %d", bi, k, i, order[pos])
				}
				pos++
				if b.Labels[k] != i%10 {
					t.Fatalf("label of %d = %d", i, b.Labels[k])
				}
				clean, _ := norm.Apply(imgs[i])
				for j, v := range clean {
					if b.X[k*hwc+j] != v {
						t.Fatalf("clean image %d differs at %d", i, j)
					}
				}
				// The augmented view equals the pipeline run with the documented per-image seed.
				for v := 0; v < 2; v++ {
					want, _ := norm.Apply(p.Apply(ImageRNG(99, 4, i, v), imgs[i]))
					got := b.Aug[(v*bs+k)*hwc : (v*bs+k+1)*hwc]
					for j := range want {
						if got[j] != want[j] {
							t.Fatalf("view %d of image %d differs at %d", v, i, j)
						}
					}
				}
			}
		}
		if drop && pos != 20 || !drop && pos != 23 {
			t.Fatalf("drop=%v: %d images batched", drop, pos)
		}
	}
}

func TestFeederIndependentOfWorkers(t *testing.T) {
	_, get := testData(50, 28, 28, 1)
	order := rand.New(rand.NewPCG(45, 46)).Perm(50)
	p := mustNew(t, "digits", Options{})
	run := func(workers, prefetch int, seed uint64, epoch int) []Batch {
		return collect(t, FeederConfig{Get: get, Order: order, BatchSize: 7, Pipeline: p, Views: 1,
			Workers: workers, Prefetch: prefetch, Seed: seed, Epoch: epoch})
	}
	eq := func(a, b []Batch) bool {
		for i := range a {
			for j := range a[i].Aug {
				if a[i].Aug[j] != b[i].Aug[j] || a[i].X[j] != b[i].X[j] {
					return false
				}
			}
		}
		return true
	}
	ref := run(1, 1, 5, 0)
	for _, w := range []int{2, 4, 8} {
		if !eq(ref, run(w, 3, 5, 0)) {
			t.Errorf("%d workers gave different batches than 1", w)
		}
	}
	if eq(ref, run(2, 2, 6, 0)) {
		t.Error("a different seed gave the same augmentations")
	}
	if eq(ref, run(2, 2, 5, 1)) {
		t.Error("a different epoch gave the same augmentations")
	}
}

func TestFeederCleanOnly(t *testing.T) {
	_, get := testData(10, 4, 4, 1)
	order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	bs := collect(t, FeederConfig{Get: get, Order: order, BatchSize: 4})
	if len(bs) != 3 || bs[0].Aug != nil || len(bs[2].Indices) != 2 {
		t.Errorf("clean-only batches wrong: %d batches, aug %v", len(bs), bs[0].Aug != nil)
	}
	if bs := collect(t, FeederConfig{Get: get, Order: nil, BatchSize: 4}); len(bs) != 0 {
		t.Errorf("empty order gave %d batches", len(bs))
	}
}

func TestFeederErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  FeederConfig
		want string
	}{
		{"no source", FeederConfig{BatchSize: 1}, "source"},
		{"batch size", FeederConfig{Get: func(int) (Image, int) { return Image{}, 0 }}, "batch size"},
		{"views", FeederConfig{Get: func(int) (Image, int) { return Image{}, 0 }, BatchSize: 1, Views: -1}, "views"},
	} {
		if _, err := NewFeeder(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v", tc.name, err)
		}
	}

	base := runtime.NumGoroutine()
	mixed := func(i int) (Image, int) {
		if i == 13 {
			return NewImage(5, 5, 1), 0
		}
		return NewImage(4, 4, 1), 0
	}
	bad := func(i int) (Image, int) { return Image{H: 2, W: 2, C: 1, Pix: make([]uint8, 3)}, 0 }
	panicky := func(i int) (Image, int) {
		if i == 7 {
			panic(fmt.Sprintf("no image %d", i))
		}
		return NewImage(2, 2, 1), 0
	}

	cifar, _ := NormalizerPreset("cifar10")
	order := make([]int, 40)
	for i := range order {
		order[i] = i
	}
	for _, tc := range []struct {
		name string
		get  Source
		norm *Normalizer
		want string
	}{
		{"mixed shapes", mixed, nil, "image 13 is 5×5×1"},
		{"channels", func(i int) (Image, int) { return NewImage(2, 2, 1), 0 }, cifar, "3 channels"},
		{"bad pixels", bad, nil, "needs 4 bytes"},
		{"panic", panicky, nil, "no image 7"},
	} {
		f, err := NewFeeder(FeederConfig{Get: tc.get, Order: order, BatchSize: 5, Workers: 2, Norm: tc.norm})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range f.Batches() {
			n++
		}
		f.Close()
		if err := f.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
		if n == 8 {
			t.Errorf("%s: all batches delivered despite the error", tc.name)
		}
	}
	if leaked := waitGoroutines(base); leaked > 0 {
		t.Errorf("%d goroutines leaked after errors", leaked)
	}
}

// waitGoroutines waits up to a second for the goroutine count to fall to base and returns the
// excess.
func waitGoroutines(base int) int {
	deadline := time.Now().Add(time.Second)
	for {
		n := runtime.NumGoroutine() - base
		if n <= 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFeederCloseNoLeak(t *testing.T) {
	_, get := testData(200, 8, 8, 3)
	order := make([]int, 200)
	for i := range order {
		order[i] = i
	}
	p := mustNew(t, "scan", Options{})
	base := runtime.NumGoroutine()
	for _, read := range []int{0, 1, 3, 100} {
		f, err := NewFeeder(FeederConfig{Get: get, Order: order, BatchSize: 4, Pipeline: p, Views: 1, Workers: 4, Prefetch: 2})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range f.Batches() {
			n++
			if n == read {
				break
			}
		}
		f.Close()
		f.Close() // idempotent
		if f.Err() != nil {
			t.Errorf("Close reported as an error: %v", f.Err())
		}
		// After Close the channel is closed (possibly after buffered values).
		for range f.Batches() {
		}
	}
	if leaked := waitGoroutines(base); leaked > 0 {
		t.Errorf("%d goroutines leaked", leaked)
	}
}

func TestFeederPrefetchBound(t *testing.T) {
	var calls atomic.Int64
	get := func(i int) (Image, int) {
		calls.Add(1)
		return NewImage(2, 2, 1), 0
	}
	order := make([]int, 1000)
	const bs, workers, prefetch = 2, 2, 3
	f, err := NewFeeder(FeederConfig{Get: get, Order: order, BatchSize: bs, Workers: workers, Prefetch: prefetch})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	time.Sleep(100 * time.Millisecond) // let the workers run ahead as far as they may
	// At most prefetch queued + one held by the dispatcher + one held by the emitter + one
	// being built per worker.
	if n := calls.Load(); n > (prefetch+2+workers)*bs {
		t.Errorf("read %d images ahead of an idle consumer, bound %d", n, (prefetch+2+workers)*bs)
	}
	if calls.Load() == 0 {
		t.Error("nothing prefetched")
	}
}

func TestEpochOrder(t *testing.T) {
	a := EpochOrder(100, 3, 0)
	seen := make([]bool, 100)
	for _, i := range a {
		if i < 0 || i >= 100 || seen[i] {
			t.Fatalf("not a permutation: %v", a)
		}
		seen[i] = true
	}
	same := func(x, y []int) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, EpochOrder(100, 3, 0)) {
		t.Error("same seed and epoch gave different orders")
	}
	if same(a, EpochOrder(100, 3, 1)) || same(a, EpochOrder(100, 4, 0)) {
		t.Error("another epoch or seed gave the same order")
	}
}

func TestFeederRejectsShapeChangingPipeline(t *testing.T) {
	_, get := testData(4, 32, 32, 3)
	p := mustNew(t, "cifar", Options{CropSize: 24})
	f, err := NewFeeder(FeederConfig{Get: get, Order: []int{0, 1, 2, 3}, BatchSize: 2, Pipeline: p, Views: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range f.Batches() {
	}
	f.Close()
	if err := f.Err(); err == nil || !strings.Contains(err.Error(), "keep the shape") {
		t.Errorf("error %v", err)
	}
	// The pipeline itself does crop to 24×24.
	if out := p.Apply(rand.New(rand.NewPCG(1, 1)), NewImage(32, 32, 3)); out.H != 24 || out.W != 24 {
		t.Errorf("crop_size 24 gave %d×%d", out.H, out.W)
	}
}
