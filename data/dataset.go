package data

import (
	"fmt"
	"sort"
)

// Dataset is one split (or a union of splits) of a dataset held in memory.
//
// Image datasets fill H, W, C and Images; feature datasets fill D and Features. Labels always has
// N entries; an entry is -1 where the label is unknown (STL-10 unlabeled, unlabeled image folders,
// feature files without labels).
type Dataset struct {
	Name  string // the dataset name as given to Load, e.g. "cifar100-20" or "imagefolder:photos"
	Split string // the split as given to Load, e.g. "train" or "train+unlabeled"

	N       int     // number of examples
	H, W, C int     // image height, width and channels (1 grey, 3 RGB); 0 for feature datasets
	Images  []uint8 // N·H·W·C bytes, NHWC order: pixel (i, y, x, c) is at ((i·H+y)·W+x)·C+c

	D        int       // feature dimension; 0 for image datasets
	Features []float32 // N·D values, row-major: feature j of example i is at i·D+j

	Labels     []int    // N class indices in 0..len(ClassNames)-1, or -1 where unknown
	ClassNames []string // the class names; len(ClassNames) is the number of classes K

	Files []string // the files the examples were read from, in reading order

	// Paths, when not nil, holds the file each example was read from (N entries; image folders).
	Paths []string
	// Skipped lists the files of an image folder that were not read, as "path (reason)", when the
	// folder was read with bad=skip.
	Skipped []string
}

// NumClasses returns K, the number of classes the labels range over.
func (d *Dataset) NumClasses() int { return len(d.ClassNames) }

// ImageSize returns H·W·C, the number of bytes of one image.
func (d *Dataset) ImageSize() int { return d.H * d.W * d.C }

// Image returns image i as an H×W×C slice of Images (HWC order, not a copy).
func (d *Dataset) Image(i int) []uint8 {
	s := d.ImageSize()
	return d.Images[i*s : (i+1)*s : (i+1)*s]
}

// Feature returns the D features of example i (a sub-slice of Features, not a copy).
func (d *Dataset) Feature(i int) []float32 {
	return d.Features[i*d.D : (i+1)*d.D : (i+1)*d.D]
}

// IsImage reports whether the dataset holds images (rather than feature vectors).
func (d *Dataset) IsImage() bool { return d.C > 0 }

// Labeled reports whether every example has a known label.
func (d *Dataset) Labeled() bool {
	for _, l := range d.Labels {
		if l < 0 {
			return false
		}
	}
	return d.N > 0
}

// ClassCounts returns the number of examples of each class (length K) and the number of examples
// with an unknown label.
func (d *Dataset) ClassCounts() (counts []int, unknown int) {
	counts = make([]int, len(d.ClassNames))
	for _, l := range d.Labels {
		if l >= 0 && l < len(counts) {
			counts[l]++
		} else {
			unknown++
		}
	}
	return counts, unknown
}

// Subset returns a new dataset with the examples idx, in that order (images, features and labels
// are copied). It returns an error if an index is out of range.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	s := &Dataset{Name: d.Name, Split: d.Split, N: len(idx), H: d.H, W: d.W, C: d.C, D: d.D,
		ClassNames: d.ClassNames, Files: d.Files, Skipped: d.Skipped, Labels: make([]int, len(idx))}
	if d.Paths != nil {
		s.Paths = make([]string, len(idx))
	}
	is := d.ImageSize()
	if d.Images != nil {
		s.Images = make([]uint8, len(idx)*is)
	}
	if d.Features != nil {
		s.Features = make([]float32, len(idx)*d.D)
	}
	for k, i := range idx {
		if i < 0 || i >= d.N {
			return nil, fmt.Errorf("dataset %s: index %d out of range 0..%d", d.Name, i, d.N-1)
		}
		s.Labels[k] = d.Labels[i]
		if d.Paths != nil {
			s.Paths[k] = d.Paths[i]
		}
		if d.Images != nil {
			copy(s.Images[k*is:(k+1)*is], d.Image(i))
		}
		if d.Features != nil {
			copy(s.Features[k*d.D:(k+1)*d.D], d.Feature(i))
		}
	}
	return s, nil
}

// concat joins datasets of the same shape and classes into one, in order.
func concat(name, split string, parts []*Dataset) (*Dataset, error) {
	if len(parts) == 1 {
		parts[0].Name, parts[0].Split = name, split
		return parts[0], nil
	}
	out := &Dataset{Name: name, Split: split}
	for k, p := range parts {
		if k == 0 {
			out.H, out.W, out.C, out.D, out.ClassNames = p.H, p.W, p.C, p.D, p.ClassNames
		} else if p.H != out.H || p.W != out.W || p.C != out.C || p.D != out.D {
			return nil, fmt.Errorf("dataset %s: split %s has shape %s, expected %s like %s",
				name, p.Split, p.shape(), out.shape(), parts[0].Split)
		} else if len(p.ClassNames) != len(out.ClassNames) {
			return nil, fmt.Errorf("dataset %s: split %s has %d classes, expected %d like %s",
				name, p.Split, len(p.ClassNames), len(out.ClassNames), parts[0].Split)
		}
		out.N += p.N
	}
	if parts[0].Images != nil {
		out.Images = make([]uint8, 0, out.N*out.ImageSize())
	}
	if parts[0].Features != nil {
		out.Features = make([]float32, 0, out.N*out.D)
	}
	out.Labels = make([]int, 0, out.N)
	withPaths := true
	for _, p := range parts {
		withPaths = withPaths && p.Paths != nil
	}
	for _, p := range parts {
		if withPaths {
			out.Paths = append(out.Paths, p.Paths...)
		}
		out.Skipped = append(out.Skipped, p.Skipped...)
		out.Images = append(out.Images, p.Images...)
		out.Features = append(out.Features, p.Features...)
		out.Labels = append(out.Labels, p.Labels...)
		out.Files = append(out.Files, p.Files...)
	}
	return out, nil
}

// shape describes the example shape, "HxWxC" for images and "D" for features.
func (d *Dataset) shape() string {
	if d.C > 0 {
		return fmt.Sprintf("%dx%dx%d", d.H, d.W, d.C)
	}
	return fmt.Sprintf("%d features", d.D)
}

// Shape describes the example shape: "28x28x1" (H×W×C) for images, "2048 features" for features.
func (d *Dataset) Shape() string { return d.shape() }

// sortedKeys returns the keys of m in increasing order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
