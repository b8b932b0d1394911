package kernels

import (
	"runtime"

	"github.com/cct-dev/cct/backend/blas"
)

// implicitMinRun is the fewest output positions per row for which a class is computed without a patch
// matrix: below one micro-kernel tile (6 rows) the product would be mostly overlap. implicitMinK is
// the shortest window row (KW·C values) for it: shorter ones make one product per kernel row too
// short for the micro-kernel, and the indirect kernel, which sums all kernel rows in one call, is
// faster.
var (
	implicitMinRun = 6
	implicitMinK   = 16
)

// implicit reports whether class cl is computed without a patch matrix (implicitForward): every
// kernel column tap is read, with no kernel or input dilation along the width, so that the patch of
// output column ow is the KW·C consecutive input values from column colIdx(ow, 0), and the class's
// output columns are consecutive, so that consecutive patches start StrideW·C values apart.
func (cl *convClass) implicit() bool {
	p := cl.g.p
	outs := cl.cc.outs
	if !blas.Packed() || len(cl.cc.taps) != p.KW || p.KDilW != 1 || p.InDilW != 1 || len(outs) < implicitMinRun ||
		p.KW*p.C < implicitMinK {
		return false
	}
	for m := 1; m < len(outs); m++ {
		if outs[m] != outs[m-1]+1 {
			return false
		}
	}
	return true
}

// implicitForward computes the outputs of class cl (see implicit) straight from x: for image n and
// output row oh of the class, with ow running over the class's output columns,
//
//	y[n, oh, ow, :] = Σ_{i ∈ row taps} x[n, rowIdx(oh, i), colIdx(ow, 0) … colIdx(ow, 0)+KW−1, :] · w[i, :, :, :]
//
// where the x window is flattened to KW·C values and w[i] is the KW·C × O block of kernel row i: one
// product per kernel row whose A rows are overlapping windows of x (row stride StrideW·C). pw is w
// packed as a KH·KW·C × O matrix.
func implicitForward[T Float](cl *convClass, pw *blas.PackedB[T], x, y []T) {
	g, p := cl.g, cl.g.p
	L, ow0 := len(cl.cc.outs), cl.cc.outs[0]
	iw0 := g.colIdx[ow0*p.KW]
	kc := p.KW * p.C
	nr := len(cl.rc.outs)
	parallelFor(p.N*nr, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			img, oh := u/nr, cl.rc.outs[u%nr]
			yr := y[((img*g.oh+oh)*g.ow+ow0)*p.O : ((img*g.oh+oh)*g.ow+ow0+L)*p.O]
			clear(yr)
			for _, i := range cl.rc.taps {
				xr := x[((img*p.H+g.rowIdx[oh*p.KH+i])*p.W+iw0)*p.C:]
				pw.MulAdd(L, xr, p.StrideW*p.C, i*kc, kc, yr, p.O)
			}
		}
	})
}

// implicitFilter reports whether the filter gradient of p is computed without a patch matrix
// (implicitFilterGrad): no input dilation, no kernel dilation along the width, non-negative width
// padding, O a multiple of the tile width, and at most a tenth of the column taps reading padding
// (they are computed, on a copy of x padded along the width).
func implicitFilter[T Float](g *convGeom) bool {
	p := g.p
	if !blas.Packed() || p.InDilH != 1 || p.InDilW != 1 || p.KDilW != 1 || p.PadLeft < 0 || p.PadRight < 0 ||
		p.O%blas.TileCols[T]() != 0 {
		return false
	}
	valid := 0
	for _, s := range g.colIdx {
		if s >= 0 {
			valid++
		}
	}
	return 10*valid >= 9*len(g.colIdx)
}

