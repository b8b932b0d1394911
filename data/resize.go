package data

import "math"

// tap is one weighted source index of a resampling filter.
type tap struct {
	idx int
	w   float32
}

// axisTaps returns, for each of the out output positions along an axis of in source pixels, the
// source pixels and weights that make it.
//
// Shrinking (out < in) uses the area filter: output pixel o covers the source interval
// [o·s, (o+1)·s) with s = in/out, and each source pixel j is weighted by the length of its overlap
// with that interval, divided by s. Enlarging (out ≥ in) interpolates linearly between the two
// source pixels nearest to x = (o+½)·in/out − ½ (pixel centres aligned, x clamped to [0, in−1]).
func axisTaps(in, out int) [][]tap {
	taps := make([][]tap, out)
	s := float64(in) / float64(out)
	for o := range taps {
		if out < in {
			lo, hi := float64(o)*s, float64(o+1)*s
			for j := int(math.Floor(lo)); j < int(math.Ceil(hi)) && j < in; j++ {
				w := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
				if w > 1e-12 {
					taps[o] = append(taps[o], tap{j, float32(w / s)})
				}
			}
			continue
		}
		x := math.Min(math.Max((float64(o)+0.5)*s-0.5, 0), float64(in-1))
		j0 := int(math.Floor(x))
		t := x - float64(j0)
		j1 := min(j0+1, in-1)
		taps[o] = []tap{{j0, float32(1 - t)}, {j1, float32(t)}}
	}
	return taps
}

// Resize scales an h×w×c HWC image to oh×ow×c, separably along rows and columns with the filters of
// axisTaps (area averaging when shrinking, bilinear when enlarging), rounding to the nearest byte.
// Resizing to the same size returns a copy.
func Resize(src []uint8, h, w, c, oh, ow int) []uint8 {
	dst := make([]uint8, oh*ow*c)
	if oh == h && ow == w {
		copy(dst, src)
		return dst
	}
	// Columns first: h×ow×c intermediate.
	tx := axisTaps(w, ow)
	mid := make([]float32, h*ow*c)
	for y := 0; y < h; y++ {
		for o, ts := range tx {
			for ch := 0; ch < c; ch++ {
				var acc float32
				for _, t := range ts {
					acc += t.w * float32(src[(y*w+t.idx)*c+ch])
				}
				mid[(y*ow+o)*c+ch] = acc
			}
		}
	}
	ty := axisTaps(h, oh)
	for o, ts := range ty {
		for x := 0; x < ow; x++ {
			for ch := 0; ch < c; ch++ {
				var acc float32
				for _, t := range ts {
					acc += t.w * mid[(t.idx*ow+x)*c+ch]
				}
				dst[(o*ow+x)*c+ch] = uint8(math.Min(math.Max(math.Round(float64(acc)), 0), 255))
			}
		}
	}
	return dst
}
