package augment

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
)

// Pipeline is a seeded augmentation: Apply returns a new image and never modifies img. It is
// safe for concurrent use; all randomness comes from rng, so the same rng state and image give
// the same output.
type Pipeline interface {
	Apply(rng *rand.Rand, img Image) Image
	// Name is the name the pipeline was built from.
	Name() string
	// Options returns the options in force after defaults were filled in.
	Options() Options
}

// Options configures a named pipeline; it decodes from YAML (yaml tags) and viper
// (mapstructure tags). A zero field takes the named pipeline's default (see Defaults); a negative
// value switches that part off. Any stage can be switched on in any pipeline except none by
// giving it a positive parameter. The stages run in this order: flip, crop, affine, colour jitter,
// grayscale, RandAugment, cutout.
type Options struct {
	// FlipProb is the probability of a horizontal flip.
	FlipProb float64 `yaml:"flip_prob" mapstructure:"flip_prob"`

	// CropSize is the side of the square random crop; 0 keeps the input size.
	CropSize int `yaml:"crop_size" mapstructure:"crop_size"`
	// CropPad is the padding added on every side before cropping.
	CropPad int `yaml:"crop_pad" mapstructure:"crop_pad"`
	// PadMode is zero (default) or reflect.
	PadMode string `yaml:"pad_mode" mapstructure:"pad_mode"`

	// Degrees, Translate (fraction of the size), ScaleMin, ScaleMax and Shear (degrees) are the
	// ranges of the random affine map (see AffineParams), sampled bilinearly.
	Degrees   float64 `yaml:"degrees" mapstructure:"degrees"`
	Translate float64 `yaml:"translate" mapstructure:"translate"`
	ScaleMin  float64 `yaml:"scale_min" mapstructure:"scale_min"`
	ScaleMax  float64 `yaml:"scale_max" mapstructure:"scale_max"`
	Shear     float64 `yaml:"shear" mapstructure:"shear"`

	// Brightness, Contrast, Saturation and Hue are colour-jitter strengths (see JitterParams),
	// applied with probability JitterProb.
	Brightness float64 `yaml:"brightness" mapstructure:"brightness"`
	Contrast   float64 `yaml:"contrast" mapstructure:"contrast"`
	Saturation float64 `yaml:"saturation" mapstructure:"saturation"`
	Hue        float64 `yaml:"hue" mapstructure:"hue"`
	JitterProb float64 `yaml:"jitter_prob" mapstructure:"jitter_prob"`
	// GrayProb is the probability of converting the image to grey (kept 3-channel).
	GrayProb float64 `yaml:"gray_prob" mapstructure:"gray_prob"`

	// NumOps RandAugment operations are drawn with replacement from Ops (default: all of
	// RandOpNames).
	NumOps int      `yaml:"num_ops" mapstructure:"num_ops"`
	Ops    []string `yaml:"ops" mapstructure:"ops"`

	// CutoutHoles squares with side uniform in CutoutMin..CutoutMax are filled with the mean
	// of the Normalize preset (black when Normalize is empty or none). CutoutMax 0 means 16
	// for images of side ≤ 32 and 32 for larger ones.
	CutoutHoles int    `yaml:"cutout_holes" mapstructure:"cutout_holes"`
	CutoutMin   int    `yaml:"cutout_min" mapstructure:"cutout_min"`
	CutoutMax   int    `yaml:"cutout_max" mapstructure:"cutout_max"`
	Normalize   string `yaml:"normalize" mapstructure:"normalize"`
}

// pipelineDefaults holds the defaults of each named pipeline.
//   - digits: IMSAT/IIC-style small random affine maps: ±15°, ±10% shift, scale 0.9..1.1, ±10°
//     shear.
//   - cifar: random crop 32 with 4 pixels of zero padding, flip.
//   - stl: random crop 96 with 12 pixels of zero padding, flip, SCAN's SimCLR colour jitter
//     (0.4, 0.4, 0.4, 0.1 with probability 0.8) and grayscale with probability 0.2.
//   - scan: SCAN's "ours" strong augmentation: flip, random crop at the input size (no padding,
//     as SCAN's RandomCrop(crop_size)), 4 RandAugment operations, 1 cutout hole with side
//     1..16 (≤ 32 px) or 1..32.
var pipelineDefaults = map[string]Options{
	"none":   {},
	"digits": {Degrees: 15, Translate: 0.1, ScaleMin: 0.9, ScaleMax: 1.1, Shear: 10},
	"cifar":  {FlipProb: 0.5, CropPad: 4},
	"stl": {FlipProb: 0.5, CropPad: 12, Brightness: 0.4, Contrast: 0.4, Saturation: 0.4,
		Hue: 0.1, JitterProb: 0.8, GrayProb: 0.2},
	"scan": {FlipProb: 0.5, NumOps: 4, CutoutHoles: 1, CutoutMin: 1},
}

