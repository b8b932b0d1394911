package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// FlipH returns the mirror image: out(y, x) = in(y, W−1−x).
func FlipH(img Image) Image {
	var out Image
	flipInto(&out, img)
	return out
}

func flipInto(dst *Image, src Image) {
	dst.reshape(src.H, src.W, src.C)
	w, c := src.W, src.C
	for y := 0; y < src.H; y++ {
		row := src.Pix[y*w*c : (y+1)*w*c]
		orow := dst.Pix[y*w*c : (y+1)*w*c]
		if c == 1 {
			for x := 0; x < w; x++ {
				orow[x] = row[w-1-x]
			}
			continue
		}
		if c != 3 {
			for x := 0; x < w; x++ {
				copy(orow[x*c:(x+1)*c], row[(w-1-x)*c:(w-x)*c])
			}
			continue
		}
		for x := 0; x < w; x++ {
			s := 3 * (w - 1 - x)
			px := row[s : s+3 : s+3]
			orow[3*x], orow[3*x+1], orow[3*x+2] = px[0], px[1], px[2]
		}
	}
}

// PadMode says how Crop fills the border it adds around an image.
type PadMode int

const (
	// PadZero fills the border with zeros (black).
	PadZero PadMode = iota
	// PadReflect mirrors the image at its edge without repeating the edge pixel (numpy's and
	// PyTorch's "reflect"): index −1 reads 1 and index H reads H−2.
	PadReflect
)

// ParsePadMode maps "zero" (or "") and "reflect" to a PadMode.
func ParsePadMode(s string) (PadMode, error) {
	switch s {
	case "", "zero", "constant":
		return PadZero, nil
	case "reflect":
		return PadReflect, nil
	}
	return PadZero, fmt.Errorf("pad mode %q: want one of zero, reflect", s)
}

// Crop pads img by pad pixels on every side and returns the h×w window whose top-left corner is
// (top, left) in the padded image: out(y, x) = padded(top+y, left+x), where padded(i, j) =
// in(i−pad, j−pad) inside the image and is filled according to mode outside it. Windows that
// reach past the padded image are filled the same way.
func Crop(img Image, top, left, h, w, pad int, mode PadMode) Image {
	var out Image
	cropInto(&out, img, top, left, h, w, pad, mode)
	return out
}

// reflectIndex maps any integer index into 0..n−1 by repeated reflection without edge repeat.
func reflectIndex(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

func cropInto(dst *Image, src Image, top, left, h, w, pad int, mode PadMode) {
	dst.reshape(h, w, src.C)
	c := src.C
	oy, ox := top-pad, left-pad // source coordinates of the output's top-left pixel
	for y := 0; y < h; y++ {
		sy := oy + y
		orow := dst.Pix[y*w*c : (y+1)*w*c]
		if sy < 0 || sy >= src.H {
			if mode == PadZero {
				clear(orow)
				continue
			}
			sy = reflectIndex(sy, src.H)
		}
		srow := src.Pix[sy*src.W*c : (sy+1)*src.W*c]
		// The columns that fall inside the source are one contiguous copy; the rest are border.
		x0, x1 := max(0, -ox), min(w, src.W-ox)
		if x0 >= x1 {
			x0, x1 = w, w
		} else {
			copy(orow[x0*c:x1*c], srow[(ox+x0)*c:(ox+x1)*c])
		}
		for x := 0; x < w; x++ {
			if x == x0 {
				x = x1 - 1
				continue
			}
			if mode == PadZero {
				clear(orow[x*c : (x+1)*c])
				continue
			}
			sx := reflectIndex(ox+x, src.W)
			copy(orow[x*c:(x+1)*c], srow[sx*c:(sx+1)*c])
		}
	}
}

// RandomCrop pads img by pad pixels (see Crop) and cuts an h×w window at a uniformly random
// position: top ∈ {0..H+2·pad−h}, left ∈ {0..W+2·pad−w}. When the padded image is smaller than
// the window the offset is 0.
func RandomCrop(rng *rand.Rand, img Image, h, w, pad int, mode PadMode) Image {
	var out Image
	randomCropInto(&out, rng, img, h, w, pad, mode)
	return out
}

func randomCropInto(dst *Image, rng *rand.Rand, src Image, h, w, pad int, mode PadMode) {
	top, left := 0, 0
	if r := src.H + 2*pad - h; r > 0 {
		top = rng.IntN(r + 1)
	}
	if r := src.W + 2*pad - w; r > 0 {
		left = rng.IntN(r + 1)
	}
	cropInto(dst, src, top, left, h, w, pad, mode)
}

// Affine is a 2×3 matrix [a b c; d e f] acting on continuous image coordinates:
// (x, y) ↦ (a·x + b·y + c, d·x + e·y + f).
type Affine [6]float64

// IdentityAffine is the identity map.
var IdentityAffine = Affine{1, 0, 0, 0, 1, 0}

// Mul returns the composition m∘n (apply n first, then m).
func (m Affine) Mul(n Affine) Affine {
	return Affine{
		m[0]*n[0] + m[1]*n[3], m[0]*n[1] + m[1]*n[4], m[0]*n[2] + m[1]*n[5] + m[2],
		m[3]*n[0] + m[4]*n[3], m[3]*n[1] + m[4]*n[4], m[3]*n[2] + m[4]*n[5] + m[5],
	}
}

// Invert returns the inverse map and false when m is singular.
func (m Affine) Invert() (Affine, bool) {
	det := m[0]*m[4] - m[1]*m[3]
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return Affine{}, false
	}
	a, b, d, e := m[4]/det, -m[1]/det, -m[3]/det, m[0]/det
	return Affine{a, b, -(a*m[2] + b*m[5]), d, e, -(d*m[2] + e*m[5])}, true
}

