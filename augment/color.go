package augment

import "math/rand/v2"

// luma returns the ITU-R 601 grey level of an RGB pixel as PIL computes it:
// L = (19595·R + 38470·G + 7471·B + 2^15) >> 16 ≈ 0.299R + 0.587G + 0.114B.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

// Grayscale returns the image with every pixel replaced by its grey level (see luma) in all of
// its channels; shape is kept. A one-channel image is returned unchanged (copied).
func Grayscale(img Image) Image {
	var out Image
	grayInto(&out, img)
	return out
}

func grayInto(dst *Image, src Image) {
	dst.reshape(src.H, src.W, src.C)
	if src.C == 1 {
		copy(dst.Pix, src.Pix)
		return
	}
	p, o := src.Pix, dst.Pix
	for i := 0; i+2 < len(p); i += 3 {
		l := luma(p[i], p[i+1], p[i+2])
		o[i], o[i+1], o[i+2] = l, l, l
	}
}

// lutInto maps every byte through table t.
func lutInto(dst *Image, src Image, t *[256]uint8) {
	dst.reshape(src.H, src.W, src.C)
	o := dst.Pix[:len(src.Pix)]
	for i, v := range src.Pix {
		o[i] = t[v]
	}
}

// blend is Pillow's ImageEnhance blend of a degenerate value d toward in: d + f·(in − d),
// computed in float32, truncated toward zero and clamped to 0..255.
func blend(d, in int, f float32) uint8 {
	v := float32(d) + f*float32(in-d)
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// Brightness blends with black: out = blend(0, in, f) (see blend; Pillow's
// ImageEnhance.Brightness, which torchvision's adjust_brightness calls for PIL images).
func Brightness(img Image, f float64) Image {
	var out Image
	brightnessInto(&out, img, f)
	return out
}

func brightnessInto(dst *Image, src Image, f float64) {
	var t [256]uint8
	for i := range t {
		t[i] = blend(0, i, float32(f))
	}
	lutInto(dst, src, &t)
}

// meanGray returns the mean grey level of img (luma for RGB, the value for grey).
func meanGray(img Image) float64 {
	var s uint64
	p := img.Pix
	if img.C == 1 {
		for _, v := range p {
			s += uint64(v)
		}
	} else {
		for i := 0; i+2 < len(p); i += 3 {
			s += uint64(luma(p[i], p[i+1], p[i+2]))
		}
	}
	return float64(s) / float64(img.H*img.W)
}

// Contrast blends with the mean grey level m rounded to an integer: out = blend(m, in, f) (see
// blend; Pillow's ImageEnhance.Contrast).
func Contrast(img Image, f float64) Image {
	var out Image
	contrastInto(&out, img, f, meanGrayInt(img))
	return out
}

// meanGrayInt is the mean grey level rounded half up.
func meanGrayInt(img Image) int { return int(meanGray(img) + 0.5) }

func contrastInto(dst *Image, src Image, f float64, m int) {
	var t [256]uint8
	for i := range t {
		t[i] = blend(m, i, float32(f))
	}
	lutInto(dst, src, &t)
}

// Color (saturation) blends each pixel with its grey level g (see luma): out = blend(g, in, f)
// (see blend; Pillow's ImageEnhance.Color). Grey images are unchanged.
func Color(img Image, f float64) Image {
	var out Image
	colorInto(&out, img, f)
	return out
}

func colorInto(dst *Image, src Image, f float64) {
	dst.reshape(src.H, src.W, src.C)
	if src.C == 1 {
		copy(dst.Pix, src.Pix)
		return
	}
	f32 := float32(f)
	p, o := src.Pix, dst.Pix
	for i := 0; i+2 < len(p); i += 3 {
		g := int(luma(p[i], p[i+1], p[i+2]))
		o[i] = blend(g, int(p[i]), f32)
		o[i+1] = blend(g, int(p[i+1]), f32)
		o[i+2] = blend(g, int(p[i+2]), f32)
	}
}

// Sharpness blends with a smoothed copy s: out = blend(s, in, f) (see blend), where s is the
// 3×3 filter [1 1 1; 1 5 1; 1 1 1]/13 rounded to the nearest integer inside the image and s = in
// on the one-pixel border (Pillow's ImageEnhance.Sharpness with its SMOOTH filter).
func Sharpness(img Image, f float64) Image {
	var out Image
	sharpnessInto(&out, img, f)
	return out
}

func sharpnessInto(dst *Image, src Image, f float64) {
	dst.reshape(src.H, src.W, src.C)
	copy(dst.Pix, src.Pix)
	h, w, c := src.H, src.W, src.C
	if h < 3 || w < 3 {
		return
	}
	f32 := float32(f)
	stride := w * c
	for y := 1; y < h-1; y++ {
		up := src.Pix[(y-1)*stride : y*stride]
		mid := src.Pix[y*stride : (y+1)*stride]
		dn := src.Pix[(y+1)*stride : (y+2)*stride]
		out := dst.Pix[y*stride : (y+1)*stride]
		for i := c; i < stride-c; i++ {
			sum := int(up[i-c]) + int(up[i]) + int(up[i+c]) +
				int(mid[i-c]) + 5*int(mid[i]) + int(mid[i+c]) +
				int(dn[i-c]) + int(dn[i]) + int(dn[i+c])
			out[i] = blend((sum+6)/13, int(mid[i]), f32)
		}
	}
}

// Solarize inverts every value at or above the threshold: out = in if in < thr, else 255 − in
// (PIL's ImageOps.solarize).
func Solarize(img Image, thr float64) Image {
	var out Image
	solarizeInto(&out, img, thr)
	return out
}

func solarizeInto(dst *Image, src Image, thr float64) {
	var t [256]uint8
	for i := range t {
		if float64(i) < thr {
			t[i] = uint8(i)
		} else {
			t[i] = uint8(255 - i)
		}
	}
	lutInto(dst, src, &t)
}

// Posterize keeps the top bits bits of every value: out = in & (0xFF << (8 − bits)), with bits
// clamped to 1..8 (PIL's ImageOps.posterize).
func Posterize(img Image, bits int) Image {
	var out Image
	posterizeInto(&out, img, bits)
	return out
}

func posterizeInto(dst *Image, src Image, bits int) {
	bits = min(max(bits, 1), 8)
	mask := uint8(0xFF << (8 - bits))
	dst.reshape(src.H, src.W, src.C)
	o := dst.Pix[:len(src.Pix)]
	for i, v := range src.Pix {
		o[i] = v & mask
	}
}

// AutoContrast stretches each channel to the full range: with lo and hi the channel's minimum
// and maximum, out = trunc(in·s − lo·s) with s = 255/(hi − lo), clamped to 0..255, in float64
// as Pillow's ImageOps.autocontrast (no cutoff) computes it; a constant channel is unchanged.
func AutoContrast(img Image) Image {
	var out Image
	autoContrastInto(&out, img)
	return out
}

func autoContrastInto(dst *Image, src Image) {
	hist := histograms(src)
	luts := make([][256]uint8, src.C)
	for k := range luts {
		t := &luts[k]
		lo, hi := 0, 255
		for lo < 255 && hist[k][lo] == 0 {
			lo++
		}
		for hi > 0 && hist[k][hi] == 0 {
			hi--
		}
		if hi <= lo {
			for i := range t {
				t[i] = uint8(i)
			}
			continue
		}
		// Pillow's arithmetic: int(i·scale + offset) with offset = −lo·scale.
		scale := 255 / float64(hi-lo)
		offset := -float64(lo) * scale
		for i := range t {
			t[i] = uint8(min(max(int(float64(i)*scale+offset), 0), 255))
		}
	}
	channelLUTs(dst, src, luts)
}

// histograms counts the values of each channel.
func histograms(img Image) [][256]int {
	hist := make([][256]int, img.C)
	p := img.Pix
	if img.C == 3 {
		h0, h1, h2 := &hist[0], &hist[1], &hist[2]
		for i := 0; i+2 < len(p); i += 3 {
			h0[p[i]]++
			h1[p[i+1]]++
			h2[p[i+2]]++
		}
		return hist
	}
	h0 := &hist[0]
	for _, v := range p {
		h0[v]++
	}
	return hist
}

// channelLUTs maps channel k of every pixel through luts[k].
func channelLUTs(dst *Image, src Image, luts [][256]uint8) {
	dst.reshape(src.H, src.W, src.C)
	p, o := src.Pix, dst.Pix[:len(src.Pix)]
	if src.C == 3 {
		t0, t1, t2 := &luts[0], &luts[1], &luts[2]
		for i := 0; i+2 < len(p); i += 3 {
			o[i] = t0[p[i]]
			o[i+1] = t1[p[i+1]]
			o[i+2] = t2[p[i+2]]
		}
		return
	}
	t0 := &luts[0]
	for i, v := range p {
		o[i] = t0[v]
	}
}

// Equalize equalises the histogram of each channel as PIL's ImageOps.equalize does: with hist
// the channel's histogram, n the pixel count and last the count of its largest value,
// step = ⌊(n − last)/255⌋; if step is 0 the channel is unchanged, otherwise value i maps to
// min(255, ⌊(⌊step/2⌋ + Σ_{j<i} hist_j)/step⌋).
func Equalize(img Image) Image {
	var out Image
	equalizeInto(&out, img)
	return out
}

func equalizeInto(dst *Image, src Image) {
	hist := histograms(src)
	luts := make([][256]uint8, src.C)
	for k := range luts {
		h, t := &hist[k], &luts[k]
		n, last := 0, 0
		for _, c := range h {
			n += c
			if c > 0 {
				last = c
			}
		}
		step := (n - last) / 255
		if step == 0 {
			for i := range t {
				t[i] = uint8(i)
			}
			continue
		}
		acc := step / 2
		for i := range t {
			t[i] = uint8(min(acc/step, 255))
			acc += h[i]
		}
	}
	channelLUTs(dst, src, luts)
}

// Hue shifts the hue of every RGB pixel by shift turns (shift ∈ [−0.5, 0.5]), as
// torchvision's adjust_hue does through HSV: with mx, mn the largest and smallest channel and
// d = mx − mn, the hue is measured in integer steps H ∈ [0, 6d) (H/d is the HSV sector), moved by
// round(6·shift·d) steps modulo 6d, and the pixel rebuilt with the same mx and mn. Value and
// chroma are kept exactly; grey pixels and grey images are unchanged.
func Hue(img Image, shift float64) Image {
	var out Image
	hueInto(&out, img, shift)
	return out
}

func hueInto(dst *Image, src Image, shift float64) {
	dst.reshape(src.H, src.W, src.C)
	if src.C == 1 || shift == 0 {
		copy(dst.Pix, src.Pix)
		return
	}
	s6 := 6 * shift
	p, o := src.Pix, dst.Pix[:len(src.Pix)]
	for i := 0; i+2 < len(p); i += 3 {
		r, g, b := int(p[i]), int(p[i+1]), int(p[i+2])
		mx, mn := max(r, g, b), min(r, g, b)
		d := mx - mn
		if d == 0 {
			o[i], o[i+1], o[i+2] = p[i], p[i+1], p[i+2]
			continue
		}
		var h int
		switch mx {
		case r:
			h = g - b
		case g:
			h = 2*d + b - r
		default:
			h = 4*d + r - g
		}
		h += floorInt(s6*float64(d) + 0.5)
		full := 6 * d
		h %= full
		if h < 0 {
			h += full
		}
		sector := h / d
		fr := h - sector*d
		q, t := mx-fr, mn+fr // falling and rising edges
		var rr, gg, bb int
		switch sector {
		case 0:
			rr, gg, bb = mx, t, mn
		case 1:
			rr, gg, bb = q, mx, mn
		case 2:
			rr, gg, bb = mn, mx, t
		case 3:
			rr, gg, bb = mn, q, mx
		case 4:
			rr, gg, bb = t, mn, mx
		default:
			rr, gg, bb = mx, mn, q
		}
		o[i], o[i+1], o[i+2] = uint8(rr), uint8(gg), uint8(bb)
	}
}

// JitterParams are the strengths of ColorJitter, in the style of torchvision's ColorJitter:
// brightness, contrast and saturation factors are drawn from U(max(0, 1−s), 1+s) and the hue
// shift from U(−Hue, Hue) turns. A zero strength skips that adjustment.
type JitterParams struct {
	Brightness float64
	Contrast   float64
	Saturation float64
	Hue        float64
}

// ColorJitter applies brightness, contrast, saturation and hue adjustments (Brightness,
// Contrast, Color, Hue) with factors drawn from p, in a random order.
func ColorJitter(rng *rand.Rand, img Image, p JitterParams) Image {
	var a, b Image
	return *colorJitterInto(&a, &b, rng, img, p)
}

// colorJitterInto runs ColorJitter using a and b as work images and returns the one holding the
// result (never aliasing src).
func colorJitterInto(a, b *Image, rng *rand.Rand, src Image, p JitterParams) *Image {
	order := [4]int{0, 1, 2, 3}
	rng.Shuffle(4, func(i, j int) { order[i], order[j] = order[j], order[i] })
	factor := func(s float64) float64 { return uniform(rng, max(0, 1-s), 1+s) }
	a.copyFrom(src)
	cur, nxt := a, b
	for _, op := range order {
		switch op {
		case 0:
			if p.Brightness > 0 {
				brightnessInto(nxt, *cur, factor(p.Brightness))
				cur, nxt = nxt, cur
			}
		case 1:
			if p.Contrast > 0 {
				contrastInto(nxt, *cur, factor(p.Contrast), meanGrayInt(*cur))
				cur, nxt = nxt, cur
			}
		case 2:
			if p.Saturation > 0 && src.C == 3 {
				colorInto(nxt, *cur, factor(p.Saturation))
				cur, nxt = nxt, cur
			}
		case 3:
			if p.Hue > 0 && src.C == 3 {
				hueInto(nxt, *cur, uniform(rng, -p.Hue, p.Hue))
				cur, nxt = nxt, cur
			}
		}
	}
	return cur
}

// Cutout sets a side×side square centred at row cy, column cx, clipped to the image, to fill
// (one value per channel, or one value for all): rows cy−⌊side/2⌋ … cy−⌊side/2⌋+side−1 and the
// same for columns.
func Cutout(img Image, cy, cx, side int, fill []uint8) Image {
	out := img.Clone()
	cutoutInPlace(out, cy, cx, side, fill)
	return out
}

func cutoutInPlace(img Image, cy, cx, side int, fill []uint8) {
	y0, x0 := cy-side/2, cx-side/2
	y1, x1 := min(y0+side, img.H), min(x0+side, img.W)
	y0, x0 = max(y0, 0), max(x0, 0)
	c := img.C
	for y := y0; y < y1; y++ {
		row := img.Pix[(y*img.W+x0)*c : (y*img.W+x1)*c]
		for i := range row {
			row[i] = fillAt(fill, i%c)
		}
	}
}

func fillAt(fill []uint8, k int) uint8 {
	switch {
	case len(fill) == 0:
		return 0
	case k < len(fill):
		return fill[k]
	default:
		return fill[0]
	}
}

// RandomCutout cuts holes squares (see Cutout), each with centre uniform over the pixels and
// side uniform in sideMin..sideMax.
func RandomCutout(rng *rand.Rand, img Image, holes, sideMin, sideMax int, fill []uint8) Image {
	out := img.Clone()
	randomCutoutInPlace(rng, out, holes, sideMin, sideMax, fill)
	return out
}

func randomCutoutInPlace(rng *rand.Rand, img Image, holes, sideMin, sideMax int, fill []uint8) {
	for range holes {
		side := sideMin
		if sideMax > sideMin {
			side += rng.IntN(sideMax - sideMin + 1)
		}
		cy, cx := rng.IntN(img.H), rng.IntN(img.W)
		cutoutInPlace(img, cy, cx, side, fill)
	}
}
