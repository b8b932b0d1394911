package gallery

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"github.com/cct-dev/cct/internal/fsutil"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// sheetThumbs is the number of thumbnails per cluster on the contact sheet.
const sheetThumbs = 12

// WritePNG writes gallery.png to path atomically: one row per cluster with its number, size and
// (with labels) matched class and purity, then its most confident thumbnails.
func (g *Gallery) WritePNG(path string) error {
	const pad, label = 3, 150
	side := min(g.thumb, 48)
	rowH := max(side, 28) + pad
	w := label + sheetThumbs*(side+pad) + pad
	h := len(g.Clusters)*rowH + pad
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	text := func(s string, x, y int) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	for r, c := range g.Clusters {
		y0 := pad + r*rowH
		if r%2 == 1 {
			draw.Draw(img, image.Rect(0, y0-1, w, y0+rowH-1), image.NewUniform(color.Gray{240}), image.Point{}, draw.Src)
		}
		text(fmt.Sprintf("cluster %d: %d", c.ID, c.Size), pad, y0+12)
		if c.Class != "" {
			name := c.Class
			if len(name) > 10 {
				name = name[:10]
			}
			text(fmt.Sprintf("%s %.0f%%", name, 100*c.Purity), pad, y0+25)
		} else if c.Size > 0 {
			text(fmt.Sprintf("conf %.2f", c.MeanConfidence), pad, y0+25)
		}
		for j, t := range c.Confident[:min(sheetThumbs, len(c.Confident))] {
			if t.Image == nil {
				continue
			}
			th := Scale(t.Image, side)
			x := label + j*(side+pad)
			draw.Draw(img, th.Bounds().Add(image.Pt(x, y0)), th, image.Point{}, draw.Src)
		}
	}
	return fsutil.WriteAtomic(path, func(wr io.Writer) error { return png.Encode(wr, img) })
}
