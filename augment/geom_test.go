package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seq returns an h×w×c image whose bytes are 0, 1, 2, … (mod 256).
func seq(h, w, c int) Image {
	m := NewImage(h, w, c)
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	return m
}

// randImage returns an image with uniformly random bytes.
func randImage(rng *rand.Rand, h, w, c int) Image {
	m := NewImage(h, w, c)
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	return m
}

func imgEqual(a, b Image) bool {
	if !SameShape(a, b) || len(a.Pix) != len(b.Pix) {
		return false
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			return false
		}
	}
	return true
}

func TestFlipH(t *testing.T) {
	tests := []struct {
		name string
		in   Image
		want []uint8
	}{
		{"grey 2x3", Image{2, 3, 1, []uint8{1, 2, 3, 4, 5, 6}}, []uint8{3, 2, 1, 6, 5, 4}},
		{"rgb 1x2", Image{1, 2, 3, []uint8{1, 2, 3, 4, 5, 6}}, []uint8{4, 5, 6, 1, 2, 3}},
		{"rgb 1x3", Image{1, 3, 3, []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}}, []uint8{7, 8, 9, 4, 5, 6, 1, 2, 3}},
	}
	for _, tc := range tests {
		got := FlipH(tc.in)
		if !imgEqual(got, Image{tc.in.H, tc.in.W, tc.in.C, tc.want}) {
			t.Errorf("%s: got %v, want %v", tc.name, got.Pix, tc.want)
		}
		if !imgEqual(FlipH(got), tc.in) {
			t.Errorf("%s: flipping twice is not the identity", tc.name)
		}
	}
}

func TestCrop(t *testing.T) {
	// 3×3 grey image
	//   1 2 3
	//   4 5 6
	//   7 8 9
	in := Image{3, 3, 1, []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	tests := []struct {
		name            string
		top, left, h, w int
		pad             int
		mode            PadMode
		want            []uint8
	}{
		{"no pad window", 1, 1, 2, 2, 0, PadZero, []uint8{5, 6, 8, 9}},
		{"zero pad corner", 0, 0, 2, 2, 1, PadZero, []uint8{0, 0, 0, 1}},
		{"zero pad bottom right", 3, 3, 2, 2, 1, PadZero, []uint8{9, 0, 0, 0}},
		{"zero pad full", 0, 0, 5, 5, 1, PadZero, []uint8{
			0, 0, 0, 0, 0,
			0, 1, 2, 3, 0,
			0, 4, 5, 6, 0,
			0, 7, 8, 9, 0,
			0, 0, 0, 0, 0}},
		{"reflect pad full", 0, 0, 5, 5, 1, PadReflect, []uint8{
			5, 4, 5, 6, 5,
			2, 1, 2, 3, 2,
			5, 4, 5, 6, 5,
			8, 7, 8, 9, 8,
			5, 4, 5, 6, 5}},
		{"reflect pad 2 corner", 0, 0, 3, 3, 2, PadReflect, []uint8{
			9, 8, 7,
			6, 5, 4,
			3, 2, 1}},
		{"same size no pad", 0, 0, 3, 3, 0, PadZero, in.Pix},
	}
	for _, tc := range tests {
		got := Crop(in, tc.top, tc.left, tc.h, tc.w, tc.pad, tc.mode)
		if !imgEqual(got, Image{tc.h, tc.w, 1, tc.want}) {
			t.Errorf("%s: got %v, want %v", tc.name, got.Pix, tc.want)
		}
	}
}

func TestCropRGBOffsets(t *testing.T) {
	// Every window of a padded RGB crop equals a brute-force read of the padded image.
	rng := rand.New(rand.NewPCG(1, 2))
	in := randImage(rng, 5, 4, 3)
	for _, mode := range []PadMode{PadZero, PadReflect} {
		for top := 0; top <= 5+4-5; top++ {
			for left := 0; left <= 4+4-4; left++ {
				got := Crop(in, top, left, 5, 4, 2, mode)
				for y := 0; y < 5; y++ {
					for x := 0; x < 4; x++ {
						sy, sx := top+y-2, left+x-2
						for c := 0; c < 3; c++ {
							var want uint8
							if sy >= 0 && sy < 5 && sx >= 0 && sx < 4 {
								want = in.At(sy, sx, c)
							} else if mode == PadReflect {
								want = in.At(reflectIndex(sy, 5), reflectIndex(sx, 4), c)
							}
							if g := got.At(y, x, c); g != want {
								t.Fatalf("mode %d top %d left %d (%d,%d,%d): got %d want %d", mode, top, left, y, x, c, g, want)
							}
						}
					}
				}
			}
		}
	}
}

func TestReflectIndex(t *testing.T) {
	// n = 4: ... 2 1 | 0 1 2 3 | 2 1 0 1 ...
	want := map[int]int{-3: 3, -2: 2, -1: 1, 0: 0, 3: 3, 4: 2, 5: 1, 6: 0, 7: 1}
	for i, w := range want {
		if g := reflectIndex(i, 4); g != w {
			t.Errorf("reflectIndex(%d, 4) = %d, want %d", i, g, w)
		}
	}
}

func TestRandomCropOffsetsCovered(t *testing.T) {
	// pad 1 on a 3×3 image with a 3×3 window: 9 offsets, all reachable, each output is one of them.
	in := Image{3, 3, 1, []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	seen := map[[2]int]bool{}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		got := RandomCrop(rng, in, 3, 3, 1, PadZero)
		found := false
		for top := 0; top < 3; top++ {
			for left := 0; left < 3; left++ {
				if imgEqual(got, Crop(in, top, left, 3, 3, 1, PadZero)) {
					seen[[2]int{top, left}] = true
					found = true
				}
			}
		}
		if !found {
			t.Fatalf("random crop %v is not a window of the padded image", got.Pix)
		}
	}
	if len(seen) != 9 {
		t.Errorf("saw %d of 9 crop offsets", len(seen))
	}
}

func TestAffineInvert(t *testing.T) {
	m := AffineAbout(23, 1.5, -2, 1.1, 7, 14, 14)
	inv, ok := m.Invert()
	if !ok {
		t.Fatal("not invertible")
	}
	id := m.Mul(inv)
	for i, v := range IdentityAffine {
		if d := id[i] - v; d > 1e-12 || d < -1e-12 {
			t.Fatalf("m·m⁻¹ = %v", id)
		}
	}
	if _, ok := (Affine{1, 2, 0, 2, 4, 0}).Invert(); ok {
		t.Error("singular matrix reported invertible")
	}
}

func TestWarpIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []int{1, 3} {
		in := randImage(rng, 7, 9, c)
		for _, ip := range []Interp{Bilinear, Nearest} {
			if got := Warp(in, IdentityAffine, ip, 0); !imgEqual(got, in) {
				t.Errorf("c=%d interp %d: identity warp changed the image", c, ip)
			}
		}
		// The identity built through AffineAbout (no rotation, shift, shear, unit scale).
		inv, _ := AffineAbout(0, 0, 0, 1, 0, 4.5, 3.5).Invert()
		if got := Warp(in, inv, Bilinear, 0); !imgEqual(got, in) {
			t.Errorf("c=%d: AffineAbout identity changed the image", c)
		}
	}
}

