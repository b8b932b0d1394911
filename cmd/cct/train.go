package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/train"
)

func init() { register(newTrainCmd) }

func newTrainCmd() *cobra.Command {
	var configPath, name, runsDir, backendSpec string
	var sets []string
	var resume, quiet, helpConfig bool
	cmd := &cobra.Command{
		Use:   "train --config FILE [--set key=value ...]",
		Short: "Train a clustering network (or a baseline) and write a run folder",
		Long: `train runs the job a YAML configuration describes (see --help-config for every key and its
default): per mini-batch, σ from the network, pseudo-labels from the method's solver (EM for the
collision cross-entropy, PGD, MIADM, SeLa's Sinkhorn) and one optimiser step; or the direct
losses MIGD, IMSAT and IIC; or k-means. It evaluates ACC/NMI/ARI after every epoch and writes
<runs-dir>/<name>/: config.yaml, metrics.jsonl, checkpoint/, report.json, report.md, curves.png,
confusion.png and
assignments.csv (with runs > 1, one run-<r>/ folder per seed and the mean (std) at the top).

A killed run continues from its last checkpoint (end of each epoch) with --resume and then ends
with the same metrics as an uninterrupted run; --resume may raise epochs to train longer.

Methods (key loss): ` + strings.Join(train.Losses, ", ") + `.`,
		Example: `  cct train --config configs/mnist-quick.yaml
  cct train --config configs/mnist.yaml --set runs=1 --set epochs=5 --name mnist-short
  cct train --config configs/table2-mnist.yaml --set loss=migd --name t2-mnist-migd
  cct train --name mnist-quick --resume
  cct train --help-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if helpConfig {
				fmt.Fprint(cmd.OutOrStdout(), train.HelpConfig())
				return nil
			}
			var cfg train.Config
			var err error
			switch {
			case configPath != "":
				cfg, err = train.LoadConfig(configPath, sets)
			case resume && name != "":
				cfg, err = train.ResumeConfig(runsDir, name)
				for _, s := range sets {
					if err == nil {
						err = cfg.Set(s)
					}
				}
			default:
				return fmt.Errorf("flag --config: required (or --resume with --name)")
			}
			if err != nil {
				return err
			}
			if name != "" {
				cfg.Name = name
			}
			_, err = train.Train(cfg, train.Options{
				RunsDir: runsDir, Resume: resume, Quiet: quiet, Backend: backendSpec, Out: cmd.OutOrStdout(),
			})
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "YAML configuration of the job")
	f.StringArrayVar(&sets, "set", nil, "override one configuration key, e.g. --set optim.lr=0.001 (repeatable)")
	f.StringVar(&name, "name", "", "run name (default: the config's name)")
	f.StringVar(&runsDir, "runs-dir", "runs", "folder that holds the run folders")
	f.BoolVar(&resume, "resume", false, "continue the run folder from its last checkpoint")
	f.BoolVar(&quiet, "quiet", false, "no progress output")
	f.StringVar(&backendSpec, "backend", "auto", "compute backend: auto, cpu, go, xla, xla:cuda, xla:/path/plugin.so")
	f.BoolVar(&helpConfig, "help-config", false, "list every configuration key with its default and exit")
	return cmd
}
