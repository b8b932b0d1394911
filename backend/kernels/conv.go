package kernels

import (
	"fmt"
	"slices"

	"github.com/cct-dev/cct/backend/blas"
)

// colBudget is the number of elements of the patch matrix of one tile, and minTileRows the number of
// patch rows (output positions) a tile aims for, so that the matrix products are not too thin.
var (
	colBudget   = 1 << 21
	minTileRows = 512
)

// axisClass groups the output coordinates along one spatial axis that read the same kernel taps:
// for every o in outs, exactly the offsets t in taps have a source inside the (dilated) input.
type axisClass struct {
	outs []int // output coordinates, ascending
	taps []int // kernel offsets with a source, ascending
	run  bool  // taps are consecutive and, for every o, so are their sources (one copy per kernel row)
}

// axisClasses partitions the out output coordinates by their set of valid kernel offsets; src(o, t)
// is the input coordinate read at output o and offset t, or −1 (padding, or between dilated inputs).
func axisClasses(out, win int, src func(o, t int) int) []axisClass {
	var cls []axisClass
	for o := 0; o < out; o++ {
		var taps []int
		for t := 0; t < win; t++ {
			if src(o, t) >= 0 {
				taps = append(taps, t)
			}
		}
		k := slices.IndexFunc(cls, func(c axisClass) bool { return slices.Equal(c.taps, taps) })
		if k < 0 {
			cls = append(cls, axisClass{taps: taps, run: true})
			k = len(cls) - 1
		}
		c := &cls[k]
		c.outs = append(c.outs, o)
		for m := 1; m < len(taps) && c.run; m++ {
			c.run = taps[m] == taps[m-1]+1 && src(o, taps[m]) == src(o, taps[m-1])+1
		}
	}
	return cls
}

// convGeom holds the index tables of one convolution: for output row oh and kernel row i,
// rowIdx[oh·KH+i] is the input row read, or −1 when that position is padding or between dilated
// rows; colIdx likewise for columns. Output positions are split into classes (a row class × a column
// class) whose patches read the same kernel taps, so that no work is spent on padding.
type convGeom struct {
	p              ConvParams
	oh, ow         int
	rowIdx, colIdx []int
	rows, cols     []axisClass
	direct         bool // the patch matrix is x itself (1×1 kernel, unit stride, no padding or dilation)
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
	g := &convGeom{p: p, oh: p.OutH(), ow: p.OutW()}
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
	g.rows = axisClasses(g.oh, p.KH, func(o, t int) int { return g.rowIdx[o*p.KH+t] })
	g.cols = axisClasses(g.ow, p.KW, func(o, t int) int { return g.colIdx[o*p.KW+t] })
	g.direct = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 && p.InDilH == 1 && p.InDilW == 1 &&
		p.PadTop == 0 && p.PadBottom == 0 && p.PadLeft == 0 && p.PadRight == 0
	return g
}

// convClass is one class of output positions: the row class rc × the column class cc.
type convClass struct {
	g      *convGeom
	rc, cc *axisClass
	q      int   // positions per image
	k      int   // patch length: len(rc.taps)·len(cc.taps)·C
	full   bool  // every kernel tap is read: the packed kernel is w itself
	all    bool  // the class holds every output position, in NHWC order: rows need no moving
	offs   []int // per-image output position (oh·OW + ow) of each patch row, in patch order
}

// classes lists the position classes with at least one tap (positions reading only padding have
// output 0 and no gradient).
func (g *convGeom) classes() []convClass {
	var out []convClass
	for r := range g.rows {
		for c := range g.cols {
			rc, cc := &g.rows[r], &g.cols[c]
			cl := convClass{g: g, rc: rc, cc: cc, q: len(rc.outs) * len(cc.outs),
				k:    len(rc.taps) * len(cc.taps) * g.p.C,
				full: len(rc.taps) == g.p.KH && len(cc.taps) == g.p.KW}
			if cl.k == 0 || cl.q == 0 {
				continue
			}
			cl.all = cl.q == g.oh*g.ow
			for _, oh := range rc.outs {
				for _, ow := range cc.outs {
					cl.offs = append(cl.offs, oh*g.ow+ow)
				}
			}
			out = append(out, cl)
		}
	}
	return out
}

// tileImages is the number of images per tile of class cl: enough for minTileRows patch rows, more
// while the patch matrix stays within colBudget.
func (cl *convClass) tileImages() int {
	n := cl.g.p.N
	nb := max(1, min(n, (minTileRows+cl.q-1)/cl.q))
	return max(nb, min(n, colBudget/(cl.q*cl.k)))
}

