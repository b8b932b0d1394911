package blas

import (
	"sync"

	"github.com/cct-dev/cct/backend/internal/parallel"
)

// Blocking of the pure-Go GEMM (Goto's algorithm): C is updated in nc-column panels; for each kc-deep
// slice of the product a kc×nc panel of op(B) is packed into nr-wide strips, then mc×kc blocks of
// alpha·op(A) are packed into mr-high strips and every mr×nr tile of C gets one micro-kernel call.
// They are variables so that tests can exercise the edges with small blocks.
var (
	blkMC = 240 // multiple of mr; A block = 480 KiB at kc = 512 float32 or 256 float64, in L2
	blkKC = 512 // float32 depth (half of it for float64): a kc×nr B strip is 32 KiB, in L1
	blkNC = 3072
)

const mr = 6

// nrOf is the micro-kernel width: 16 float32 or 8 float64 (two 256-bit registers).
func nrOf[T Float]() int {
	if _, ok := any(T(0)).(float32); ok {
		return 16
	}
	return 8
}

// microKernelGo is the portable micro-kernel: C[i][j] += Σ_p a[p·mr+i]·b[p·nr+j] on an mr×nr tile.
func microKernelGo[T Float](kc int, a, b []T, c []T, ldc int) {
	tileKernelSGo(kc, 1, a, mr, 0, b, nrOf[T](), 0, c, ldc)
}

// microKernelUGo is the portable unpacked micro-kernel: C[i][j] += Σ_p a[i·lda+p]·b[p·nr+j].
func microKernelUGo[T Float](kc int, a []T, lda int, b, c []T, ldc int) {
	nr := nrOf[T]()
	for i := 0; i < mr; i++ {
		ar := a[i*lda : i*lda+kc]
		for j := 0; j < nr; j++ {
			var s T
			for p, av := range ar {
				s += av * b[p*nr+j]
			}
			c[i*ldc+j] += s
		}
	}
}

var packPool32, packPool64 sync.Pool

func getPack[T Float](n int) []T {
	p := &packPool64
	if _, ok := any(T(0)).(float32); ok {
		p = &packPool32
	}
	if v, ok := p.Get().(*[]T); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]T, n)
}

func putPack[T Float](s []T) {
	p := &packPool64
	if _, ok := any(T(0)).(float32); ok {
		p = &packPool32
	}
	p.Put(&s)
}

// blockedGemm computes C ← alpha·op(A)·op(B) + beta·C with the micro-kernels, split over up to
// Threads() goroutines by rows or columns of C. Arguments are already checked; k ≥ 1, alpha ≠ 0.
func blockedGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	scaleC(m, n, beta, c, ldc)
	nr := nrOf[T]()
	workers := Threads()
	if float64(m)*float64(n)*float64(k) < 1<<18 {
		workers = 1
	}
	// Splitting rows makes every goroutine pack all of op(B); splitting columns makes every goroutine
	// pack all of op(A), which costs nothing when A is read in place.
	splitRows := m >= n
	if !transA && alpha == 1 && n >= workers*nr {
		splitRows = false
	}
	units := (n + nr - 1) / nr
	if splitRows {
		units = (m + mr - 1) / mr
	}
	workers = max(1, min(workers, units))
	parallel.Split(units, workers, func(u0, u1 int) {
		if splitRows {
			i0, i1 := u0*mr, min(u1*mr, m)
			var aa []T
			if transA {
				aa = a[i0:]
			} else {
				aa = a[i0*lda:]
			}
			gemmSerial(transA, transB, i1-i0, n, k, alpha, aa, lda, b, ldb, c[i0*ldc:], ldc)
			return
		}
		j0, j1 := u0*nr, min(u1*nr, n)
		var bb []T
		if transB {
			bb = b[j0*ldb:]
		} else {
			bb = b[j0:]
		}
		gemmSerial(transA, transB, m, j1-j0, k, alpha, a, lda, bb, ldb, c[j0:], ldc)
	})
}

// gemmSerial computes C += alpha·op(A)·op(B) on one goroutine.
func gemmSerial[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	nr := nrOf[T]()
	blkKC := blkKC
	if nr == 8 {
		blkKC = max(1, blkKC/2)
	}
	kcMax, mcMax := min(blkKC, k), min(blkMC, (m+mr-1)/mr*mr)
	ncMax := min(blkNC, (n+nr-1)/nr*nr)
	ap := getPack[T](mcMax * kcMax)
	bp := getPack[T](kcMax * ncMax)
	defer putPack(ap)
	defer putPack(bp)
	var tmp [mr * 16]T
	for jc := 0; jc < n; jc += blkNC {
		nc := min(blkNC, n-jc)
		nStrips := (nc + nr - 1) / nr
		for pc := 0; pc < k; pc += blkKC {
			kc := min(blkKC, k-pc)
			packB(transB, b, ldb, pc, kc, jc, nc, nr, bp)
			for ic := 0; ic < m; ic += blkMC {
				mc := min(blkMC, m-ic)
				mStrips := (mc + mr - 1) / mr
				// A is read in place when it is row-major and unscaled; only a last partial strip
				// of rows is packed (to strip 0 of ap).
				inPlace := !transA && alpha == 1
				if !inPlace {
					packA(transA, a, lda, ic, mc, pc, kc, alpha, ap)
				} else if mc%mr != 0 {
					packA(transA, a, lda, ic+mc/mr*mr, mc%mr, pc, kc, alpha, ap)
				}
				for js := 0; js < nStrips; js++ {
					bs := bp[js*kc*nr : (js+1)*kc*nr]
					j := jc + js*nr
					nw := min(nr, n-j)
					for is := 0; is < mStrips; is++ {
						i := ic + is*mr
						mh := min(mr, m-i)
						var as []T
						switch {
						case inPlace && mh == mr:
							ar := a[i*lda+pc : (i+mr-1)*lda+pc+kc]
							if nw == nr {
								microKernelU(kc, ar, lda, bs, c[i*ldc+j:(i+mr-1)*ldc+j+nr], ldc)
								continue
							}
							clear(tmp[:mr*nr])
							microKernelU(kc, ar, lda, bs, tmp[:mr*nr], nr)
						case inPlace:
							as = ap[:kc*mr]
						default:
							as = ap[is*kc*mr : (is+1)*kc*mr]
						}
						if as != nil {
							if mh == mr && nw == nr {
								microKernel(kc, as, bs, c[i*ldc+j:(i+mr-1)*ldc+j+nr], ldc)
								continue
							}
							clear(tmp[:mr*nr])
							microKernel(kc, as, bs, tmp[:mr*nr], nr)
						}
						addTile(tmp[:], nr, c[i*ldc+j:], ldc, mh, nw, 0)
					}
				}
			}
		}
	}
}

