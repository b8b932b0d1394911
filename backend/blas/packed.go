package blas

// PackedB is a k×n row-major matrix B packed once into strips of nr columns (16 float32 or 8 float64),
//
//	data[s·k·nr + p·nr + j] = B[p][s·nr + j]   (zero past column n),
//
// for many products C += A·B[k0:k0+kc, :] with small row blocks A read in place, such as the output
// rows of a convolution computed without a patch matrix (an A row is then a window of the input, and
// consecutive rows overlap). It uses the Go micro-kernels whatever BLAS is active; see Packed.
type PackedB[T Float] struct {
	k, n int
	data []T
}

// Packed reports whether the Go GEMM is the active implementation and runs on the assembly
// micro-kernels (amd64 with AVX2/FMA): the condition under which callers should prefer PackedB,
// TileMulAdd and IndirectTile to a patch matrix and Gemm. With CCT_BLAS=openblas it is false, so that
// every product goes to OpenBLAS.
func Packed() bool {
	_, goGemm := current().(goImpl)
	return hasFMA && goGemm
}

// NewPackedB packs the k×n matrix b (row stride ldb ≥ n). Release returns its memory to a pool.
func NewPackedB[T Float](k, n int, b []T, ldb int) *PackedB[T] {
	if k < 1 || n < 1 || ldb < n || len(b) < (k-1)*ldb+n {
		panic("blas: NewPackedB: bad dimensions")
	}
	nr := nrOf[T]()
	pb := &PackedB[T]{k: k, n: n, data: getPack[T](k * (n + nr - 1) / nr * nr)}
	packB(false, b, ldb, 0, k, 0, n, nr, pb.data)
	return pb
}

// Release returns the packed data to the pool; pb must not be used afterwards.
func (pb *PackedB[T]) Release() {
	putPack(pb.data)
	pb.data = nil
}

// MulAdd computes C ← C + A·B[k0:k0+kc, :] where A is m×kc with row i starting at a[i·lda] (any
// lda ≥ 0: rows may overlap) and C is m×n with row stride ldc. It is safe to call from several
// goroutines at once on disjoint C.
func (pb *PackedB[T]) MulAdd(m int, a []T, lda, k0, kc int, c []T, ldc int) {
	if m < 1 || kc < 1 {
		return
	}
	if k0 < 0 || k0+kc > pb.k || lda < 0 || ldc < pb.n || len(a) < (m-1)*lda+kc || len(c) < (m-1)*ldc+pb.n {
		panic("blas: PackedB.MulAdd: bad dimensions")
	}
	nr := nrOf[T]()
	var tmp [mr * 16]T
	var ap []T // A rows packed, only for m < mr
	if m < mr {
		ap = getPack[T](kc * mr)
		defer putPack(ap)
		clear(ap)
		for i := 0; i < m; i++ {
			for p, v := range a[i*lda : i*lda+kc] {
				ap[p*mr+i] = v
			}
		}
	}
	for j := 0; j < pb.n; j += nr {
		bs := pb.data[j*pb.k+k0*nr : j*pb.k+(k0+kc)*nr]
		nw := min(nr, pb.n-j)
		if ap != nil {
			clear(tmp[:mr*nr])
			microKernel(kc, ap, bs, tmp[:mr*nr], nr)
			addTile(tmp[:], nr, c[j:], ldc, m, nw, 0)
			continue
		}
		for i := 0; i < m; i += mr {
			if i+mr <= m && nw == nr {
				microKernelU(kc, a[i*lda:], lda, bs, c[i*ldc+j:], ldc)
				continue
			}
			// The last, partial tile: compute the mr rows ending at row m (overlapping the previous
			// tile) into tmp and add only the rows not added yet.
			i0 := min(i, m-mr)
			clear(tmp[:mr*nr])
			microKernelU(kc, a[i0*lda:], lda, bs, tmp[:mr*nr], nr)
			addTile(tmp[:], nr, c[i0*ldc+j:], ldc, min(mr, m-i0), nw, i-i0)
		}
	}
}

// addTile adds rows skip ≤ i < rows and columns j < cols of the tile t (row stride ldt) to c.
func addTile[T Float](t []T, ldt int, c []T, ldc, rows, cols, skip int) {
	for i := skip; i < rows; i++ {
		row := c[i*ldc : i*ldc+cols]
		for jj := range row {
			row[jj] += t[i*ldt+jj]
		}
	}
}

