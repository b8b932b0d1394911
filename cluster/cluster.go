// Package cluster is `cct cluster DIR`: cluster a folder of one's own images with no
// configuration file. It looks at the folder (image sizes and colour modes, unreadable files),
// chooses the features (pretrained ResNet-50 features with the linear collision-CE head when the
// weights are cached, else VGG4 trained from scratch at the folder's image size), chooses the
// number of clusters when asked to (package eval/nclusters), writes the configuration it
// generated and trains an ordinary run folder (config.yaml, checkpoint/, reports, assignments.csv
// with each image's path, gallery.html, gallery.png), then optionally sorts the images into one
// folder per cluster (links or copies; the originals are only read).
package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval/gallery"
	"github.com/cct-dev/cct/models/weights"
	"github.com/cct-dev/cct/train"
)

// Features values.
const (
	FeaturesAuto     = ""         // resnet50 when its weights are cached, else none
	FeaturesResNet50 = "resnet50" // fixed ImageNet ResNet-50 features + linear head
	FeaturesNone     = "none"     // VGG4 from scratch on the pixels
)

// Options configures Run.
type Options struct {
	Dir      string // the image folder
	Clusters string // "K" or "auto"
	KMin     int    // smallest K tried by auto [2]
	KMax     int    // largest K tried by auto [30]
	Features string // FeaturesAuto, FeaturesResNet50 or FeaturesNone
	Labels   string // "none" (the default: sub-folders are not classes) or "folders" (score against them)
	Out      string // run folder [runs/<base of Dir>]
	SortInto string // when set, sort the images into this folder, one sub-folder per cluster
	Copy     bool   // copy files into SortInto instead of linking them
	Epochs   int    // training epochs (0: chosen from the folder size)
	Seed     int64
	Backend  string
	DataDir  string // data folder (weights cache); empty: $CCT_DATA or ~/.cache/cct
	Resume   bool   // continue the run folder at Out from its last checkpoint
	// ChooseOnly stops after the choices (features, K with its curve in the run folder, the
	// configuration it would train), before any training or feature extraction beyond the
	// sample --clusters auto looks at.
	ChooseOnly bool
	Quiet      bool
	Stdout     io.Writer // what it chose and why, progress (nil: os.Stdout)
}

// Result is what Run did.
type Result struct {
	RunDir   string
	Clusters int
	Sorted   int // files placed by SortInto
}

// Run clusters the images of opt.Dir; see the package comment.
func Run(opt Options) (*Result, error) {
	out := opt.Stdout
	if out == nil {
		out = os.Stdout
	}
	say := func(format string, args ...any) {
		if !opt.Quiet {
			fmt.Fprintf(out, format, args...)
		}
	}
	if opt.Out == "" {
		opt.Out = filepath.Join("runs", filepath.Base(filepath.Clean(opt.Dir)))
	}
	runsDir, name := filepath.Dir(filepath.Clean(opt.Out)), filepath.Base(filepath.Clean(opt.Out))
	var cfg train.Config
	var err error
	if opt.ChooseOnly && (opt.Resume || opt.SortInto != "") {
		return nil, fmt.Errorf("flag --choose-only stops before training: it goes with neither --resume nor --sort-into")
	}
	if opt.Resume {
		if cfg, err = train.ResumeConfig(runsDir, name); err != nil {
			return nil, err
		}
	} else {
		if cfg, err = plan(opt, runsDir, name, say); err != nil {
			return nil, err
		}
	}
	if opt.ChooseOnly {
		return &Result{RunDir: opt.Out, Clusters: cfg.Model.Clusters}, nil
	}
	rep, err := train.Train(cfg, train.Options{RunsDir: runsDir, Resume: opt.Resume, Quiet: opt.Quiet,
		Backend: opt.Backend, Out: out})
	if err != nil {
		return nil, err
	}
	res := &Result{RunDir: opt.Out, Clusters: cfg.Model.Clusters}
	if rep.Scores != nil && rep.Scores.N > 0 {
		say("against the folder labels: %s\n", rep.Scores.Text())
	}
	say("gallery: %s\n", filepath.Join(opt.Out, "gallery.html"))
	if opt.SortInto != "" {
		items, err := gallery.ReadAssignments(filepath.Join(opt.Out, "assignments.csv"))
		if err != nil {
			return res, err
		}
		if res.Sorted, err = SortInto(items, opt.SortInto, opt.Copy); err != nil {
			return res, err
		}
		verb := "linked"
		if opt.Copy {
			verb = "copied"
		}
		say("%s %d files into %s/cluster-*/\n", verb, res.Sorted, opt.SortInto)
	}
	return res, nil
}

