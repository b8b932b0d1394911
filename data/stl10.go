package data

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// STL-10 binary format: *_X.bin holds 96×96×3 images, each stored as three planes (red, green,
// blue) in column-major order; *_y.bin holds one label byte per image, 1..10.
const (
	stlSide  = 96
	stlImage = 3 * stlSide * stlSide
)

// STL10Classes are the class names of STL-10 (label byte 1 is airplane).
var STL10Classes = []string{"airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey",
	"ship", "truck"}

// stlSplitSize is the number of images of each STL-10 split.
var stlSplitSize = map[string]int{Train: 5000, Test: 8000, Unlabeled: 100000}

// loadSTLSplit reads one split of STL-10 from dataDir/stl10/stl10_binary/.
func loadSTLSplit(split, dataDir string, noPixels bool) (*Dataset, error) {
	dir := filepath.Join(dataDir, "stl10", "stl10_binary")
	xPath, err := findFile("stl10", dataDir, dir, split+"_X.bin")
	if err != nil {
		return nil, err
	}
	yPath := ""
	if split != Unlabeled {
		if yPath, err = findFile("stl10", dataDir, dir, split+"_y.bin"); err != nil {
			return nil, err
		}
	}
	d, err := ReadSTL10Files(xPath, yPath, noPixels)
	if err != nil {
		return nil, err
	}
	if want := stlSplitSize[split]; d.N != want {
		return nil, fmt.Errorf("%s: %d images, expected %d for the STL-10 %s split", xPath, d.N, want, split)
	}
	return d, nil
}

// ReadSTL10Files reads an STL-10 image file and its label file (labels 1..10, stored as 0..9);
// with yPath empty every label is -1. With noPixels only the image file's size is checked.
func ReadSTL10Files(xPath, yPath string, noPixels bool) (*Dataset, error) {
	fx, err := os.Open(xPath)
	if err != nil {
		return nil, err
	}
	defer fx.Close()
	st, err := fx.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size()%stlImage != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of %d-byte 96x96x3 images", xPath, st.Size(), stlImage)
	}
	n := int(st.Size() / stlImage)
	d := &Dataset{N: n, H: stlSide, W: stlSide, C: 3, ClassNames: STL10Classes, Files: []string{xPath}}
	if yPath != "" {
		yb, err := os.ReadFile(yPath)
		if err != nil {
			return nil, err
		}
		if d.Labels, err = decodeSTLLabels(yb, yPath, n, xPath); err != nil {
			return nil, err
		}
		d.Files = append(d.Files, yPath)
	} else {
		d.Labels = make([]int, n)
		for i := range d.Labels {
			d.Labels[i] = -1
		}
	}
	if !noPixels {
		d.Images = make([]uint8, n*stlImage)
		if err := decodeSTLImages(bufio.NewReaderSize(fx, 1<<20), xPath, n, d.Images); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// decodeSTLLabels turns the label bytes 1..10 of an STL-10 *_y.bin file into labels 0..9, checking
// there is one per image of xPath.
func decodeSTLLabels(yb []byte, yPath string, n int, xPath string) ([]int, error) {
	if len(yb) != n {
		return nil, fmt.Errorf("%s has %d labels, expected %d like the images in %s", yPath, len(yb), n, xPath)
	}
	labels := make([]int, n)
	for i, b := range yb {
		if b < 1 || b > 10 {
			return nil, fmt.Errorf("%s: label byte %d of image %d, expected 1..10", yPath, b, i)
		}
		labels[i] = int(b) - 1
	}
	return labels, nil
}

// decodeSTLImages reads n STL-10 images from r into pixels (n·96·96·3 bytes, HWC).
func decodeSTLImages(r io.Reader, file string, n int, pixels []uint8) error {
	rec := make([]byte, stlImage)
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(r, rec); err != nil {
			return fmt.Errorf("%s: truncated at image %d, expected %d images of %d bytes", file, i, n, stlImage)
		}
		planarToHWC(pixels[i*stlImage:(i+1)*stlImage], rec, stlSide, stlSide, true)
	}
	return nil
}
