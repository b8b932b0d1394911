package kernels

import (
	"fmt"
	"runtime"

	"github.com/cct-dev/cct/backend/blas"
)

// colBudget is the number of elements of the im2col buffer of one tile, and minTileRows the number
// of im2col rows (output positions) a tile aims for, so that the matrix products are not too thin.
var (
	colBudget   = 1 << 21
	minTileRows = 512
)

// convGeom holds the index tables of one convolution: for output row oh and kernel row i,
// rowIdx[oh·KH+i] is the input row read, or −1 when that position is padding or between dilated
// rows; colIdx likewise for columns.
type convGeom struct {
	p              ConvParams
	oh, ow, k      int // output height, width, and im2col row length KH·KW·C
	rowIdx, colIdx []int
	colRun         []bool // colRun[ow]: the KW input columns read at ow are consecutive and inside the input
	direct         bool   // the im2col matrix is x itself (1×1 kernel, unit stride, no padding or dilation)
	nb, kr         int    // tile: images and kernel rows
}

// srcIndex maps output coordinate o and window offset t to the input coordinate, or −1.
func srcIndex(o, t, stride, winDil, padLo, inDil, in int) int {
	d := o*stride + t*winDil - padLo
	if d < 0 || d%inDil != 0 || d/inDil >= in {
		return -1
	}
	return d / inDil
}

func newConvGeom(p ConvParams) *convGeom {
	g := &convGeom{p: p, oh: p.OutH(), ow: p.OutW(), k: p.KH * p.KW * p.C}
	g.rowIdx = make([]int, g.oh*p.KH)
	for oh := 0; oh < g.oh; oh++ {
		for i := 0; i < p.KH; i++ {
			g.rowIdx[oh*p.KH+i] = srcIndex(oh, i, p.StrideH, p.KDilH, p.PadTop, p.InDilH, p.H)
		}
	}
	g.colIdx = make([]int, g.ow*p.KW)
	for ow := 0; ow < g.ow; ow++ {
		for j := 0; j < p.KW; j++ {
			g.colIdx[ow*p.KW+j] = srcIndex(ow, j, p.StrideW, p.KDilW, p.PadLeft, p.InDilW, p.W)
		}
	}
	g.colRun = make([]bool, g.ow)
	for ow := range g.colRun {
		first := g.colIdx[ow*p.KW]
		run := first >= 0
		for j := 1; j < p.KW && run; j++ {
			run = g.colIdx[ow*p.KW+j] == first+j
		}
		g.colRun[ow] = run
	}
	g.direct = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 && p.InDilH == 1 && p.InDilW == 1 &&
		p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0
	// Tile: enough images for minTileRows rows, then as many kernel rows as the budget allows, then,
	// when all kernel rows fit, as many images as the budget allows.
	rowsPer := max(1, g.oh*g.ow)
	kwc := p.KW * p.C
	g.nb = max(1, min(p.N, (minTileRows+rowsPer-1)/rowsPer))
	g.kr = max(1, min(p.KH, colBudget/(g.nb*rowsPer*kwc)))
	if g.kr == p.KH {
		g.nb = max(g.nb, min(p.N, colBudget/(rowsPer*g.k)))
	}
	return g
}

// im2col fills col (nImg·OH·OW rows of length (i1−i0)·KW·C) from the nImg images of x, for kernel
// rows i0 ≤ i < i1: row (img, oh, ow) holds the input patch read by that output position.
func im2col[T Float](g *convGeom, x, col []T, nImg, i0, i1 int) {
	p := g.p
	imgIn := p.H * p.W * p.C
	C, KH, KW := p.C, p.KH, p.KW
	kk := (i1 - i0) * KW * C
	parallelFor(nImg*g.oh, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			img, oh := u/g.oh, u%g.oh
			xi := x[img*imgIn : (img+1)*imgIn]
			dst := col[(img*g.oh+oh)*g.ow*kk : (img*g.oh+oh+1)*g.ow*kk]
			for ow := 0; ow < g.ow; ow++ {
				row := dst[ow*kk : (ow+1)*kk]
				cols := g.colIdx[ow*KW : (ow+1)*KW]
				for i := i0; i < i1; i++ {
					ih := g.rowIdx[oh*KH+i]
					seg := row[(i-i0)*KW*C : (i-i0+1)*KW*C]
					if ih < 0 {
						clear(seg)
						continue
					}
					xrow := xi[ih*p.W*C : (ih+1)*p.W*C]
					if g.colRun[ow] {
						copy(seg, xrow[cols[0]*C:])
						continue
					}
					if C == 1 {
						for j, iw := range cols {
							if iw < 0 {
								seg[j] = 0
							} else {
								seg[j] = xrow[iw]
							}
						}
						continue
					}
					for j, iw := range cols {
						if iw < 0 {
							clear(seg[j*C : (j+1)*C])
						} else {
							copy(seg[j*C:(j+1)*C], xrow[iw*C:(iw+1)*C])
						}
					}
				}
			}
		}
	})
}

