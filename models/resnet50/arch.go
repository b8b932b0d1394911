// Package resnet50 runs the Keras (v1) ResNet-50 trained on ImageNet, read from its TensorFlow.js
// layers files (package tfjs), in inference mode on a GoMLX backend: 2048-d features (the global
// average pool), the 1000 logits of fc1000, and top-k classification.
//
// The graph, NHWC, kernels H×W×In×Out:
//
//	stem:  zero-pad 3 → conv1 7×7 stride 2 (valid) → BN → ReLU → zero-pad 1 → max-pool 3×3 stride 2
//	stage s = 2..5, blocks a, b, c, ... (3, 4, 6, 3 blocks), widths (f1, f2, f3) = (64, 64, 256)·2^(s−2):
//	  y = relu(BN(conv1×1_f1, stride t (x)))     res{s}{b}_branch2a
//	  y = relu(BN(conv3×3_f2, pad 1 (y)))          res{s}{b}_branch2b
//	  y = BN(conv1×1_f3(y))                        res{s}{b}_branch2c
//	  out = relu(y + shortcut), shortcut = BN(conv1×1_f3, stride t (x)) in block a (res{s}a_branch1),
//	        x otherwise; t = 2 in the first block of stages 3–5, else 1
//	features = mean over rows and columns (2048-d); logits = features·W_fc1000 + b_fc1000
//
// Batch norm, in inference, is an affine map per channel, folded into the convolution before it
// when the model is opened: with s = γ/√(σ² + ε), W' = W·s (per output channel) and
// b' = (b − μ)·s + β.
//
// Input preprocessing (Keras "caffe" mode): images are resized to 224×224 (package data's Resize:
// area filter when shrinking, bilinear when enlarging), grey is copied to three channels, RGB is
// reordered to BGR and the ImageNet channel means [103.939, 116.779, 123.68] (B, G, R) are
// subtracted; values are not scaled.
package resnet50

import (
	"fmt"

	"github.com/cct-dev/cct/models/tfjs"
)

// FeatureDim is the length of ResNet-50's feature vector (the global average pool).
const FeatureDim = 2048

// NumClasses is the number of ImageNet classes of fc1000.
const NumClasses = 1000

// InputSize is the side of the square images the network is run on.
const InputSize = 224

// MeanBGR holds the ImageNet channel means subtracted in preprocessing, in BGR order.
var MeanBGR = [3]float64{103.939, 116.779, 123.68}

// Arch is the shape of a Keras v1 bottleneck ResNet, read off the weights.
type Arch struct {
	Blocks  [4]int    // blocks in stages 2..5 (ResNet-50: 3, 4, 6, 3)
	Widths  [4][3]int // f1, f2, f3 of each stage (ResNet-50: 64,64,256 ... 512,512,2048)
	Stem    int       // conv1 filters (64)
	Classes int       // fc1000 outputs (1000)
}

// FeatureDim returns the feature length, the last stage's f3.
func (a Arch) FeatureDim() int { return a.Widths[3][2] }

// ResNet50 is the architecture of Keras' ResNet50.
var ResNet50 = Arch{
	Blocks:  [4]int{3, 4, 6, 3},
	Widths:  [4][3]int{{64, 64, 256}, {128, 128, 512}, {256, 256, 1024}, {512, 512, 2048}},
	Stem:    64,
	Classes: 1000,
}

// blockName returns Keras' name of block b (0-based) of stage s (2..5), e.g. "3a".
func blockName(s, b int) string { return fmt.Sprintf("%d%c", s, 'a'+b) }

// conv describes one convolution of the graph, with the batch norm after it.
type conv struct {
	name, bn     string // Keras layer names: "res2a_branch2a", "bn2a_branch2a"
	k, stride    int
	pad          int // symmetric zero padding
	in, out      int
	h            int       // input rows (= columns) for a 224×224 image
	kernel, bias []float32 // after folding the batch norm; kernel k×k×in×out
}

