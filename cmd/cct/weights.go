package main

import "github.com/spf13/cobra"

func init() { register(newWeightsCmd) }

// weightsSubcommands holds the constructors of the `cct weights` subcommands; each file appends to
// it in init through registerWeights.
var weightsSubcommands []func() *cobra.Command

// registerWeights adds a `cct weights` subcommand constructor. Call it from an init function.
func registerWeights(newCmd func() *cobra.Command) {
	weightsSubcommands = append(weightsSubcommands, newCmd)
}

func newWeightsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "weights",
		Short: "Fetch, list and inspect pretrained weights",
		Long:  "Fetch, list and inspect the pretrained weights cct can start from or extract features with.",
	}
	for _, newCmd := range weightsSubcommands {
		cmd.AddCommand(newCmd())
	}
	return cmd
}
