package augment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// RandOp is one operation of the RandAugment list used by SCAN's "ours" augmentation. Its
// magnitude v is drawn from U(Min, Max); when Mirror is set v is negated with probability 1/2.
type RandOp struct {
	Name     string
	Min, Max float64
	Mirror   bool
	apply    func(dst *Image, src Image, v float64)
}

// randOps is SCAN's list of 14 operations with its magnitude ranges. The geometric operations
// sample with Nearest and fill with 0, as PIL's transform and rotate do by default.
var randOps = []RandOp{
	{"Identity", 0, 1, false, func(d *Image, s Image, _ float64) { d.copyFrom(s) }},
	{"AutoContrast", 0, 1, false, func(d *Image, s Image, _ float64) { autoContrastInto(d, s) }},
	{"Equalize", 0, 1, false, func(d *Image, s Image, _ float64) { equalizeInto(d, s) }},
	{"Rotate", -30, 30, true, rotateOp},
	{"Solarize", 0, 256, false, solarizeInto},
	{"Color", 0.05, 0.95, false, colorInto},
	{"Contrast", 0.05, 0.95, false, func(d *Image, s Image, v float64) {
		contrastInto(d, s, v, meanGrayInt(s))
	}},
	{"Brightness", 0.05, 0.95, false, brightnessInto},
	{"Sharpness", 0.05, 0.95, false, sharpnessInto},
	{"ShearX", -0.1, 0.1, true, func(d *Image, s Image, v float64) {
		warpInto(d, s, Affine{1, v, 0, 0, 1, 0}, Nearest, 0)
	}},
	{"TranslateX", -0.1, 0.1, true, func(d *Image, s Image, v float64) {
		warpInto(d, s, Affine{1, 0, v * float64(s.W), 0, 1, 0}, Nearest, 0)
	}},
	{"TranslateY", -0.1, 0.1, true, func(d *Image, s Image, v float64) {
		warpInto(d, s, Affine{1, 0, 0, 0, 1, v * float64(s.H)}, Nearest, 0)
	}},
	{"Posterize", 4, 8, false, func(d *Image, s Image, v float64) { posterizeInto(d, s, int(v)) }},
	{"ShearY", -0.1, 0.1, true, func(d *Image, s Image, v float64) {
		warpInto(d, s, Affine{1, 0, 0, v, 1, 0}, Nearest, 0)
	}},
}

// rotateOp turns the picture counter-clockwise by v degrees about its centre.
func rotateOp(d *Image, s Image, v float64) {
	warpInto(d, s, pillowRotation(v, s.W, s.H), Nearest, 0)
}

// pillowRotation returns the output→input map of a counter-clockwise rotation by deg degrees
// about (w/2, h/2), built as Pillow's Image.rotate builds it: t = −radians(deg mod 360),
// [a b; d e] = [cos t, sin t; −sin t, cos t] each rounded to 15 decimals, and the offsets
// making the centre a fixed point. It is the inverse of RotationAbout(deg, w/2, h/2) up to that
// rounding.
func pillowRotation(deg float64, w, h int) Affine {
	deg = math.Mod(deg, 360)
	if deg < 0 {
		deg += 360
	}
	t := -deg * math.Pi / 180
	sin, cos := math.Sincos(t)
	a, b, d, e := round15(cos), round15(sin), round15(-sin), round15(cos)
	cx, cy := float64(w)/2, float64(h)/2
	return Affine{a, b, a*-cx + b*-cy + cx, d, e, d*-cx + e*-cy + cy}
}

// round15 rounds x to 15 decimal places (correctly rounded, as Python's round(x, 15)).
func round15(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 15, 64), 64)
	return r
}

// RandOps returns SCAN's 14 RandAugment operations in SCAN's order, with their magnitude
// ranges: Identity, AutoContrast, Equalize (no magnitude), Rotate ±30° (degrees,
// counter-clockwise), Solarize 0..256 (threshold), Color, Contrast, Brightness, Sharpness
// 0.05..0.95 (blend factor), ShearX ±0.1 (input x = x + v·y), TranslateX ±0.1 (fraction of the
// width: input x = x + v·W), TranslateY ±0.1, Posterize 4..8 (bits kept, ⌊v⌋), ShearY ±0.1.
func RandOps() []RandOp { return append([]RandOp(nil), randOps...) }

// RandOpNames lists the operation names accepted by LookupRandOp.
func RandOpNames() []string {
	names := make([]string, len(randOps))
	for i, op := range randOps {
		names[i] = op.Name
	}
	return names
}

// LookupRandOp finds an operation by name (case-insensitive).
func LookupRandOp(name string) (RandOp, error) {
	for _, op := range randOps {
		if strings.EqualFold(op.Name, name) {
			return op, nil
		}
	}
	return RandOp{}, fmt.Errorf("unknown augmentation op %q: valid ops are %s", name, strings.Join(RandOpNames(), ", "))
}

// Apply runs the operation with magnitude v (no random draw, no mirroring).
func (op RandOp) Apply(img Image, v float64) Image {
	var out Image
	op.apply(&out, img, v)
	return out
}

// Magnitude draws v ~ U(Min, Max) and, for a mirrored operation, negates it with probability 1/2.
func (op RandOp) Magnitude(rng *rand.Rand) float64 {
	v := op.Min + (op.Max-op.Min)*rng.Float64()
	if op.Mirror && rng.IntN(2) == 1 {
		v = -v
	}
	return v
}

// RandAugment applies n operations drawn uniformly with replacement from ops, each with a
// magnitude from Magnitude, as SCAN's Augment does.
func RandAugment(rng *rand.Rand, img Image, ops []RandOp, n int) Image {
	var a, b Image
	return *randAugmentInto(&a, &b, rng, img, ops, n)
}

func randAugmentInto(a, b *Image, rng *rand.Rand, src Image, ops []RandOp, n int) *Image {
	a.copyFrom(src)
	if len(ops) == 0 {
		return a
	}
	cur, nxt := a, b
	for range n {
		op := ops[rng.IntN(len(ops))]
		op.apply(nxt, *cur, op.Magnitude(rng))
		cur, nxt = nxt, cur
	}
	return cur
}
