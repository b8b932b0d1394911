package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// implementations returns the pure-Go path and, when the library loads, OpenBLAS.
func implementations(t testing.TB) []impl {
	ims := []impl{goImpl{}, gonumImpl{}}
	if ob, err := loadOpenBLAS(); err == nil {
		ob.setThreads(Threads())
		ims = append(ims, ob)
	} else {
		t.Logf("OpenBLAS path not tested: %v", err)
	}
	return ims
}

// withImpl runs f with im as the active implementation.
func withImpl(im impl, f func()) {
	current()
	saved := active
	active = im
	defer func() { active = saved }()
	f()
}

// naiveGemm is the reference: C ← alpha·op(A)·op(B) + beta·C with float64 accumulation.
func naiveGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				var av, bv T
				if transA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			old := float64(0)
			if beta != 0 {
				old = float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = T(float64(alpha)*s + old)
		}
	}
}

func randSlice[T Float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.Float64()*2 - 1)
	}
	return s
}

type gemmCase struct {
	m, n, k          int
	padA, padB, padC int // leading dimension minus row length
	alpha, beta      float64
}

func gemmCases() []gemmCase {
	cs := []gemmCase{
		{1, 1, 1, 0, 0, 0, 1, 0},
		{1, 7, 5, 0, 0, 0, 1, 0},
		{7, 1, 5, 0, 0, 0, 1, 0},
		{3, 4, 0, 0, 0, 0, 1, 0.5}, // k = 0: C ← beta·C
		{3, 4, 0, 2, 1, 3, 1, 0},
		{5, 6, 7, 3, 2, 1, 0, 2}, // alpha = 0
		{5, 6, 7, 0, 0, 0, -1.5, 0.25},
		{17, 33, 65, 5, 0, 7, 2, 1},
		{64, 64, 64, 0, 0, 0, 1, 0},
		{129, 67, 200, 1, 3, 2, 0.5, -1},
		// Large enough to be split over goroutines, with k much smaller than m or n.
		{2000, 40, 4, 0, 1, 0, 1, 0},
		{40, 2000, 4, 1, 0, 0, 1, 1},
		{700, 9, 50, 0, 0, 0, 1, 0},
		// Few rows or columns, long enough to be split over goroutines.
		{3000, 1, 40, 2, 1, 3, 1.5, 0.5},
		{2000, 3, 50, 0, 0, 0, 1, 0},
		{1, 3000, 40, 1, 2, 0, -1, 1},
		{2, 1500, 60, 0, 0, 0, 1, 0},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 12; i++ {
		cs = append(cs, gemmCase{
			m: 1 + r.IntN(90), n: 1 + r.IntN(90), k: r.IntN(90),
			padA: r.IntN(3), padB: r.IntN(3), padC: r.IntN(3),
			alpha: []float64{1, -1, 0.5, 3}[r.IntN(4)], beta: []float64{0, 1, -0.5, 2}[r.IntN(4)],
		})
	}
	return cs
}

func testGemm[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, im := range implementations(t) {
		for _, tc := range gemmCases() {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				name := fmt.Sprintf("%s/%dx%dx%d/tA=%v,tB=%v/alpha=%g,beta=%g", im.name(), tc.m, tc.n, tc.k, tr[0], tr[1], tc.alpha, tc.beta)
				ar, ac := tc.m, tc.k
				if tr[0] {
					ar, ac = tc.k, tc.m
				}
				br, bc := tc.k, tc.n
				if tr[1] {
					br, bc = tc.n, tc.k
				}
				lda, ldb, ldc := max(1, ac+tc.padA), max(1, bc+tc.padB), tc.n+tc.padC
				a := randSlice[T](r, ar*lda)
				b := randSlice[T](r, br*ldb)
				c := randSlice[T](r, tc.m*ldc)
				if tc.beta == 0 { // beta = 0 must not read C
					for i := range c {
						c[i] = T(math.NaN())
					}
				}
				want := append([]T(nil), c...)
				naiveGemm(tr[0], tr[1], tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), want, ldc)
				got := append([]T(nil), c...)
				withImpl(im, func() {
					Gemm(tr[0], tr[1], tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), got, ldc)
				})
				for i := 0; i < tc.m; i++ {
					for j := 0; j < ldc; j++ {
						g, w := float64(got[i*ldc+j]), float64(want[i*ldc+j])
						if j >= tc.n { // padding columns must be untouched
							if !(g == w || (math.IsNaN(g) && math.IsNaN(w))) {
								t.Fatalf("%s: padding C[%d,%d] changed from %g to %g", name, i, j, w, g)
							}
							continue
						}
						scale := (math.Abs(tc.alpha)*float64(tc.k) + math.Abs(tc.beta)) + 1
						if math.IsNaN(g) || math.Abs(g-w) > tol*scale {
							t.Fatalf("%s: C[%d,%d] = %g, want %g", name, i, j, g, w)
						}
					}
				}
			}
		}
	}
}

func TestSgemm(t *testing.T) { testGemm[float32](t, 1e-5) }
func TestDgemm(t *testing.T) { testGemm[float64](t, 1e-13) }

