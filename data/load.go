package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// NotFoundError reports that a built-in dataset is missing from the data folder.
type NotFoundError struct {
	Name    string // dataset name
	Dir     string // data folder searched
	Missing string // the first missing file
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("dataset %s not found: %s is missing; run `cct data get %s --data-dir %s` first",
		e.Name, e.Missing, e.Name, e.Dir)
}

// Load reads split (train, test, unlabeled, all, or '+'-joined) of the dataset called name (see the
// package documentation) from the data folder dataDir. Built-in datasets that are not there give a
// *NotFoundError that names the `cct data get` command to run. Image folders and feature files are
// read from their own paths; dataDir is not used for them. Splits are read concurrently.
func Load(name, split, dataDir string) (*Dataset, error) {
	return load(name, split, dataDir, false)
}

// LoadLabels is Load without the pixel and feature data: Images and Features stay nil, everything
// else (N, the shape, labels, class names and files) is filled. File sizes and headers are still
// checked. It is fast enough to describe STL-10's 100,000 unlabeled images.
func LoadLabels(name, split, dataDir string) (*Dataset, error) {
	return load(name, split, dataDir, true)
}

func load(name, split, dataDir string, noPixels bool) (*Dataset, error) {
	spec, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	if split == "" {
		return nil, fmt.Errorf("dataset %s: empty split (want %v or all)", name, spec.Splits())
	}
	splits, err := expandSplit(spec, name, split)
	if err != nil {
		return nil, err
	}
	parts := make([]*Dataset, len(splits))
	errs := make([]error, len(splits))
	var wg sync.WaitGroup
	for i, s := range splits {
		wg.Go(func() { parts[i], errs[i] = loadBasic(spec, name, s, dataDir, noPixels) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return concat(name, split, parts)
}

// loadBasic reads one basic split (train, test or unlabeled).
func loadBasic(spec Spec, name, split, dir string, noPixels bool) (*Dataset, error) {
	var (
		d   *Dataset
		err error
	)
	switch spec.Kind {
	case "mnist", "fashion-mnist":
		d, err = loadIDXSplit(spec.Kind, split, dir, noPixels)
	case "cifar10", "cifar100", "cifar100-20":
		d, err = loadCIFARSplit(spec.Kind, split, dir, noPixels)
	case "stl10":
		d, err = loadSTLSplit(split, dir, noPixels)
	case "imagefolder":
		d, err = loadImageFolderSplit(spec, split, noPixels)
	case "features":
		d, err = loadFeaturesSplit(spec, split)
	default:
		err = fmt.Errorf("unknown dataset kind %q", spec.Kind)
	}
	if err != nil {
		return nil, err
	}
	d.Name, d.Split = name, split
	return d, nil
}

// findFile returns the first of the candidate paths (relative to dir) that exists, or a
// *NotFoundError naming the first candidate.
func findFile(name, dataDir, dir string, candidates ...string) (string, error) {
	for _, c := range candidates {
		p := filepath.Join(dir, c)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", &NotFoundError{Name: name, Dir: dataDir, Missing: filepath.Join(dir, candidates[0])}
}

// checkLabels checks that every label lies in 0..k-1.
func checkLabels(file string, labels []int, k int) error {
	for i, l := range labels {
		if l < 0 || l >= k {
			return fmt.Errorf("%s: label %d of example %d out of range, expected 0..%d", file, l, i, k-1)
		}
	}
	return nil
}