// convs lists the convolutions of arch in graph order.
func (a Arch) convs() []*conv {
	cs := []*conv{{name: "conv1", bn: "bn_conv1", k: 7, stride: 2, pad: 3, in: 3, out: a.Stem, h: InputSize}}
	in := a.Stem
	h := (InputSize+2*3-7)/2 + 1 // 112 after conv1
	h = (h+2-3)/2 + 1            // 56 after the max-pool
	for si := 0; si < 4; si++ {
		s := si + 2
		f := a.Widths[si]
		for b := 0; b < a.Blocks[si]; b++ {
			n := blockName(s, b)
			t := 1
			if b == 0 && si > 0 {
				t = 2
			}
			ho := (h-1)/t + 1
			cs = append(cs,
				&conv{name: "res" + n + "_branch2a", bn: "bn" + n + "_branch2a", k: 1, stride: t, in: in, out: f[0], h: h},
				&conv{name: "res" + n + "_branch2b", bn: "bn" + n + "_branch2b", k: 3, stride: 1, pad: 1, in: f[0], out: f[1], h: ho},
				&conv{name: "res" + n + "_branch2c", bn: "bn" + n + "_branch2c", k: 1, stride: 1, in: f[1], out: f[2], h: ho})
			if b == 0 {
				cs = append(cs, &conv{name: "res" + n + "_branch1", bn: "bn" + n + "_branch1", k: 1, stride: t, in: in, out: f[2], h: h})
			}
			in, h = f[2], ho
		}
	}
	return cs
}

// MACs returns the multiply-accumulates of one forward pass on a 224×224 image (convolutions and
// fc1000): about 3.87·10⁹ for ResNet-50.
func (a Arch) MACs() int64 {
	var macs int64
	for _, c := range a.convs() {
		oh := (c.h+2*c.pad-c.k)/c.stride + 1
		macs += int64(oh*oh) * int64(c.k*c.k*c.in*c.out)
	}
	return macs + int64(a.FeatureDim()*a.Classes)
}

// inferArch reads the architecture off the weight tensors' names and shapes.
func inferArch(m *tfjs.Model) (Arch, error) {
	var a Arch
	k, err := m.Tensor("conv1/kernel")
	if err != nil {
		return a, notResNet(m, err)
	}
	if len(k.Shape) != 4 || k.Shape[0] != 7 || k.Shape[1] != 7 || k.Shape[2] != 3 {
		return a, fmt.Errorf("%s: conv1/kernel has shape %v, want 7×7×3×F: not a Keras ResNet50 (v1) model; get it with 'cct weights get resnet50'", m.File, k.Shape)
	}
	a.Stem = k.Shape[3]
	for si := 0; si < 4; si++ {
		for b := 0; ; b++ {
			n := blockName(si+2, b)
			if _, err := m.Tensor("res" + n + "_branch2a/kernel"); err != nil {
				break
			}
			a.Blocks[si]++
			if b > 25 {
				break
			}
		}
		if a.Blocks[si] == 0 {
			return a, fmt.Errorf("%s: no layer res%da_branch2a: not a Keras ResNet50 (v1) model; get it with 'cct weights get resnet50'", m.File, si+2)
		}
		for j, br := range []string{"2a", "2b", "2c"} {
			t, _ := m.Tensor("res" + blockName(si+2, 0) + "_branch" + br + "/kernel")
			if len(t.Shape) != 4 {
				return a, fmt.Errorf("%s: %s has shape %v, want a 4-d convolution kernel", m.File, t.Name, t.Shape)
			}
			a.Widths[si][j] = t.Shape[3]
		}
	}
	fc, err := m.Tensor("fc1000/kernel")
	if err != nil {
		return a, notResNet(m, err)
	}
	if len(fc.Shape) != 2 {
		return a, fmt.Errorf("%s: fc1000/kernel has shape %v, want 2-d", m.File, fc.Shape)
	}
	a.Classes = fc.Shape[1]
	return a, nil
}

func notResNet(m *tfjs.Model, err error) error {
	return fmt.Errorf("%v: not a Keras ResNet50 (v1) model; get it with 'cct weights get resnet50'", err)
}
