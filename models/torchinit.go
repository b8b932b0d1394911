package models

import (
	"fmt"
	"strings"

	"github.com/cct-dev/cct/models/torchckpt"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// The backbones a PyTorch ResNet-18 state dict can initialise. resnet18-cifar and resnet18-stl share
// SCAN's key layout (backbone of models/resnet_cifar.py and models/resnet_stl.py); their stems
// differ only in the max-pool, which has no weights. resnet18-torchvision is torchvision's layout.
const (
	ResNet18CIFAR       = "resnet18-cifar"
	ResNet18STL         = "resnet18-stl"
	ResNet18Torchvision = "resnet18-torchvision"
)

// ResNet18Variants lists the backbone names TorchResNet18Params accepts.
var ResNet18Variants = []string{ResNet18CIFAR, ResNet18STL, ResNet18Torchvision}

// TorchParam is one PyTorch tensor of a ResNet-18 and the cct variable it initialises.
type TorchParam struct {
	Key   string // PyTorch key without prefix, e.g. "layer2.0.shortcut.0.weight"
	Scope string // cct scope below the backbone scope, e.g. "layer2/0/shortcut_conv"
	Var   string // cct variable name: weights, gamma, beta, running_mean, running_var
	Shape []int  // PyTorch shape: convolution kernels are O×I×kH×kW, cct's are kH×kW×I×O
}

func stemOf(variant string) (resnetStem, error) {
	switch variant {
	case ResNet18CIFAR, "resnet18":
		return stemCIFAR, nil
	case ResNet18STL:
		return stemSTL, nil
	case ResNet18Torchvision:
		return stemTorchvision, nil
	}
	return 0, fmt.Errorf("unknown ResNet-18 backbone %q (known: %s)", variant, strings.Join(ResNet18Variants, ", "))
}

// TorchResNet18Params lists, in PyTorch's state-dict order, the tensors of a ResNet-18 backbone
// with first-stage width w (64 for the standard network) and inChannels input channels, and where
// each goes in cct. Batch norms give weight → gamma, bias → beta, running_mean, running_var (their
// num_batches_tracked counter is not used: cct's momentum is fixed). The projection shortcut is
// "shortcut.0/.1" in SCAN's layout and "downsample.0/.1" in torchvision's.
func TorchResNet18Params(variant string, w, inChannels int) ([]TorchParam, error) {
	stem, err := stemOf(variant)
	if err != nil {
		return nil, err
	}
	var ps []TorchParam
	conv := func(key, scope string, out, in, k int) {
		ps = append(ps, TorchParam{key + ".weight", scope, "weights", []int{out, in, k, k}})
	}
	bn := func(key, scope string, c int) {
		ps = append(ps,
			TorchParam{key + ".weight", scope, "gamma", []int{c}},
			TorchParam{key + ".bias", scope, "beta", []int{c}},
			TorchParam{key + ".running_mean", scope, "running_mean", []int{c}},
			TorchParam{key + ".running_var", scope, "running_var", []int{c}})
	}
	k := 3
	short := "shortcut"
	if stem == stemTorchvision {
		k, short = 7, "downsample"
	}
	conv("conv1", "conv1", w, inChannels, k)
	bn("bn1", "bn1", w)
	in := w
	for stage := range 4 {
		width := w << stage
		for blk := range 2 {
			key := fmt.Sprintf("layer%d.%d", stage+1, blk)
			scope := fmt.Sprintf("layer%d/%d", stage+1, blk)
			conv(key+".conv1", scope+"/conv1", width, in, 3)
			bn(key+".bn1", scope+"/bn1", width)
			conv(key+".conv2", scope+"/conv2", width, width, 3)
			bn(key+".bn2", scope+"/bn2", width)
			if stage > 0 && blk == 0 {
				conv(key+"."+short+".0", scope+"/shortcut_conv", width, in, 1)
				bn(key+"."+short+".1", scope+"/shortcut_bn", width)
			}
			in = width
		}
	}
	return ps, nil
}

// TorchInit reports what LoadTorchResNet18 did.
type TorchInit struct {
	Variant string
	Where   string   // key of the state dict in the file ("" when the file is the state dict)
	Prefix  string   // prefix stripped from the keys
	Loaded  int      // tensors loaded
	Ignored []string // keys left unused: outside the prefix (e.g. SCAN's contrastive_head), the
	// torchvision classifier fc, batch-norm counters
}

// Summary is a one-line account of the load, e.g. "loaded 100 tensors (keys backbone.*) into
// resnet18-cifar; ignored batch-norm counters num_batches_tracked (20), contrastive_head.* (4)".
func (r *TorchInit) Summary() string {
	keys := "keys " + r.Prefix + "*"
	if r.Prefix == "" {
		keys = "keys without prefix"
	}
	if r.Where != "" {
		keys += fmt.Sprintf(" under %q", r.Where)
	}
	s := fmt.Sprintf("loaded %d tensors (%s) into %s", r.Loaded, keys, r.Variant)
	groups := map[string]int{}
	var order []string
	for _, k := range r.Ignored {
		g := k
		if strings.HasSuffix(k, ".num_batches_tracked") {
			g = "batch-norm counters num_batches_tracked"
		} else if i := strings.IndexByte(strings.TrimPrefix(k, r.Prefix), '.'); i >= 0 && strings.HasPrefix(k, r.Prefix) {
			g = r.Prefix + strings.TrimPrefix(k, r.Prefix)[:i] + ".*"
		} else if i := strings.IndexByte(k, '.'); i >= 0 {
			g = k[:i] + ".*"
		}
		if groups[g] == 0 {
			order = append(order, g)
		}
		groups[g]++
	}
	if len(order) > 0 {
		parts := make([]string, len(order))
		for i, g := range order {
			parts[i] = fmt.Sprintf("%s (%d)", g, groups[g])
		}
		s += "; ignored " + strings.Join(parts, ", ")
	}
	return s
}

// PrefixCandidates are the key prefixes GuessPrefix tries, in order: SCAN's "backbone.", the
// "module." of nn.DataParallel, both, and none.
var PrefixCandidates = []string{"backbone.", "module.backbone.", "module.", ""}

// GuessPrefix returns the first of PrefixCandidates under which the state dict has the stem
// convolution "conv1.weight", or "" if none has.
func GuessPrefix(sd []torchckpt.Named) string {
	have := map[string]bool{}
	for _, n := range sd {
		have[n.Key] = true
	}
	for _, p := range PrefixCandidates {
		if have[p+"conv1.weight"] {
			return p
		}
	}
	return ""
}

// ParsePrefix maps a model.init_prefix value to (prefix, guess): "" guesses, "none" means no prefix.
func ParsePrefix(s string) (string, bool) {
	switch s {
	case "":
		return "", true
	case "none":
		return "", false
	}
	return s, false
}

// MatchResNet18 matches the state dict of ck against the backbone variant with first-stage width w:
// every parameter of the backbone must be in the file under prefix with its shape. It returns the
// tensors in TorchResNet18Params order and the report; the error names the first missing and the
// first unexpected key with their shapes. Keys outside the prefix, torchvision's fc.* and batch-norm
// num_batches_tracked counters are ignored; any other key under the prefix is unexpected.
func MatchResNet18(ck *torchckpt.Checkpoint, variant string, w, inChannels int, prefix string, guess bool) ([]*torchckpt.Tensor, *TorchInit, error) {
	params, err := TorchResNet18Params(variant, w, inChannels)
	if err != nil {
		return nil, nil, err
	}
	sd, where, err := ck.StateDict()
	if err != nil {
		return nil, nil, err
	}
	if guess {
		prefix = GuessPrefix(sd)
	}
	rep := &TorchInit{Variant: variant, Where: where, Prefix: prefix}
	byKey := map[string]*torchckpt.Tensor{}
	for _, n := range sd {
		byKey[n.Key] = n.Tensor
	}
	expected := map[string]bool{}
	var missing, unexpected string
	out := make([]*torchckpt.Tensor, len(params))
	for i, p := range params {
		key := prefix + p.Key
		expected[key] = true
		t, ok := byKey[key]
		if !ok {
			if missing == "" {
				missing = fmt.Sprintf("missing key %s (shape %s)", key, shapeStr(p.Shape))
			}
			continue
		}
		if !sameShape(t.Shape, p.Shape) {
			if missing == "" {
				missing = fmt.Sprintf("key %s has shape %s, the model needs %s", key, shapeStr(t.Shape), shapeStr(p.Shape))
			}
			continue
		}
		if !t.DType.IsFloat() {
			return nil, nil, fmt.Errorf("key %s has dtype %s, want a floating-point type", key, t.DType)
		}
		out[i] = t
	}
	for _, n := range sd {
		switch {
		case expected[n.Key]:
			rep.Loaded++
		case !strings.HasPrefix(n.Key, prefix), strings.HasSuffix(n.Key, ".num_batches_tracked"),
			variant == ResNet18Torchvision && strings.HasPrefix(n.Key, prefix+"fc."):
			rep.Ignored = append(rep.Ignored, n.Key)
		default:
			if unexpected == "" {
				unexpected = fmt.Sprintf("unexpected key %s (shape %s)", n.Key, shapeStr(n.Tensor.Shape))
			}
		}
	}
	if missing != "" || unexpected != "" {
		parts := []string{}
		for _, s := range []string{missing, unexpected} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		p := fmt.Sprintf("key prefix %q", prefix)
		if prefix == "" {
			p = "no key prefix"
		}
		return nil, nil, fmt.Errorf("does not fit %s (width %d, %d input channels, %s): %s; check model.name and model.init_prefix",
			variant, w, inChannels, p, strings.Join(parts, "; "))
	}
	return out, rep, nil
}

// LoadTorchResNet18 sets the backbone variables of a ResNet-18 (variant, first-stage width w, in
// ctx's BackboneScope) from the PyTorch checkpoint ck, before the model is first built: convolution
// kernels are transposed from O×I×kH×kW to kH×kW×I×O, batch-norm weight/bias become gamma/beta and
// the running statistics are copied. The head keeps its own initialisation.
func LoadTorchResNet18(ctx *context.Context, ck *torchckpt.Checkpoint, variant string, w, inChannels int, prefix string, guess bool) (*TorchInit, error) {
	params, _ := TorchResNet18Params(variant, w, inChannels)
	ts, rep, err := MatchResNet18(ck, variant, w, inChannels, prefix, guess)
	if err != nil {
		return nil, err
	}
	bb := ctx.In(BackboneScope)
	for i, p := range params {
		vals, err := ts[i].Float32()
		if err != nil {
			return nil, fmt.Errorf("key %s: %v", rep.Prefix+p.Key, err)
		}
		var t *tensors.Tensor
		if len(p.Shape) == 4 {
			o, in, kh, kw := p.Shape[0], p.Shape[1], p.Shape[2], p.Shape[3]
			t = tensors.FromFlatDataAndDimensions(OIHWToHWIO(vals, o, in, kh, kw), kh, kw, in, o)
		} else {
			t = tensors.FromFlatDataAndDimensions(vals, p.Shape...)
		}
		scope := bb
		for _, s := range strings.Split(p.Scope, "/") {
			scope = scope.In(s)
		}
		v := scope.VariableWithValue(p.Var, t)
		if p.Var == "running_mean" || p.Var == "running_var" {
			v.SetTrainable(false)
		}
	}
	return rep, nil
}

// OIHWToHWIO transposes a PyTorch convolution kernel W[o][i][y][x] to cct's layout K[y][x][i][o].
func OIHWToHWIO(w []float32, o, in, kh, kw int) []float32 {
	out := make([]float32, len(w))
	for a := range o {
		for b := range in {
			for y := range kh {
				for x := range kw {
					out[((y*kw+x)*in+b)*o+a] = w[((a*in+b)*kh+y)*kw+x]
				}
			}
		}
	}
	return out
}

// FitResNet18 says which backbones a state dict fits: for each variant (in ResNet18Variants order)
// and each prefix of PrefixCandidates, whether MatchResNet18 accepts it with the width read from
// conv1.weight. It returns fitting "variant (prefix P, width W)" strings, or nil.
func FitResNet18(ck *torchckpt.Checkpoint) []string {
	sd, _, err := ck.StateDict()
	if err != nil {
		return nil
	}
	var fits []string
	seen := map[string]bool{}
	for _, variant := range ResNet18Variants {
		for _, p := range PrefixCandidates {
			var conv1 *torchckpt.Tensor
			for _, n := range sd {
				if n.Key == p+"conv1.weight" {
					conv1 = n.Tensor
				}
			}
			if conv1 == nil || len(conv1.Shape) != 4 {
				continue
			}
			w, in := conv1.Shape[0], conv1.Shape[1]
			if _, _, err := MatchResNet18(ck, variant, w, in, p, false); err == nil {
				s := fmt.Sprintf("%s (key prefix %q, width %d, %d input channels)", variant, p, w, in)
				if w != 64 {
					s += " [reduced width: cct builds width 64]"
				}
				if !seen[s] {
					seen[s] = true
					fits = append(fits, s)
				}
				break
			}
		}
	}
	return fits
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func shapeStr(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// ResNet18Backbone returns the graph of a ResNet-18 backbone (variant, first-stage width w): it maps
// images [B, H, W, C] to the pooled features [B, 8w], with its variables in ctx's BackboneScope (as
// LoadTorchResNet18 sets them). Batch norm follows ctx's training mode.
func ResNet18Backbone(variant string, w int) (func(ctx *context.Context, x *graph.Node) *graph.Node, error) {
	stem, err := stemOf(variant)
	if err != nil {
		return nil, err
	}
	return func(ctx *context.Context, x *graph.Node) *graph.Node {
		return resnet18Backbone(ctx.Checked(false).In(BackboneScope), x, stem, w)
	}, nil
}

// TorchWidth returns the first-stage width and input channels of the ResNet-18 in ck: the shape of
// conv1.weight under prefix (guessed when guess is set).
func TorchWidth(ck *torchckpt.Checkpoint, prefix string, guess bool) (w, in int, err error) {
	sd, _, err := ck.StateDict()
	if err != nil {
		return 0, 0, err
	}
	if guess {
		prefix = GuessPrefix(sd)
	}
	for _, n := range sd {
		if n.Key == prefix+"conv1.weight" && len(n.Tensor.Shape) == 4 {
			return n.Tensor.Shape[0], n.Tensor.Shape[1], nil
		}
	}
	return 0, 0, fmt.Errorf("no key %sconv1.weight: not a ResNet-18 state dict (see cct weights inspect)", prefix)
}