// packB packs rows pc..pc+kc and columns jc..jc+nc of op(B) into strips of nr columns:
// dst[s·kc·nr + p·nr + j] = op(B)[pc+p][jc+s·nr+j], zero beyond column nc.
func packB[T Float](transB bool, b []T, ldb, pc, kc, jc, nc, nr int, dst []T) {
	for s := 0; s*nr < nc; s++ {
		d := dst[s*kc*nr : (s+1)*kc*nr]
		j0 := jc + s*nr
		w := min(nr, nc-s*nr)
		if !transB {
			if w == nr {
				// Full strips: one call for the whole strip rather than a memmove per short row.
				copyRows(d, b[pc*ldb+j0:], ldb, kc)
				continue
			}
			for p := 0; p < kc; p++ {
				row := d[p*nr : p*nr+nr]
				copy(row, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+w])
				clear(row[w:])
			}
			continue
		}
		if w < nr {
			clear(d)
		}
		for jj := 0; jj < w; jj++ {
			src := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kc]
			for p, v := range src {
				d[p*nr+jj] = v
			}
		}
	}
}

// packA packs alpha times rows ic..ic+mc and columns pc..pc+kc of op(A) into strips of mr rows:
// dst[s·kc·mr + p·mr + i] = alpha·op(A)[ic+s·mr+i][pc+p], zero beyond row mc.
func packA[T Float](transA bool, a []T, lda, ic, mc, pc, kc int, alpha T, dst []T) {
	if transA {
		// op(A)[i][p] = a[p·lda+i]: read each stored row p sequentially and deal it to the strips.
		full := mc / mr
		for p := 0; p < kc; p++ {
			src := a[(pc+p)*lda+ic : (pc+p)*lda+ic+mc]
			for s := 0; s < full; s++ {
				q := dst[s*kc*mr+p*mr : s*kc*mr+p*mr+6 : s*kc*mr+p*mr+6]
				v := src[s*mr : s*mr+6 : s*mr+6]
				if alpha == 1 {
					q[0], q[1], q[2], q[3], q[4], q[5] = v[0], v[1], v[2], v[3], v[4], v[5]
				} else {
					q[0], q[1], q[2], q[3], q[4], q[5] = alpha*v[0], alpha*v[1], alpha*v[2], alpha*v[3], alpha*v[4], alpha*v[5]
				}
			}
			if h := mc - full*mr; h > 0 {
				q := dst[full*kc*mr+p*mr : full*kc*mr+p*mr+mr]
				for i, v := range src[full*mr:] {
					q[i] = alpha * v
				}
				clear(q[h:])
			}
		}
		return
	}
	for s := 0; s*mr < mc; s++ {
		d := dst[s*kc*mr : (s+1)*kc*mr]
		i0 := ic + s*mr
		h := min(mr, mc-s*mr)
		if h == mr {
			packA6(a[i0*lda+pc:], lda, kc, alpha, d)
			continue
		}
		clear(d)
		for ii := 0; ii < h; ii++ {
			src := a[(i0+ii)*lda+pc : (i0+ii)*lda+pc+kc]
			for p, v := range src {
				d[p*mr+ii] = alpha * v
			}
		}
	}
}

// packA6 interleaves six rows of a row-major A (row stride lda, kc columns from a[0]) into
// d[p·6+i] = alpha·a[i·lda+p], reading the rows sequentially.
func packA6[T Float](a []T, lda, kc int, alpha T, d []T) {
	r0 := a[0:kc]
	r1 := a[lda : lda+kc][:len(r0)]
	r2 := a[2*lda : 2*lda+kc][:len(r0)]
	r3 := a[3*lda : 3*lda+kc][:len(r0)]
	r4 := a[4*lda : 4*lda+kc][:len(r0)]
	r5 := a[5*lda : 5*lda+kc][:len(r0)]
	d = d[:6*len(r0)]
	if alpha == 1 {
		for p := range r0 {
			q := d[p*6 : p*6+6 : p*6+6]
			q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
		}
		return
	}
	for p := range r0 {
		q := d[p*6 : p*6+6 : p*6+6]
		q[0], q[1], q[2], q[3], q[4], q[5] = alpha*r0[p], alpha*r1[p], alpha*r2[p], alpha*r3[p], alpha*r4[p], alpha*r5[p]
	}
}
