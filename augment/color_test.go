package augment

import (
	"math"
	"math/rand/v2"
	"testing"
)

func grey(h, w int, pix ...uint8) Image { return Image{h, w, 1, pix} }

func TestPosterize(t *testing.T) {
	in := grey(1, 4, 183, 255, 15, 0) // 183 = 0b1011_0111
	tests := []struct {
		bits int
		want []uint8
	}{
		{4, []uint8{0b1011_0000, 0b1111_0000, 0, 0}},
		{7, []uint8{0b1011_0110, 0b1111_1110, 14, 0}},
		{1, []uint8{128, 128, 0, 0}},
		{8, []uint8{183, 255, 15, 0}},
		{0, []uint8{128, 128, 0, 0}}, // clamped to 1 bit
	}
	for _, tc := range tests {
		if got := Posterize(in, tc.bits); !imgEqual(got, grey(1, 4, tc.want...)) {
			t.Errorf("bits %d: got %v want %v", tc.bits, got.Pix, tc.want)
		}
	}
}

func TestSolarize(t *testing.T) {
	in := grey(1, 5, 0, 127, 128, 200, 255)
	tests := []struct {
		thr  float64
		want []uint8
	}{
		{128, []uint8{0, 127, 127, 55, 0}},
		{0, []uint8{255, 128, 127, 55, 0}},
		{256, []uint8{0, 127, 128, 200, 255}},
		{127.5, []uint8{0, 127, 127, 55, 0}},
	}
	for _, tc := range tests {
		if got := Solarize(in, tc.thr); !imgEqual(got, grey(1, 5, tc.want...)) {
			t.Errorf("thr %g: got %v want %v", tc.thr, got.Pix, tc.want)
		}
	}
}

func TestBrightnessContrast(t *testing.T) {
	in := grey(1, 4, 0, 100, 200, 100) // mean grey 100
	tests := []struct {
		name string
		got  Image
		want []uint8
	}{
		{"brightness 0.5", Brightness(in, 0.5), []uint8{0, 50, 100, 50}},
		{"brightness 2", Brightness(in, 2), []uint8{0, 200, 255, 200}},
		{"brightness truncates", Brightness(grey(1, 2, 100, 3), 1.009), []uint8{100, 3}}, // 100.9 → 100, 3.027 → 3
		{"contrast 0.5", Contrast(in, 0.5), []uint8{50, 100, 150, 100}},
		{"contrast 0", Contrast(in, 0), []uint8{100, 100, 100, 100}},
		{"contrast 2", Contrast(in, 2), []uint8{0, 100, 255, 100}},
	}
	for _, tc := range tests {
		if !imgEqual(tc.got, Image{tc.got.H, tc.got.W, 1, tc.want}) {
			t.Errorf("%s: got %v want %v", tc.name, tc.got.Pix, tc.want)
		}
	}
}

func TestGrayscaleAndColor(t *testing.T) {
	in := Image{1, 4, 3, []uint8{255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255}}
	// PIL luma: (19595R + 38470G + 7471B + 2^15) >> 16.
	wantL := []uint8{76, 150, 29, 255}
	g := Grayscale(in)
	for i, l := range wantL {
		for k := 0; k < 3; k++ {
			if g.At(0, i, k) != l {
				t.Fatalf("grey pixel %d: got %v want %d", i, g.Pix[3*i:3*i+3], l)
			}
		}
	}
	if got := Color(in, 0); !imgEqual(got, g) {
		t.Errorf("Color(0) = %v, want grayscale %v", got.Pix, g.Pix)
	}
	if got := Color(in, 1); !imgEqual(got, in) {
		t.Errorf("Color(1) changed the image: %v", got.Pix)
	}
	// Red at factor 0.5: 76 + 0.5·(255−76) = 165.5 → 165 (truncated); 76 + 0.5·(0−76) = 38.
	if got := Color(in, 0.5); got.At(0, 0, 0) != 165 || got.At(0, 0, 1) != 38 || got.At(0, 0, 2) != 38 {
		t.Errorf("Color(0.5) of red = %v, want [165 38 38]", got.Pix[:3])
	}
	// Grey images are unchanged by Color.
	gi := grey(1, 2, 10, 20)
	if got := Color(gi, 0.3); !imgEqual(got, gi) {
		t.Errorf("Color changed a grey image: %v", got.Pix)
	}
}

