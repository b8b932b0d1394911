package models

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// resnetStem tells which stem a ResNet-18 uses.
type resnetStem int

const (
	stemCIFAR resnetStem = iota // 3×3 conv, stride 1, no max-pool
	stemSTL                     // 3×3 conv, stride 1, then max-pool(2, stride 2, pad 1)
)

var resnet18Widths = [4]int{64, 128, 256, 512}

func resnet18Stem(cfg Config) (resnetStem, error) {
	switch {
	case cfg.Height == 32 && cfg.Width == 32:
		return stemCIFAR, nil
	case cfg.Height == 96 && cfg.Width == 96:
		return stemSTL, nil
	}
	return 0, fmt.Errorf("model resnet18: input %s not supported (want 32x32xC for the CIFAR stem or 96x96xC for the STL stem)", cfg)
}

// buildResNet18 returns the ResNet-18 used by SCAN (SPEC §5, Table 4):
//
//	stem:   Conv(3×3, 64, stride 1, pad 1) → BN → ReLU  [STL: → max-pool(2, stride 2, pad 1), 96→49]
//	layers: 4 stages of 2 BasicBlocks, widths 64, 128, 256, 512, first-block strides 1, 2, 2, 2
//	        BasicBlock: relu(BN(conv3×3(relu(BN(conv3×3_s(x))))) + shortcut(x)), where shortcut is the
//	        identity, or BN(conv1×1_s(x)) when the stride or width changes
//	pool:   global average (CIFAR 4×4; STL 7×7, i.e. SCAN's AvgPool2d(7))
//	head:   Linear(512, K), in HeadScope.
//
// The STL max-pool pads with zeros, which equals PyTorch's −∞ padding because its input is a ReLU
// output (≥ 0).
func buildResNet18(cfg Config) (ModelFn, error) {
	stem, err := resnet18Stem(cfg)
	if err != nil {
		return nil, err
	}
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		bb := ctx.In(BackboneScope)
		x = conv2d(bb.In("conv1"), x, 64, 3, 1, 1)
		x = relu(BatchNorm(bb.In("bn1"), x))
		if stem == stemSTL {
			x = maxPool2(zeroPad1(x))
		}
		in := 64
		for stage, width := range resnet18Widths {
			for blk := 0; blk < 2; blk++ {
				stride := 1
				if stage > 0 && blk == 0 {
					stride = 2
				}
				x = basicBlock(bb.Inf("layer%d", stage+1).Inf("%d", blk), x, in, width, stride)
				in = width
			}
		}
		return dense(ctx.In(HeadScope), globalAvgPool(x), cfg.Clusters, true)
	}, nil
}

// basicBlock is ResNet's two-convolution residual block.
func basicBlock(ctx *context.Context, x *graph.Node, in, width, stride int) *graph.Node {
	out := conv2d(ctx.In("conv1"), x, width, 3, stride, 1)
	out = relu(BatchNorm(ctx.In("bn1"), out))
	out = conv2d(ctx.In("conv2"), out, width, 3, 1, 1)
	out = BatchNorm(ctx.In("bn2"), out)
	short := x
	if stride != 1 || in != width {
		short = conv2d(ctx.In("shortcut_conv"), x, width, 1, stride, 0)
		short = BatchNorm(ctx.In("shortcut_bn"), short)
	}
	return relu(graph.Add(out, short))
}

func resnet18MACs(cfg Config) (int64, error) {
	stem, err := resnet18Stem(cfg)
	if err != nil {
		return 0, err
	}
	conv := func(h, w, k, cin, cout int) int64 { return int64(h) * int64(w) * int64(k*k) * int64(cin) * int64(cout) }
	h, w := cfg.Height, cfg.Width
	macs := conv(h, w, 3, cfg.Channels, 64)
	if stem == stemSTL {
		h, w = (h+2)/2, (w+2)/2
	}
	in := 64
	for stage, width := range resnet18Widths {
		for blk := 0; blk < 2; blk++ {
			stride := 1
			if stage > 0 && blk == 0 {
				stride = 2
			}
			ho, wo := convOut(h, 3, stride, 1), convOut(w, 3, stride, 1)
			macs += conv(ho, wo, 3, in, width) + conv(ho, wo, 3, width, width)
			if stride != 1 || in != width {
				macs += conv(ho, wo, 1, in, width)
			}
			h, w, in = ho, wo, width
		}
	}
	macs += int64(512) * int64(cfg.Clusters)
	return macs, nil
}
