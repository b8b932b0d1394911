package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/cluster"
)

func init() { register(newClusterCmd) }

func newClusterCmd() *cobra.Command {
	var opt cluster.Options
	cmd := &cobra.Command{
		Use:   "cluster DIR [--clusters K|auto] [--features resnet50|none] [--out runs/NAME]",
		Short: "Cluster a folder of your own images, with no configuration file",
		Long: `cluster groups the PNG and JPEG images under DIR (nested folders allowed; sub-folders are not
classes unless --labels folders) and writes an ordinary run folder: config.yaml (the generated
configuration), checkpoint/, report.json, report.md, assignments.csv (with each image's path and
its top-3 clusters), gallery.html (open it in a browser: per cluster its size, mean confidence
and thumbnails, the doubtful cases last) and gallery.png. cct eval, cct predict and
cct cluster --resume work on it.

Features: resnet50 (the default when the ImageNet ResNet-50 weights are cached) trains the
collision-CE linear head on fixed pretrained features (power-normalised, whitened on their first
128 principal axes in folders of at least 1,280 images, the head started at their k-means
partition) and suits photographs of everyday objects; none trains VGG4 from scratch at the folder's image size (28x28 grey, 32x32 or 96x96
colour) and suits small, uniform images unlike ImageNet's, such as digits or symbols.

--clusters auto chooses K in 2..30 on a sample of 4,000 images: the number of communities (of at
least 1% of them) that Louvain's method finds when it maximises the modularity of the
10-nearest-neighbour graph of their features or pixels, the median over 9 runs (see the
eval/nclusters package); clusters-auto.png draws it beside the modularity of k-means partitions
for each K. --choose-only stops there, before training: a quick look at how many groups a folder
holds.

Unreadable and non-image files are skipped and counted; images of other sizes and colour modes
are converted. The input folder is only read: --sort-into OUT puts links (or copies with --copy)
into OUT/cluster-NN/.`,
		Example: `  cct cluster photos/
  cct cluster photos/ --clusters auto --out runs/photos-auto
  cct cluster photos/ --choose-only
  cct cluster digits/ --features none --clusters 10 --sort-into digits-sorted
  cct cluster photos/ --clusters 8 --sort-into sorted --copy
  cct cluster photos/ --out runs/photos --resume`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Dir = args[0]
			opt.Stdout = cmd.OutOrStdout()
			res, err := cluster.Run(opt)
			if err != nil {
				return err
			}
			if opt.ChooseOnly {
				fmt.Fprintf(cmd.OutOrStdout(), "%d clusters (not trained: --choose-only)\n", res.Clusters)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "run folder %s: %d clusters\n", res.RunDir, res.Clusters)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Clusters, "clusters", "auto", "number of clusters K, or auto")
	f.IntVar(&opt.KMin, "k-min", 2, "smallest K tried by --clusters auto")
	f.IntVar(&opt.KMax, "k-max", 30, "largest K tried by --clusters auto")
	f.StringVar(&opt.Features, "features", "", "resnet50 or none (default: resnet50 when its weights are cached, else none)")
	f.StringVar(&opt.Labels, "labels", "none", "none, or folders: first-level sub-folders are classes, used only to score the result")
	f.StringVar(&opt.Out, "out", "", "run folder (default: runs/<name of DIR>)")
	f.StringVar(&opt.SortInto, "sort-into", "", "put links to the images into OUT/cluster-NN/ (the originals are not touched)")
	f.BoolVar(&opt.Copy, "copy", false, "with --sort-into: copy the files instead of linking them")
	f.IntVar(&opt.Epochs, "epochs", 0, "training epochs (default: chosen from the folder size)")
	f.Int64Var(&opt.Seed, "seed", 0, "random seed")
	f.StringVar(&opt.Backend, "backend", "auto", "compute backend: auto, cpu, go, xla, xla:cuda, xla:/path/plugin.so")
	f.StringVar(&opt.DataDir, "data-dir", "", "data folder holding weights/ (default: $CCT_DATA or ~/.cache/cct)")
	f.BoolVar(&opt.Resume, "resume", false, "continue the run folder given by --out from its last checkpoint")
	f.BoolVar(&opt.ChooseOnly, "choose-only", false, "stop after choosing the features and the number of clusters (no training)")
	f.BoolVar(&opt.Quiet, "quiet", false, "no progress output")
	return cmd
}