func TestSharpness(t *testing.T) {
	// Centre 130, rest 0: smoothed centre = round(5·130/13) = 50; the border is never changed.
	// f = 0.3: 50 + 0.3·80 = 74; f = 0.33: 50 + 26.4 = 76.4 → 76.
	in := grey(3, 3, 0, 0, 0, 0, 130, 0, 0, 0, 0)
	tests := []struct {
		f    float64
		want uint8
	}{{0, 50}, {1, 130}, {2, 210}, {0.5, 90}, {0.33, 76}}
	for _, tc := range tests {
		got := Sharpness(in, tc.f)
		if got.Pix[4] != tc.want {
			t.Errorf("f=%g: centre %d want %d", tc.f, got.Pix[4], tc.want)
		}
		for i, v := range got.Pix {
			if i != 4 && v != 0 {
				t.Errorf("f=%g: border pixel %d changed to %d", tc.f, i, v)
			}
		}
	}
	// Brute-force check on a random RGB image at f = 0 (the smoothed image).
	rng := rand.New(rand.NewPCG(11, 12))
	img := randImage(rng, 6, 7, 3)
	got := Sharpness(img, 0)
	for y := 1; y < 5; y++ {
		for x := 1; x < 6; x++ {
			for k := 0; k < 3; k++ {
				s := 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						w := 1
						if dy == 0 && dx == 0 {
							w = 5
						}
						s += w * int(img.At(y+dy, x+dx, k))
					}
				}
				if want := uint8((float64(s)/13 + 0.5)); got.At(y, x, k) != want {
					t.Fatalf("(%d,%d,%d): smoothed %d want %d", y, x, k, got.At(y, x, k), want)
				}
			}
		}
	}
}

func TestAutoContrast(t *testing.T) {
	// Channel 0: 50..150 → scale 2.55; channel 1 constant (unchanged); channel 2 already full.
	in := Image{1, 3, 3, []uint8{50, 7, 0, 100, 7, 128, 150, 7, 255}}
	want := []uint8{0, 7, 0, 127, 7, 128, 255, 7, 255}
	if got := AutoContrast(in); !imgEqual(got, Image{1, 3, 3, want}) {
		t.Errorf("got %v want %v", got.Pix, want)
	}
}

func TestEqualize(t *testing.T) {
	// 510 pixels of 5, 510 of 9, 2 of 200: n = 1022, last = 2, step = ⌊1020/255⌋ = 4.
	// Cumulative counts before each value: 5 → 0, 9 → 510, 200 → 1020; lut = ⌊(2 + cum)/4⌋
	// capped at 255: 5 → 0, 9 → 128, 200 → 255.
	in := NewImage(1, 1022, 1)
	for i := range in.Pix {
		switch {
		case i < 510:
			in.Pix[i] = 5
		case i < 1020:
			in.Pix[i] = 9
		default:
			in.Pix[i] = 200
		}
	}
	got := Equalize(in)
	if got.Pix[0] != 0 || got.Pix[600] != 128 || got.Pix[1021] != 255 {
		t.Errorf("equalize mapped 5, 9, 200 to %d, %d, %d; want 0, 128, 255", got.Pix[0], got.Pix[600], got.Pix[1021])
	}
	// One value only: step 0, unchanged.
	one := grey(1, 3, 9, 9, 9)
	if g := Equalize(one); !imgEqual(g, one) {
		t.Errorf("constant image changed: %v", g.Pix)
	}
	// Per channel: an RGB image whose channels are the grey case above, permuted.
	rgb := NewImage(1, 1022, 3)
	for i, v := range in.Pix {
		rgb.Pix[3*i], rgb.Pix[3*i+1], rgb.Pix[3*i+2] = v, 9, v
	}
	g := Equalize(rgb)
	if g.At(0, 0, 0) != 0 || g.At(0, 600, 2) != 128 || g.At(0, 5, 1) != 9 {
		t.Errorf("per-channel equalize wrong: %v", g.Pix[:6])
	}
}