// classTiles calls f(col, t, n0, m) for the images of cl's convolution in tiles of up to
// cl.tileImages() (n0 the tile's first image, m its number of images), with scratch from the
// buffer pool: col for m·q patch rows of length k, t for m·q rows of O outputs.
func classTiles[T Float](cl *convClass, f func(col, t []T, n0, m int)) {
	p := cl.g.p
	nb := cl.tileImages()
	col, t := getBuf[T](nb*cl.q*cl.k), getBuf[T](nb*cl.q*p.O)
	for n0 := 0; n0 < p.N; n0 += nb {
		f(col, t, n0, min(nb, p.N-n0))
	}
	putBuf(col)
	putBuf(t)
}

// gather fills col (nImg·q rows of length k) with the patches of class cl read from the nImg images
// of x: row (img, oh, ow) holds x at the valid taps, in (kernel row, kernel column, channel) order.
func gather[T Float](cl *convClass, x, col []T, nImg int) {
	g, p := cl.g, cl.g.p
	C, rowLen, imgIn := p.C, p.W*p.C, p.H*p.W*p.C
	nt := len(cl.cc.taps) * C
	nr, nc := len(cl.rc.outs), len(cl.cc.outs)
	parallelFor(nImg*nr, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			oh := cl.rc.outs[u%nr]
			xi := x[(u/nr)*imgIn:]
			dst := col[u*nc*cl.k : (u+1)*nc*cl.k]
			for ci, ow := range cl.cc.outs {
				row := dst[ci*cl.k : (ci+1)*cl.k]
				cols := g.colIdx[ow*p.KW:]
				for ti, i := range cl.rc.taps {
					xrow := xi[g.rowIdx[oh*p.KH+i]*rowLen:]
					seg := row[ti*nt : (ti+1)*nt]
					if cl.cc.run {
						iw := cols[cl.cc.taps[0]]
						copy(seg, xrow[iw*C:iw*C+nt])
						continue
					}
					for tj, j := range cl.cc.taps {
						copy(seg[tj*C:(tj+1)*C], xrow[cols[j]*C:(cols[j]+1)*C])
					}
				}
			}
		}
	})
}

// scatter is the adjoint of gather: it adds every col entry to the dx position gather reads it from.
// Images are independent, so it runs in parallel over images.
func scatter[T Float](cl *convClass, col, dx []T, nImg int) {
	g, p := cl.g, cl.g.p
	C, rowLen, imgIn := p.C, p.W*p.C, p.H*p.W*p.C
	nt := len(cl.cc.taps) * C
	parallelFor(nImg, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			di := dx[img*imgIn : (img+1)*imgIn]
			ci := col[img*cl.q*cl.k : (img+1)*cl.q*cl.k]
			for r, oh := range cl.rc.outs {
				for c, ow := range cl.cc.outs {
					row := ci[(r*len(cl.cc.outs)+c)*cl.k:]
					cols := g.colIdx[ow*p.KW:]
					for ti, i := range cl.rc.taps {
						drow := di[g.rowIdx[oh*p.KH+i]*rowLen:]
						seg := row[ti*nt : (ti+1)*nt]
						if cl.cc.run {
							iw := cols[cl.cc.taps[0]]
							addTo(drow[iw*C:iw*C+nt], seg)
							continue
						}
						for tj, j := range cl.cc.taps {
							addTo(drow[cols[j]*C:(cols[j]+1)*C], seg[tj*C:(tj+1)*C])
						}
					}
				}
			}
		}
	})
}

// addTo sets d[i] += s[i].
func addTo[T Float](d, s []T) {
	s = s[:len(d)]
	for i := range d {
		d[i] += s[i]
	}
}

// moveRows copies rows of length O between y (all output positions of images n0 ≤ img < n0+nImg, in
// NHWC order) and t (the rows of class cl for those images, in patch order): t → y when toY, else
// y → t.
func moveRows[T Float](cl *convClass, y, t []T, n0, nImg int, toY bool) {
	O, imgOut := cl.g.p.O, cl.g.oh*cl.g.ow
	parallelFor(nImg, func(lo, hi int) {
		for img := lo; img < hi; img++ {
			yi := y[(n0+img)*imgOut*O:]
			ti := t[img*cl.q*O:]
			for r, off := range cl.offs {
				if toY {
					copy(yi[off*O:(off+1)*O], ti[r*O:(r+1)*O])
				} else {
					copy(ti[r*O:(r+1)*O], yi[off*O:(off+1)*O])
				}
			}
		}
	})
}

