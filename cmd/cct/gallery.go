package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/train"
)

func init() { register(newGalleryCmd) }

func newGalleryCmd() *cobra.Command {
	var opt train.GalleryOptions
	cmd := &cobra.Command{
		Use:   "gallery RUN_FOLDER",
		Short: "Write a run folder's cluster gallery (gallery.html, gallery.png) again",
		Long: `gallery rewrites gallery.html and gallery.png of a finished run folder from its
assignments.csv: per cluster its size, mean confidence, matched class and purity (when labels are
known) and thumbnails, the most confident first and a row of the least confident. Thumbnails come
from the files named in the path column, or from the run's dataset.`,
		Example: `  cct gallery runs/mnist-quick
  cct gallery runs/photos --per-cluster 40 --doubtful 12 --thumb 96`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := train.WriteGallery(args[0], opt); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n", filepath.Join(args[0], "gallery.html"), filepath.Join(args[0], "gallery.png"))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.PerCluster, "per-cluster", 24, "most confident thumbnails per cluster")
	f.IntVar(&opt.Doubtful, "doubtful", 8, "least confident thumbnails per cluster")
	f.IntVar(&opt.Thumb, "thumb", 64, "thumbnail size in pixels")
	f.StringVar(&opt.DataDir, "data-dir", "", "data folder of built-in datasets (default: the run's)")
	return cmd
}