// Apply maps the point (x, y).
func (m Affine) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// Translate returns the map (x, y) ↦ (x+tx, y+ty).
func Translate(tx, ty float64) Affine { return Affine{1, 0, tx, 0, 1, ty} }

// RotationAbout returns the map that turns the picture counter-clockwise on screen by deg
// degrees about (cx, cy). With y pointing down:
// x' = cx + cos·(x−cx) + sin·(y−cy), y' = cy − sin·(x−cx) + cos·(y−cy).
func RotationAbout(deg, cx, cy float64) Affine {
	s, c := math.Sincos(deg * math.Pi / 180)
	return Translate(cx, cy).Mul(Affine{c, s, 0, -s, c, 0}).Mul(Translate(-cx, -cy))
}

// Interp selects the sampling used by Warp.
type Interp int

const (
	// Bilinear interpolates the four nearest pixels with 8-bit fixed-point weights.
	Bilinear Interp = iota
	// Nearest takes the pixel whose square contains the sample point.
	Nearest
)

// Warp resamples img through inv, the map from output coordinates to input coordinates:
// out(p) = in(inv(p)) evaluated at each output pixel centre p = (x+0.5, y+0.5). Sample points
// outside the input read fill (every channel). Nearest takes in(⌊inv(p)⌋) computed as Pillow
// does (see warpNearest); Bilinear
// interpolates the four pixels around inv(p) − (0.5, 0.5), each of which is in(i, j) or fill when
// (i, j) is outside, with the fractional offsets rounded to multiples of 1/256. As in Pillow, the
// sample points are accumulated along rows and columns (start at inv(0.5, 0.5), add (a, d) per
// column and (b, e) per row).
func Warp(img Image, inv Affine, interp Interp, fill uint8) Image {
	var out Image
	warpInto(&out, img, inv, interp, fill)
	return out
}

func warpInto(dst *Image, src Image, inv Affine, interp Interp, fill uint8) {
	dst.reshape(src.H, src.W, src.C)
	if interp == Nearest {
		warpNearest(dst, src, inv, fill)
	} else {
		warpBilinear(dst, src, inv, fill)
	}
}