// classRows returns the rows of dy of class cl for images n0 ≤ img < n0+nImg in patch order: dy
// itself when the class holds every position, else a copy in t.
func classRows[T Float](cl *convClass, dy, t []T, n0, nImg int) []T {
	if cl.all {
		return dy[n0*cl.q*cl.g.p.O:]
	}
	moveRows(cl, dy, t, n0, nImg, false)
	return t
}

// minBlock is the shortest run of patch columns multiplied straight out of w; classes whose kernel
// rows come in shorter runs are packed first (packKernel).
var minBlock = 256

// kernelBlocks calls f for runs of patch columns c0 ≤ c < c0+n whose kernel rows are the consecutive
// rows r0 ≤ r < r0+n of w (KH·KW·C × O): one run for a class that reads every tap, one per kernel
// row for a class with consecutive column taps, else one per tap.
func (cl *convClass) kernelBlocks(f func(c0, r0, n int)) {
	p := cl.g.p
	switch {
	case cl.full:
		f(0, 0, cl.k)
	case cl.cc.run:
		nt := len(cl.cc.taps) * p.C
		for ti, i := range cl.rc.taps {
			f(ti*nt, (i*p.KW+cl.cc.taps[0])*p.C, nt)
		}
	default:
		for ti, i := range cl.rc.taps {
			for tj, j := range cl.cc.taps {
				f((ti*len(cl.cc.taps)+tj)*p.C, (i*p.KW+j)*p.C, p.C)
			}
		}
	}
}

// blocked reports whether class cl multiplies straight out of w (runs of at least minBlock columns).
func (cl *convClass) blocked() bool {
	return cl.full || cl.cc.run && len(cl.cc.taps)*cl.g.p.C >= minBlock
}

// packKernel returns the rows of w read by class cl, in patch order, in buf.
func packKernel[T Float](cl *convClass, w, buf []T) []T {
	O := cl.g.p.O
	wc := buf[:cl.k*O]
	cl.kernelBlocks(func(c0, r0, n int) { copy(wc[c0*O:(c0+n)*O], w[r0*O:]) })
	return wc
}

// mulKernel sets t (m × O) = col (m × k, patch order) · w restricted to the rows of class cl.
func mulKernel[T Float](cl *convClass, m int, col, w, wbuf, t []T) {
	O := cl.g.p.O
	if !cl.blocked() {
		blas.Gemm(false, false, m, O, cl.k, 1, col, cl.k, packKernel(cl, w, wbuf), O, 0, t, O)
		return
	}
	beta := T(0)
	cl.kernelBlocks(func(c0, r0, n int) {
		blas.Gemm(false, false, m, O, n, 1, col[c0:], cl.k, w[r0*O:], O, beta, t, O)
		beta = 1
	})
}

// mulKernelT sets col (m × k, patch order) = t (m × O) · (w restricted to the rows of class cl)ᵀ.
func mulKernelT[T Float](cl *convClass, m int, t, w, wbuf, col []T) {
	O := cl.g.p.O
	if !cl.blocked() {
		blas.Gemm(false, true, m, cl.k, O, 1, t, O, packKernel(cl, w, wbuf), O, 0, col, cl.k)
		return
	}
	cl.kernelBlocks(func(c0, r0, n int) {
		blas.Gemm(false, true, m, n, O, 1, t, O, w[r0*O:], O, 0, col[c0:], cl.k)
	})
}

// unpackKernelAddT adds the transposed kernel gradient dwt (O × patch length, patch order) of class
// cl into dw (HWIO): dw[tap, c, o] += dwt[o, (tap, c)], in 16×16 blocks for cache locality.
func unpackKernelAddT[T Float](cl *convClass, dwt, dw []T) {
	const bs = 16
	C, O := cl.g.p.C, cl.g.p.O
	var rows []int // dw row of the first channel of each tap, in patch order
	cl.kernelBlocks(func(c0, r0, n int) {
		for c := 0; c < n; c += C {
			rows = append(rows, r0+c)
		}
	})
	parallelFor(len(rows), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			d := dw[rows[u]*O:]
			for c0 := 0; c0 < C; c0 += bs {
				c1 := min(C, c0+bs)
				for o0 := 0; o0 < O; o0 += bs {
					for o := o0; o < min(O, o0+bs); o++ {
						src := dwt[o*cl.k+u*C:]
						for c := c0; c < c1; c++ {
							d[c*O+o] += src[c]
						}
					}
				}
			}
		}
	})
}