// col2im is the adjoint of im2col for kernel rows i0 ≤ i < i1: it adds to dx[img,ih,iw,c] every col
// entry that im2col copies from that input position; dx is first zeroed when i0 = 0. With at least as
// many images as workers it scatters image by image (parallel over images); otherwise it gathers row
// by row (parallel over input rows).
func col2im[T Float](g *convGeom, col, dx []T, nImg, i0, i1 int) {
	if nImg >= runtime.GOMAXPROCS(0) {
		col2imScatter(g, col, dx, nImg, i0, i1)
	} else {
		col2imGather(g, col, dx, nImg, i0, i1)
	}
}

func col2imScatter[T Float](g *convGeom, col, dx []T, nImg, i0, i1 int) {
	p := g.p
	C, KH, KW := p.C, p.KH, p.KW
	kk := (i1 - i0) * KW * C
	imgIn, imgCol := p.H*p.W*C, g.oh*g.ow*kk
	parallelFor(nImg, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			di := dx[img*imgIn : (img+1)*imgIn]
			if i0 == 0 {
				clear(di)
			}
			ci := col[img*imgCol : (img+1)*imgCol]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					row := ci[(oh*g.ow+ow)*kk : (oh*g.ow+ow+1)*kk]
					cols := g.colIdx[ow*KW : (ow+1)*KW]
					for i := i0; i < i1; i++ {
						ih := g.rowIdx[oh*KH+i]
						if ih < 0 {
							continue
						}
						seg := row[(i-i0)*KW*C : (i-i0+1)*KW*C]
						drow := di[ih*p.W*C : (ih+1)*p.W*C]
						if g.colRun[ow] {
							d := drow[cols[0]*C : cols[0]*C+len(seg)]
							for c, v := range seg {
								d[c] += v
							}
							continue
						}
						if C == 1 {
							for j, iw := range cols {
								if iw >= 0 {
									drow[iw] += seg[j]
								}
							}
							continue
						}
						for j, iw := range cols {
							if iw < 0 {
								continue
							}
							d, s := drow[iw*C:(iw+1)*C], seg[j*C:(j+1)*C]
							for c := range d {
								d[c] += s[c]
							}
						}
					}
				}
			}
		}
	})
}

func col2imGather[T Float](g *convGeom, col, dx []T, nImg, i0, i1 int) {
	p := g.p
	C, KH, KW := p.C, p.KH, p.KW
	kk := (i1 - i0) * KW * C
	// Inverse tables: for input row ih, the (oh, i) pairs that read it; likewise for columns.
	type pair struct{ o, t int }
	invH := make([][]pair, p.H)
	for oh := 0; oh < g.oh; oh++ {
		for i := i0; i < i1; i++ {
			if ih := g.rowIdx[oh*KH+i]; ih >= 0 {
				invH[ih] = append(invH[ih], pair{oh, i - i0})
			}
		}
	}
	invW := make([][]pair, p.W)
	for ow := 0; ow < g.ow; ow++ {
		for j := 0; j < KW; j++ {
			if iw := g.colIdx[ow*KW+j]; iw >= 0 {
				invW[iw] = append(invW[iw], pair{ow, j})
			}
		}
	}
	imgCol := g.oh * g.ow * kk
	parallelFor(nImg*p.H, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			img, ih := u/p.H, u%p.H
			ci := col[img*imgCol : (img+1)*imgCol]
			drow := dx[(img*p.H+ih)*p.W*C : (img*p.H+ih+1)*p.W*C]
			if i0 == 0 {
				clear(drow)
			}
			for _, hp := range invH[ih] {
				for iw := 0; iw < p.W; iw++ {
					d := drow[iw*C : (iw+1)*C]
					for _, wp := range invW[iw] {
						off := (hp.o*g.ow+wp.o)*kk + (hp.t*KW+wp.t)*C
						s := ci[off : off+C]
						for c := range d {
							d[c] += s[c]
						}
					}
				}
			}
		}
	})
}

