package data

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// Describe writes a description of dataset name to w: the example shape, the number of examples of
// each split and of each class in each split, and the files read. With split empty every basic
// split of the dataset is described; otherwise the given split (which may be "all" or
// '+'-joined) as one column. The files of a built-in dataset are first checked in full against
// their published checksums (see Verify); pixel data is not decoded (see LoadLabels).
func Describe(w io.Writer, name, split, dataDir string) error {
	spec, err := ParseName(name)
	if err != nil {
		return err
	}
	verified, err := Verify(name, dataDir)
	if err != nil {
		return err
	}
	splits := spec.Splits()
	if split != "" {
		splits = []string{split}
	}
	var parts []*Dataset
	for _, s := range splits {
		d, err := LoadLabels(name, s, dataDir)
		if err != nil {
			return err
		}
		parts = append(parts, d)
	}
	first := parts[0]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "dataset  %s\n", name)
	if first.IsImage() {
		fmt.Fprintf(w, "images   %dx%dx%d (HxWxC)\n", first.H, first.W, first.C)
	} else {
		fmt.Fprintf(w, "features %d per example\n", first.D)
	}
	fmt.Fprintf(w, "classes  %d\n\n", first.NumClasses())
	fmt.Fprintf(tw, "class\t")
	for _, p := range parts {
		fmt.Fprintf(tw, "%9s\t", p.Split)
	}
	fmt.Fprintln(tw)
	counts := make([][]int, len(parts))
	unknown := make([]int, len(parts))
	anyUnknown := false
	for i, p := range parts {
		counts[i], unknown[i] = p.ClassCounts()
		anyUnknown = anyUnknown || unknown[i] > 0
	}
	for k, c := range first.ClassNames {
		fmt.Fprintf(tw, "%d %s\t", k, c)
		for i := range parts {
			fmt.Fprintf(tw, "%9d\t", counts[i][k])
		}
		fmt.Fprintln(tw)
	}
	if anyUnknown {
		fmt.Fprintf(tw, "unlabeled\t")
		for i := range parts {
			fmt.Fprintf(tw, "%9d\t", unknown[i])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "total\t")
	for _, p := range parts {
		fmt.Fprintf(tw, "%9d\t", p.N)
	}
	fmt.Fprintln(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nfiles")
	for _, p := range parts {
		files := p.Files
		if len(files) > 6 {
			files = append(append([]string{}, files[:5]...), fmt.Sprintf("... and %d more", len(files)-5))
		}
		fmt.Fprintf(w, "  %s: %s\n", p.Split, strings.Join(files, "\n  "+strings.Repeat(" ", len(p.Split)+2)))
	}
	if len(verified) > 0 {
		fmt.Fprintln(w, "\nverified")
		for _, v := range verified {
			fmt.Fprintf(w, "  %s: %s\n", filepath.Base(v.Path), v.Check)
		}
	} else {
		fmt.Fprintln(w, "\nno published checksums for this dataset: headers and sizes checked while reading")
	}
	return nil
}
