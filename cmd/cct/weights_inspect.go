package main

import (
	"github.com/cct-dev/cct/models"
	"github.com/spf13/cobra"
)

func init() { registerWeights(newWeightsInspectCmd) }

func newWeightsInspectCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "inspect FILE",
		Short: "List the tensors of a PyTorch checkpoint and the models they fit",
		Long: `inspect reads a PyTorch checkpoint (the zip archive of torch.save since PyTorch 1.6, or the
legacy layout of older files such as SCAN's simclr_*.pth.tar) without Python, and prints every
tensor's key, dtype and shape, where its state dict is, and which cct backbones it can initialise
through model.init (resnet18-cifar, resnet18-stl, resnet18-torchvision), with the key prefix and
width. A pickle that names anything besides tensors and plain containers is refused.`,
		Example: `  cct weights inspect simclr_cifar-10.pth.tar
  cct weights inspect resnet18-f37072fd.pth`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return models.InspectTorch(cmd.OutOrStdout(), args[0])
		},
	}
}