// TestBlockedGemmSmallBlocks runs the cases with tiny blocks so that every edge of the blocked
// algorithm (partial panels, partial k slices, partial strips) is crossed many times.
func TestBlockedGemmSmallBlocks(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2/FMA: the blocked path is not used")
	}
	saved := [3]int{blkMC, blkKC, blkNC}
	defer func() { blkMC, blkKC, blkNC = saved[0], saved[1], saved[2] }()
	blkMC, blkKC, blkNC = 12, 5, 32
	testGemm[float32](t, 1e-5)
	testGemm[float64](t, 1e-13)
}

// TestMicroKernel compares the assembly micro-kernel with the portable one.
func TestMicroKernel(t *testing.T) {
	if !hasFMA {
		t.Skip("no AVX2/FMA assembly micro-kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, kc := range []int{1, 2, 3, 4, 5, 8, 17, 256} {
		for _, ldc := range []int{16, 21} {
			testMicroKernel[float32](t, r, kc, ldc, 16, 1e-5)
			testMicroKernel[float64](t, r, kc, ldc, 8, 1e-13)
		}
	}
}

// testMicroKernel compares microKernel with microKernelGo on a packed A, and microKernelU with
// microKernelUGo on an unpacked A with row stride kc+3, for tiles nr columns wide; the error bound
// is tol·kc.
func testMicroKernel[T Float](t *testing.T, r *rand.Rand, kc, ldc, nr int, tol float64) {
	lda := kc + 3
	b := randSlice[T](r, kc*nr)
	for _, packed := range []bool{true, false} {
		c := randSlice[T](r, (mr-1)*ldc+nr)
		want := append([]T(nil), c...)
		if packed {
			a := randSlice[T](r, kc*mr)
			microKernelGo(kc, a, b, want, ldc)
			microKernel(kc, a, b, c, ldc)
		} else {
			a := randSlice[T](r, (mr-1)*lda+kc)
			microKernelUGo(kc, a, lda, b, want, ldc)
			microKernelU(kc, a, lda, b, c, ldc)
		}
		for i := range c {
			if math.Abs(float64(c[i]-want[i])) > tol*float64(kc) {
				t.Fatalf("%T packed=%v kc=%d ldc=%d: c[%d] = %g, want %g", c[i], packed, kc, ldc, i, c[i], want[i])
			}
		}
	}
}

func TestGemmPanicsOnShortSlice(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"short a", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short c", func() {
			Dgemm(false, false, 2, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 3), 2)
		}},
		{"small lda", func() {
			Sgemm(true, false, 3, 2, 2, 1, make([]float32, 6), 2, make([]float32, 4), 2, 0, make([]float32, 6), 2)
		}},
		{"negative", func() { Dgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.f()
		})
	}
}

func TestThreads(t *testing.T) {
	old := Threads()
	defer SetThreads(old)
	SetThreads(1)
	if Threads() != 1 {
		t.Fatalf("Threads() = %d after SetThreads(1)", Threads())
	}
	SetThreads(0)
	if Threads() < 1 {
		t.Fatalf("Threads() = %d after SetThreads(0)", Threads())
	}
	if Name() == "" {
		t.Fatal("empty Name")
	}
}

// TestConcurrent runs products from several goroutines at once.
func TestConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 70, 50, 90
	a, b := randSlice[float32](r, m*k), randSlice[float32](r, k*n)
	want := make([]float32, m*n)
	naiveGemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for _, im := range implementations(t) {
		withImpl(im, func() {
			errs := make(chan error, 8)
			for g := 0; g < 8; g++ {
				go func() {
					c := make([]float32, m*n)
					for it := 0; it < 20; it++ {
						Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
						for i := range c {
							if math.Abs(float64(c[i]-want[i])) > 1e-4 {
								errs <- fmt.Errorf("%s: c[%d] = %g, want %g", im.name(), i, c[i], want[i])
								return
							}
						}
					}
					errs <- nil
				}()
			}
			for g := 0; g < 8; g++ {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestChoiceEnv checks the choice of implementation: CCT_BLAS=go selects the pure-Go path,
// CCT_BLAS=openblas selects OpenBLAS where it loads, and no setting selects the Go path on AVX2/FMA
// CPUs. It runs in child processes because the choice is made once per process.
func TestChoiceEnv(t *testing.T) {
	if os.Getenv("CCT_BLAS_TEST_CHILD") == "1" {
		_, obErr := loadOpenBLAS()
		switch want := os.Getenv("CCT_BLAS"); {
		case want == "go" && Name() != "go":
			t.Fatalf("CCT_BLAS=go but Name() = %q", Name())
		case want == "openblas" && obErr == nil && !strings.HasPrefix(Name(), "openblas"):
			t.Fatalf("CCT_BLAS=openblas with the library present but Name() = %q", Name())
		case want == "" && hasFMA && Name() != "go":
			t.Fatalf("default on an FMA CPU: Name() = %q, want go", Name())
		case Packed() != (hasFMA && Name() == "go"):
			t.Fatalf("CCT_BLAS=%q, Name() = %q: Packed() = %v", want, Name(), Packed())
		}
		return
	}
	for _, v := range []string{"go", "openblas", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChoiceEnv$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CCT_BLAS_TEST_CHILD=1", "CCT_BLAS="+v)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child with CCT_BLAS=%q: %v\n%s", v, err, out)
		}
	}
}
