package models

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// vgg4Spec is one VGG4 variant (the paper's Table 3).
type vgg4Spec struct {
	channels [4]int
	stride   int // stride of every conv
}

// vgg4Variant picks the variant from the input shape.
func vgg4Variant(cfg Config) (vgg4Spec, error) {
	switch {
	case cfg.Height == 28 && cfg.Width == 28 && cfg.Channels == 1:
		return vgg4Spec{[4]int{64, 128, 256, 512}, 1}, nil
	case cfg.Height == 32 && cfg.Width == 32 && cfg.Channels == 3:
		return vgg4Spec{[4]int{32, 64, 128, 256}, 1}, nil
	case cfg.Height == 96 && cfg.Width == 96 && cfg.Channels == 3:
		return vgg4Spec{[4]int{128, 256, 512, 1024}, 2}, nil
	}
	return vgg4Spec{}, fmt.Errorf("model vgg4: input %s not supported (want 28x28x1, 32x32x3 or 96x96x3)", cfg)
}

// convOut is the output size of a convolution: ⌊(n + 2·pad − k)/stride⌋ + 1.
func convOut(n, k, stride, pad int) int { return (n+2*pad-k)/stride + 1 }

// buildVGG4 returns the VGG4 of the paper's Table 3: four blocks Conv(5×5, pad 2, stride s, no bias) → BatchNorm →
// ReLU, a 2×2/2 max-pool after each of the first three blocks, then flatten and Linear(·, K).
// Spatial sizes: 28→28→14→14→7→7→3→3 (head 512·3·3); 32→…→4 (head 256·4·4);
// 96 with stride 2: 48→24→12→6→3→1→1 (head 1024).
func buildVGG4(cfg Config) (ModelFn, error) {
	spec, err := vgg4Variant(cfg)
	if err != nil {
		return nil, err
	}
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		bb := ctx.In(BackboneScope)
		for i, ch := range spec.channels {
			c := bb.Inf("block%d", i+1)
			x = conv2d(c.In("conv"), x, ch, 5, spec.stride, 2)
			x = BatchNorm(c.In("bn"), x)
			x = relu(x)
			if i < 3 {
				x = maxPool2(x)
			}
		}
		return dense(ctx.In(HeadScope), flatten(x), cfg.Clusters, true)
	}, nil
}

func vgg4MACs(cfg Config) (int64, error) {
	spec, err := vgg4Variant(cfg)
	if err != nil {
		return 0, err
	}
	h, w, in := cfg.Height, cfg.Width, cfg.Channels
	var macs int64
	for i, ch := range spec.channels {
		h, w = convOut(h, 5, spec.stride, 2), convOut(w, 5, spec.stride, 2)
		macs += int64(h) * int64(w) * 25 * int64(in) * int64(ch)
		in = ch
		if i < 3 {
			h, w = h/2, w/2
		}
	}
	macs += int64(h*w*in) * int64(cfg.Clusters)
	return macs, nil
}