func TestHue(t *testing.T) {
	red := Image{1, 1, 3, []uint8{255, 0, 0}}
	tests := []struct {
		shift float64
		want  []uint8
	}{
		{0, []uint8{255, 0, 0}},
		{0.5, []uint8{0, 255, 255}},
		{1.0 / 3, []uint8{0, 255, 0}},
		{-1.0 / 3, []uint8{0, 0, 255}},
		{1.0 / 6, []uint8{255, 255, 0}},
	}
	for _, tc := range tests {
		if got := Hue(red, tc.shift); !imgEqual(got, Image{1, 1, 3, tc.want}) {
			t.Errorf("shift %g: got %v want %v", tc.shift, got.Pix, tc.want)
		}
	}
	// A shift and its opposite restore the image to within rounding; greys never change.
	rng := rand.New(rand.NewPCG(13, 14))
	img := randImage(rng, 8, 8, 3)
	back := Hue(Hue(img, 0.23), -0.23)
	for i := range img.Pix {
		if d := int(back.Pix[i]) - int(img.Pix[i]); d < -2 || d > 2 {
			t.Fatalf("hue round trip moved byte %d from %d to %d", i, img.Pix[i], back.Pix[i])
		}
	}
	// Against a float RGB→HSV→RGB reference (Python's colorsys formulas): within 1 per byte.
	for _, shift := range []float64{0.05, -0.17, 0.31, 0.5, -0.5} {
		got := Hue(img, shift)
		for i := 0; i < len(img.Pix); i += 3 {
			want := hueRef(img.Pix[i:i+3], shift)
			for k := 0; k < 3; k++ {
				if absDiff(got.Pix[i+k], want[k]) > 1 {
					t.Fatalf("shift %g pixel %v: got %v, reference %v", shift, img.Pix[i:i+3], got.Pix[i:i+3], want)
				}
			}
		}
	}
	gr := Image{1, 1, 3, []uint8{90, 90, 90}}
	if g := Hue(gr, 0.3); !imgEqual(g, gr) {
		t.Errorf("hue changed a grey pixel: %v", g.Pix)
	}
}

func TestColorJitter(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	img := randImage(rng, 8, 8, 3)
	// Zero strengths: identity.
	if got := ColorJitter(rng, img, JitterParams{}); !imgEqual(got, img) {
		t.Error("zero-strength jitter changed the image")
	}
	// Brightness only, strength 0.5: each output is a single factor f ∈ [0.5, 1.5] times the
	// input (up to rounding and clamping).
	for range 50 {
		got := ColorJitter(rng, img, JitterParams{Brightness: 0.5})
		var f float64
		for i, v := range img.Pix {
			if v > 100 && got.Pix[i] < 255 {
				f = float64(got.Pix[i]) / float64(v)
				break
			}
		}
		if f < 0.49 || f > 1.51 {
			t.Fatalf("brightness factor %g outside [0.5, 1.5]", f)
		}
		for i, v := range img.Pix {
			if want := round8(f * float64(v)); absDiff(want, got.Pix[i]) > 2 {
				t.Fatalf("byte %d: %d·%g = %d, got %d", i, v, f, want, got.Pix[i])
			}
		}
	}
	// Grey images only see brightness and contrast.
	g := randImage(rng, 5, 5, 1)
	if out := ColorJitter(rng, g, JitterParams{Saturation: 0.9, Hue: 0.5}); !imgEqual(out, g) {
		t.Error("saturation/hue jitter changed a grey image")
	}
}

func absDiff(a, b uint8) int {
	d := int(a) - int(b)
	if d < 0 {
		return -d
	}
	return d
}

func countEq(img Image, v uint8) int {
	n := 0
	for _, p := range img.Pix {
		if p == v {
			n++
		}
	}
	return n
}