// Names lists the pipeline names New accepts.
func Names() []string {
	names := make([]string, 0, len(pipelineDefaults))
	for n := range pipelineDefaults {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Defaults returns the default options of a named pipeline.
func Defaults(name string) (Options, error) {
	d, ok := pipelineDefaults[strings.ToLower(name)]
	if !ok {
		return Options{}, fmt.Errorf("unknown augmentation pipeline %q: valid pipelines are %s", name, strings.Join(Names(), ", "))
	}
	d.Ops = append([]string(nil), d.Ops...)
	return d, nil
}

func mergeF(user, def float64) float64 {
	switch {
	case user < 0:
		return 0
	case user > 0:
		return user
	}
	return def
}

func mergeI(user, def int) int {
	switch {
	case user < 0:
		return 0
	case user > 0:
		return user
	}
	return def
}

// resolve fills zero fields of opts from def and maps negative values to 0.
func resolve(opts, def Options) Options {
	r := Options{
		FlipProb:    mergeF(opts.FlipProb, def.FlipProb),
		CropSize:    mergeI(opts.CropSize, def.CropSize),
		CropPad:     mergeI(opts.CropPad, def.CropPad),
		PadMode:     opts.PadMode,
		Degrees:     mergeF(opts.Degrees, def.Degrees),
		Translate:   mergeF(opts.Translate, def.Translate),
		ScaleMin:    mergeF(opts.ScaleMin, def.ScaleMin),
		ScaleMax:    mergeF(opts.ScaleMax, def.ScaleMax),
		Shear:       mergeF(opts.Shear, def.Shear),
		Brightness:  mergeF(opts.Brightness, def.Brightness),
		Contrast:    mergeF(opts.Contrast, def.Contrast),
		Saturation:  mergeF(opts.Saturation, def.Saturation),
		Hue:         mergeF(opts.Hue, def.Hue),
		JitterProb:  mergeF(opts.JitterProb, def.JitterProb),
		GrayProb:    mergeF(opts.GrayProb, def.GrayProb),
		NumOps:      mergeI(opts.NumOps, def.NumOps),
		Ops:         append([]string(nil), opts.Ops...),
		CutoutHoles: mergeI(opts.CutoutHoles, def.CutoutHoles),
		CutoutMin:   mergeI(opts.CutoutMin, def.CutoutMin),
		CutoutMax:   mergeI(opts.CutoutMax, def.CutoutMax),
		Normalize:   opts.Normalize,
	}
	if r.PadMode == "" {
		r.PadMode = "zero"
	}
	if len(r.Ops) == 0 {
		r.Ops = RandOpNames()
	}
	if r.JitterProb == 0 && opts.JitterProb == 0 {
		r.JitterProb = 1 // jitter switched on in a pipeline without a default probability
	}
	if r.CutoutHoles > 0 && r.CutoutMin == 0 {
		r.CutoutMin = 1
	}
	return r
}

// step transforms *cur, using *spare as work space; the result is left in *cur.
type step func(rng *rand.Rand, cur, spare *Image)

type chain struct {
	name  string
	opts  Options
	steps []step
	pool  sync.Pool // *[2]Image work buffers
}

func (p *chain) Name() string { return p.name }

func (p *chain) Options() Options {
	o := p.opts
	o.Ops = append([]string(nil), o.Ops...)
	return o
}

// Apply implements Pipeline.
func (p *chain) Apply(rng *rand.Rand, img Image) Image {
	buf := p.getBuf()
	out := p.applyBuf(rng, img, buf).Clone()
	p.pool.Put(buf)
	return out
}

func (p *chain) getBuf() *[2]Image {
	if b, ok := p.pool.Get().(*[2]Image); ok {
		return b
	}
	return new([2]Image)
}

// applyBuf runs the steps with buf as work space and returns the result, which aliases buf.
func (p *chain) applyBuf(rng *rand.Rand, img Image, buf *[2]Image) Image {
	cur, spare := &buf[0], &buf[1]
	cur.copyFrom(img)
	for _, s := range p.steps {
		s(rng, cur, spare)
	}
	return *cur
}

func swap(cur, spare *Image) { *cur, *spare = *spare, *cur }

// New builds the named pipeline (one of Names) with opts over its defaults (see Options). The
// none pipeline is the identity and ignores opts.
func New(name string, opts Options) (Pipeline, error) {
	def, err := Defaults(name)
	if err != nil {
		return nil, err
	}
	name = strings.ToLower(name)
	if name == "none" {
		return &chain{name: name, opts: def}, nil
	}
	o := resolve(opts, def)
	p := &chain{name: name, opts: o}
	if err := p.build(); err != nil {
		return nil, fmt.Errorf("augmentation pipeline %s: %w", name, err)
	}
	return p, nil
}

func checkProb(key string, v float64) error {
	if v > 1 {
		return fmt.Errorf("%s = %g: a probability must be at most 1", key, v)
	}
	return nil
}

func (p *chain) build() error {
	o := p.opts
	for _, kv := range []struct {
		key string
		v   float64
	}{{"flip_prob", o.FlipProb}, {"jitter_prob", o.JitterProb}, {"gray_prob", o.GrayProb}} {
		if err := checkProb(kv.key, kv.v); err != nil {
			return err
		}
	}
	mode, err := ParsePadMode(o.PadMode)
	if err != nil {
		return fmt.Errorf("pad_mode: %w", err)
	}
	if o.Translate > 1 {
		return fmt.Errorf("translate = %g: a fraction of the image size must be at most 1", o.Translate)
	}
	if o.ScaleMax > 0 && (o.ScaleMin <= 0 || o.ScaleMin > o.ScaleMax) {
		return fmt.Errorf("scale_min = %g, scale_max = %g: want 0 < scale_min ≤ scale_max", o.ScaleMin, o.ScaleMax)
	}
	if o.Hue > 0.5 {
		return fmt.Errorf("hue = %g: want at most 0.5 (a half turn)", o.Hue)
	}
	if o.CutoutMax > 0 && o.CutoutMin > o.CutoutMax {
		return fmt.Errorf("cutout_min = %d > cutout_max = %d", o.CutoutMin, o.CutoutMax)
	}
	ops := make([]RandOp, 0, len(o.Ops))
	for _, n := range o.Ops {
		op, err := LookupRandOp(n)
		if err != nil {
			return fmt.Errorf("ops: %w", err)
		}
		ops = append(ops, op)
	}
	var fill []uint8
	if o.Normalize != "" {
		nz, err := NormalizerPreset(o.Normalize)
		if err != nil {
			return fmt.Errorf("normalize: %w", err)
		}
		fill = nz.MeanPixel()
	}

	if o.FlipProb > 0 {
		prob := o.FlipProb
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			if rng.Float64() < prob {
				flipInto(spare, *cur)
				swap(cur, spare)
			}
		})
	}
	if o.CropPad > 0 || o.CropSize > 0 {
		size, pad := o.CropSize, o.CropPad
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			h, w := size, size
			if size == 0 {
				h, w = cur.H, cur.W
			}
			randomCropInto(spare, rng, *cur, h, w, pad, mode)
			swap(cur, spare)
		})
	}
	if o.Degrees > 0 || o.Translate > 0 || o.Shear > 0 || o.ScaleMax > 0 {
		ap := AffineParams{Degrees: o.Degrees, Translate: o.Translate, ScaleMin: o.ScaleMin, ScaleMax: o.ScaleMax, Shear: o.Shear}
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			randomAffineInto(spare, rng, *cur, ap, 0)
			swap(cur, spare)
		})
	}
	if jp := (JitterParams{o.Brightness, o.Contrast, o.Saturation, o.Hue}); jp != (JitterParams{}) && o.JitterProb > 0 {
		prob := o.JitterProb
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			if rng.Float64() < prob {
				if colorJitterInto(cur, spare, rng, *cur, jp) == spare {
					swap(cur, spare)
				}
			}
		})
	}
	if o.GrayProb > 0 {
		prob := o.GrayProb
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			if rng.Float64() < prob {
				grayInto(spare, *cur)
				swap(cur, spare)
			}
		})
	}
	if o.NumOps > 0 {
		n := o.NumOps
		p.steps = append(p.steps, func(rng *rand.Rand, cur, spare *Image) {
			if randAugmentInto(cur, spare, rng, *cur, ops, n) == spare {
				swap(cur, spare)
			}
		})
	}
	if o.CutoutHoles > 0 {
		holes, lo, hi := o.CutoutHoles, o.CutoutMin, o.CutoutMax
		p.steps = append(p.steps, func(rng *rand.Rand, cur, _ *Image) {
			top := hi
			if top == 0 {
				top = 16
				if max(cur.H, cur.W) > 32 {
					top = 32
				}
			}
			randomCutoutInPlace(rng, *cur, holes, min(lo, top), top, fill)
		})
	}
	return nil
}