// warpNearest follows Pillow's nearest-neighbour affine transform: a pure scale/translation
// (b = d = 0) tabulates the source column of every output column in float64; any other map whose
// corners stay within ±32768 steps the sample point in 16.16 fixed point (each coefficient
// rounded to 1/65536), and the rest use float64.
func warpNearest(dst *Image, src Image, inv Affine, fill uint8) {
	h, w, c := src.H, src.W, src.C
	sp, op := src.Pix, dst.Pix
	a, b, d, e := inv[0], inv[1], inv[3], inv[4]
	for i := range op {
		op[i] = fill
	}
	if b == 0 && d == 0 {
		warpScale(dst, src, inv)
		return
	}
	if fixedOK(inv, 0, 0) && fixedOK(inv, w, h) && fixedOK(inv, 0, h) && fixedOK(inv, w, 0) {
		fix := func(v float64) int64 { return int64(math.Floor(v*65536 + 0.5)) }
		a0, a1, a3, a4 := fix(a), fix(b), fix(d), fix(e)
		xo := fix(inv[2] + b*0.5 + a*0.5)
		yo := fix(inv[5] + e*0.5 + d*0.5)
		for y := 0; y < h; y, xo, yo = y+1, xo+a1, yo+a4 {
			row := op[y*w*c : (y+1)*w*c]
			xx, yy := xo, yo
			for x := 0; x < w; x, xx, yy = x+1, xx+a0, yy+a3 {
				j, i := int(xx>>16), int(yy>>16)
				if uint(i) >= uint(h) || uint(j) >= uint(w) {
					continue
				}
				if c == 3 {
					s := 3 * (i*w + j)
					px := sp[s : s+3 : s+3]
					row[3*x], row[3*x+1], row[3*x+2] = px[0], px[1], px[2]
				} else {
					row[x] = sp[i*w+j]
				}
			}
		}
		return
	}
	xo := inv[2] + b*0.5 + a*0.5
	yo := inv[5] + e*0.5 + d*0.5
	for y := 0; y < h; y, xo, yo = y+1, xo+b, yo+e {
		row := op[y*w*c : (y+1)*w*c]
		xx, yy := xo, yo
		for x := 0; x < w; x, xx, yy = x+1, xx+a, yy+d {
			j, i := floorInt(xx), floorInt(yy)
			if uint(i) >= uint(h) || uint(j) >= uint(w) {
				continue
			}
			s := c * (i*w + j)
			copy(row[c*x:c*x+c], sp[s:s+c])
		}
	}
}

// fixedOK reports whether the map sends (x, y) within the range of 16.16 fixed point.
func fixedOK(m Affine, x, y int) bool {
	u, v := m.Apply(float64(x), float64(y))
	return math.Abs(u) < 32768 && math.Abs(v) < 32768
}

// warpScale is the nearest-neighbour warp for maps without rotation or shear: the source column
// of every output column is tabulated once, then each output row copies from one source row.
// dst must already hold the fill.
func warpScale(dst *Image, src Image, inv Affine) {
	h, w, c := src.H, src.W, src.C
	var colBuf [128]int
	cols := colBuf[:0]
	if w > len(colBuf) {
		cols = make([]int, 0, w)
	}
	cols = cols[:w]
	xo := inv[2] + inv[0]*0.5
	for x := range cols {
		cols[x] = -1
		if j := floorInt(xo); j >= 0 && j < w {
			cols[x] = j
		}
		xo += inv[0]
	}
	yo := inv[5] + inv[4]*0.5
	for y := 0; y < h; y, yo = y+1, yo+inv[4] {
		i := floorInt(yo)
		if i < 0 || i >= h {
			continue
		}
		in := src.Pix[i*w*c : (i+1)*w*c]
		out := dst.Pix[y*w*c : (y+1)*w*c]
		for x, j := range cols {
			if j < 0 {
				continue
			}
			if c == 3 {
				out[3*x], out[3*x+1], out[3*x+2] = in[3*j], in[3*j+1], in[3*j+2]
			} else {
				out[x] = in[j]
			}
		}
	}
}

func warpBilinear(dst *Image, src Image, inv Affine, fill uint8) {
	h, w, c := src.H, src.W, src.C
	sp, op := src.Pix, dst.Pix
	a, b, d, e := inv[0], inv[1], inv[3], inv[4]
	// Index-space position (point − 0.5) of the first pixel centre.
	xo := inv[2] + b*0.5 + a*0.5 - 0.5
	yo := inv[5] + e*0.5 + d*0.5 - 0.5
	for y := 0; y < h; y, xo, yo = y+1, xo+b, yo+e {
		o := y * w * c
		u, v := xo, yo
		for x := 0; x < w; x, u, v, o = x+1, u+a, v+d, o+c {
			j, i := floorInt(u), floorInt(v)
			wx := int((u-float64(j))*256 + 0.5)
			wy := int((v-float64(i))*256 + 0.5)
			if wx == 256 {
				j, wx = j+1, 0
			}
			if wy == 256 {
				i, wy = i+1, 0
			}
			if i >= 0 && i+1 < h && j >= 0 && j+1 < w {
				s := (i*w + j) * c
				s2 := s + w*c
				for k := 0; k < c; k++ {
					top := int(sp[s+k])*(256-wx) + int(sp[s+c+k])*wx
					bot := int(sp[s2+k])*(256-wx) + int(sp[s2+c+k])*wx
					op[o+k] = uint8((top*(256-wy) + bot*wy + 32768) >> 16)
				}
				continue
			}
			if i < -1 || i >= h || j < -1 || j >= w {
				for k := 0; k < c; k++ {
					op[o+k] = fill
				}
				continue
			}
			for k := 0; k < c; k++ {
				p00 := pixOr(src, i, j, k, fill)
				p01 := pixOr(src, i, j+1, k, fill)
				p10 := pixOr(src, i+1, j, k, fill)
				p11 := pixOr(src, i+1, j+1, k, fill)
				top := p00*(256-wx) + p01*wx
				bot := p10*(256-wx) + p11*wx
				op[o+k] = uint8((top*(256-wy) + bot*wy + 32768) >> 16)
			}
		}
	}
}

