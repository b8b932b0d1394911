package models

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ModelFn maps an input batch x to logits z of shape [B, Clusters].
// It creates its variables on first use and reuses them afterwards.
type ModelFn func(ctx *context.Context, x *graph.Node) *graph.Node

// Config holds the hyperparameters shared by all models.
type Config struct {
	// Clusters is the number K of outputs (clusters); it need not equal the number of true classes.
	Clusters int
	// Height, Width, Channels give the input shape of one example. Fixed features of dimension D are
	// written as Height = Width = 1, Channels = D.
	Height, Width, Channels int
}

// InputDim returns Height·Width·Channels.
func (c Config) InputDim() int { return c.Height * c.Width * c.Channels }

// String formats the input shape as "HxWxC", or "D" for features.
func (c Config) String() string {
	if c.Height == 1 && c.Width == 1 {
		return strconv.Itoa(c.Channels)
	}
	return fmt.Sprintf("%dx%dx%d", c.Height, c.Width, c.Channels)
}

// ParseInput parses an input shape "HxWxC" (e.g. "28x28x1") or a feature dimension "D" (e.g. "2048",
// meaning 1×1×D).
func ParseInput(s string) (height, width, channels int, err error) {
	parts := strings.Split(strings.TrimSpace(s), "x")
	vals := make([]int, len(parts))
	for i, p := range parts {
		v, e := strconv.Atoi(p)
		if e != nil || v <= 0 {
			return 0, 0, 0, fmt.Errorf("input shape %q: want HxWxC or D with positive integers", s)
		}
		vals[i] = v
	}
	switch len(vals) {
	case 1:
		return 1, 1, vals[0], nil
	case 3:
		return vals[0], vals[1], vals[2], nil
	}
	return 0, 0, 0, fmt.Errorf("input shape %q: want HxWxC or D", s)
}

// architecture describes one registered model.
type architecture struct {
	build func(cfg Config) (ModelFn, error)
	// forwardMACs returns the multiply-accumulates of one example's forward pass through the
	// convolutions and linear layers.
	forwardMACs func(cfg Config) (int64, error)
	doc         string
}

var registry = map[string]architecture{
	"vgg4":                 {buildVGG4, vgg4MACs, "VGG4: four 5×5 conv–BN–ReLU blocks, max-pool after the first three, linear head (28x28x1, 32x32x3, 96x96x3)"},
	"resnet18":             {buildResNet18, resnet18MACs, "ResNet-18 with the CIFAR stem (32x32xC) or the STL stem (96x96xC), head Linear(512, K)"},
	"resnet18-torchvision": {buildResNet18Torchvision, resnet18TorchvisionMACs, "ResNet-18 in torchvision's layout (7×7 stride-2 stem, max-pool 3/2), any input size, head Linear(512, K); loads torchvision state dicts (model.init)"},
	"linear":               {buildLinear, linearMACs, "Linear(D, K) on fixed features, Kaiming-normal weights, zero bias"},
}

// Names lists the registered model names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Describe returns a one-line description of a registered model, or "" if unknown.
func Describe(name string) string { return registry[name].doc }

func lookup(name string, cfg Config) (architecture, error) {
	arch, ok := registry[name]
	if !ok {
		return arch, fmt.Errorf("unknown model %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	if cfg.Clusters < 1 {
		return arch, fmt.Errorf("model %s: clusters must be ≥ 1, got %d", name, cfg.Clusters)
	}
	if cfg.Height < 1 || cfg.Width < 1 || cfg.Channels < 1 {
		return arch, fmt.Errorf("model %s: input shape %dx%dx%d must be positive", name, cfg.Height, cfg.Width, cfg.Channels)
	}
	return arch, nil
}

// Build returns the graph builder of the named model ("vgg4", "resnet18", "resnet18-torchvision" or
// "linear") for cfg.
// The returned function panics (GoMLX style) if called with an input whose shape does not match cfg.
func Build(name string, cfg Config) (ModelFn, error) {
	arch, err := lookup(name, cfg)
	if err != nil {
		return nil, err
	}
	fn, err := arch.build(cfg)
	if err != nil {
		return nil, err
	}
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		checkInput(name, cfg, x)
		return fn(ctx.Checked(false), x)
	}, nil
}

// ForwardFLOPs returns the floating-point operations of one example's forward pass, counted
// analytically as 2·MACs of the convolutions and linear layers (batch norm, ReLU and pooling are
// not counted). A training step (forward + backward) costs about 3× this.
func ForwardFLOPs(name string, cfg Config) (float64, error) {
	arch, err := lookup(name, cfg)
	if err != nil {
		return 0, err
	}
	macs, err := arch.forwardMACs(cfg)
	if err != nil {
		return 0, err
	}
	return 2 * float64(macs), nil
}

// TrainableParams returns the number of scalar trainable parameters in ctx (batch-norm running
// statistics and optimizer state are not counted).
func TrainableParams(ctx *context.Context) int {
	n := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

func checkInput(name string, cfg Config, x *graph.Node) {
	dims := x.Shape().Dimensions
	ok := false
	switch len(dims) {
	case 4:
		ok = dims[1] == cfg.Height && dims[2] == cfg.Width && dims[3] == cfg.Channels
	case 2:
		ok = name == "linear" && dims[1] == cfg.InputDim()
	}
	if !ok {
		panic(fmt.Sprintf("model %s: input shape %v does not match the configured input %s", name, dims, cfg))
	}
}
