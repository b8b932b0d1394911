package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/cluster"
	"github.com/cct-dev/cct/eval/gallery"
	"github.com/cct-dev/cct/train"
)

func init() { register(newPredictCmd) }

func newPredictCmd() *cobra.Command {
	var opt train.PredictOptions
	var sortInto string
	var copyFiles bool
	cmd := &cobra.Command{
		Use:   "predict RUN_FOLDER --data DATASET --out FILE.csv",
		Short: "Assign new images to clusters with a trained run",
		Long: `predict loads the last checkpoint of a run folder and writes one line per example of --data:
index, cluster, confidence (the largest softmax probability), label (-1 when unknown), path (the
image file, for imagefolder: data) and top3 (the three most probable clusters). Images of an
imagefolder: dataset are resized to the network's input size and channels; unreadable files are
skipped and listed (add ,bad=error to stop at the first). --sort-into OUT puts
links to (or, with --copy, copies of) the images into OUT/cluster-NN/; the originals are only read.`,
		Example: `  cct predict runs/mnist-quick --data imagefolder:photos --out assignments.csv
  cct predict runs/mnist-quick --data mnist --split test --out mnist-test.csv
  cct predict runs/t3-mnist-cce --run 2 --data imagefolder:digits,size=28 --out digits.csv
  cct predict runs/photos --data imagefolder:new-photos,labels=none --out new.csv --sort-into new-sorted`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Data == "" {
				return fmt.Errorf("flag --data: required, e.g. --data imagefolder:DIR")
			}
			if opt.Out == "" {
				return fmt.Errorf("flag --out: required, e.g. --out assignments.csv")
			}
			n, err := train.Predict(args[0], opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d examples)\n", opt.Out, n)
			if sortInto == "" {
				return nil
			}
			items, err := gallery.ReadAssignments(opt.Out)
			if err != nil {
				return err
			}
			placed, err := cluster.SortInto(items, sortInto, copyFiles)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "placed %d files into %s/cluster-*/\n", placed, sortInto)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Data, "data", "", "dataset to assign: imagefolder:DIR, features:FILE or a built-in name")
	f.StringVar(&opt.Split, "split", "all", "split of --data")
	f.StringVar(&opt.DataDir, "data-dir", "", "data folder of built-in datasets (default: the run's)")
	f.StringVar(&opt.Out, "out", "", "CSV file to write")
	f.IntVar(&opt.Run, "run", 1, "which run of a multi-run folder")
	f.StringVar(&opt.Backend, "backend", "auto", "compute backend: auto, cpu, go, xla, ...")
	f.IntVar(&opt.Batch, "batch", 0, "inference batch size (default: the run's)")
	f.StringVar(&sortInto, "sort-into", "", "also put links to the images into OUT/cluster-NN/ (imagefolder data; originals untouched)")
	f.BoolVar(&copyFiles, "copy", false, "with --sort-into: copy the files instead of linking them")
	return cmd
}
