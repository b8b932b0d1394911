package models

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// resnetStem tells which stem a ResNet-18 uses.
type resnetStem int

const (
	stemCIFAR       resnetStem = iota // 3×3 conv, stride 1, no max-pool
	stemSTL                           // 3×3 conv, stride 1, then max-pool(2, stride 2, pad 1)
	stemTorchvision                   // 7×7 conv, stride 2, pad 3, then max-pool(3, stride 2, pad 1)
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

// buildResNet18 returns the ResNet-18 used by SCAN (the paper's Table 4):
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
	return resnet18Model(stem, 64, cfg.Clusters), nil
}

// buildResNet18Torchvision returns torchvision's ResNet-18 layout (Figure 2): the stem is
// Conv(7×7, 64, stride 2, pad 3) → BN → ReLU → max-pool(3, stride 2, pad 1), the stages and the
// head are those of buildResNet18, and the pool is global (torchvision's AdaptiveAvgPool2d(1)), so
// any input size works.
func buildResNet18Torchvision(cfg Config) (ModelFn, error) {
	return resnet18Model(stemTorchvision, 64, cfg.Clusters), nil
}

// resnet18Model is a ResNet-18 with the given stem and first-stage width w (stages w, 2w, 4w, 8w)
// followed by the head Linear(8w, K).
func resnet18Model(stem resnetStem, w, clusters int) ModelFn {
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		return dense(ctx.In(HeadScope), resnet18Backbone(ctx.In(BackboneScope), x, stem, w), clusters, true)
	}
}

// resnet18Backbone returns the pooled features [B, 8w] of a ResNet-18 with first-stage width w;
// its variables live in ctx's scope.
func resnet18Backbone(bb *context.Context, x *graph.Node, stem resnetStem, w int) *graph.Node {
	if stem == stemTorchvision {
		x = conv2d(bb.In("conv1"), x, w, 7, 2, 3)
	} else {
		x = conv2d(bb.In("conv1"), x, w, 3, 1, 1)
	}
	x = relu(BatchNorm(bb.In("bn1"), x))
	switch stem {
	case stemSTL:
		x = maxPool2(zeroPad1(x))
	case stemTorchvision:
		x = maxPool3s2(x)
	}
	in := w
	for stage := range 4 {
		width := w << stage
		for blk := 0; blk < 2; blk++ {
			stride := 1
			if stage > 0 && blk == 0 {
				stride = 2
			}
			x = basicBlock(bb.Inf("layer%d", stage+1).Inf("%d", blk), x, in, width, stride)
			in = width
		}
	}
	return globalAvgPool(x)
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
	return resnet18StemMACs(cfg, stem, conv)
}

func resnet18TorchvisionMACs(cfg Config) (int64, error) {
	conv := func(h, w, k, cin, cout int) int64 { return int64(h) * int64(w) * int64(k*k) * int64(cin) * int64(cout) }
	return resnet18StemMACs(cfg, stemTorchvision, conv)
}

func resnet18StemMACs(cfg Config, stem resnetStem, conv func(h, w, k, cin, cout int) int64) (int64, error) {
	h, w := cfg.Height, cfg.Width
	var macs int64
	switch stem {
	case stemTorchvision:
		h, w = convOut(h, 7, 2, 3), convOut(w, 7, 2, 3)
		macs = conv(h, w, 7, cfg.Channels, 64)
		h, w = convOut(h, 3, 2, 1), convOut(w, 3, 2, 1)
	case stemSTL:
		macs = conv(h, w, 3, cfg.Channels, 64)
		h, w = (h+2)/2, (w+2)/2
	default:
		macs = conv(h, w, 3, cfg.Channels, 64)
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
