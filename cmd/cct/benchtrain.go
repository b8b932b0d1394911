package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/backend"
	"github.com/cct-dev/cct/models"
	"github.com/cct-dev/cct/models/bench"
)

func init() { register(newBenchTrainCmd) }

func newBenchTrainCmd() *cobra.Command {
	var opts bench.Options
	var input, backendSpec string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bench-train",
		Short: "Measure training-step speed of a model on random data",
		Long: `bench-train builds a model, and times training steps on one random batch: forward pass,
collision cross-entropy against random soft targets, backward pass and an Adam update, in one
compiled graph. It prints the backend, the median time per step, images per second, the achieved
GFLOP/s (analytic count: 2·MACs of convolutions and linear layers per forward pass, ×3 for a
training step) and the peak memory of the process.

Models: ` + strings.Join(models.Names(), ", ") + `. vgg4 takes 28x28x1, 32x32x3 or 96x96x3; resnet18
32x32xC (CIFAR stem) or 96x96xC (STL stem); linear takes a feature dimension D.`,
		Example: `  cct bench-train --model vgg4 --input 28x28x1 --batch 250 --steps 10
  cct bench-train --model resnet18 --input 32x32x3 --batch 200 --steps 5 --warmup 1
  cct bench-train --model linear --input 2048 --batch 250 --steps 50 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, w, c, err := models.ParseInput(input)
			if err != nil {
				return fmt.Errorf("flag --input: %v", err)
			}
			opts.Config.Height, opts.Config.Width, opts.Config.Channels = h, w, c
			if _, err := models.Build(opts.Model, opts.Config); err != nil {
				return fmt.Errorf("flag --model/--input: %v", err)
			}
			be, info, err := backend.Open(backendSpec)
			if err != nil {
				return fmt.Errorf("flag --backend: %v", err)
			}
			defer be.Finalize()
			res, err := bench.Run(be, opts)
			if err != nil {
				return err
			}
			res.Backend = info.String()
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.MarshalIndent(res, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(out, string(b))
				return err
			}
			fmt.Fprintf(out, "model       %s %s, K=%d, %d trainable parameters\n", res.Model, res.Input, res.Clusters, res.Params)
			fmt.Fprintf(out, "backend     %s: %s\n", res.Backend, be.Description())
			fmt.Fprintf(out, "batch       %d, %d timed steps after %d warm-up (first step %.0f ms incl. compilation)\n",
				res.Batch, res.Steps, opts.Warmup, res.CompileMs)
			fmt.Fprintf(out, "step        %.1f ms median\n", res.MedianMs)
			fmt.Fprintf(out, "throughput  %.1f images/s\n", res.ImagesPerSec)
			fmt.Fprintf(out, "compute     %.2f GFLOP/step, %.1f GFLOP/s achieved\n", res.StepGFLOP, res.GFLOPS)
			fmt.Fprintf(out, "memory      max RSS %.0f MiB, Go runtime %.0f MiB, peak heap in use %.0f MiB\n",
				float64(res.MaxRSSBytes)/(1<<20), float64(res.GoSysBytes)/(1<<20), float64(res.PeakHeapByte)/(1<<20))
			fmt.Fprintf(out, "loss        %.4f → %.4f\n", res.FirstLoss, res.LastLoss)
			if opts.Profile {
				printOpProfile(out, res.OpMs, 30)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "vgg4", "model: "+strings.Join(models.Names(), ", "))
	f.StringVar(&input, "input", "28x28x1", "input shape HxWxC, or feature dimension D for linear")
	f.IntVar(&opts.Config.Clusters, "clusters", 10, "number of clusters K (model outputs)")
	f.IntVar(&opts.Batch, "batch", 250, "batch size")
	f.IntVar(&opts.Steps, "steps", 10, "timed training steps")
	f.IntVar(&opts.Warmup, "warmup", 2, "untimed steps before timing (the first compiles the graph)")
	f.Float64Var(&opts.LearningRate, "lr", 1e-4, "Adam learning rate")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the random data and weights")
	f.StringVar(&backendSpec, "backend", "auto", "backend: auto, cpu, go (GoMLX's simplego: cannot train convolutions), xla, xla:NAME or xla:/path/plugin.so")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&opts.Profile, "profile", false, "print the time per step of the slowest operations (cpu backend)")
	return cmd
}

// printOpProfile prints the n slowest entries of an operation profile, slowest first.
func printOpProfile(out io.Writer, opMs map[string]float64, n int) {
	names := make([]string, 0, len(opMs))
	total := 0.0
	for k, v := range opMs {
		names = append(names, k)
		total += v
	}
	sort.Slice(names, func(i, j int) bool { return opMs[names[i]] > opMs[names[j]] })
	fmt.Fprintf(out, "operations  %.1f ms/step in total (summed over threads where ops run in parallel)\n", total)
	for i, k := range names {
		if i == n {
			break
		}
		fmt.Fprintf(out, "  %8.1f ms  %s\n", opMs[k], k)
	}
}
