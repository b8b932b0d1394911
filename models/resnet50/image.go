package resnet50

import (
	"fmt"
	"image"
	_ "image/gif"  // decoders for ReadImage
	_ "image/jpeg" // decoders for ReadImage
	_ "image/png"  // decoders for ReadImage
	"os"
)

// ReadImage decodes a JPEG, PNG or GIF file into h×w×3 RGB bytes (HWC).
func ReadImage(path string) (pix []uint8, h, w int, err error) {
	f, err := os.Open(path)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return nil, 0, 0, fmt.Errorf("image %s: %v", path, err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("image %s: %v (want a JPEG, PNG or GIF file)", path, err)
	}
	b := img.Bounds()
	h, w = b.Dy(), b.Dx()
	pix = make([]uint8, h*w*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := (y*w + x) * 3
			pix[i], pix[i+1], pix[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
	return pix, h, w, nil
}