// Conv2D computes y = conv(x, w) as defined by ConvParams; x is N×H×W×C, w is KH×KW×C×O and y,
// overwritten, is N×OutH×OutW×O. Per tile of images and kernel rows i0 ≤ i < i1 it forms the im2col
// matrix and adds col·w[i0:i1] to y with one matrix product.
//
// With input dilation and unit strides (the form in which autodiff expresses the input gradient of a
// strided convolution) most of the im2col matrix would be zeros; such a convolution is computed as
// the input gradient of the corresponding strided convolution instead (see transposedConv).
func Conv2D[T Float](p ConvParams, x, w, y []T) {
	p = p.mustValidate(len(x), len(w), len(y), "x", "w", "y")
	if (p.InDilH > 1 || p.InDilW > 1) && p.StrideH == 1 && p.StrideW == 1 && p.N > 0 && p.OutH() > 0 && p.OutW() > 0 {
		q := transposedConv(p)
		w0 := getBuf[T](len(w))
		defer putBuf(w0)
		// w0[i,j,c0,o0] = w[KH−1−i, KW−1−j, o0, c0], with c0 the channels of y and o0 those of x.
		for i := 0; i < p.KH; i++ {
			for j := 0; j < p.KW; j++ {
				src := w[((p.KH-1-i)*p.KW+p.KW-1-j)*p.C*p.O:]
				dst := w0[(i*p.KW+j)*p.O*p.C:]
				for o0 := 0; o0 < p.C; o0++ {
					for c0 := 0; c0 < p.O; c0++ {
						dst[c0*p.C+o0] = src[o0*p.O+c0]
					}
				}
			}
		}
		Conv2DBackwardInput(q, x, w0[:len(w)], y)
		return
	}
	g := newConvGeom(p)
	rowsPer := g.oh * g.ow
	if p.N == 0 || rowsPer == 0 {
		return
	}
	imgIn, kwco := p.H*p.W*p.C, p.KW*p.C*p.O
	if g.direct {
		blas.Gemm(false, false, p.N*rowsPer, p.O, g.k, 1, x, g.k, w, p.O, 0, y, p.O)
		return
	}
	col := getBuf[T](g.nb * rowsPer * g.kr * p.KW * p.C)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += g.nb {
		nb := min(g.nb, p.N-n0)
		yt := y[n0*rowsPer*p.O : (n0+nb)*rowsPer*p.O]
		for i0 := 0; i0 < p.KH; i0 += g.kr {
			i1 := min(p.KH, i0+g.kr)
			kk := (i1 - i0) * p.KW * p.C
			im2col(g, x[n0*imgIn:(n0+nb)*imgIn], col, nb, i0, i1)
			beta := T(1)
			if i0 == 0 {
				beta = 0
			}
			blas.Gemm(false, false, nb*rowsPer, p.O, kk, 1, col, kk, w[i0*kwco:i1*kwco], p.O, beta, yt, p.O)
		}
	}
}

// Conv2DBackwardInput computes dx = ∂⟨Conv2D(x, w), dy⟩/∂x, the adjoint of Conv2D in x:
//
//	dx[n,h,w,c] = Σ_{oh,ow,i,j,o : position (oh,ow,i,j) reads x[n,h,w,c]} dy[n,oh,ow,o]·w[i,j,c,o]
//
// as the matrix product dcol = dy·wᵀ followed by col2im, per tile. dx is overwritten.
func Conv2DBackwardInput[T Float](p ConvParams, dy, w, dx []T) {
	p = p.mustValidate(len(dx), len(w), len(dy), "dx", "w", "dy")
	g := newConvGeom(p)
	rowsPer := g.oh * g.ow
	if p.N == 0 {
		return
	}
	if rowsPer == 0 {
		clear(dx)
		return
	}
	imgIn, kwco := p.H*p.W*p.C, p.KW*p.C*p.O
	if g.direct {
		blas.Gemm(false, true, p.N*rowsPer, g.k, p.O, 1, dy, p.O, w, p.O, 0, dx, g.k)
		return
	}
	col := getBuf[T](g.nb * rowsPer * g.kr * p.KW * p.C)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += g.nb {
		nb := min(g.nb, p.N-n0)
		dyt := dy[n0*rowsPer*p.O : (n0+nb)*rowsPer*p.O]
		for i0 := 0; i0 < p.KH; i0 += g.kr {
			i1 := min(p.KH, i0+g.kr)
			kk := (i1 - i0) * p.KW * p.C
			blas.Gemm(false, true, nb*rowsPer, kk, p.O, 1, dyt, p.O, w[i0*kwco:i1*kwco], p.O, 0, col, kk)
			col2im(g, col, dx[n0*imgIn:(n0+nb)*imgIn], nb, i0, i1)
		}
	}
}