// plan looks at the folder and returns the configuration to train.
func plan(opt Options, runsDir, name string, say func(string, ...any)) (train.Config, error) {
	dir := filepath.Clean(opt.Dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return train.Config{}, fmt.Errorf("%s is not a folder of images", opt.Dir)
	}
	if strings.Contains(dir, ",") {
		return train.Config{}, fmt.Errorf("%s: folder paths with a comma are not supported; rename or link the folder", dir)
	}
	labels := opt.Labels
	switch labels {
	case "", "none":
		labels = "none"
	case "folders":
	default:
		return train.Config{}, fmt.Errorf("flag --labels: %q, expected none or folders", opt.Labels)
	}
	if _, err := parseClusters(orAuto(opt.Clusters)); err != nil {
		return train.Config{}, err
	}
	switch opt.Features {
	case FeaturesAuto, FeaturesResNet50, FeaturesNone:
	default:
		return train.Config{}, fmt.Errorf("flag --features: %q, expected resnet50 or none", opt.Features)
	}
	if _, err := os.Stat(filepath.Join(runsDir, name, "config.yaml")); err == nil {
		return train.Config{}, fmt.Errorf("run folder %s exists; use --resume to continue it, or --out for another", filepath.Join(runsDir, name))
	}
	scan, err := data.ScanImageFolder(dir, data.FolderOptions{NoLabels: labels == "none", SkipBad: true})
	if err != nil {
		return train.Config{}, err
	}
	if len(scan.Skipped) > 0 {
		say("%s\n", data.SkippedSummary(scan.Skipped))
	}
	n := len(scan.Files)
	shape := ChooseShape(scan)
	say("folder %s: %d images, median size %dx%d, %s\n", dir, n, shape.MedianH, shape.MedianW, shape.ModeText())

	features := opt.Features
	switch features {
	case FeaturesAuto:
		if path, ok := WeightsCached(opt.DataDir); ok {
			features = FeaturesResNet50
			say("features: resnet50, because ImageNet ResNet-50 weights are cached in %s (linear collision-CE head on fixed features)\n", path)
		} else {
			features = FeaturesNone
			say("features: none, VGG4 from scratch at %s, because no ResNet-50 weights are cached in %s (see cct weights --help)\n", shape.Input(), path)
		}
	case FeaturesResNet50:
		say("features: resnet50 (as asked): linear collision-CE head on fixed ImageNet ResNet-50 features\n")
	case FeaturesNone:
		say("features: none (as asked): VGG4 from scratch at %s\n", shape.Input())
	default:
		return train.Config{}, fmt.Errorf("flag --features: %q, expected resnet50 or none", opt.Features)
	}

	// ResNet-50 reads 224×224 images: the folder's images are read at their median size, at most
	// 224 (square), and enlarged or shrunk to 224 by the network's preprocessing.
	side := min(max(shape.MedianH, shape.MedianW), 224)
	spec := fmt.Sprintf("imagefolder:%s,size=%dx%d,labels=%s,bad=skip", dir, side, side, labels)
	if features == FeaturesNone {
		spec = fmt.Sprintf("imagefolder:%s,size=%dx%d,channels=%d,labels=%s,bad=skip", dir, shape.H, shape.W, shape.C, labels)
	}
	k, err := chooseK(opt, spec, features, n, filepath.Join(runsDir, name), say)
	if err != nil {
		return train.Config{}, err
	}
	cfg, err := Config(name, spec, features, shape, n, k, opt.Epochs, opt.Seed, opt.DataDir)
	if err != nil {
		return train.Config{}, err
	}
	say("training: %s, %s, %d clusters, %d epochs of batch %d\n", cfg.Model.Name, cfg.Loss, k, cfg.Epochs, cfg.Batch)
	if r := cfg.Augment.Whiten; r > 0 {
		say("features: power-normalised, then whitened on their first %d principal axes (augment.whiten)\n", r)
	}
	if cfg.Model.Init == "kmeans" {
		say("start: the head begins at the k-means partition of the features (%d restarts), which the collision CE refines\n", cfg.KMeans.NInit)
	}
	return cfg, nil
}

// orAuto returns s, or "auto" when s is empty.
func orAuto(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

// parseClusters reads --clusters: a number ≥ 2, or "auto" (returned as 0).
func parseClusters(s string) (int, error) {
	if s == "auto" {
		return 0, nil
	}
	k, err := strconv.Atoi(s)
	if err != nil || k < 2 {
		return 0, fmt.Errorf("flag --clusters: %q, expected a number ≥ 2 or auto", s)
	}
	return k, nil
}

// WeightsCached reports whether the ImageNet ResNet-50 weights are cached and complete in the
// data folder (dataDir, else $CCT_DATA, else ~/.cache/cct; see package weights), and returns
// the folder looked at.
func WeightsCached(dataDir string) (string, bool) {
	wdir, err := weights.Dir(dataDir)
	if err != nil {
		return "", false
	}
	p, err := weights.Path(wdir, FeaturesResNet50)
	if err != nil {
		return filepath.Join(wdir, FeaturesResNet50), false
	}
	return p, true
}
