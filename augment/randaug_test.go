package augment

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRandOpsList(t *testing.T) {
	// SCAN's list, in its order, with its magnitude ranges.
	want := []struct {
		name     string
		min, max float64
		mirror   bool
	}{
		{"Identity", 0, 1, false}, {"AutoContrast", 0, 1, false}, {"Equalize", 0, 1, false},
		{"Rotate", -30, 30, true}, {"Solarize", 0, 256, false}, {"Color", 0.05, 0.95, false},
		{"Contrast", 0.05, 0.95, false}, {"Brightness", 0.05, 0.95, false},
		{"Sharpness", 0.05, 0.95, false}, {"ShearX", -0.1, 0.1, true},
		{"TranslateX", -0.1, 0.1, true}, {"TranslateY", -0.1, 0.1, true},
		{"Posterize", 4, 8, false}, {"ShearY", -0.1, 0.1, true},
	}
	ops := RandOps()
	if len(ops) != len(want) {
		t.Fatalf("%d ops, want %d", len(ops), len(want))
	}
	for i, w := range want {
		o := ops[i]
		if o.Name != w.name || o.Min != w.min || o.Max != w.max || o.Mirror != w.mirror {
			t.Errorf("op %d = %s [%g, %g] mirror %v, want %s [%g, %g] mirror %v",
				i, o.Name, o.Min, o.Max, o.Mirror, w.name, w.min, w.max, w.mirror)
		}
	}
}

func TestRandOpMagnitudeRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, op := range RandOps() {
		neg := 0
		const n = 4000
		for range n {
			v := op.Magnitude(rng)
			in := v >= op.Min && v < op.Max
			mirrored := op.Mirror && -v >= op.Min && -v < op.Max
			if !in && !mirrored {
				t.Fatalf("%s: magnitude %g outside [%g, %g)", op.Name, v, op.Min, op.Max)
			}
			if v < 0 {
				neg++
			}
		}
		if op.Mirror && (neg < n*45/100 || neg > n*55/100) {
			t.Errorf("%s: %d of %d magnitudes negative, want about half", op.Name, neg, n)
		}
	}
}

func TestLookupRandOp(t *testing.T) {
	if op, err := LookupRandOp("posterize"); err != nil || op.Name != "Posterize" {
		t.Errorf("case-insensitive lookup failed: %v %v", op.Name, err)
	}
	_, err := LookupRandOp("Invert")
	if err == nil || !strings.Contains(err.Error(), "ShearY") || !strings.Contains(err.Error(), "Invert") {
		t.Errorf("unknown op error should name it and list the valid ops: %v", err)
	}
}

