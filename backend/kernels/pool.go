package kernels

import "math"

// poolRange returns the input range [lo, hi) covered by window position o (clipped to the input).
func poolRange(o, stride, pad, win, in int) (lo, hi int) {
	start := o*stride - pad
	return max(start, 0), min(start+win, in)
}

// MaxPool2D computes y[n,oh,ow,c] = max over the window of x (padding positions are ignored; a window
// wholly in the padding gives −∞). NaN propagates. y is overwritten.
func MaxPool2D[T Float](p PoolParams, x, y []T) {
	p = p.mustValidate(len(x), len(y), "x", "y")
	poolWindows(p, y, func(out []T, n, h0, h1, w0, w1 int) {
		for c := range out {
			out[c] = T(math.Inf(-1))
		}
		for h := h0; h < h1; h++ {
			for w := w0; w < w1; w++ {
				in := x[((n*p.H+h)*p.W+w)*p.C : ((n*p.H+h)*p.W+w+1)*p.C]
				out := out[:len(in)]
				for c, v := range in {
					out[c] = max(out[c], v) // NaN if either is NaN
				}
			}
		}
	})
}

// poolWindows calls f(out, n, h0, h1, w0, w1) for every output position (n, oh, ow) of p, in
// parallel over rows of windows: out is y[n,oh,ow,:] and the window covers rows [h0,h1) and
// columns [w0,w1) of image n, clipped to the input.
func poolWindows[T Float](p PoolParams, y []T, f func(out []T, n, h0, h1, w0, w1 int)) {
	OH, OW, C := p.OutH(), p.OutW(), p.C
	parallelFor(p.N*OH, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			n, oh := u/OH, u%OH
			h0, h1 := poolRange(oh, p.StrideH, p.PadTop, p.WinH, p.H)
			for ow := 0; ow < OW; ow++ {
				w0, w1 := poolRange(ow, p.StrideW, p.PadLeft, p.WinW, p.W)
				f(y[((n*OH+oh)*OW+ow)*C:((n*OH+oh)*OW+ow+1)*C], n, h0, h1, w0, w1)
			}
		}
	})
}

// MaxPool2DBackward computes dx = ∂⟨MaxPool2D(x), dy⟩/∂x: each dy[n,oh,ow,c] is added to the input
// position holding its window's maximum (the first one in row-major window order on ties, the first
// NaN if any). dx is overwritten.
func MaxPool2DBackward[T Float](p PoolParams, x, dy, dx []T) {
	p = p.mustValidate(len(x), len(dy), "x", "dy")
	if len(dx) != len(x) {
		panic("kernels: MaxPool2DBackward: len(dx) != len(x)")
	}
	C := p.C
	if p.StrideH == p.WinH && p.StrideW == p.WinW && p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0 {
		maxPoolBackwardTiled(p, x, dy, dx)
		return
	}
	poolBackWindows(p, dy, dx, func() func(g []T, n, h0, h1, w0, w1 int) {
		arg := make([]int, C)
		best := make([]T, C)
		return func(g []T, n, h0, h1, w0, w1 int) {
			for c := range best {
				best[c], arg[c] = T(math.Inf(-1)), -1
			}
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					base := ((n*p.H+h)*p.W + w) * C
					src := x[base : base+C]
					best, arg := best[:len(src)], arg[:len(src)]
					for c, v := range src {
						// Branch-free: take v when it beats the best so far, or when it is the
						// first NaN (best starts at −∞ with arg −1).
						b := best[c]
						take := b2i(v > b) | (b2i(v != v) & b2i(b == b)) | b2i(arg[c] < 0)
						arg[c] += (base + c - arg[c]) * take
						best[c] = max(b, v)
					}
				}
			}
			for c, a := range arg {
				if a >= 0 {
					dx[a] += g[c]
				}
			}
		}
	})
}

// poolBackWindows clears dx and calls f(g, n, h0, h1, w0, w1) for every output position (n, oh, ow)
// of p, in row-major order within an image and in parallel over images (the windows of one image
// may overlap, so each image of dx has one writer): g is dy[n,oh,ow,:] and the window covers rows
// [h0,h1) and columns [w0,w1) of image n, clipped to the input. newF is called once per goroutine
// to make f with its own scratch.
func poolBackWindows[T Float](p PoolParams, dy, dx []T, newF func() func(g []T, n, h0, h1, w0, w1 int)) {
	OH, OW, C := p.OutH(), p.OutW(), p.C
	img := p.H * p.W * C
	parallelFor(p.N, func(lo, hi int) {
		f := newF()
		for n := lo; n < hi; n++ {
			clear(dx[n*img : (n+1)*img])
			for oh := 0; oh < OH; oh++ {
				h0, h1 := poolRange(oh, p.StrideH, p.PadTop, p.WinH, p.H)
				for ow := 0; ow < OW; ow++ {
					w0, w1 := poolRange(ow, p.StrideW, p.PadLeft, p.WinW, p.W)
					f(dy[((n*OH+oh)*OW+ow)*C:((n*OH+oh)*OW+ow+1)*C], n, h0, h1, w0, w1)
				}
			}
		}
	})
}