// Conv2D computes y = conv(x, w) as defined by ConvParams; x is N×H×W×C, w is KH×KW×C×O and y,
// overwritten, is N×OutH×OutW×O. Each class of output positions that read the same kernel taps is
// computed from the valid taps only (padding costs nothing): by rows or indirectly without a patch
// matrix where the class allows it (implicitForward, indirectForward), else by gathering the
// patches of each tile of images and multiplying them by the matching rows of w.
//
// With input dilation and unit strides (the form in which autodiff expresses the input gradient of a
// strided convolution) most of the patch entries would be zeros; such a convolution is computed as
// the input gradient of the corresponding strided convolution instead (see transposedConv).
func Conv2D[T Float](p ConvParams, x, w, y []T) {
	p = p.mustValidate(len(x), len(w), len(y), "x", "w", "y")
	if (p.InDilH > 1 || p.InDilW > 1) && p.StrideH == 1 && p.StrideW == 1 && p.N > 0 && p.OutH() > 0 && p.OutW() > 0 {
		w0 := getBuf[T](len(w))
		defer putBuf(w0)
		// w0[i,j,c0,o0] = w[KH−1−i, KW−1−j, o0, c0], with c0 the channels of y and o0 those of x.
		reverseKernel(p, w, w0)
		Conv2DBackwardInput(transposedConv(p), x, w0[:len(w)], y)
		return
	}
	g := newConvGeom(p)
	if p.N == 0 || g.oh*g.ow == 0 {
		return
	}
	if g.direct {
		blas.Gemm(false, false, p.N*g.oh*g.ow, p.O, p.C, 1, x, p.C, w, p.O, 0, y, p.O)
		return
	}
	cls := g.classes()
	if len(cls) == 0 || sumQ(cls) < g.oh*g.ow {
		clear(y) // some positions read only padding
	}
	wbuf := getBuf[T](len(w))
	defer putBuf(wbuf)
	var pw *blas.PackedB[T]
	for c := range cls {
		cl := &cls[c]
		if implicit, indirect := cl.implicit(), cl.indirect(blas.TileCols[T]()); implicit || indirect {
			if pw == nil {
				pw = blas.NewPackedB(p.KH*p.KW*p.C, p.O, w, p.O)
				defer pw.Release()
			}
			if implicit {
				implicitForward(cl, pw, x, y)
			} else {
				indirectForward(cl, pw, x, y)
			}
			continue
		}
		classTiles(cl, func(col, t []T, n0, m int) {
			gather(cl, x[n0*p.H*p.W*p.C:], col, m)
			if cl.all {
				mulKernel(cl, m*cl.q, col, w, wbuf, y[n0*cl.q*p.O:])
				return
			}
			mulKernel(cl, m*cl.q, col, w, wbuf, t)
			moveRows(cl, y, t, n0, m, true)
		})
	}
}

func sumQ(cls []convClass) int {
	s := 0
	for _, c := range cls {
		s += c.q
	}
	return s
}

// Conv2DBackwardInput computes dx = ∂⟨Conv2D(x, w), dy⟩/∂x, the adjoint of Conv2D in x:
//
//	dx[n,h,w,c] = Σ_{oh,ow,i,j,o : position (oh,ow,i,j) reads x[n,h,w,c]} dy[n,oh,ow,o]·w[i,j,c,o]
//
// With unit strides and no dilation, C a multiple of the tile width and the Go micro-kernels active,
// it is computed as the convolution of dy with the reversed, channel-swapped kernel
// (inputGradAsConv); otherwise per
// position class and tile: the patch gradients dy·wᵀ (valid taps only), scattered into dx.
// dx is overwritten.
func Conv2DBackwardInput[T Float](p ConvParams, dy, w, dx []T) {
	p = p.mustValidate(len(dx), len(w), len(dy), "dx", "w", "dy")
	g := newConvGeom(p)
	if p.N == 0 {
		return
	}
	if g.direct {
		blas.Gemm(false, true, p.N*g.oh*g.ow, p.C, p.O, 1, dy, p.O, w, p.O, 0, dx, p.C)
		return
	}
	if q, ok := inputGradAsConv(p); ok && blas.Packed() && p.C%blas.TileCols[T]() == 0 {
		// The input gradient is a convolution of dy whose rows mostly need no patch matrix (its
		// outputs are the C channels of x: a multiple of the tile width, or most of each tile would
		// be wasted).
		wq := getBuf[T](len(w))
		defer putBuf(wq)
		reverseKernel(p, w, wq)
		Conv2D(q, dy, wq[:len(w)], dx)
		return
	}
	clear(dx)
	wbuf := getBuf[T](len(w))
	defer putBuf(wbuf)
	imgIn := p.H * p.W * p.C
	for _, cl := range g.classes() {
		classTiles(&cl, func(col, t []T, n0, m int) {
			mulKernelT(&cl, m*cl.q, classRows(&cl, dy, t, n0, m), w, wbuf, col)
			scatter(&cl, col, dx[n0*imgIn:], m)
		})
	}
}