func mustOp(t *testing.T, name string) RandOp {
	t.Helper()
	op, err := LookupRandOp(name)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func TestGeometricOps(t *testing.T) {
	in := grey(1, 4, 10, 20, 30, 40)
	tests := []struct {
		op   string
		v    float64
		in   Image
		want []uint8
	}{
		// input x = x + v·W: +0.25·4 = 1 pixel, the picture moves left.
		{"TranslateX", 0.25, in, []uint8{20, 30, 40, 0}},
		{"TranslateX", -0.25, in, []uint8{0, 10, 20, 30}},
		{"TranslateY", 0.5, grey(2, 1, 7, 9), []uint8{9, 0}},
		{"Identity", 0.3, in, []uint8{10, 20, 30, 40}},
		// input x = x + v·y at pixel centres: row y (centre y+0.5) shifts by v·(y+0.5); with
		// v = 1 rows 0, 1 shift by 0.5 → 1 (nearest rounds half up) and 1.5 → 2.
		{"ShearX", 1, grey(2, 3, 1, 2, 3, 4, 5, 6), []uint8{2, 3, 0, 6, 0, 0}},
		{"ShearY", 1, grey(3, 2, 1, 2, 3, 4, 5, 6), []uint8{3, 6, 5, 0, 0, 0}},
	}
	for _, tc := range tests {
		got := mustOp(t, tc.op).Apply(tc.in, tc.v)
		if !imgEqual(got, Image{tc.in.H, tc.in.W, 1, tc.want}) {
			t.Errorf("%s(%g): got %v want %v", tc.op, tc.v, got.Pix, tc.want)
		}
	}
	// Rotate by 90 through the op equals the exact counter-clockwise rotation.
	rng := rand.New(rand.NewPCG(23, 24))
	img := randImage(rng, 6, 6, 3)
	got := mustOp(t, "Rotate").Apply(img, 90)
	for i := 0; i < 6; i++ {
		for j := 0; j < 6; j++ {
			for k := 0; k < 3; k++ {
				if got.At(i, j, k) != img.At(j, 5-i, k) {
					t.Fatalf("rotate 90 at (%d,%d,%d)", i, j, k)
				}
			}
		}
	}
	// Rotating by a small angle keeps the centre pixel of an odd-sized image.
	odd := randImage(rng, 7, 7, 1)
	if r := mustOp(t, "Rotate").Apply(odd, 17); r.At(3, 3, 0) != odd.At(3, 3, 0) {
		t.Error("rotation moved the centre pixel")
	}
}

func TestRandOpsMatchFunctions(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	img := randImage(rng, 9, 9, 3)
	m := float64(int(meanGray(img) + 0.5))
	tests := []struct {
		op   string
		v    float64
		want Image
	}{
		{"AutoContrast", 0.7, AutoContrast(img)},
		{"Equalize", 0.7, Equalize(img)},
		{"Solarize", 100, Solarize(img, 100)},
		{"Color", 0.3, Color(img, 0.3)},
		{"Contrast", 0.3, Contrast(img, 0.3)},
		{"Brightness", 0.3, Brightness(img, 0.3)},
		{"Sharpness", 0.3, Sharpness(img, 0.3)},
		{"Posterize", 5.9, Posterize(img, 5)},
	}
	for _, tc := range tests {
		if got := mustOp(t, tc.op).Apply(img, tc.v); !imgEqual(got, tc.want) {
			t.Errorf("%s op differs from its function", tc.op)
		}
	}
	// Contrast blends toward the integer-rounded mean grey level.
	c := Contrast(img, 0)
	if c.Pix[0] != uint8(m) {
		t.Errorf("Contrast(0) = %d, want rounded mean %g", c.Pix[0], m)
	}
}

func TestRandAugmentDeterministic(t *testing.T) {
	img := randImage(rand.New(rand.NewPCG(27, 28)), 32, 32, 3)
	ops := RandOps()
	a := RandAugment(rand.New(rand.NewPCG(1, 1)), img, ops, 4)
	b := RandAugment(rand.New(rand.NewPCG(1, 1)), img, ops, 4)
	if !imgEqual(a, b) {
		t.Error("same seed gave different images")
	}
	differ := 0
	for s := uint64(2); s < 12; s++ {
		if !imgEqual(a, RandAugment(rand.New(rand.NewPCG(s, 1)), img, ops, 4)) {
			differ++
		}
	}
	if differ < 8 {
		t.Errorf("only %d of 10 other seeds changed the output", differ)
	}
	// n = 0 or no ops: identity.
	if !imgEqual(RandAugment(rand.New(rand.NewPCG(1, 1)), img, ops, 0), img) ||
		!imgEqual(RandAugment(rand.New(rand.NewPCG(1, 1)), img, nil, 4), img) {
		t.Error("zero operations changed the image")
	}
}

func TestPillowRotationInvertsRotationAbout(t *testing.T) {
	for _, deg := range []float64{-30, -12.5, 0, 7, 29.9, 90, 400} {
		m := pillowRotation(deg, 32, 24).Mul(RotationAbout(deg, 16, 12))
		for i, v := range IdentityAffine {
			if d := m[i] - v; d > 1e-13 || d < -1e-13 {
				t.Errorf("deg %g: pillowRotation·RotationAbout = %v", deg, m)
				break
			}
		}
	}
}
