package models

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cct-dev/cct/models/torchckpt"
)

// InspectTorch writes a table of the tensors of the PyTorch checkpoint at path (key, dtype, shape),
// the location of its state dict, and the cct backbones its state dict fits (ResNet-18 variants,
// key prefix, width), or why it fits none.
func InspectTorch(w io.Writer, path string) error {
	ck, err := torchckpt.Open(path)
	if err != nil {
		return err
	}
	all := ck.Tensors()
	values := 0
	for _, n := range all {
		values += n.Tensor.Len()
	}
	layout := map[string]string{"zip": "torch.save zip archive", "legacy": "legacy torch.save file (PyTorch < 1.6)"}[ck.Format]
	fmt.Fprintf(w, "%s: %s, %d tensors, %d values\n", path, layout, len(all), values)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "key\tdtype\tshape")
	for _, n := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n.Key, n.Tensor.DType, shapeStr(n.Tensor.Shape))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	sd, where, err := ck.StateDict()
	if err != nil {
		fmt.Fprintf(w, "fits: no cct model (%v)\n", err)
		return nil
	}
	if where == "" {
		fmt.Fprintf(w, "state dict: the top-level dict (%d tensors)\n", len(sd))
	} else {
		fmt.Fprintf(w, "state dict: under %q (%d tensors)\n", where, len(sd))
	}
	if fits := FitResNet18(ck); len(fits) > 0 {
		fmt.Fprintf(w, "fits: %s\n", strings.Join(fits, "; "))
		return nil
	}
	// Explain the mismatch against the closest candidate: the variant whose stem kernel size fits.
	variant := ResNet18CIFAR
	prefix := GuessPrefix(sd)
	for _, n := range sd {
		if n.Key == prefix+"conv1.weight" && len(n.Tensor.Shape) == 4 && n.Tensor.Shape[2] == 7 {
			variant = ResNet18Torchvision
		}
	}
	_, _, err = MatchResNet18(ck, variant, 64, 3, prefix, false)
	fmt.Fprintf(w, "fits: no cct model; against %s: %v\n", variant, err)
	return nil
}
