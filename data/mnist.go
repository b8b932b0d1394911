package data

import (
	"fmt"
	"path/filepath"
	"sync"
)

// idxFiles names the IDX image and label files of one split (without the .gz suffix, which the
// reader accepts but does not require).
type idxFiles struct{ images, labels string }

// mnistFiles are the file names shared by MNIST and Fashion-MNIST.
var mnistFiles = map[string]idxFiles{
	Train: {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	Test:  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// mnistSplitSize is the number of images of each split of MNIST and Fashion-MNIST.
var mnistSplitSize = map[string]int{Train: 60000, Test: 10000}

// MNISTClasses and FashionMNISTClasses are the class names of MNIST and Fashion-MNIST.
var (
	MNISTClasses        = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
		"Shirt", "Sneaker", "Bag", "Ankle boot"}
)

// loadIDXSplit reads one split of MNIST or Fashion-MNIST from dataDir/<kind>/.
func loadIDXSplit(kind, split, dataDir string, noPixels bool) (*Dataset, error) {
	files := mnistFiles[split]
	dir := filepath.Join(dataDir, kind)
	imgPath, err := findFile(kind, dataDir, dir, files.images+".gz", files.images)
	if err != nil {
		return nil, err
	}
	labPath, err := findFile(kind, dataDir, dir, files.labels+".gz", files.labels)
	if err != nil {
		return nil, err
	}
	classes := MNISTClasses
	if kind == "fashion-mnist" {
		classes = FashionMNISTClasses
	}
	d, err := ReadIDXPair(imgPath, labPath, classes, noPixels)
	if err != nil {
		return nil, err
	}
	if want := mnistSplitSize[split]; d.N != want {
		return nil, fmt.Errorf("%s: %d images, expected %d for the %s %s split", imgPath, d.N, want, kind, split)
	}
	return d, nil
}

// ReadIDXPair reads an IDX image file (N×H×W unsigned bytes, gzipped or not) and its IDX label file
// (N unsigned bytes) into a grey (C = 1) dataset whose labels must lie in 0..len(classes)-1. With
// noPixels only the image header is read and Images stays nil.
func ReadIDXPair(imagesPath, labelsPath string, classes []string, noPixels bool) (*Dataset, error) {
	var (
		dims   []int
		pixels []byte
		labels []byte
		errImg error
		errLab error
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		r, closeFn, err := openMaybeGzip(imagesPath)
		if err != nil {
			errImg = err
			return
		}
		defer closeFn()
		if noPixels {
			dims, errImg = idxHeader(r, imagesPath, 3)
		} else {
			dims, pixels, errImg = readIDX(r, imagesPath, 3, defaultPrealloc)
		}
	})
	wg.Go(func() {
		r, closeFn, err := openMaybeGzip(labelsPath)
		if err != nil {
			errLab = err
			return
		}
		defer closeFn()
		_, labels, errLab = readIDX(r, labelsPath, 1, defaultPrealloc)
	})
	wg.Wait()
	if errImg != nil {
		return nil, errImg
	}
	if errLab != nil {
		return nil, errLab
	}
	return idxDataset(dims, pixels, labels, imagesPath, labelsPath, classes)
}

// idxDataset assembles a dataset from the dimensions and bodies of an IDX image and label file.
func idxDataset(dims []int, pixels, labels []byte, imagesPath, labelsPath string, classes []string) (*Dataset, error) {
	if len(dims) != 3 {
		return nil, fmt.Errorf("%s: IDX images have %d dimensions, expected 3", imagesPath, len(dims))
	}
	if dims[0] != len(labels) {
		return nil, fmt.Errorf("%s has %d labels, expected %d like the images in %s",
			labelsPath, len(labels), dims[0], imagesPath)
	}
	if dims[1] == 0 || dims[2] == 0 {
		return nil, fmt.Errorf("%s: empty image size %dx%d", imagesPath, dims[1], dims[2])
	}
	d := &Dataset{N: dims[0], H: dims[1], W: dims[2], C: 1, Images: pixels,
		Labels: make([]int, len(labels)), ClassNames: classes, Files: []string{imagesPath, labelsPath}}
	for i, l := range labels {
		d.Labels[i] = int(l)
	}
	if err := checkLabels(labelsPath, d.Labels, len(classes)); err != nil {
		return nil, err
	}
	return d, nil
}