func TestWarpRotate90MatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{4, 5, 28} {
		for _, c := range []int{1, 3} {
			in := randImage(rng, n, n, c)
			// Counter-clockwise on screen: out(i, j) = in(j, n−1−i).
			want := NewImage(n, n, c)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					for k := 0; k < c; k++ {
						want.Set(i, j, k, in.At(j, n-1-i, k))
					}
				}
			}
			inv, _ := RotationAbout(90, float64(n)/2, float64(n)/2).Invert()
			for _, ip := range []Interp{Bilinear, Nearest} {
				if got := Warp(in, inv, ip, 77); !imgEqual(got, want) {
					t.Errorf("n=%d c=%d interp %d: affine 90° rotation differs from the exact one", n, c, ip)
				}
			}
		}
	}
}

func TestWarpBilinearHandComputed(t *testing.T) {
	// 2×2 grey image [0 100; 200 50]; shift by half a pixel: out(0,0) samples at index
	// (0.5, 0.5), the mean of the four pixels = 87.5 → 88 (round half up).
	in := Image{2, 2, 1, []uint8{0, 100, 200, 50}}
	got := Warp(in, Translate(0.5, 0.5), Bilinear, 10)
	if got.Pix[0] != 88 {
		t.Errorf("centre sample = %d, want 88", got.Pix[0])
	}
	// out(0,1) samples at (row 0.5, col 1.5): neighbours 100, fill 10, 50, fill 10 → 42.5 → 43.
	if got.Pix[1] != 43 {
		t.Errorf("edge sample = %d, want 43", got.Pix[1])
	}
	// out(1,1) samples at (1.5,1.5): 50 and three fills → (50+30)/4 = 20.
	if got.Pix[3] != 20 {
		t.Errorf("corner sample = %d, want 20", got.Pix[3])
	}
	// Far outside: fill.
	if g := Warp(in, Translate(10, 0), Bilinear, 10); g.Pix[0] != 10 || g.Pix[3] != 10 {
		t.Errorf("outside samples = %v, want fill 10", g.Pix)
	}
}

