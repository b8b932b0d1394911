package augment

import "fmt"

// Image is an 8-bit image stored height × width × channels (HWC), row-major: the value of
// channel c of the pixel in row y and column x is Pix[(y*W+x)*C+c]. C is 1 (grey) or 3 (RGB).
type Image struct {
	H, W, C int
	Pix     []uint8
}

// NewImage returns a black image of the given shape.
func NewImage(h, w, c int) Image {
	return Image{H: h, W: w, C: c, Pix: make([]uint8, h*w*c)}
}

// Validate reports whether the shape is usable and matches len(Pix).
func (m Image) Validate() error {
	if m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("image size %d×%d: height and width must be positive", m.H, m.W)
	}
	if m.C != 1 && m.C != 3 {
		return fmt.Errorf("image has %d channels: want 1 or 3", m.C)
	}
	if len(m.Pix) != m.H*m.W*m.C {
		return fmt.Errorf("image %d×%d×%d needs %d bytes, has %d", m.H, m.W, m.C, m.H*m.W*m.C, len(m.Pix))
	}
	return nil
}

// At returns channel c of the pixel in row y, column x.
func (m Image) At(y, x, c int) uint8 { return m.Pix[(y*m.W+x)*m.C+c] }

// Set sets channel c of the pixel in row y, column x.
func (m Image) Set(y, x, c int, v uint8) { m.Pix[(y*m.W+x)*m.C+c] = v }

// Clone returns a deep copy.
func (m Image) Clone() Image {
	return Image{H: m.H, W: m.W, C: m.C, Pix: append([]uint8(nil), m.Pix...)}
}

// SameShape reports whether a and b have equal H, W and C.
func SameShape(a, b Image) bool { return a.H == b.H && a.W == b.W && a.C == b.C }

// reshape makes dst an h×w×c image, reusing its pixel buffer when it is large enough. The
// pixel values are unspecified afterwards.
func (m *Image) reshape(h, w, c int) {
	n := h * w * c
	if cap(m.Pix) < n {
		m.Pix = make([]uint8, n)
	}
	m.Pix = m.Pix[:n]
	m.H, m.W, m.C = h, w, c
}

// copyFrom makes dst an exact copy of src, reusing dst's buffer.
func (m *Image) copyFrom(src Image) {
	m.reshape(src.H, src.W, src.C)
	copy(m.Pix, src.Pix)
}

// round8 rounds a float to the nearest integer and clamps it to 0..255.
func round8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}
