package pca

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// spectrum returns m points of dimension d whose covariance has eigenvalues decaying as 0.7^(2j)
// along randomly rotated axes, offset from the origin.
func spectrum(r *rand.Rand, m, d int) []float64 {
	var q mat.QR
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, r.NormFloat64())
		}
	}
	q.Factorize(g)
	var rot mat.Dense
	q.QTo(&rot)
	x := make([]float64, m*d)
	for i := range m {
		for c := range d {
			v := r.NormFloat64() * math.Pow(0.7, float64(c))
			for j := range d {
				x[i*d+j] += v * rot.At(c, j)
			}
		}
		for j := range d {
			x[i*d+j] += 3
		}
	}
	return x
}

// TestFitAgainstEigen: the variances equal the top eigenvalues of the sample covariance
// (gonum's EigenSym, population normalisation), the axes its eigenvectors up to sign, and
// Project the coordinates (x − μ)·v_j computed directly.
func TestFitAgainstEigen(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, d, k := 500, 30, 6
	x := spectrum(r, m, d)
	b, err := Fit(x, m, d, k, r)
	if err != nil {
		t.Fatal(err)
	}
	c, mean := Centre(x, m, d)
	cov := mat.NewSymDense(d, nil)
	for a := range d {
		for e := a; e < d; e++ {
			s := 0.0
			for i := range m {
				s += c[i*d+a] * c[i*d+e]
			}
			cov.SetSym(a, e, s/float64(m))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		t.Fatal("eigen")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for j := range k {
		col := d - 1 - j // EigenSym sorts ascending
		if math.Abs(b.Var[j]-vals[col]) > 1e-9*vals[d-1] {
			t.Errorf("axis %d: variance %v, eigenvalue %v", j, b.Var[j], vals[col])
		}
		dot := 0.0
		for i := range d {
			dot += b.Axes[i*k+j] * vecs.At(i, col)
		}
		if math.Abs(math.Abs(dot)-1) > 1e-8 {
			t.Errorf("axis %d: |v·e| = %v, want 1", j, math.Abs(dot))
		}
	}
	if !slices.IsSortedFunc(b.Var, func(p, q float64) int { return -cmpF(p, q) }) {
		t.Errorf("variances not non-increasing: %v", b.Var)
	}
	for j := range d {
		if math.Abs(b.Mean[j]-mean[j]) > 1e-12 {
			t.Fatalf("mean %d: %v, want %v", j, b.Mean[j], mean[j])
		}
	}
	z := b.Project(x, m)
	for i := 0; i < m; i += 37 {
		for j := range k {
			want := 0.0
			for a := range d {
				want += c[i*d+a] * b.Axes[a*k+j]
			}
			if math.Abs(z[i*k+j]-want) > 1e-10 {
				t.Fatalf("point %d axis %d: %v, want %v", i, j, z[i*k+j], want)
			}
		}
	}
}

func cmpF(p, q float64) int {
	switch {
	case p < q:
		return -1
	case p > q:
		return 1
	}
	return 0
}

func TestFitBadSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 20*4)
	for _, c := range []struct{ m, d, k int }{{20, 4, 4}, {20, 4, 0}, {3, 4, 3}, {21, 4, 2}} {
		if _, err := Fit(x[:min(len(x), c.m*c.d)], c.m, c.d, c.k, r); err == nil {
			t.Errorf("m %d d %d axes %d: no error", c.m, c.d, c.k)
		}
	}
}
