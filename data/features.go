package data

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// LoadFeatures reads an N×D feature matrix (.npy of float32 or float64, or .csv) and, when
// labelsPath is not empty, its N integer labels (.npy or one-column .csv; -1 marks an unknown
// label). The class names are "0".."k-1"; k is the number of classes (0 without labels).
func LoadFeatures(path, labelsPath string, k int) (*Dataset, error) {
	n, dim, vals, err := readFeatureMatrix(path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{N: n, D: dim, Features: vals, Labels: make([]int, n), Files: []string{path}}
	for i := range d.Labels {
		d.Labels[i] = -1
	}
	if labelsPath != "" {
		labels, err := readLabelVector(labelsPath)
		if err != nil {
			return nil, err
		}
		if len(labels) != n {
			return nil, fmt.Errorf("%s has %d labels, expected %d like the rows of %s", labelsPath, len(labels), n, path)
		}
		for i, l := range labels {
			if l < -1 || l >= k {
				return nil, fmt.Errorf("%s: label %d of row %d out of range, expected -1 (unknown) or 0..%d", labelsPath, l, i, k-1)
			}
		}
		d.Labels = labels
		d.Files = append(d.Files, labelsPath)
	}
	d.ClassNames = make([]string, k)
	for i := range d.ClassNames {
		d.ClassNames[i] = strconv.Itoa(i)
	}
	return d, nil
}

// siblingLabels returns the label file that goes with a feature file by name: FILE with its
// extension replaced by .labels.npy or .labels.csv, whichever exists first, or "".
func siblingLabels(path string) string {
	base := path
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, '/') {
		base = base[:i]
	}
	for _, ext := range []string{".labels.npy", ".labels.csv"} {
		if _, err := os.Stat(base + ext); err == nil {
			return base + ext
		}
	}
	return ""
}

// featureFiles returns the feature and label files of a split of a features: spec. Labels come
// from the labels= (train) or test-labels= (test) option, else from a sibling file (see
// siblingLabels).
func featureFiles(s Spec, split string) (features, labels string) {
	features, key := s.Path, "labels"
	if split == Test {
		features, key = s.Options["test"], "test-labels"
	}
	if l, ok := s.Options[key]; ok {
		return features, l
	}
	return features, siblingLabels(features)
}

// loadFeaturesSplit reads one split of a features: dataset. The number of classes is the largest
// label of the train and test label files plus one, so that both splits share it.
func loadFeaturesSplit(s Spec, split string) (*Dataset, error) {
	k := 0
	for _, sp := range s.Splits() {
		_, lp := featureFiles(s, sp)
		if lp == "" {
			continue
		}
		labels, err := readLabelVector(lp)
		if err != nil {
			return nil, err
		}
		for _, l := range labels {
			k = max(k, l+1)
		}
	}
	fp, lp := featureFiles(s, split)
	return LoadFeatures(fp, lp, k)
}