// implicitFilterGrad computes the filter gradient of p (see implicitFilter) as, for every kernel row
// i, with xp the input padded along the width by PadLeft and PadRight,
//
//	dw[i, :, :, :] = Σ_{n, oh : row ih = oh·StrideH + i·KDilH − PadTop inside x} X(n, oh, i)ᵀ · dY(n, oh)
//
// where row ow of X(n, oh, i) is the KW·C values of xp[n, ih] from column ow·StrideW (as a KW·C
// vector: dw[i] is KW·C × O) and dY(n, oh) is dy[n, oh] as OW × O. Tiles of dw[i] (6 rows × 16
// columns) are summed by TileMulAdd over the output rows of one image, images are split between
// goroutines with private sums, and the sums are added into dw in a fixed order.
func implicitFilterGrad[T Float](g *convGeom, x, dy, dw []T) {
	p := g.p
	C, O, KW, OW := p.C, p.O, p.KW, g.ow
	wp := p.PadLeft + p.W + p.PadRight
	tr, tc := blas.TileRows(), blas.TileCols[T]()
	kw := KW * C // rows of dw[i]
	// xp, with tr spare values at the end: the last tile of a row may read past the window.
	xp := getBuf[T](p.N*p.H*wp*C + tr)
	defer putBuf(xp)
	parallelFor(p.N*p.H, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			row := xp[u*wp*C : (u+1)*wp*C]
			clear(row[:p.PadLeft*C])
			copy(row[p.PadLeft*C:], x[u*p.W*C:(u+1)*p.W*C])
			clear(row[(p.PadLeft+p.W)*C:])
		}
	})
	clear(xp[p.N*p.H*wp*C:])
	// Images are split into one contiguous range per goroutine, each with its own sum; the sums are
	// added in range order, so the result has the same bits from run to run.
	chunks := max(1, min(runtime.GOMAXPROCS(0), p.N))
	accs := make([][]T, chunks)
	parallelFor(chunks, func(lo, hi int) {
		var tmp [6 * 16]T
		for ch := lo; ch < hi; ch++ {
			acc := getBuf[T](len(dw))
			clear(acc)
			accs[ch] = acc
			for n := ch * p.N / chunks; n < (ch+1)*p.N/chunks; n++ {
				for i := 0; i < p.KH; i++ {
					oh0, nseg := validRows(g, i)
					if nseg == 0 {
						continue
					}
					xa := xp[(n*p.H+g.rowIdx[oh0*p.KH+i])*wp*C:]
					db := dy[(n*g.oh+oh0)*OW*O:]
					for o0 := 0; o0 < O; o0 += tc {
						for r0 := 0; r0 < kw; r0 += tr {
							c := acc[(i*kw+r0)*O+o0:]
							if r0+tr <= kw {
								blas.TileMulAdd(OW, nseg, xa[r0:], p.StrideW*C, p.StrideH*wp*C, db[o0:], O, OW*O, c, O)
								continue
							}
							clear(tmp[:tr*tc])
							blas.TileMulAdd(OW, nseg, xa[r0:], p.StrideW*C, p.StrideH*wp*C, db[o0:], O, OW*O, tmp[:tr*tc], tc)
							for r := 0; r < kw-r0; r++ {
								addTo(c[r*O:r*O+tc], tmp[r*tc:])
							}
						}
					}
				}
			}
		}
	})
	copy(dw, accs[0])
	putBuf(accs[0])
	for _, acc := range accs[1:] {
		addTo(dw, acc)
		putBuf(acc)
	}
}

// validRows returns the first output row whose kernel row i reads inside x and the number of such
// rows (consecutive when there is no input dilation).
func validRows(g *convGeom, i int) (oh0, n int) {
	oh0 = -1
	for oh := 0; oh < g.oh; oh++ {
		if g.rowIdx[oh*g.p.KH+i] >= 0 {
			if oh0 < 0 {
				oh0 = oh
			}
			n++
		}
	}
	return max(oh0, 0), n
}

