package data

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// FolderOptions sets how LoadImageFolder shapes the images.
type FolderOptions struct {
	// H, W: when both are positive every image is resized to H×W (see Resize); when zero every image
	// must already have the size of the first one.
	H, W int
	// C is the number of channels: 1 (grey) or 3 (RGB); 0 picks 1 when every file is a greyscale
	// image and 3 otherwise.
	C int
	// Classes, when not nil, fixes the class names (e.g. to those of the train folder when reading a
	// test folder); every class sub-folder must then be one of them.
	Classes []string
	// NoLabels reads every image under dir (recursively) as unlabeled, class sub-folders or not.
	NoLabels bool
	// SkipBad skips files that cannot be read or decoded, and files that are not PNG or JPEG
	// images, listing them in Dataset.Skipped, instead of failing on the first one.
	SkipBad bool
}

// maxSkippedNames is how many skipped file names a message shows.
const maxSkippedNames = 3

// SkippedSummary describes skipped files in one line: their count and the first few, e.g.
// "2 files skipped: a.txt: not a PNG or JPEG image, b.png: cannot decode image (...)".
func SkippedSummary(skipped []string) string {
	if len(skipped) == 0 {
		return ""
	}
	names := skipped[:min(len(skipped), maxSkippedNames)]
	more := ""
	if len(skipped) > len(names) {
		more = fmt.Sprintf(", and %d more", len(skipped)-len(names))
	}
	word := "files"
	if len(skipped) == 1 {
		word = "file"
	}
	return fmt.Sprintf("%d %s skipped: %s%s", len(skipped), word, strings.Join(names, ", "), more)
}

// isImageFile reports whether name has a PNG or JPEG extension.
func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// hidden reports whether a file or folder name starts with a dot.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// listImages returns the PNG/JPEG files under dir (recursively, hidden entries skipped), sorted.
func listImages(dir string) ([]string, error) {
	out, _, err := listFiles(dir)
	return out, err
}

// listFiles returns the PNG/JPEG files under dir (recursively, hidden entries skipped), sorted,
// and the other regular files found.
func listFiles(dir string) (images, others []string, err error) {
	var out []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && hidden(e.Name()) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.IsDir() && isImageFile(p) {
			out = append(out, p)
		} else if e.Type().IsRegular() {
			others = append(others, p)
		}
		return nil
	})
	sort.Strings(out)
	sort.Strings(others)
	return out, others, err
}

// folderClasses returns the class names of an image folder, the sorted non-hidden first-level
// sub-folders, or nil when image files sit directly in dir (an unlabeled folder).
func folderClasses(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var classes []string
	for _, e := range entries {
		if hidden(e.Name()) {
			continue
		}
		if !e.IsDir() && isImageFile(e.Name()) {
			return nil, nil
		}
		if e.IsDir() {
			classes = append(classes, e.Name())
		}
	}
	return classes, nil
}

// LoadImageFolder reads the PNG and JPEG images under dir. When image files sit directly in dir,
// every image under dir (recursively) is read and all labels are -1. Otherwise each first-level
// sub-folder is a class (classes in sorted name order) and the images under it (recursively) get
// its label. Files are read in sorted path order; hidden files and folders are skipped. With
// noPixels only the image headers are read.
// FolderScan is what ScanImageFolder finds: the image files in reading order, their labels
// (−1 when unlabeled), the class names, each file's header, and the skipped files.
type FolderScan struct {
	Files   []string
	Labels  []int
	Classes []string
	Configs []image.Config // width, height and colour model of each file
	Skipped []string       // "path: reason" of files not read (with FolderOptions.SkipBad)
}

