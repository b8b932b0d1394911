package data

import "fmt"

// readFeatureMatrix reads an N×D float matrix from a .npy or .csv file as float32.
func readFeatureMatrix(path string) (n, d int, vals []float32, err error) {
	return 0, 0, nil, fmt.Errorf("%s: feature files are not supported yet", path)
}

// readLabelVector reads N integer labels from a .npy or one-column .csv file.
func readLabelVector(path string) ([]int, error) {
	return nil, fmt.Errorf("%s: label files are not supported yet", path)
}