// Conv2DBackwardFilter computes dw = ∂⟨Conv2D(x, w), dy⟩/∂w:
//
//	dw[i,j,c,o] = Σ_{n,oh,ow} xd[n, oh·StrideH + i·KDilH − PadTop, ow·StrideW + j·KDilW − PadLeft, c]·dy[n,oh,ow,o]
//
// straight from a width-padded copy of x where implicitFilter allows it (implicitFilterGrad);
// otherwise per position class: dy transposed times the patch matrix, accumulated over tiles of
// images, added (transposed) to the rows of dw of the class's taps. dw is overwritten.
func Conv2DBackwardFilter[T Float](p ConvParams, x, dy, dw []T) {
	p = p.mustValidate(len(x), len(dw), len(dy), "x", "dw", "dy")
	g := newConvGeom(p)
	if p.N == 0 || g.oh*g.ow == 0 {
		clear(dw)
		return
	}
	if g.direct {
		blas.Gemm(true, false, p.C, p.O, p.N*g.oh*g.ow, 1, x, p.C, dy, p.O, 0, dw, p.O)
		return
	}
	if implicitFilter[T](g) {
		implicitFilterGrad(g, x, dy, dw)
		return
	}
	clear(dw)
	// Per class, dwᵀ = dyᵀ·patches (O × patch length): the transposed operand is the thin dy, not
	// the wide patch matrix.
	dwt := getBuf[T](len(dw))
	defer putBuf(dwt)
	imgIn := p.H * p.W * p.C
	for _, cl := range g.classes() {
		acc := dwt[:p.O*cl.k]
		classTiles(&cl, func(col, t []T, n0, m int) {
			gather(&cl, x[n0*imgIn:], col, m)
			beta := T(1)
			if n0 == 0 {
				beta = 0
			}
			blas.Gemm(true, false, p.O, cl.k, m*cl.q, 1, classRows(&cl, dy, t, n0, m), p.O, col, cl.k, beta, acc, cl.k)
		})
		unpackKernelAddT(&cl, acc, dw)
	}
}

// reverseKernel sets dst[i,j,o,c] = w[KH−1−i, KW−1−j, c, o]: the kernel of p (KH×KW×C×O) reversed in
// space with its channel axes swapped (KH×KW×O×C).
func reverseKernel[T Float](p ConvParams, w, dst []T) {
	for i := 0; i < p.KH; i++ {
		for j := 0; j < p.KW; j++ {
			src := w[((p.KH-1-i)*p.KW+p.KW-1-j)*p.C*p.O:]
			d := dst[(i*p.KW+j)*p.O*p.C:]
			for c := 0; c < p.C; c++ {
				for o := 0; o < p.O; o++ {
					d[o*p.C+c] = src[c*p.O+o]
				}
			}
		}
	}
}

// inputGradAsConv returns the convolution q of dy with the reversed, channel-swapped kernel
// (reverseKernel) that equals the input gradient of p, when p has unit strides and no dilation and
// its padding is at most KH−1, KW−1 (so that q's is not negative):
//
//	dx[n,h,w,c] = Σ_{i,j,o} dy[n, h+PadTop−i, w+PadLeft−j, o]·w[i,j,c,o], q padded by K−1−pad.
//
// Its output is H×W exactly: (OutH + (KH−1−PadTop) + (KH−1−PadBottom)) − KH + 1 = H.
func inputGradAsConv(p ConvParams) (ConvParams, bool) {
	p = p.norm()
	q := ConvParams{N: p.N, H: p.OutH(), W: p.OutW(), C: p.O, KH: p.KH, KW: p.KW, O: p.C,
		PadTop: p.KH - 1 - p.PadTop, PadBottom: p.KH - 1 - p.PadBottom, PadLeft: p.KW - 1 - p.PadLeft, PadRight: p.KW - 1 - p.PadRight}
	ok := p.StrideH == 1 && p.StrideW == 1 && p.InDilH == 1 && p.InDilW == 1 && p.KDilH == 1 && p.KDilW == 1 &&
		q.PadTop >= 0 && q.PadBottom >= 0 && q.PadLeft >= 0 && q.PadRight >= 0 && q.H > 0 && q.W > 0
	return q.norm(), ok
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