// ScanImageFolder lists the images of dir as LoadImageFolder does and reads their headers only
// (the size and colour model of each file); opt.H, opt.W and opt.C are not used.
func ScanImageFolder(dir string, opt FolderOptions) (*FolderScan, error) {
	if opt.C != 0 && opt.C != 1 && opt.C != 3 {
		return nil, fmt.Errorf("imagefolder %s: channels %d, expected 1 or 3", dir, opt.C)
	}
	var classes []string
	var err error
	if !opt.NoLabels {
		if classes, err = folderClasses(dir); err != nil {
			return nil, fmt.Errorf("imagefolder %s: %v", dir, err)
		}
	}
	var files, skipped []string
	var labels []int
	if classes == nil {
		var others []string
		if files, others, err = listFiles(dir); err != nil {
			return nil, fmt.Errorf("imagefolder %s: %v", dir, err)
		}
		if opt.SkipBad {
			for _, o := range others {
				skipped = append(skipped, o+": not a PNG or JPEG image")
			}
		}
		labels = make([]int, len(files))
		for i := range labels {
			labels[i] = -1
		}
		classes = opt.Classes
	} else {
		names := classes
		if opt.Classes != nil {
			names = opt.Classes
		}
		index := map[string]int{}
		for i, c := range names {
			index[c] = i
		}
		for _, c := range classes {
			k, ok := index[c]
			if !ok {
				return nil, fmt.Errorf("imagefolder %s: class folder %q is not one of the %d classes %s",
					dir, c, len(names), strings.Join(names, ", "))
			}
			fs, others, err := listFiles(filepath.Join(dir, c))
			if err != nil {
				return nil, fmt.Errorf("imagefolder %s: %v", dir, err)
			}
			if opt.SkipBad {
				for _, o := range others {
					skipped = append(skipped, o+": not a PNG or JPEG image")
				}
			}
			files = append(files, fs...)
			for range fs {
				labels = append(labels, k)
			}
		}
		classes = names
	}
	noImages := func() error {
		msg := fmt.Sprintf("imagefolder %s: no .png, .jpg or .jpeg images that can be read", dir)
		if len(skipped) > 0 {
			msg += " (" + SkippedSummary(skipped) + ")"
		}
		return fmt.Errorf("%s", msg)
	}
	if len(files) == 0 {
		return nil, noImages()
	}

	// Pass 1: headers, for the size and colour model of every file.
	cfgs := make([]image.Config, len(files))
	errs := parallelFilesAll(files, func(i int, f *os.File) (err error) {
		cfgs[i], _, err = image.DecodeConfig(f)
		return err
	})
	if !opt.SkipBad {
		if err := firstError(errs); err != nil {
			return nil, err
		}
	} else {
		keep := 0
		for i, e := range errs {
			if e != nil {
				skipped = append(skipped, e.Error())
				continue
			}
			files[keep], labels[keep], cfgs[keep] = files[i], labels[i], cfgs[i]
			keep++
		}
		files, labels, cfgs = files[:keep], labels[:keep], cfgs[:keep]
		if keep == 0 {
			return nil, noImages()
		}
	}
	return &FolderScan{Files: files, Labels: labels, Classes: classes, Configs: cfgs, Skipped: skipped}, nil
}

