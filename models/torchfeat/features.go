// Package torchfeat extracts the pooled features of a ResNet-18 initialised from a PyTorch
// checkpoint (SCAN's SimCLR pretext models, torchvision state dicts) for every image of a dataset.
package torchfeat

import (
	"fmt"
	"strings"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/internal/fsutil"
	"github.com/cct-dev/cct/models"
	"github.com/cct-dev/cct/models/torchckpt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Options configures ResNet18.
type Options struct {
	// Backbone is resnet18-cifar, resnet18-stl or resnet18-torchvision.
	Backbone string
	// Init is the PyTorch checkpoint (torch.save zip or legacy file).
	Init string
	// Prefix is the key prefix of the backbone in Init: "" guesses (backbone., module.backbone.,
	// module., none), "none" means no prefix.
	Prefix string
	// Normalize maps 8-bit pixels p to the network's input: "none" gives p/255; "" or "dataset" the
	// preset of the dataset (cifar10, cifar100-20 → cifar20, stl10 and image folders → imagenet,
	// mnist, fashion-mnist); any other value names a preset of augment.NormalizerPreset.
	Normalize string
	// Batch is the number of images per forward pass (0: 100).
	Batch int
	// Progress, if not nil, is called after each batch with the images done and the total.
	Progress func(done, total int)
}

// Result holds the features and what was loaded.
type Result struct {
	Features []float32 // N×Dim, row i for image i of the dataset, in the dataset's order
	Dim      int       // 8·width: 512 for the standard ResNet-18
	Init     string    // one-line account of the load (tensors loaded, keys ignored)
	Norm     string    // the normalisation applied
}

// ResNet18 returns the pooled features f(x_i) of every image of ds, computed in inference mode
// (batch norm with the checkpoint's running statistics): the global average of the last stage's
// output, of dimension 8·width where width is read from the checkpoint's conv1.weight. resnet18-stl
// equals SCAN's network (AvgPool2d(7)) on 96×96 images, where that pool is global.
func ResNet18(backend backends.Backend, ds *data.Dataset, opt Options) (res *Result, err error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("%s holds feature vectors, not images", ds.Name)
	}
	if ds.N == 0 {
		return nil, fmt.Errorf("%s has no images", ds.Name)
	}
	norm, err := normalizer(opt.Normalize, ds)
	if err != nil {
		return nil, err
	}
	ck, err := torchckpt.Open(opt.Init)
	if err != nil {
		return nil, err
	}
	prefix, guess := models.ParsePrefix(opt.Prefix)
	w, in, err := models.TorchWidth(ck, prefix, guess)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", opt.Init, err)
	}
	if in != ds.C {
		return nil, fmt.Errorf("%s: the network takes %d input channels, %s has %d", opt.Init, in, ds.Name, ds.C)
	}
	backbone, err := models.ResNet18Backbone(opt.Backbone, w)
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	rep, err := models.LoadTorchResNet18(ctx, ck, opt.Backbone, w, in, prefix, guess)
	if err != nil {
		return nil, fmt.Errorf("%s %v", opt.Init, err)
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("feature extraction failed: %v", fsutil.FirstLine(fmt.Sprint(r)))
		}
	}()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), false)
		return backbone(ctx, x)
	})
	if err != nil {
		return nil, err
	}
	bs := opt.Batch
	if bs <= 0 {
		bs = 100
	}
	bs = min(bs, ds.N)
	dim := 8 * w
	size := ds.ImageSize()
	out := make([]float32, ds.N*dim)
	x := make([]float32, bs*size)
	for start := 0; start < ds.N; start += bs {
		b := min(bs, ds.N-start)
		for i := range b {
			img := augment.Image{H: ds.H, W: ds.W, C: ds.C, Pix: ds.Image(start + i)}
			if err := norm.Into(x[i*size:(i+1)*size], img); err != nil {
				return nil, err
			}
		}
		clear(x[b*size:]) // the last batch is padded so that one program serves every batch
		y, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, bs, ds.H, ds.W, ds.C))
		if err != nil {
			return nil, err
		}
		f := tensors.MustCopyFlatData[float32](y[0])
		y[0].FinalizeAll()
		copy(out[start*dim:], f[:b*dim])
		if opt.Progress != nil {
			opt.Progress(start+b, ds.N)
		}
	}
	return &Result{Features: out, Dim: dim, Init: opt.Init + ": " + rep.Summary(), Norm: norm.Name}, nil
}

// normalizer resolves Options.Normalize for ds.
func normalizer(name string, ds *data.Dataset) (*augment.Normalizer, error) {
	if name == "" || name == "dataset" {
		base := ds.Name
		if i := strings.IndexByte(base, ':'); i >= 0 {
			base = base[:i]
		}
		name = base
		if base == "imagefolder" || base == "" {
			name = "imagenet"
		}
	}
	n, err := augment.NormalizerPreset(name)
	if err != nil {
		return nil, fmt.Errorf("normalisation for %s: %v", ds.Name, err)
	}
	if err := n.Check(ds.C); err != nil {
		return nil, fmt.Errorf("normalisation for %s: %v", ds.Name, err)
	}
	return n, nil
}
