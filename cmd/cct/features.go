package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/models/featcache"
	"github.com/cct-dev/cct/models/resnet50"
	"github.com/cct-dev/cct/models/weights"
	"github.com/spf13/cobra"
)

func init() { register(newFeaturesCmd) }

type featuresFlags struct {
	backbone, data, split, out, dataDir, backend string
	batch, top                                   int
	classify                                     bool
}

func newFeaturesCmd() *cobra.Command {
	var o featuresFlags
	cmd := &cobra.Command{
		Use:   "features --backbone resnet50 --data DATASET[:SPLIT] --out FILE.npy | --classify IMAGE...",
		Short: "Extract pretrained ImageNet features of a dataset, or classify photos",
		Long: `features runs the ImageNet ResNet-50 (get it once with 'cct weights get resnet50') on every image
of a dataset and writes the N×2048 float32 features of its global average pool to FILE.npy, and
the labels (int64, -1 where unknown) to FILE.labels.npy when the dataset has any, so that
--data features:FILE.npy reads both back. Images are resized to 224×224 (bilinear when enlarging,
area averaging when shrinking), grey is copied to 3 channels, and Keras' "caffe" preprocessing
is applied. The output is written to a temporary file and renamed, so it is never half-written.

Each image's row is also kept in the features cache (DATA-DIR/features/resnet50-ID/, about 8 KB
per image, keyed by the image's content and the weights), saved every 2 minutes while running:
an interrupted run continues where it stopped, and the same images are never computed twice,
whatever dataset, split or order they come in (cct train with data.features: resnet50 and
cct cluster read the same cache).

With --classify it prints the 5 most probable ImageNet classes of each image file given (JPEG,
PNG or GIF), a quick check that the weights work.`,
		Example: `  cct weights get resnet50
  cct features --classify cat.jpg dog.png
  cct features --backbone resnet50 --data cifar10:train --out cifar10-train.npy
  cct features --data stl10 --split train+test --out stl10.npy --batch 32
  cct features --data imagefolder:photos --out photos.npy
  cct features --data cifar10 --split all --out features/cifar10-resnet50.npy
  cct train --config configs/table2-cifar10.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error { return runFeatures(cmd, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.backbone, "backbone", "resnet50", "pretrained network (resnet50)")
	f.StringVar(&o.data, "data", "", "dataset: a built-in name (with an optional :SPLIT), imagefolder:DIR, ...")
	f.StringVar(&o.split, "split", "all", "split of --data (train, test, unlabeled, all, or '+'-joined)")
	f.StringVar(&o.out, "out", "", "features file to write (.npy, N×2048 float32)")
	f.StringVar(&o.dataDir, "data-dir", "", dataDirHelp+"; also holds the weights/ cache")
	f.StringVar(&o.backend, "backend", "cpu", "compute backend: cpu, go, xla, xla:cuda, ... (see 'cct backend')")
	f.IntVar(&o.batch, "batch", resnet50.DefaultBatchSize, "images per forward pass")
	f.BoolVar(&o.classify, "classify", false, "print the top ImageNet classes of the image files given as arguments")
	f.IntVar(&o.top, "top", 5, "classes printed per image with --classify")
	return cmd
}

func runFeatures(cmd *cobra.Command, o featuresFlags, args []string) error {
	if o.backbone != "resnet50" {
		return fmt.Errorf("flag --backbone %s: unknown backbone (available: resnet50)", o.backbone)
	}
	if o.batch < 1 {
		return fmt.Errorf("flag --batch %d: want at least 1", o.batch)
	}
	if !o.classify {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %v: image files go with --classify", args)
		}
		if o.data == "" || o.out == "" {
			return fmt.Errorf("flags --data and --out are required, e.g. --data cifar10:train --out cifar10-train.npy")
		}
	} else if len(args) == 0 {
		return fmt.Errorf("--classify: give one or more image files")
	}
	wdir, err := weights.Dir(o.dataDir)
	if err != nil {
		return err
	}
	path, err := weights.Path(wdir, o.backbone)
	if err != nil {
		return err
	}
	if o.classify {
		m, err := resnet50.Open(path)
		if err != nil {
			return err
		}
		return classify(cmd, m, resnet50.Options{BatchSize: o.batch, Backend: o.backend}, args, o.top)
	}
	name, split := o.data, o.split
	if n, s, ok := strings.Cut(o.data, ":"); ok && isBuiltin(n) {
		name, split = n, s
	}
	dataDir, err := data.Dir(o.dataDir)
	if err != nil {
		return err
	}
	ds, err := data.Load(name, split, dataDir)
	if err != nil {
		return err
	}
	if !ds.IsImage() {
		return fmt.Errorf("dataset %s: holds features, not images", o.data)
	}
	start := time.Now()
	fs, err := featcache.Compute(ds, featcache.Options{Backbone: o.backbone, DataDir: o.dataDir, Model: path,
		Backend: o.backend, Batch: o.batch, Log: os.Stderr})
	if err != nil {
		return err
	}
	sec := time.Since(start).Seconds()
	if err := npy.WriteFloat32(o.out, []int{fs.N, fs.D}, fs.Features); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "wrote %s (%d×%d float32)\n", o.out, fs.N, fs.D)
	if known(ds.Labels) {
		lp := labelsPath(o.out)
		ls := make([]int64, ds.N)
		for i, l := range ds.Labels {
			ls[i] = int64(l)
		}
		if err := npy.WriteInt64(lp, []int{ds.N}, ls); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s (%d labels, %d classes)\n", lp, ds.N, ds.NumClasses())
	}
	fmt.Fprintf(out, "%d images in %.1fs\n", ds.N, sec)
	return nil
}

func classify(cmd *cobra.Command, m *resnet50.Model, opt resnet50.Options, files []string, top int) error {
	out := cmd.OutOrStdout()
	for _, f := range files {
		img, h, w, err := resnet50.ReadImage(f)
		if err != nil {
			return err
		}
		l, err := m.Logits(img, 1, h, w, 3, opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s:\n", f)
		for _, c := range m.TopK(l, top)[0] {
			fmt.Fprintf(out, "  %6.2f%%  %4d  %s\n", 100*c.Prob, c.Index, c.Name)
		}
	}
	return nil
}

func isBuiltin(name string) bool {
	for _, n := range data.Names() {
		if n == name {
			return true
		}
	}
	return false
}

func known(labels []int) bool {
	for _, l := range labels {
		if l >= 0 {
			return true
		}
	}
	return false
}

// labelsPath returns FILE.labels.npy for FILE.npy (FILE with its extension replaced: the sibling
// name --data features:FILE.npy reads).
func labelsPath(out string) string {
	base := out
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, '/') {
		base = base[:i]
	}
	return base + ".labels.npy"
}