func LoadImageFolder(dir string, opt FolderOptions, noPixels bool) (*Dataset, error) {
	sc, err := ScanImageFolder(dir, opt)
	if err != nil {
		return nil, err
	}
	files, labels, classes, cfgs, skipped := sc.Files, sc.Labels, sc.Classes, sc.Configs, sc.Skipped
	noImages := func() error {
		return fmt.Errorf("imagefolder %s: no .png, .jpg or .jpeg images that can be read (%s)", dir, SkippedSummary(skipped))
	}
	h, w := opt.H, opt.W
	resize := h > 0 && w > 0
	if !resize {
		h, w = cfgs[0].Height, cfgs[0].Width
		for i, c := range cfgs {
			if c.Height != h || c.Width != w {
				return nil, fmt.Errorf("imagefolder %s: %s is %dx%d (HxW), expected %dx%d like %s; add ,size=HxW to the name to resize",
					dir, files[i], c.Height, c.Width, h, w, files[0])
			}
		}
	}
	ch := opt.C
	if ch == 0 {
		ch = 1
		for _, c := range cfgs {
			if c.ColorModel != color.GrayModel && c.ColorModel != color.Gray16Model {
				ch = 3
				break
			}
		}
	}
	d := &Dataset{N: len(files), H: h, W: w, C: ch, Labels: labels, ClassNames: classes, Files: files,
		Paths: files, Skipped: skipped}
	if noPixels {
		return d, nil
	}
	// Pass 2: pixels.
	size := h * w * ch
	d.Images = make([]uint8, len(files)*size)
	errs := parallelFilesAll(files, func(i int, f *os.File) error {
		img, _, err := image.Decode(f)
		if err != nil {
			return err
		}
		b := img.Bounds()
		pix := toBytes(img, ch)
		if resize {
			pix = Resize(pix, b.Dy(), b.Dx(), ch, h, w)
		} else if b.Dy() != h || b.Dx() != w {
			return fmt.Errorf("decoded size %dx%d differs from the header's %dx%d", b.Dy(), b.Dx(), h, w)
		}
		copy(d.Images[i*size:(i+1)*size], pix)
		return nil
	})
	if !opt.SkipBad {
		if err := firstError(errs); err != nil {
			return nil, err
		}
		return d, nil
	}
	if firstError(errs) == nil {
		return d, nil
	}
	// Drop the images whose pixels could not be decoded.
	var idx []int
	for i, e := range errs {
		if e != nil {
			skipped = append(skipped, e.Error())
		} else {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, noImages()
	}
	out, err := d.Subset(idx)
	if err != nil {
		return nil, err
	}
	out.Files, out.Skipped = out.Paths, skipped
	return out, nil
}

// firstError returns the first non-nil error of errs.
func firstError(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// parallelFiles opens every file and calls fn on it, on GOMAXPROCS goroutines; the first error
// (by file order) is returned, naming the file.
func parallelFiles(files []string, fn func(i int, f *os.File) error) error {
	return firstError(parallelFilesAll(files, fn))
}

// parallelFilesAll opens every file and calls fn on it, on GOMAXPROCS goroutines, and returns the
// error of each file (nil where fn succeeded), naming the file.
func parallelFilesAll(files []string, fn func(i int, f *os.File) error) []error {
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f, err := os.Open(files[i])
				if err != nil {
					var pe *fs.PathError
					if errors.As(err, &pe) {
						err = pe.Err
					}
					errs[i] = fmt.Errorf("%s: cannot open (%v)", files[i], err)
					continue
				}
				if err := fn(i, f); err != nil {
					errs[i] = fmt.Errorf("%s: cannot decode image (%v)", files[i], shortErr(err))
				}
				f.Close()
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// toBytes converts an image to HWC bytes with c = 1 (luma, as image/color's GrayModel) or c = 3
// (RGB; transparent pixels are composited over black).
func toBytes(img image.Image, c int) []uint8 {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	if c == 1 {
		g, ok := img.(*image.Gray)
		if !ok {
			g = image.NewGray(image.Rect(0, 0, w, h))
			draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
		}
		gb := g.Bounds()
		out := make([]uint8, h*w)
		for y := 0; y < h; y++ {
			copy(out[y*w:(y+1)*w], g.Pix[g.PixOffset(gb.Min.X, gb.Min.Y+y):][:w])
		}
		return out
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	out := make([]uint8, h*w*3)
	for y := 0; y < h; y++ {
		row := rgba.Pix[y*rgba.Stride:]
		for x := 0; x < w; x++ {
			copy(out[(y*w+x)*3:(y*w+x)*3+3], row[x*4:x*4+3])
		}
	}
	return out
}

// parseSize parses "N" (N×N) or "HxW".
func parseSize(s string) (h, w int, err error) {
	hs, ws, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		ws = hs
	}
	h, err1 := strconv.Atoi(hs)
	w, err2 := strconv.Atoi(ws)
	if err1 != nil || err2 != nil || h <= 0 || w <= 0 || h > 1<<14 || w > 1<<14 {
		return 0, 0, fmt.Errorf("size %q, expected N or HxW with positive integers", s)
	}
	return h, w, nil
}

// loadImageFolderSplit reads the train folder (the path) or the test folder (option test=DIR) of an
// imagefolder spec. Options: size=N or HxW (resize every image), channels=1 or 3, labels=folders
// (first-level sub-folders are classes; the default) or none (every image unlabeled), bad=error
// (the default: the first unreadable image is an error) or skip (unreadable and non-image files
// are skipped and listed in Dataset.Skipped). The test folder takes the train folder's class names.
func loadImageFolderSplit(s Spec, split string, noPixels bool) (*Dataset, error) {
	var opt FolderOptions
	if v, ok := s.Options["size"]; ok {
		h, w, err := parseSize(v)
		if err != nil {
			return nil, fmt.Errorf("imagefolder %s: %v", s.Path, err)
		}
		opt.H, opt.W = h, w
	}
	if v, ok := s.Options["channels"]; ok {
		c, err := strconv.Atoi(v)
		if err != nil || (c != 1 && c != 3) {
			return nil, fmt.Errorf("imagefolder %s: channels=%s, expected 1 or 3", s.Path, v)
		}
		opt.C = c
	}
	switch v := s.Options["labels"]; v {
	case "", "folders":
	case "none":
		opt.NoLabels = true
	default:
		return nil, fmt.Errorf("imagefolder %s: labels=%s, expected folders or none", s.Path, v)
	}
	switch v := s.Options["bad"]; v {
	case "", "error":
	case "skip":
		opt.SkipBad = true
	default:
		return nil, fmt.Errorf("imagefolder %s: bad=%s, expected error or skip", s.Path, v)
	}
	dir := s.Path
	if split == Test {
		dir = s.Options["test"]
		classes, err := folderClasses(s.Path)
		if err != nil {
			return nil, fmt.Errorf("imagefolder %s: %v", s.Path, err)
		}
		opt.Classes = classes
	}
	return LoadImageFolder(dir, opt, noPixels)
}