// maxPoolBackwardTiled is MaxPool2DBackward for windows that tile the input without overlap or
// padding: each window's gradient goes to its first maximal (or first NaN) element and the rest of
// dx, including rows and columns outside every window, is zero. Parallel over rows of windows.
func maxPoolBackwardTiled[T Float](p PoolParams, x, dy, dx []T) {
	OH, OW, C := p.OutH(), p.OutW(), p.C
	rowLen := p.W * C
	parallelFor(p.N*OH, func(lo, hi int) {
		m := make([]T, C)
		taken := make([]int, C)
		for u := lo; u < hi; u++ {
			n, oh := u/OH, u%OH
			h0, h1 := oh*p.WinH, oh*p.WinH+p.WinH
			if oh == OH-1 {
				for h := h1; h < p.H; h++ { // rows below the last window
					clear(dx[(n*p.H+h)*rowLen : (n*p.H+h+1)*rowLen])
				}
			}
			for h := h0; h < h1; h++ { // columns right of the last window
				clear(dx[(n*p.H+h)*rowLen+OW*p.WinW*C : (n*p.H+h+1)*rowLen])
			}
			for ow := 0; ow < OW; ow++ {
				w0, w1 := ow*p.WinW, ow*p.WinW+p.WinW
				for c := range m {
					m[c] = T(math.Inf(-1))
				}
				for h := h0; h < h1; h++ {
					for w := w0; w < w1; w++ {
						src := x[((n*p.H+h)*p.W+w)*C : ((n*p.H+h)*p.W+w+1)*C]
						m := m[:len(src)]
						for c, v := range src {
							m[c] = max(m[c], v)
						}
					}
				}
				clear(taken)
				g := dy[((n*OH+oh)*OW+ow)*C : ((n*OH+oh)*OW+ow+1)*C]
				for h := h0; h < h1; h++ {
					for w := w0; w < w1; w++ {
						base := ((n*p.H+h)*p.W + w) * C
						src, d := x[base:base+C], dx[base:base+C]
						m, taken, g := m[:len(src)], taken[:len(src)], g[:len(src)]
						for c, v := range src {
							hit := (b2i(v == m[c]) | b2i(v != v)) &^ taken[c]
							taken[c] |= hit
							d[c] = g[c] * T(hit)
						}
					}
				}
			}
		}
	})
}

// poolCount is the average-pooling divisor of a window covering rows [h0,h1) and columns [w0,w1).
func (p PoolParams) poolCount(h0, h1, w0, w1 int) int {
	if p.CountIncludePad {
		return p.WinH * p.WinW
	}
	return (h1 - h0) * (w1 - w0)
}

// AvgPool2D computes y[n,oh,ow,c] = (Σ over the window of x)/count, with count = WinH·WinW when
// CountIncludePad, else the number of window positions inside the input (a window with none gives 0).
// y is overwritten.
func AvgPool2D[T Float](p PoolParams, x, y []T) {
	p = p.mustValidate(len(x), len(y), "x", "y")
	poolWindows(p, y, func(out []T, n, h0, h1, w0, w1 int) {
		clear(out)
		cnt := p.poolCount(h0, h1, w0, w1)
		if cnt <= 0 {
			return
		}
		for h := h0; h < h1; h++ {
			for w := w0; w < w1; w++ {
				in := x[((n*p.H+h)*p.W+w)*p.C : ((n*p.H+h)*p.W+w+1)*p.C]
				for c, v := range in {
					out[c] += v
				}
			}
		}
		inv := 1 / T(cnt)
		for c := range out {
			out[c] *= inv
		}
	})
}

// AvgPool2DBackward computes dx = ∂⟨AvgPool2D(x), dy⟩/∂x: each dy[n,oh,ow,c]/count is added to every
// input position of its window. dx is overwritten.
func AvgPool2DBackward[T Float](p PoolParams, dy, dx []T) {
	p = p.mustValidate(len(dx), len(dy), "dx", "dy")
	poolBackWindows(p, dy, dx, func() func(g []T, n, h0, h1, w0, w1 int) {
		return func(g []T, n, h0, h1, w0, w1 int) {
			cnt := p.poolCount(h0, h1, w0, w1)
			if cnt <= 0 {
				return
			}
			inv := 1 / T(cnt)
			for h := h0; h < h1; h++ {
				for w := w0; w < w1; w++ {
					d := dx[((n*p.H+h)*p.W+w)*p.C : ((n*p.H+h)*p.W+w+1)*p.C]
					for c, v := range g {
						d[c] += v * inv
					}
				}
			}
		}
	})
}

// b2i is 1 for true and 0 for false (compiled without a branch).
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}
