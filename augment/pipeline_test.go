package augment

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func mustNew(t testing.TB, name string, o Options) Pipeline {
	t.Helper()
	p, err := New(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string // substrings of the error
	}{
		{"simclr", Options{}, []string{"simclr", "cifar", "digits", "none", "scan", "stl"}},
		{"scan", Options{Ops: []string{"Rotate", "Invert"}}, []string{"ops", "Invert", "Posterize"}},
		{"cifar", Options{FlipProb: 1.5}, []string{"flip_prob"}},
		{"cifar", Options{PadMode: "wrap"}, []string{"pad_mode", "reflect"}},
		{"digits", Options{ScaleMin: 1.2, ScaleMax: 1.1}, []string{"scale_min"}},
		{"stl", Options{Hue: 0.7}, []string{"hue"}},
		{"scan", Options{CutoutMin: 9, CutoutMax: 4}, []string{"cutout_min"}},
		{"scan", Options{Normalize: "cifar30"}, []string{"normalize", "cifar10"}},
	}
	for _, tc := range tests {
		_, err := New(tc.name, tc.opts)
		if err == nil {
			t.Errorf("%s %+v: no error", tc.name, tc.opts)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, s)
			}
		}
	}
}

func TestDefaultsResolved(t *testing.T) {
	p := mustNew(t, "scan", Options{})
	o := p.Options()
	if o.FlipProb != 0.5 || o.NumOps != 4 || len(o.Ops) != 14 || o.CutoutHoles != 1 || o.CutoutMin != 1 || o.CropPad != 0 {
		t.Errorf("scan defaults: %+v", o)
	}
	// A positive value overrides, a negative one switches off.
	o = mustNew(t, "scan", Options{NumOps: 2, CutoutHoles: -1}).Options()
	if o.NumOps != 2 || o.CutoutHoles != 0 {
		t.Errorf("overrides not applied: %+v", o)
	}
	if p.Name() != "scan" || mustNew(t, "CIFAR", Options{}).Name() != "cifar" {
		t.Error("names")
	}
}

func TestNoneAndDisabledAreIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	img := randImage(rng, 32, 32, 3)
	for _, p := range []Pipeline{
		mustNew(t, "none", Options{FlipProb: 1}),
		mustNew(t, "cifar", Options{FlipProb: -1, CropPad: -1}),
		mustNew(t, "scan", Options{FlipProb: -1, NumOps: -1, CutoutHoles: -1}),
		mustNew(t, "scan", Options{FlipProb: -1, Ops: []string{"Identity"}, CutoutHoles: -1}),
		mustNew(t, "digits", Options{Degrees: -1, Translate: -1, ScaleMax: -1, Shear: -1}),
	} {
		for range 5 {
			if got := p.Apply(rng, img); !imgEqual(got, img) {
				t.Errorf("%s %+v changed the image", p.Name(), p.Options())
			}
		}
	}
}

func TestPipelinesShapeAndDeterminism(t *testing.T) {
	shapes := [][3]int{{28, 28, 1}, {32, 32, 3}, {96, 96, 3}}
	for _, name := range Names() {
		p := mustNew(t, name, Options{})
		for _, s := range shapes {
			img := randImage(rand.New(rand.NewPCG(33, 34)), s[0], s[1], s[2])
			orig := img.Clone()
			a := p.Apply(rand.New(rand.NewPCG(7, 7)), img)
			b := p.Apply(rand.New(rand.NewPCG(7, 7)), img)
			if !SameShape(a, img) || len(a.Pix) != len(img.Pix) {
				t.Errorf("%s on %v: output %d×%d×%d", name, s, a.H, a.W, a.C)
			}
			if !imgEqual(a, b) {
				t.Errorf("%s on %v: same seed gave different images", name, s)
			}
			if !imgEqual(img, orig) {
				t.Errorf("%s modified its input", name)
			}
			if name == "none" {
				continue
			}
			differ := 0
			for seed := uint64(8); seed < 18; seed++ {
				if !imgEqual(a, p.Apply(rand.New(rand.NewPCG(seed, 7)), img)) {
					differ++
				}
			}
			if differ < 8 {
				t.Errorf("%s on %v: only %d of 10 other seeds changed the output", name, s, differ)
			}
		}
	}
}

func TestCifarPipelineIsFlipAndPaddedWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	img := randImage(rng, 32, 32, 3)
	p := mustNew(t, "cifar", Options{})
	flipped := FlipH(img)
	offsets := map[[3]int]bool{}
	for range 400 {
		got := p.Apply(rng, img)
		found := false
		for f, src := range []Image{img, flipped} {
			for top := 0; top <= 8 && !found; top++ {
				for left := 0; left <= 8 && !found; left++ {
					if imgEqual(got, Crop(src, top, left, 32, 32, 4, PadZero)) {
						found = true
						offsets[[3]int{f, top, left}] = true
					}
				}
			}
		}
		if !found {
			t.Fatal("cifar output is not a (flipped) window of the 4-padded image")
		}
	}
	flips := 0
	for k := range offsets {
		flips += k[0]
	}
	if len(offsets) < 100 || flips == 0 || flips == len(offsets) {
		t.Errorf("%d distinct offsets, %d flipped: crop/flip not random enough", len(offsets), flips)
	}
}

func TestScanCutoutFill(t *testing.T) {
	// With every other stage off, the scan pipeline cuts exactly one square, filled with the
	// preset mean, with side ≤ 16 on 32 px and ≤ 32 on 96 px.
	for _, tc := range []struct {
		side, maxSide int
	}{{32, 16}, {96, 32}} {
		p := mustNew(t, "scan", Options{FlipProb: -1, NumOps: -1, Normalize: "cifar10"})
		img := NewImage(tc.side, tc.side, 3)
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		rng := rand.New(rand.NewPCG(37, 38))
		bigSeen := false
		for range 300 {
			got := p.Apply(rng, img)
			n := 0
			for i := 0; i < len(got.Pix); i += 3 {
				if got.Pix[i] != 255 {
					n++
					if got.Pix[i] != 125 || got.Pix[i+1] != 123 || got.Pix[i+2] != 114 { // 255·mean
						t.Fatalf("hole colour %v", got.Pix[i:i+3])
					}
				}
			}
			if n < 1 || n > tc.maxSide*tc.maxSide {
				t.Fatalf("%d px image: %d pixels cut", tc.side, n)
			}
			if n > (tc.maxSide-2)*(tc.maxSide-2) {
				bigSeen = true
			}
		}
		if !bigSeen {
			t.Errorf("%d px: never saw a hole near the maximum side %d", tc.side, tc.maxSide)
		}
	}
}

func TestDigitsKeepsInk(t *testing.T) {
	// A centred 8×8 blob in 28×28 stays mostly inside under the small digit affine maps:
	// total ink changes by at most the scale² range plus interpolation loss.
	img := NewImage(28, 28, 1)
	for y := 10; y < 18; y++ {
		for x := 10; x < 18; x++ {
			img.Set(y, x, 0, 200)
		}
	}
	ink := func(m Image) (s float64) {
		for _, v := range m.Pix {
			s += float64(v)
		}
		return
	}
	p := mustNew(t, "digits", Options{})
	rng := rand.New(rand.NewPCG(39, 40))
	base := ink(img)
	for range 200 {
		r := ink(p.Apply(rng, img)) / base
		if r < 0.75 || r > 1.3 {
			t.Fatalf("ink ratio %g after digits augmentation", r)
		}
	}
}

func TestApplyConcurrent(t *testing.T) {
	// Apply shares work buffers through a pool; concurrent calls must not interfere.
	p := mustNew(t, "scan", Options{})
	img := randImage(rand.New(rand.NewPCG(51, 52)), 32, 32, 3)
	want := make([]Image, 16)
	for i := range want {
		want[i] = p.Apply(rand.New(rand.NewPCG(uint64(i), 0)), img)
	}
	errs := make(chan int, 64)
	for g := range 4 {
		go func() {
			for range 4 {
				for i := range want {
					if !imgEqual(p.Apply(rand.New(rand.NewPCG(uint64(i), 0)), img), want[i]) {
						errs <- i
						return
					}
				}
			}
			errs <- -1 - g
		}()
	}
	for range 4 {
		if i := <-errs; i >= 0 {
			t.Fatalf("concurrent Apply of image %d differs", i)
		}
	}
}