func TestWarpTranslateInteger(t *testing.T) {
	// An integer translation moves pixels exactly: inverse map x_in = x − 1 shifts right.
	in := Image{1, 4, 1, []uint8{10, 20, 30, 40}}
	for _, ip := range []Interp{Bilinear, Nearest} {
		got := Warp(in, Translate(-1, 0), ip, 0)
		want := []uint8{0, 10, 20, 30}
		if !imgEqual(got, Image{1, 4, 1, want}) {
			t.Errorf("interp %d: got %v want %v", ip, got.Pix, want)
		}
	}
}

func TestRandomAffineRanges(t *testing.T) {
	// The drawn map must be a rotation·shear·scale within range: check via the centre shift and
	// the determinant s² (shear and rotation have determinant 1).
	p := AffineParams{Degrees: 15, Translate: 0.1, ScaleMin: 0.9, ScaleMax: 1.1, Shear: 10}
	rng := rand.New(rand.NewPCG(9, 10))
	for range 1000 {
		m := RandomAffineMatrix(rng, p, 28, 20)
		x, y := m.Apply(10, 14)
		if dx, dy := x-10, y-14; dx < -2 || dx > 2 || dy < -2.8 || dy > 2.8 {
			t.Fatalf("centre moved by (%g, %g), beyond 10%% of the size", dx, dy)
		}
		det := m[0]*m[4] - m[1]*m[3]
		if det < 0.81-1e-9 || det > 1.21+1e-9 {
			t.Fatalf("determinant %g outside scale² range", det)
		}
	}
	// Zero ranges give the identity.
	m := RandomAffineMatrix(rng, AffineParams{}, 28, 28)
	for i, v := range IdentityAffine {
		if d := m[i] - v; d > 1e-12 || d < -1e-12 {
			t.Fatalf("zero params gave %v", m)
		}
	}
}

func TestFloorInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	vals := []float64{0, -0, 0.5, -0.5, 1, -1, 2.9999999, -2.0000001, 1e-300, -1e-300, 1e6 + 0.5, -1e6 - 0.5}
	for range 1000 {
		vals = append(vals, (rng.Float64()-0.5)*200)
	}
	for _, u := range vals {
		if got, want := floorInt(u), int(math.Floor(u)); got != want {
			t.Errorf("floorInt(%g) = %d, want %d", u, got, want)
		}
	}
	if floorInt(1e300) != 1<<30 || floorInt(-1e300) != -1<<30 {
		t.Error("huge values do not saturate")
	}
}

// bilinearRef samples img at index-space point (u, v) with float weights, reading fill outside.
func bilinearRef(img Image, u, v float64, k int, fill uint8) float64 {
	j, i := math.Floor(u), math.Floor(v)
	fx, fy := u-j, v-i
	at := func(ii, jj float64) float64 {
		if ii < 0 || jj < 0 || int(ii) >= img.H || int(jj) >= img.W {
			return float64(fill)
		}
		return float64(img.At(int(ii), int(jj), k))
	}
	return (1-fy)*((1-fx)*at(i, j)+fx*at(i, j+1)) + fy*((1-fx)*at(i+1, j)+fx*at(i+1, j+1))
}

func TestWarpBilinearMatchesFloatReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	p := AffineParams{Degrees: 40, Translate: 0.2, ScaleMin: 0.7, ScaleMax: 1.3, Shear: 20}
	for trial := range 20 {
		c := 1 + 2*(trial%2)
		img := randImage(rng, 13, 17, c)
		inv, ok := RandomAffineMatrix(rng, p, 13, 17).Invert()
		if !ok {
			t.Fatal("singular")
		}
		got := Warp(img, inv, Bilinear, 9)
		for y := 0; y < 13; y++ {
			for x := 0; x < 17; x++ {
				u, v := inv.Apply(float64(x)+0.5, float64(y)+0.5)
				for k := 0; k < c; k++ {
					want := bilinearRef(img, u-0.5, v-0.5, k, 9)
					// 8-bit weights: the error is at most 255·(2/512) plus rounding.
					if d := math.Abs(float64(got.At(y, x, k)) - want); d > 1.6 {
						t.Fatalf("trial %d (%d,%d,%d): got %d, float reference %.2f", trial, y, x, k, got.At(y, x, k), want)
					}
				}
			}
		}
	}
}
