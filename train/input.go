package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
)

// inputs turns the examples of a dataset into float32 network inputs: normalised NHWC images
// (with an optional augmented view) or feature rows.
type inputs struct {
	ds      *data.Dataset
	dims    []int // dimensions of one example: H, W, C for images, D for features
	size    int   // floats per example
	norm    *augment.Normalizer
	pipe    augment.Pipeline // augmented view; nil when none
	workers int
	feats   []float32 // feature rows as the network sees them (after normalisation and whitening)
	normed  []float32 // feature rows after augment.normalize, before any whitening
	white   *whitening
}

// FeatureNorms lists the augment.normalize values for feature vectors:
//   - none: the features as they are;
//   - l2: each row divided by its Euclidean norm, x/‖x‖₂;
//   - sqrt-l2: power normalisation, each value x replaced by sign(x)·√|x|, then l2 (Perronnin,
//     Sánchez and Mensink, 2010), which evens out the few large activations of ReLU features.
var FeatureNorms = []string{"none", "l2", "sqrt-l2"}

// NormalizeRows returns the rows of d values of x after the feature normalisation name.
func NormalizeRows(x []float32, d int, name string) ([]float32, error) {
	switch name {
	case "", "none":
		return x, nil
	case "l2", "sqrt-l2":
	default:
		return nil, fmt.Errorf("%q is not a normalisation of feature vectors (%s)", name, strings.Join(FeatureNorms, ", "))
	}
	out := make([]float32, len(x))
	for i := 0; i+d <= len(x); i += d {
		row, dst := x[i:i+d], out[i:i+d]
		var ss float64
		for j, v := range row {
			w := float64(v)
			if name == "sqrt-l2" {
				w = math.Copysign(math.Sqrt(math.Abs(w)), w)
			}
			dst[j] = float32(w)
			ss += w * w
		}
		if ss > 0 {
			inv := float32(1 / math.Sqrt(ss))
			for j := range dst {
				dst[j] *= inv
			}
		}
	}
	return out, nil
}

// newInputs prepares ds for the network. pipeline "none" or "" means no augmented view.
func newInputs(ds *data.Dataset, cfg AugmentConfig) (*inputs, error) {
	in := &inputs{ds: ds, workers: cfg.Workers}
	if !ds.IsImage() {
		if cfg.Pipeline != "none" && cfg.Pipeline != "" {
			return nil, fmt.Errorf("key augment.pipeline: %q cannot augment the feature vectors of %s; use none", cfg.Pipeline, ds.Name)
		}
		feats, err := NormalizeRows(ds.Features, ds.D, cfg.Normalize)
		if err != nil {
			return nil, fmt.Errorf("key augment.normalize: %v", err)
		}
		in.dims, in.size, in.feats, in.normed = []int{ds.D}, ds.D, feats, feats
		return in, nil
	}
	if cfg.Whiten > 0 {
		return nil, fmt.Errorf("key augment.whiten: %s holds images; whitening applies to feature vectors (data.features)", ds.Name)
	}
	in.dims, in.size = []int{ds.H, ds.W, ds.C}, ds.ImageSize()
	norm, err := augment.NormalizerPreset(orDefault(cfg.Normalize, "none"))
	if err != nil {
		return nil, fmt.Errorf("key augment.normalize: %v", err)
	}
	if err := norm.Check(ds.C); err != nil {
		return nil, fmt.Errorf("key augment.normalize: %v", err)
	}
	in.norm = norm
	if cfg.Pipeline != "none" && cfg.Pipeline != "" {
		opts := cfg.Options
		if opts.Normalize == "" {
			opts.Normalize = cfg.Normalize
		}
		p, err := augment.New(cfg.Pipeline, opts)
		if err != nil {
			return nil, fmt.Errorf("key augment.pipeline: %v", err)
		}
		in.pipe = p
	}
	return in, nil
}

// setWhitening makes the network see the feature rows whitened by w.
func (in *inputs) setWhitening(w *whitening) {
	in.setWhitened(w, w.apply(in.normed, in.ds.N))
}

// setWhitened makes the network see feats, the rows of in already whitened by w.
func (in *inputs) setWhitened(w *whitening, feats []float32) {
	in.white, in.feats = w, feats
	in.dims, in.size = []int{w.r}, w.r
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// batchDims returns the tensor dimensions of a batch of b examples.
func (in *inputs) batchDims(b int) []int {
	return append([]int{b}, in.dims...)
}

// forEachBatch visits the examples of order in batches of bs (the last one smaller unless
// dropLast) and calls fn with their indices, the clean inputs and, when aug is set and a pipeline
// exists, the augmented view (nil otherwise). Augmentation is seeded by (seed, epoch, index) only.
func (in *inputs) forEachBatch(order []int, bs int, dropLast, aug bool, seed int64, epoch int,
	fn func(idx []int, x, xAug []float32) error) error {
	if !in.ds.IsImage() {
		for start := 0; start < len(order); start += bs {
			end := min(start+bs, len(order))
			if dropLast && end-start < bs && start > 0 {
				break
			}
			idx := order[start:end]
			x := make([]float32, len(idx)*in.size)
			for b, i := range idx {
				copy(x[b*in.size:], in.feats[i*in.size:(i+1)*in.size])
			}
			if err := fn(idx, x, nil); err != nil {
				return err
			}
		}
		return nil
	}
	views := 0
	if aug && in.pipe != nil {
		views = 1
	}
	ds := in.ds
	f, err := augment.NewFeeder(augment.FeederConfig{
		Get: func(i int) (augment.Image, int) {
			return augment.Image{H: ds.H, W: ds.W, C: ds.C, Pix: ds.Image(i)}, ds.Labels[i]
		},
		Order:     order,
		BatchSize: bs,
		DropLast:  dropLast && len(order) > bs,
		Pipeline:  in.pipe,
		Norm:      in.norm,
		Views:     views,
		Workers:   in.workers,
		Seed:      feedSeed(seed),
		Epoch:     epoch,
	})
	if err != nil {
		return err
	}
	defer f.Close()
	for b := range f.Batches() {
		if err := fn(b.Indices, b.X, b.Aug); err != nil {
			return err
		}
	}
	return f.Err()
}

// feedSeed is the seed of a run's data order and augmentation (augment.EpochOrder, the feeder).
func feedSeed(seed int64) uint64 { return uint64(seed)<<8 ^ streamAug }
