// Package preview draws a grid of dataset images, optionally next to augmented views, as a PNG.
package preview

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
)

// Options sets what Grid draws.
type Options struct {
	Cols    int              // images per row; 0 picks ⌈√n⌉ cells (rounded up to even with Augment)
	Scale   int              // integer up-scaling of every pixel; 0 picks max(1, ⌊96/max(H,W)⌋)
	Pad     int              // pixels of background between cells
	Augment augment.Pipeline // when not nil each image is followed by its augmented view
	Seed    uint64           // seed of the augmentation (view of image i uses augment.ImageRNG(Seed, 0, i, 1))
}

// Sample returns n distinct indices in 0..size-1 in random order (all of them, shuffled, when
// n ≥ size), drawn with a PCG generator seeded by seed.
func Sample(size, n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	p := r.Perm(size)
	return p[:min(n, size)]
}

// Grid draws the images idx of d in row-major cells on a dark grey background. Grey images are
// drawn grey. Every cell is as large as the largest (scaled) image; smaller ones are centred.
func Grid(d *data.Dataset, idx []int, opt Options) (*image.RGBA, error) {
	if !d.IsImage() {
		return nil, fmt.Errorf("dataset %s holds feature vectors, not images; nothing to preview", d.Name)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("dataset %s: no images to preview", d.Name)
	}
	var cells []augment.Image
	for _, i := range idx {
		if i < 0 || i >= d.N {
			return nil, fmt.Errorf("dataset %s: image %d out of range 0..%d", d.Name, i, d.N-1)
		}
		img := augment.Image{H: d.H, W: d.W, C: d.C, Pix: d.Image(i)}
		cells = append(cells, img)
		if opt.Augment != nil {
			cells = append(cells, opt.Augment.Apply(augment.ImageRNG(opt.Seed, 0, i, 1), img))
		}
	}
	ch, cw := 0, 0
	for _, c := range cells {
		ch, cw = max(ch, c.H), max(cw, c.W)
	}
	scale := opt.Scale
	if scale <= 0 {
		scale = max(1, 96/max(ch, cw))
	}
	cols := opt.Cols
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(len(cells)))))
		if opt.Augment != nil && cols%2 == 1 {
			cols++
		}
	}
	rows := (len(cells) + cols - 1) / cols
	pad := max(opt.Pad, 0)
	ch, cw = ch*scale, cw*scale
	out := image.NewRGBA(image.Rect(0, 0, cols*(cw+pad)+pad, rows*(ch+pad)+pad))
	bg := color.RGBA{40, 40, 40, 255}
	for i := 0; i < len(out.Pix); i += 4 {
		out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	for k, c := range cells {
		x0 := pad + (k%cols)*(cw+pad) + (cw-c.W*scale)/2
		y0 := pad + (k/cols)*(ch+pad) + (ch-c.H*scale)/2
		for y := 0; y < c.H*scale; y++ {
			for x := 0; x < c.W*scale; x++ {
				p := c.Pix[((y/scale)*c.W+x/scale)*c.C:]
				o := out.PixOffset(x0+x, y0+y)
				if c.C == 1 {
					out.Pix[o], out.Pix[o+1], out.Pix[o+2] = p[0], p[0], p[0]
				} else {
					out.Pix[o], out.Pix[o+1], out.Pix[o+2] = p[0], p[1], p[2]
				}
			}
		}
	}
	return out, nil
}

// WritePNG encodes img as PNG into path atomically (a temporary file in the same folder, then a
// rename), so that path is never left half-written.
func WritePNG(path string, img image.Image) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = png.Encode(tmp, img); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
