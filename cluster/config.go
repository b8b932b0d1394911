package cluster

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/train"
)

// Shape is the network input chosen for a folder: one of VGG4's three input sizes.
type Shape struct {
	H, W, C          int     // network input
	MedianH, MedianW int     // median image size in the folder
	Grey             float64 // fraction of greyscale images
	Pipeline         string  // augmentation pipeline of the extra view
	Normalize        string  // input normalisation preset
}

// Input is the input size as HxWxC.
func (s Shape) Input() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }

// ModeText describes the colour modes, e.g. "all greyscale" or "colour (3% greyscale)".
func (s Shape) ModeText() string {
	switch {
	case s.Grey == 1:
		return "all greyscale"
	case s.Grey == 0:
		return "colour"
	}
	return fmt.Sprintf("colour (%.0f%% greyscale)", 100*s.Grey)
}

// ChooseShape picks VGG4's input for the images of a folder from their median size and colour:
// 28×28×1 (digit pipeline: small rotations, shifts, shears) when every image is greyscale and
// the median longer side is at most 32 pixels; 32×32×3 (flip and padded crop) when the median
// longer side is at most 64; 96×96×3 (flip, crop, colour jitter) otherwise. Greyscale images in a
// colour network are repeated on the three channels.
func ChooseShape(scan *data.FolderScan) Shape {
	hs := make([]int, len(scan.Configs))
	ws := make([]int, len(scan.Configs))
	grey := 0
	for i, c := range scan.Configs {
		hs[i], ws[i] = c.Height, c.Width
		if c.ColorModel == color.GrayModel || c.ColorModel == color.Gray16Model {
			grey++
		}
	}
	slices.Sort(hs)
	slices.Sort(ws)
	s := Shape{MedianH: hs[len(hs)/2], MedianW: ws[len(ws)/2], Grey: float64(grey) / float64(len(hs))}
	side := max(s.MedianH, s.MedianW)
	switch {
	case grey == len(hs) && side <= 32:
		s.H, s.W, s.C, s.Pipeline, s.Normalize = 28, 28, 1, "digits", "mnist"
	case side <= 64:
		s.H, s.W, s.C, s.Pipeline, s.Normalize = 32, 32, 3, "cifar", "cifar10"
	default:
		s.H, s.W, s.C, s.Pipeline, s.Normalize = 96, 96, 3, "stl", "stl"
	}
	return s
}

// FeaturesKey is the configuration key that makes `cct train` compute (or reuse) pretrained
// features of an image dataset and train on them.
const FeaturesKey = "data.features"

// imagesPerRun is the number of training images (epochs × folder size) a from-scratch run aims
// at: as configs/mnist-quick.yaml (3 epochs of 22,000 images, about 9 minutes of VGG4 28×28×1 on
// 2 idle cores, 92–98% ACC on MNIST over seeds 0–2).
const imagesPerRun = 66000

// featureImagesPerRun is the same for the linear head on features: 40 epochs of 10,000 images,
// as the calibration of configs/table2-*.yaml.
const featureImagesPerRun = 400000

// featureNorm is the normalisation of the features for the head and for choosing K.
const featureNorm = "sqrt-l2"

// featureWhiten is the number of principal axes the head's features are whitened on
// (augment.whiten), for folders of at least 10 images per axis; on the CIFAR-10 JPEG images it
// raised k-means from about 45% to 54% ACC (docs/results.md).
const featureWhiten = 128

// Config returns the configuration `cct cluster` trains for a folder of n images read as the
// dataset spec, with k clusters.
//
// features none (VGG4 from scratch, after configs/mnist-quick.yaml): collision CE with per-batch
// EM (λ = 100), batch 100 (the folder size if smaller), Adam lr 1e-3 warmed up over the first fifth
// of the steps (at most 100) and decayed on a cosine schedule, weight decay 0.01, one
// augmented view of weight 1, epochs chosen so that about imagesPerRun images are seen (2 to 50).
//
// features resnet50 (configs/table2-cifar10.yaml, calibrated on fixed features): linear head on
// power-normalised features (augment.normalize sqrt-l2) whitened on their first 128 principal
// axes (augment.whiten, for folders of at least 1,280 images), collision CE, SGD lr 5 with momentum
// 0.9, weight decay 0.0004, batch 250, epochs chosen so that about featureImagesPerRun images are
// seen (5 to 40); the head starts at the k-means partition of the features (model.init kmeans),
// which the collision CE then refines.
//
// The run is evaluated on the whole folder (every image gets a cluster in assignments.csv).
// epochs > 0 overrides the number of epochs.
func Config(name, spec, features string, shape Shape, n, k, epochs int, seed int64, dataDir string) (train.Config, error) {
	cfg := train.Default()
	cfg.Name, cfg.Seed, cfg.Runs, cfg.Loss, cfg.Lambda = name, seed, 1, "cce", 100
	cfg.Data = train.DataConfig{Name: spec, Split: "train", Dir: dataDir}
	cfg.Model.Clusters = k
	cfg.Eval.Split, cfg.Eval.Batch = "", 500
	cfg.Pseudolabel.Scope, cfg.Pseudolabel.Sigma = "batch", "train"
	switch features {
	case FeaturesNone:
		cfg.Model.Name = "vgg4"
		cfg.Batch = min(100, n)
		cfg.Epochs = int(math.Round(float64(imagesPerRun) / float64(n)))
		cfg.Epochs = min(max(cfg.Epochs, 2), 50)
		steps := cfg.Epochs * max(1, n/cfg.Batch)
		cfg.Optim = train.OptimConfig{Name: "adam", LR: 1e-3, Schedule: "cosine", Warmup: min(100, steps/5),
			WeightDecay: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, Momentum: 0.9, HeadScope: "head"}
		cfg.Augment.Pipeline, cfg.Augment.Weight, cfg.Augment.Normalize = shape.Pipeline, 1, shape.Normalize
	case FeaturesResNet50:
		cfg.Model.Name = "linear"
		cfg.Batch = min(250, n)
		cfg.Epochs = min(max(int(math.Round(featureImagesPerRun/float64(n))), 5), 40)
		cfg.Optim.Name, cfg.Optim.LR, cfg.Optim.Momentum, cfg.Optim.WeightDecay = "sgd", 5, 0.9, 0.0004
		cfg.Model.Init = "kmeans"
		cfg.Augment.Pipeline, cfg.Augment.Normalize = "none", featureNorm
		if n >= 10*featureWhiten {
			cfg.Augment.Whiten = featureWhiten
		}
		if err := cfg.Set(FeaturesKey + "=" + FeaturesResNet50); err != nil {
			return cfg, fmt.Errorf("features resnet50: this build of cct cannot train on pretrained features (%v); use --features none", err)
		}
	default:
		return cfg, fmt.Errorf("features %q: expected resnet50 or none", features)
	}
	if epochs > 0 {
		cfg.Epochs = epochs
	}
	return cfg, cfg.Validate()
}