func TestCutout(t *testing.T) {
	in := NewImage(10, 10, 1)
	for i := range in.Pix {
		in.Pix[i] = 200
	}
	tests := []struct {
		name           string
		cy, cx, side   int
		area           int
		y0, x0, y1, x1 int // the hole, half-open
	}{
		{"centre even", 5, 5, 4, 16, 3, 3, 7, 7},
		{"centre odd", 5, 5, 3, 9, 4, 4, 7, 7},
		{"corner clipped", 0, 0, 4, 4, 0, 0, 2, 2},
		{"bottom right clipped", 9, 9, 5, 9, 7, 7, 10, 10},
		{"side 1", 2, 7, 1, 1, 2, 7, 3, 8},
		{"side 0", 2, 7, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		got := Cutout(in, tc.cy, tc.cx, tc.side, []uint8{0})
		if n := countEq(got, 0); n != tc.area {
			t.Errorf("%s: %d pixels cut, want %d", tc.name, n, tc.area)
		}
		for y := tc.y0; y < tc.y1; y++ {
			for x := tc.x0; x < tc.x1; x++ {
				if got.At(y, x, 0) != 0 {
					t.Errorf("%s: (%d,%d) not cut", tc.name, y, x)
				}
			}
		}
	}
	if countEq(in, 0) != 0 {
		t.Error("Cutout modified its input")
	}
	// RGB with a per-channel fill.
	rgb := NewImage(4, 4, 3)
	got := Cutout(rgb, 1, 1, 2, []uint8{1, 2, 3})
	if got.At(0, 0, 0) != 1 || got.At(1, 1, 1) != 2 || got.At(0, 1, 2) != 3 || got.At(2, 2, 0) != 0 {
		t.Errorf("RGB fill wrong: %v", got.Pix)
	}
}

func TestRandomCutoutArea(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	in := NewImage(32, 32, 1)
	for i := range in.Pix {
		in.Pix[i] = 1
	}
	sides := map[int]bool{}
	for range 2000 {
		got := RandomCutout(rng, in, 1, 1, 16, nil)
		// The hole is a rectangle: find its bounding box, check it is filled and no larger than 16.
		y0, x0, y1, x1 := 32, 32, -1, -1
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				if got.At(y, x, 0) == 0 {
					y0, x0, y1, x1 = min(y0, y), min(x0, x), max(y1, y), max(x1, x)
				}
			}
		}
		if y1 < 0 {
			t.Fatal("no hole cut")
		}
		h, w := y1-y0+1, x1-x0+1
		if h > 16 || w > 16 || countEq(got, 0) != h*w {
			t.Fatalf("hole %d×%d with %d cut pixels", h, w, countEq(got, 0))
		}
		if y0 > 0 && y1 < 31 && x0 > 0 && x1 < 31 {
			if h != w {
				t.Fatalf("unclipped hole %d×%d is not square", h, w)
			}
			sides[h] = true
		}
	}
	if !sides[1] || !sides[16] || len(sides) != 16 {
		t.Errorf("unclipped side lengths seen: %v, want all of 1..16", sides)
	}
}

// hueRef shifts the hue of one pixel with float HSV arithmetic.
func hueRef(px []uint8, shift float64) [3]uint8 {
	r, g, b := float64(px[0])/255, float64(px[1])/255, float64(px[2])/255
	mx, mn := max(r, g, b), min(r, g, b)
	v := mx
	if mx == mn {
		return [3]uint8{px[0], px[1], px[2]}
	}
	s := (mx - mn) / mx
	rc, gc, bc := (mx-r)/(mx-mn), (mx-g)/(mx-mn), (mx-b)/(mx-mn)
	var h float64
	switch {
	case r == mx:
		h = bc - gc
	case g == mx:
		h = 2 + rc - bc
	default:
		h = 4 + gc - rc
	}
	h = h/6 + shift
	h -= math.Floor(h)
	i := int(h * 6)
	f := h*6 - float64(i)
	p, q, tt := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var o [3]float64
	switch i % 6 {
	case 0:
		o = [3]float64{v, tt, p}
	case 1:
		o = [3]float64{q, v, p}
	case 2:
		o = [3]float64{p, v, tt}
	case 3:
		o = [3]float64{p, q, v}
	case 4:
		o = [3]float64{tt, p, v}
	default:
		o = [3]float64{v, p, q}
	}
	return [3]uint8{round8(255 * o[0]), round8(255 * o[1]), round8(255 * o[2])}
}