// Conv2DBackwardFilter computes dw = ∂⟨Conv2D(x, w), dy⟩/∂w:
//
//	dw[i,j,c,o] = Σ_{n,oh,ow} xd[n, oh·StrideH + i·KDilH − PadTop, ow·StrideW + j·KDilW − PadLeft, c]·dy[n,oh,ow,o]
//
// as the matrix product colᵀ·dy accumulated over tiles. dw is overwritten.
func Conv2DBackwardFilter[T Float](p ConvParams, x, dy, dw []T) {
	p = p.mustValidate(len(x), len(dw), len(dy), "x", "dw", "dy")
	g := newConvGeom(p)
	rowsPer := g.oh * g.ow
	if p.N == 0 || rowsPer == 0 {
		clear(dw)
		return
	}
	imgIn, kwco := p.H*p.W*p.C, p.KW*p.C*p.O
	if g.direct {
		blas.Gemm(true, false, g.k, p.O, p.N*rowsPer, 1, x, g.k, dy, p.O, 0, dw, p.O)
		return
	}
	col := getBuf[T](g.nb * rowsPer * g.kr * p.KW * p.C)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += g.nb {
		nb := min(g.nb, p.N-n0)
		dyt := dy[n0*rowsPer*p.O : (n0+nb)*rowsPer*p.O]
		beta := T(1)
		if n0 == 0 {
			beta = 0
		}
		for i0 := 0; i0 < p.KH; i0 += g.kr {
			i1 := min(p.KH, i0+g.kr)
			kk := (i1 - i0) * p.KW * p.C
			im2col(g, x[n0*imgIn:(n0+nb)*imgIn], col, nb, i0, i1)
			blas.Gemm(true, false, kk, p.O, nb*rowsPer, 1, col, kk, dyt, p.O, beta, dw[i0*kwco:i1*kwco], p.O)
		}
	}
}

// transposedConv returns the parameters q of the convolution whose input gradient equals the
// unit-stride, input-dilated convolution p: q maps an OutH(p)×OutW(p)×O(p) image to an
// H(p)×W(p)×C(p) output with stride InDil(p), the same kernel dilation, and padding chosen so that
// y[oh] = Σ_i x[ih]·w[i] over oh = ih·InDil + i·KDil − PadTop(p) becomes the scatter of
// Conv2DBackwardInput with the kernel reversed and its channels swapped.
func transposedConv(p ConvParams) ConvParams {
	effH, effW := (p.KH-1)*p.KDilH+1, (p.KW-1)*p.KDilW+1
	q := ConvParams{N: p.N, H: p.OutH(), W: p.OutW(), C: p.O, KH: p.KH, KW: p.KW, O: p.C,
		StrideH: p.InDilH, StrideW: p.InDilW, KDilH: p.KDilH, KDilW: p.KDilW, InDilH: 1, InDilW: 1,
		PadTop: effH - 1 - p.PadTop, PadLeft: effW - 1 - p.PadLeft}
	// Bottom and right padding make q's output exactly H(p)×W(p): (H−1)·stride + eff = OutH + pads.
	q.PadBottom = (p.H-1)*p.InDilH + effH - q.H - q.PadTop
	q.PadRight = (p.W-1)*p.InDilW + effW - q.W - q.PadLeft
	return q
}

// String describes the convolution compactly.
func (p ConvParams) String() string {
	q := p.norm()
	return fmt.Sprintf("N%d_%dx%dx%d_k%dx%dx%d_s%dx%d_p%d,%d,%d,%d_ld%dx%d_kd%dx%d",
		q.N, q.H, q.W, q.C, q.KH, q.KW, q.O, q.StrideH, q.StrideW, q.PadTop, q.PadBottom, q.PadLeft, q.PadRight,
		q.InDilH, q.InDilW, q.KDilH, q.KDilW)
}