// TileRows and TileCols are the size of the tile updated by TileMulAdd: 6 × 16 (float32) or 6 × 8
// (float64).
func TileRows() int          { return mr }
func TileCols[T Float]() int { return nrOf[T]() }

// TileMulAdd adds to the TileRows × TileCols tile of C at c (row stride ldc) a product summed over
// nseg segments of k steps, each operand read in place with its own strides:
//
//	C[i][j] += Σ_{s<nseg} Σ_{p<k} a[s·sega + p·sa + i] · b[s·segb + p·sb + j]
//
// For a convolution's filter gradient, a walks the input along an output row (sa = stride·C) and
// the segments are output rows; b walks the output gradient likewise.
func TileMulAdd[T Float](k, nseg int, a []T, sa, sega int, b []T, sb, segb int, c []T, ldc int) {
	if k < 1 || nseg < 1 {
		return
	}
	nr := nrOf[T]()
	if len(a) < (nseg-1)*sega+(k-1)*sa+mr || len(b) < (nseg-1)*segb+(k-1)*sb+nr || len(c) < (mr-1)*ldc+nr {
		panic("blas: TileMulAdd: operand too short")
	}
	tileKernelS(k, nseg, a, sa, sega, b, sb, segb, c, ldc)
}

// tileKernelSGo is the portable form of TileMulAdd's product.
func tileKernelSGo[T Float](k, nseg int, a []T, sa, sega int, b []T, sb, segb int, c []T, ldc int) {
	nr := nrOf[T]()
	var acc [mr * 16]T
	for s := 0; s < nseg; s++ {
		for p := 0; p < k; p++ {
			ap, bp := a[s*sega+p*sa:][:mr], b[s*segb+p*sb:][:nr]
			for i, av := range ap {
				row := acc[i*nr : i*nr+nr]
				for j, bv := range bp {
					row[j] += av * bv
				}
			}
		}
	}
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			c[i*ldc+j] += acc[i*nr+j]
		}
	}
}

// Strip returns the k×nr strip of the packed matrix that holds columns j ≤ col < j+nr (j a multiple
// of TileCols): element (p, col) at p·nr + col − j, zero past column n.
func (pb *PackedB[T]) Strip(j int) []T {
	nr := nrOf[T]()
	if j < 0 || j >= pb.n || j%nr != 0 {
		panic("blas: PackedB.Strip: bad column")
	}
	return pb.data[j*pb.k : (j+nr)*pb.k]
}

// IndirectTile sets, for r < TileRows and j < TileCols,
//
//	c[r][j] = (c[r][j] if add, else 0) + Σ_{s<nseg} Σ_{p<k} a[r][aoff + s·sega + p] · b[s·segb + p·TileCols + j]
//
// with the six rows of A and of C anywhere in memory (an indirect convolution: a[r] is the input
// window of one output position, read in nseg runs of k values sega apart) and b in the layout of
// a PackedB strip.
func IndirectTile[T Float](k, nseg int, a *[6][]T, aoff, sega int, b []T, segb int, c *[6][]T, add bool) {
	nr := nrOf[T]()
	if k < 1 || nseg < 1 || aoff < 0 || len(b) < (nseg-1)*segb+k*nr {
		panic("blas: IndirectTile: bad dimensions")
	}
	for r := 0; r < mr; r++ {
		if len(a[r]) < aoff+(nseg-1)*sega+k || len(c[r]) < nr {
			panic("blas: IndirectTile: row too short")
		}
	}
	tileKernelI(k, nseg, a, aoff, sega, b, segb, c, add)
}

// tileKernelIGo is the portable form of IndirectTile's product.
func tileKernelIGo[T Float](k, nseg int, a *[mr][]T, aoff, sega int, b []T, segb int, c *[mr][]T, add bool) {
	nr := nrOf[T]()
	for r := 0; r < mr; r++ {
		var acc [16]T
		if add {
			copy(acc[:nr], c[r][:nr])
		}
		for s := 0; s < nseg; s++ {
			for p, av := range a[r][aoff+s*sega : aoff+s*sega+k] {
				for j, bv := range b[s*segb+p*nr : s*segb+p*nr+nr] {
					acc[j] += av * bv
				}
			}
		}
		copy(c[r][:nr], acc[:nr])
	}
}