// floorInt returns ⌊u⌋ for |u| < 2^30 without a call to math.Floor; values far outside
// any image saturate, which only matters in that they read as outside.
func floorInt(u float64) int {
	if u < -1<<30 {
		return -1 << 30
	}
	if u > 1<<30 {
		return 1 << 30
	}
	i := int(u) // truncates toward zero
	if float64(i) > u {
		i--
	}
	return i
}

func pixOr(m Image, i, j, k int, fill uint8) int {
	if i < 0 || i >= m.H || j < 0 || j >= m.W {
		return int(fill)
	}
	return int(m.Pix[(i*m.W+j)*m.C+k])
}

// AffineParams are the ranges of RandomAffineMatrix, in the style of torchvision's
// RandomAffine: angle ~ U(−Degrees, Degrees), shift ~ U(−Translate·size, Translate·size) on each
// axis, scale ~ U(ScaleMin, ScaleMax), horizontal shear angle ~ U(−Shear, Shear) degrees.
type AffineParams struct {
	Degrees   float64
	Translate float64
	ScaleMin  float64
	ScaleMax  float64
	Shear     float64
}

// AffineAbout returns the forward map that scales by s, shears horizontally by shear degrees,
// rotates counter-clockwise by deg degrees, all about the centre (cx, cy), then shifts by
// (tx, ty): M = T(c+t)·R(deg)·Sh(shear)·S(s)·T(−c), with Sh = [1 tan(shear); 0 1].
func AffineAbout(deg, tx, ty, s, shear, cx, cy float64) Affine {
	sc, cc := math.Sincos(deg * math.Pi / 180)
	r := Affine{cc, sc, 0, -sc, cc, 0}
	sh := Affine{1, math.Tan(shear * math.Pi / 180), 0, 0, 1, 0}
	sm := Affine{s, 0, 0, 0, s, 0}
	return Translate(cx+tx, cy+ty).Mul(r).Mul(sh).Mul(sm).Mul(Translate(-cx, -cy))
}

// RandomAffineMatrix draws a forward map for an h×w image from p (see AffineAbout; the centre is
// (w/2, h/2)). A scale range with ScaleMax ≤ 0 means no scaling.
func RandomAffineMatrix(rng *rand.Rand, p AffineParams, h, w int) Affine {
	deg := uniform(rng, -p.Degrees, p.Degrees)
	tx := uniform(rng, -p.Translate, p.Translate) * float64(w)
	ty := uniform(rng, -p.Translate, p.Translate) * float64(h)
	s := 1.0
	if p.ScaleMax > 0 {
		s = uniform(rng, p.ScaleMin, p.ScaleMax)
	}
	sh := uniform(rng, -p.Shear, p.Shear)
	return AffineAbout(deg, tx, ty, s, sh, float64(w)/2, float64(h)/2)
}

// RandomAffine warps img by a map drawn with RandomAffineMatrix, with bilinear sampling and
// outside points filled with fill.
func RandomAffine(rng *rand.Rand, img Image, p AffineParams, fill uint8) Image {
	var out Image
	randomAffineInto(&out, rng, img, p, fill)
	return out
}

func randomAffineInto(dst *Image, rng *rand.Rand, src Image, p AffineParams, fill uint8) {
	m := RandomAffineMatrix(rng, p, src.H, src.W)
	inv, ok := m.Invert()
	if !ok {
		dst.copyFrom(src)
		return
	}
	warpInto(dst, src, inv, Bilinear, fill)
}

// uniform returns a draw from U(lo, hi); lo when hi ≤ lo.
func uniform(rng *rand.Rand, lo, hi float64) float64 {
	if hi <= lo {
		return lo
	}
	return lo + (hi-lo)*rng.Float64()
}
