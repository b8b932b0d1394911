package data

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// CIFAR binary format: each record is the label byte(s) followed by a 32×32 RGB image stored planar,
// 1024 red, 1024 green, then 1024 blue bytes, each plane row-major.
const (
	cifarSide  = 32
	cifarImage = 3 * cifarSide * cifarSide
)

// CIFARFormat describes one CIFAR binary variant.
type CIFARFormat struct {
	LabelBytes int // label bytes before each image: 1 for CIFAR-10, 2 (coarse, fine) for CIFAR-100
	LabelIndex int // which label byte is the label: 0 for CIFAR-10 and CIFAR-100 coarse, 1 for fine
	Classes    int // labels must lie in 0..Classes-1
}

// RecordSize is the size of one record in bytes.
func (f CIFARFormat) RecordSize() int { return f.LabelBytes + cifarImage }

// The CIFAR variants cct reads.
var (
	CIFAR10Format     = CIFARFormat{LabelBytes: 1, LabelIndex: 0, Classes: 10}
	CIFAR100Format    = CIFARFormat{LabelBytes: 2, LabelIndex: 1, Classes: 100}
	CIFAR100_20Format = CIFARFormat{LabelBytes: 2, LabelIndex: 0, Classes: 20}
)

// Class names of CIFAR-10, CIFAR-100 (fine) and CIFAR-100's 20 superclasses (coarse).
var (
	CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
		"horse", "ship", "truck"}
	CIFAR100Classes = []string{"apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee",
		"beetle", "bicycle", "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can",
		"castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach",
		"couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest",
		"fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard",
		"lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse",
		"mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck",
		"pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray",
		"road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail",
		"snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
		"telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle",
		"wardrobe", "whale", "willow_tree", "wolf", "woman", "worm"}
	CIFAR100CoarseClasses = []string{"aquatic_mammals", "fish", "flowers", "food_containers",
		"fruit_and_vegetables", "household_electrical_devices", "household_furniture", "insects",
		"large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
		"large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
		"reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2"}
)

// CIFAR100CoarseOfFine maps each CIFAR-100 fine label to its superclass (the map SCAN uses). The
// reader takes the coarse label from the records themselves; this table is for converting labels.
var CIFAR100CoarseOfFine = [100]int{4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11,
	6, 11, 5, 10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5, 5, 19, 8, 8, 15, 13, 14, 17,
	18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17, 10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12,
	9, 13, 15, 13, 16, 19, 2, 4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13}

// cifarLayout gives the sub-folder and the files (with their record counts) of each split.
type cifarLayout struct {
	sub     string
	files   map[string][]string
	records int // records per file
	format  CIFARFormat
	classes []string
}

func cifarLayoutOf(kind string) cifarLayout {
	switch kind {
	case "cifar10":
		return cifarLayout{sub: filepath.Join("cifar10", "cifar-10-batches-bin"),
			files: map[string][]string{
				Train: {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
				Test:  {"test_batch.bin"}},
			records: 10000, format: CIFAR10Format, classes: CIFAR10Classes}
	case "cifar100":
		return cifarLayout{sub: filepath.Join("cifar100", "cifar-100-binary"),
			files: map[string][]string{Train: {"train.bin"}, Test: {"test.bin"}}, format: CIFAR100Format,
			classes: CIFAR100Classes}
	default: // cifar100-20
		return cifarLayout{sub: filepath.Join("cifar100", "cifar-100-binary"),
			files: map[string][]string{Train: {"train.bin"}, Test: {"test.bin"}}, format: CIFAR100_20Format,
			classes: CIFAR100CoarseClasses}
	}
}

// cifarSplitSize is the number of images of each split of CIFAR-10 and CIFAR-100.
var cifarSplitSize = map[string]int{Train: 50000, Test: 10000}

// loadCIFARSplit reads one split of CIFAR-10 or CIFAR-100 (fine or coarse labels).
func loadCIFARSplit(kind, split, dataDir string, noPixels bool) (*Dataset, error) {
	lay := cifarLayoutOf(kind)
	dir := filepath.Join(dataDir, lay.sub)
	want := cifarSplitSize[split]
	per := want / len(lay.files[split])
	d := &Dataset{N: want, H: cifarSide, W: cifarSide, C: 3, ClassNames: lay.classes,
		Labels: make([]int, want)}
	if !noPixels {
		d.Images = make([]uint8, want*cifarImage)
	}
	for k, name := range lay.files[split] {
		path, err := findFile(kind, dataDir, dir, name)
		if err != nil {
			return nil, err
		}
		var pix []uint8
		if !noPixels {
			pix = d.Images[k*per*cifarImage : (k+1)*per*cifarImage]
		}
		if err := ReadCIFARFile(path, lay.format, per, pix, d.Labels[k*per:(k+1)*per]); err != nil {
			return nil, err
		}
		d.Files = append(d.Files, path)
	}
	return d, nil
}

// ReadCIFARFile reads a CIFAR binary file that must hold exactly n records of format f. Labels go
// to labels (length n); the images, converted to 32×32×3 HWC, go to pixels (length n·3072) unless
// pixels is nil.
func ReadCIFARFile(path string, f CIFARFormat, n int, pixels []uint8, labels []int) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if want := int64(n) * int64(f.RecordSize()); st.Size() != want {
		return fmt.Errorf("%s: %d bytes, expected %d records of %d bytes (%d bytes)",
			path, st.Size(), n, f.RecordSize(), want)
	}
	return decodeCIFAR(bufio.NewReaderSize(fh, 1<<20), path, f, n, pixels, labels)
}

// decodeCIFAR reads n records of format f from r (see ReadCIFARFile).
func decodeCIFAR(r io.Reader, file string, f CIFARFormat, n int, pixels []uint8, labels []int) error {
	rec := make([]byte, f.RecordSize())
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(r, rec); err != nil {
			return fmt.Errorf("%s: truncated at record %d, expected %d records of %d bytes", file, i, n, f.RecordSize())
		}
		l := int(rec[f.LabelIndex])
		if l >= f.Classes {
			return fmt.Errorf("%s: record %d has label %d, expected 0..%d", file, i, l, f.Classes-1)
		}
		labels[i] = l
		if pixels != nil {
			planarToHWC(pixels[i*cifarImage:(i+1)*cifarImage], rec[f.LabelBytes:], cifarSide, cifarSide, false)
		}
	}
	return nil
}

// planarToHWC converts a 3-channel image stored as three planes (channel-major) into HWC order.
// Each plane is row-major (pixel (y, x) at y·w+x), or column-major (at x·h+y) when colMajor is set,
// as in STL-10.
func planarToHWC(dst, src []byte, h, w int, colMajor bool) {
	plane := h * w
	for c := 0; c < 3; c++ {
		p := src[c*plane : (c+1)*plane]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if colMajor {
					dst[(y*w+x)*3+c] = p[x*h+y]
				} else {
					dst[(y*w+x)*3+c] = p[y*w+x]
				}
			}
		}
	}
}
