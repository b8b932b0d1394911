package augment

import (
	"fmt"
	"sort"
	"strings"
)

// Normalizer maps an 8-bit image to float32 HWC values
// out = (in/255 − Mean[c]) / Std[c], channel by channel. A one-value Mean/Std applies to every
// channel.
type Normalizer struct {
	Name      string
	Mean, Std []float64
	lut       [][256]float32
}

var normalizerPresets = map[string][2][]float64{
	"none":          {{0}, {1}},
	"mnist":         {{0.1307}, {0.3081}},
	"fashion-mnist": {{0.2860}, {0.3530}},
	"cifar10":       {{0.4914, 0.4822, 0.4465}, {0.2023, 0.1994, 0.2010}},
	"cifar20":       {{0.5071, 0.4867, 0.4408}, {0.2675, 0.2565, 0.2761}},
	"imagenet":      {{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}},
}

var normalizerAliases = map[string]string{
	"cifar100-20": "cifar20",
	"cifar100":    "cifar20",
	"stl":         "imagenet",
	"stl10":       "imagenet",
}

// NormalizerNames lists the names NormalizerPreset accepts.
func NormalizerNames() []string {
	var names []string
	for n := range normalizerPresets {
		names = append(names, n)
	}
	for n := range normalizerAliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NormalizerPreset returns a named normalisation: none (in/255), mnist, fashion-mnist,
// cifar10 and cifar20 (SCAN's values; aliases cifar100, cifar100-20), imagenet (aliases stl,
// stl10).
func NormalizerPreset(name string) (*Normalizer, error) {
	key := strings.ToLower(name)
	if a, ok := normalizerAliases[key]; ok {
		key = a
	}
	p, ok := normalizerPresets[key]
	if !ok {
		return nil, fmt.Errorf("unknown normalisation %q: valid ones are %s", name, strings.Join(NormalizerNames(), ", "))
	}
	n, err := NewNormalizer(p[0], p[1])
	if err != nil {
		return nil, err
	}
	n.Name = key
	return n, nil
}

// NewNormalizer builds a normaliser from per-channel means and standard deviations (in units
// of the full 0..255 range, i.e. pixel/255).
func NewNormalizer(mean, std []float64) (*Normalizer, error) {
	if len(mean) == 0 || len(mean) != len(std) {
		return nil, fmt.Errorf("normalisation needs as many means as standard deviations (got %d and %d)", len(mean), len(std))
	}
	n := &Normalizer{Mean: append([]float64(nil), mean...), Std: append([]float64(nil), std...)}
	n.lut = make([][256]float32, len(mean))
	for c := range mean {
		if !(std[c] > 0) {
			return nil, fmt.Errorf("normalisation std[%d] = %g: must be positive", c, std[c])
		}
		for v := range 256 {
			n.lut[c][v] = float32((float64(v)/255 - mean[c]) / std[c])
		}
	}
	return n, nil
}

// Check reports whether images with c channels can be normalised.
func (n *Normalizer) Check(c int) error {
	if len(n.lut) == 1 || len(n.lut) == c {
		return nil
	}
	return fmt.Errorf("normalisation %s has %d channels, images have %d", n.Name, len(n.lut), c)
}

// MeanPixel returns the mean as 8-bit values, round(255·Mean[c]).
func (n *Normalizer) MeanPixel() []uint8 {
	out := make([]uint8, len(n.Mean))
	for i, m := range n.Mean {
		out[i] = round8(255 * m)
	}
	return out
}

// Into writes the normalised image to dst[:H·W·C].
func (n *Normalizer) Into(dst []float32, img Image) error {
	if err := n.Check(img.C); err != nil {
		return err
	}
	if len(dst) < len(img.Pix) {
		return fmt.Errorf("normalisation output has room for %d values, image has %d", len(dst), len(img.Pix))
	}
	dst = dst[:len(img.Pix)]
	if len(n.lut) == 1 {
		t := &n.lut[0]
		for i, v := range img.Pix {
			dst[i] = t[v]
		}
		return nil
	}
	t0, t1, t2 := &n.lut[0], &n.lut[1], &n.lut[2]
	p := img.Pix
	for i := 0; i+2 < len(p); i += 3 {
		dst[i] = t0[p[i]]
		dst[i+1] = t1[p[i+1]]
		dst[i+2] = t2[p[i+2]]
	}
	return nil
}

// Apply returns the normalised image as a new H·W·C slice.
func (n *Normalizer) Apply(img Image) ([]float32, error) {
	out := make([]float32, len(img.Pix))
	if err := n.Into(out, img); err != nil {
		return nil, err
	}
	return out, nil
}