// indirectTiles is the number of six-position tiles that indirectForward runs through each chunk of
// at most indirectKC kernel rows of one strip of kernel columns before the next chunk; the values
// were the fastest of those measured on the VGG4 layers (tiles 1–40, chunks 256–4096).
const (
	indirectTiles = 4
	indirectKC    = 1024
)

// indirect reports whether class cl is computed by indirectForward: the micro-kernels exist, O is a
// multiple of the tile width, and the class's kernel taps are consecutive with consecutive sources
// along both axes, so that each position's window is len(row taps) runs of len(column taps)·C input
// values, W·C apart.
func (cl *convClass) indirect(tileCols int) bool {
	return blas.Packed() && cl.g.p.O%tileCols == 0 && cl.rc.run && cl.cc.run
}

// indirectForward computes the outputs of class cl (see indirect) without a patch matrix: for six
// output positions at a time, anywhere in the batch, and each strip of output channels,
//
//	y[n, oh, ow, o] = Σ_{s < row taps} Σ_{t < col taps·C} x[n, ih0+s, iw0, 0 …][t] · w[i0+s, j0, 0 …, o][t]
//
// where (ih0, iw0) is the input read by the first row and column taps (i0, j0) of the class, and the
// window of each position is read in place (blas.IndirectTile). pw is w packed as KH·KW·C × O.
func indirectForward[T Float](cl *convClass, pw *blas.PackedB[T], x, y []T) {
	g, p := cl.g, cl.g.p
	tc := blas.TileCols[T]()
	i0, j0 := cl.rc.taps[0], cl.cc.taps[0]
	k, nseg := len(cl.cc.taps)*p.C, len(cl.rc.taps)
	boff, segb := (i0*p.KW+j0)*p.C*tc, p.KW*p.C*tc
	total := p.N * cl.q
	tiles := (total + 5) / 6
	blocks := (tiles + indirectTiles - 1) / indirectTiles
	strips := p.O / tc
	// Short runs (k ≤ indirectKC) are summed over all row taps in one call; longer ones one row tap
	// and one chunk at a time.
	ns := 1
	if k <= indirectKC {
		ns = nseg
	}
	// Work units are (block of tiles, strip of output channels), so that a class with few positions
	// still splits evenly between goroutines.
	parallelFor(blocks*strips, func(lo, hi int) {
		var a [indirectTiles][6][]T
		var yoff [indirectTiles][6]int // output row offsets, −1 for the padding rows of the last tile
		var c [6][]T
		junk := make([]T, tc)
		built := -1
		for u := lo; u < hi; u++ {
			blk, o0 := u/strips, (u%strips)*tc
			t0, t1 := blk*indirectTiles, min(tiles, (blk+1)*indirectTiles)
			if blk != built {
				built = blk
				for t := t0; t < t1; t++ {
					for r := 0; r < 6; r++ {
						v := min(t*6+r, total-1)
						n, off := v/cl.q, cl.offs[v%cl.q]
						oh, ow := off/g.ow, off%g.ow
						a[t-t0][r] = x[((n*p.H+g.rowIdx[oh*p.KH+i0])*p.W+g.colIdx[ow*p.KW+j0])*p.C:]
						yoff[t-t0][r] = (n*g.oh*g.ow + off) * p.O
						if t*6+r >= total {
							yoff[t-t0][r] = -1
						}
					}
				}
			}
			b := pw.Strip(o0)[boff:]
			for s := 0; s < nseg; s += ns {
				for k0 := 0; k0 < k; k0 += indirectKC {
					kc := min(indirectKC, k-k0)
					bs := b[s*segb+k0*tc:]
					for t := t0; t < t1; t++ {
						for r, yo := range yoff[t-t0] {
							if yo < 0 {
								c[r] = junk
							} else {
								c[r] = y[yo+o0:]
							}
						}
						blas.IndirectTile(kc, ns, &a[t-t0], s*p.W*p.C+k0, p.W*p.C, bs, segb, &c, s > 0 || k0 > 0)
					}
				}
			}
		}
	})
}
