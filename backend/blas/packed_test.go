package blas

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testPackedB checks PackedB.MulAdd against the naive product on random shapes, including overlapping
// A rows (lda < kc, as in a convolution), partial tiles (m not a multiple of 6, n not of nr) and m < 6.
func testPackedB[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(4, 5))
	for trial := 0; trial < 300; trial++ {
		k, n := 1+r.IntN(70), 1+r.IntN(40)
		k0 := r.IntN(k)
		kc := 1 + r.IntN(k-k0)
		m := 1 + r.IntN(20)
		lda := r.IntN(2 * kc)
		ldb, ldc := n+r.IntN(3), n+r.IntN(3)
		a := randSlice[T](r, (m-1)*lda+kc)
		b := randSlice[T](r, (k-1)*ldb+n)
		c := randSlice[T](r, (m-1)*ldc+n)
		want := append([]T(nil), c...)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for p := 0; p < kc; p++ {
					s += float64(a[i*lda+p]) * float64(b[(k0+p)*ldb+j])
				}
				want[i*ldc+j] += T(s)
			}
		}
		pb := NewPackedB(k, n, b, ldb)
		pb.MulAdd(m, a, lda, k0, kc, c, ldc)
		pb.Release()
		for i := 0; i < m; i++ {
			for j := 0; j < ldc && i*ldc+j < len(c); j++ {
				got, w := float64(c[i*ldc+j]), float64(want[i*ldc+j])
				if math.Abs(got-w) > tol*(1+math.Abs(w)) {
					t.Fatalf("trial %d (m=%d n=%d k=%d k0=%d kc=%d lda=%d): C[%d][%d] = %g, want %g", trial, m, n, k, k0, kc, lda, i, j, got, w)
				}
			}
		}
	}
}

func TestPackedB32(t *testing.T) { testPackedB[float32](t, 1e-5) }
func TestPackedB64(t *testing.T) { testPackedB[float64](t, 1e-12) }

// testTileMulAdd checks TileMulAdd against the naive sum on random strides, including overlapping
// A reads (sa < 6) and B rows narrower than a tile apart (sb < nr).
func testTileMulAdd[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(6, 7))
	rows, cols := TileRows(), TileCols[T]()
	for trial := 0; trial < 200; trial++ {
		k, nseg := 1+r.IntN(30), 1+r.IntN(5)
		sa, sb := r.IntN(10), r.IntN(40)
		sega, segb := k*sa+r.IntN(20), k*sb+r.IntN(20)
		ldc := cols + r.IntN(5)
		a := randSlice[T](r, (nseg-1)*sega+(k-1)*sa+rows)
		b := randSlice[T](r, (nseg-1)*segb+(k-1)*sb+cols)
		c := randSlice[T](r, (rows-1)*ldc+cols)
		want := append([]T(nil), c...)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				var s float64
				for g := 0; g < nseg; g++ {
					for p := 0; p < k; p++ {
						s += float64(a[g*sega+p*sa+i]) * float64(b[g*segb+p*sb+j])
					}
				}
				want[i*ldc+j] += T(s)
			}
		}
		TileMulAdd(k, nseg, a, sa, sega, b, sb, segb, c, ldc)
		for i := range c {
			if math.Abs(float64(c[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("trial %d (k=%d nseg=%d sa=%d sega=%d sb=%d segb=%d): c[%d] = %g, want %g", trial, k, nseg, sa, sega, sb, segb, i, c[i], want[i])
			}
		}
	}
}

func TestTileMulAdd32(t *testing.T) { testTileMulAdd[float32](t, 1e-5) }
func TestTileMulAdd64(t *testing.T) { testTileMulAdd[float64](t, 1e-12) }

// testIndirectTile checks IndirectTile against the naive sum with rows of A and C at random places,
// overlapping A rows included, and a strip of a PackedB as b.
func testIndirectTile[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(8, 9))
	rows, cols := TileRows(), TileCols[T]()
	for trial := 0; trial < 200; trial++ {
		k, nseg := 1+r.IntN(30), 1+r.IntN(4)
		sega := k + r.IntN(10)
		segb := k * cols
		n := cols * (1 + r.IntN(3))
		bm := randSlice[T](r, nseg*k*n)
		pb := NewPackedB(nseg*k, n, bm, n)
		j0 := cols * r.IntN(n/cols)
		src := randSlice[T](r, (nseg-1)*sega+k+25)
		var a, c [6][]T
		out := make([]T, 6*cols+10)
		perm := r.Perm(6)
		for i := 0; i < rows; i++ {
			a[i] = src[r.IntN(20):]
			c[i] = out[perm[i]*cols:]
		}
		add := trial%2 == 1
		aoff := r.IntN(5)
		old := append([]T(nil), out...)
		IndirectTile(k, nseg, &a, aoff, sega, pb.Strip(j0), segb, &c, add)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				var s float64
				if add {
					s = float64(old[perm[i]*cols+j])
				}
				for g := 0; g < nseg; g++ {
					for p := 0; p < k; p++ {
						s += float64(a[i][aoff+g*sega+p]) * float64(bm[(g*k+p)*n+j0+j])
					}
				}
				if got := float64(c[i][j]); math.Abs(got-s) > tol*(1+math.Abs(s)) {
					t.Fatalf("trial %d (k=%d nseg=%d sega=%d): C[%d][%d] = %g, want %g", trial, k, nseg, sega, i, j, got, s)
				}
			}
		}
		pb.Release()
	}
}

func TestIndirectTile32(t *testing.T) { testIndirectTile[float32](t, 1e-5) }
func TestIndirectTile64(t *testing.T) { testIndirectTile[float64](t, 1e-12) }
