package kernels

import (
	"fmt"
	"runtime"

	"github.com/cct-dev/cct/backend/blas"
)

// colBudget is the number of elements of the im2col buffer of one batch tile: tiles hold as many
// images as fit (at least one).
var colBudget = 1 << 21

// convGeom holds the index tables of one convolution: for output row oh and kernel row i,
// rowIdx[oh·KH+i] is the input row read, or −1 when that position is padding or between dilated
// rows; colIdx likewise for columns.
type convGeom struct {
	p              ConvParams
	oh, ow, k      int // output height, width, and im2col row length KH·KW·C
	rowIdx, colIdx []int
	direct         bool // the im2col matrix is x itself (1×1 kernel, unit stride, no padding or dilation)
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
	g.direct = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 && p.InDilH == 1 && p.InDilW == 1 &&
		p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0
	return g
}

// tile returns the number of images per batch tile.
func (g *convGeom) tile() int {
	per := max(1, g.oh*g.ow*g.k)
	return max(1, min(g.p.N, colBudget/per))
}

// im2col fills col (nImg·OH·OW rows of length K) from the nImg images of x starting at image 0 of x:
// row (img, oh, ow) holds the KH×KW×C input patch read by that output position.
func im2col[T Float](g *convGeom, x, col []T, nImg int) {
	p := g.p
	imgIn := p.H * p.W * p.C
	C, KH, KW := p.C, p.KH, p.KW
	parallelFor(nImg*g.oh, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			img, oh := u/g.oh, u%g.oh
			xi := x[img*imgIn : (img+1)*imgIn]
			dst := col[(img*g.oh+oh)*g.ow*g.k : (img*g.oh+oh+1)*g.ow*g.k]
			for ow := 0; ow < g.ow; ow++ {
				row := dst[ow*g.k : (ow+1)*g.k]
				for i := 0; i < KH; i++ {
					ih := g.rowIdx[oh*KH+i]
					seg := row[i*KW*C : (i+1)*KW*C]
					if ih < 0 {
						clear(seg)
						continue
					}
					xrow := xi[ih*p.W*C : (ih+1)*p.W*C]
					cols := g.colIdx[ow*KW : (ow+1)*KW]
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

// col2im is the adjoint of im2col: dx[img,ih,iw,c] = Σ of the col entries that im2col copied from
// that input position. With at least as many images as workers it scatters image by image (parallel
// over images); otherwise it gathers row by row (parallel over input rows). dx is overwritten.
func col2im[T Float](g *convGeom, col, dx []T, nImg int) {
	if nImg >= runtime.GOMAXPROCS(0) {
		col2imScatter(g, col, dx, nImg)
	} else {
		col2imGather(g, col, dx, nImg)
	}
}

func col2imScatter[T Float](g *convGeom, col, dx []T, nImg int) {
	p := g.p
	C, KH, KW := p.C, p.KH, p.KW
	imgIn, imgCol := p.H*p.W*C, g.oh*g.ow*g.k
	parallelFor(nImg, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			di := dx[img*imgIn : (img+1)*imgIn]
			clear(di)
			ci := col[img*imgCol : (img+1)*imgCol]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					row := ci[(oh*g.ow+ow)*g.k : (oh*g.ow+ow+1)*g.k]
					cols := g.colIdx[ow*KW : (ow+1)*KW]
					for i := 0; i < KH; i++ {
						ih := g.rowIdx[oh*KH+i]
						if ih < 0 {
							continue
						}
						seg := row[i*KW*C : (i+1)*KW*C]
						drow := di[ih*p.W*C : (ih+1)*p.W*C]
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

func col2imGather[T Float](g *convGeom, col, dx []T, nImg int) {
	p := g.p
	C, KH, KW := p.C, p.KH, p.KW
	// Inverse tables: for input row ih, the (oh, i) pairs that read it; likewise for columns.
	type pair struct{ o, t int }
	invH := make([][]pair, p.H)
	for oh := 0; oh < g.oh; oh++ {
		for i := 0; i < KH; i++ {
			if ih := g.rowIdx[oh*KH+i]; ih >= 0 {
				invH[ih] = append(invH[ih], pair{oh, i})
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
	imgCol := g.oh * g.ow * g.k
	parallelFor(nImg*p.H, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			img, ih := u/p.H, u%p.H
			ci := col[img*imgCol : (img+1)*imgCol]
			drow := dx[(img*p.H+ih)*p.W*C : (img*p.H+ih+1)*p.W*C]
			clear(drow)
			for _, hp := range invH[ih] {
				for iw := 0; iw < p.W; iw++ {
					d := drow[iw*C : (iw+1)*C]
					for _, wp := range invW[iw] {
						off := (hp.o*g.ow+wp.o)*g.k + (hp.t*KW+wp.t)*C
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
// overwritten, is N×OutH×OutW×O.
func Conv2D[T Float](p ConvParams, x, w, y []T) {
	p = p.mustValidate(len(x), len(w), len(y), "x", "w", "y")
	g := newConvGeom(p)
	rowsPer := g.oh * g.ow
	if p.N == 0 || rowsPer == 0 {
		return
	}
	imgIn := p.H * p.W * p.C
	if g.direct {
		blas.Gemm(false, false, p.N*rowsPer, p.O, g.k, 1, x, g.k, w, p.O, 0, y, p.O)
		return
	}
	tile := g.tile()
	col := getBuf[T](tile * rowsPer * g.k)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += tile {
		nb := min(tile, p.N-n0)
		im2col(g, x[n0*imgIn:(n0+nb)*imgIn], col, nb)
		blas.Gemm(false, false, nb*rowsPer, p.O, g.k, 1, col, g.k, w, p.O, 0, y[n0*rowsPer*p.O:(n0+nb)*rowsPer*p.O], p.O)
	}
}

// Conv2DBackwardInput computes dx = ∂⟨Conv2D(x, w), dy⟩/∂x, the adjoint of Conv2D in x:
//
//	dx[n,h,w,c] = Σ_{oh,ow,i,j,o : position (oh,ow,i,j) reads x[n,h,w,c]} dy[n,oh,ow,o]·w[i,j,c,o]
//
// as the matrix product dcol = dy·wᵀ followed by col2im. dx is overwritten.
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
	imgIn := p.H * p.W * p.C
	if g.direct {
		blas.Gemm(false, true, p.N*rowsPer, g.k, p.O, 1, dy, p.O, w, p.O, 0, dx, g.k)
		return
	}
	tile := g.tile()
	col := getBuf[T](tile * rowsPer * g.k)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += tile {
		nb := min(tile, p.N-n0)
		blas.Gemm(false, true, nb*rowsPer, g.k, p.O, 1, dy[n0*rowsPer*p.O:(n0+nb)*rowsPer*p.O], p.O, w, p.O, 0, col, g.k)
		col2im(g, col, dx[n0*imgIn:(n0+nb)*imgIn], nb)
	}
}

// Conv2DBackwardFilter computes dw = ∂⟨Conv2D(x, w), dy⟩/∂w:
//
//	dw[i,j,c,o] = Σ_{n,oh,ow} xd[n, oh·StrideH + i·KDilH − PadTop, ow·StrideW + j·KDilW − PadLeft, c]·dy[n,oh,ow,o]
//
// as the matrix product colᵀ·dy accumulated over batch tiles. dw is overwritten.
func Conv2DBackwardFilter[T Float](p ConvParams, x, dy, dw []T) {
	p = p.mustValidate(len(x), len(dw), len(dy), "x", "dw", "dy")
	g := newConvGeom(p)
	rowsPer := g.oh * g.ow
	if p.N == 0 || rowsPer == 0 {
		clear(dw)
		return
	}
	imgIn := p.H * p.W * p.C
	if g.direct {
		blas.Gemm(true, false, g.k, p.O, p.N*rowsPer, 1, x, g.k, dy, p.O, 0, dw, p.O)
		return
	}
	tile := g.tile()
	col := getBuf[T](tile * rowsPer * g.k)
	defer putBuf(col)
	for n0 := 0; n0 < p.N; n0 += tile {
		nb := min(tile, p.N-n0)
		im2col(g, x[n0*imgIn:(n0+nb)*imgIn], col, nb)
		beta := T(1)
		if n0 == 0 {
			beta = 0
		}
		blas.Gemm(true, false, g.k, p.O, nb*rowsPer, 1, col, g.k, dy[n0*rowsPer*p.O:(n0+nb)*rowsPer*p.O], p.O, beta, dw, p.O)
	}
}

// String describes the convolution compactly.
func (p ConvParams) String() string {
	q := p.norm()
	return fmt.Sprintf("N%d_%dx%dx%d_k%dx%dx%d_s%dx%d_p%d,%d,%d,%d_ld%dx%d_kd%dx%d",
		q.N, q.H, q.W, q.C, q.KH, q.KW, q.O, q.StrideH, q.StrideW, q.PadTop, q.PadBottom, q.PadLeft, q.PadRight,
		q.InDilH, q.InDilW, q.KDilH, q.KDilW)
}
