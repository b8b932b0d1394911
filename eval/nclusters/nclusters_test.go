package nclusters

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestModularityBruteForce compares Modularity with the double sum
// Q = (1/2m) Σ_ij (A_ij − k_i k_j / 2m) δ(c_i, c_j) on random graphs and partitions.
func TestModularityBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		n := 5 + r.IntN(30)
		a := make([][]bool, n)
		for i := range a {
			a[i] = make([]bool, n)
		}
		for i := range n {
			for j := range i {
				if r.Float64() < 0.2 {
					a[i][j], a[j][i] = true, true
				}
			}
		}
		g := make(Graph, n)
		deg := make([]float64, n)
		m2 := 0.0
		for i := range n {
			for j := range n {
				if a[i][j] {
					g[i] = append(g[i], j)
					deg[i]++
					m2++
				}
			}
		}
		labels := make([]int, n)
		for i := range labels {
			labels[i] = r.IntN(1 + trial%5)
		}
		want := 0.0
		for i := range n {
			for j := range n {
				if labels[i] != labels[j] {
					continue
				}
				aij := 0.0
				if a[i][j] {
					aij = 1
				}
				want += aij - deg[i]*deg[j]/m2
			}
		}
		if m2 > 0 {
			want /= m2
		}
		if got := Modularity(g, labels); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: Q = %v, brute force %v", trial, got, want)
		}
	}
}

// TestKNNGraphBruteForce compares KNNGraph with neighbour lists from directly computed
// distances.
func TestKNNGraphBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, d, k := 700, 5, 6 // more than one block of 512 rows
	z := make([]float64, m*d)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	g := KNNGraph(z, m, d, k)
	want := make([]map[int]bool, m)
	for i := range want {
		want[i] = map[int]bool{}
	}
	for i := range m {
		type nd struct {
			j int
			d float64
		}
		var all []nd
		for j := range m {
			if j == i {
				continue
			}
			s := 0.0
			for c := range d {
				s += (z[i*d+c] - z[j*d+c]) * (z[i*d+c] - z[j*d+c])
			}
			all = append(all, nd{j, s})
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
		for _, e := range all[:k] {
			want[i][e.j], want[e.j][i] = true, true
		}
	}
	for i := range m {
		if len(g[i]) != len(want[i]) {
			t.Fatalf("vertex %d: %d neighbours, want %d", i, len(g[i]), len(want[i]))
		}
		for _, j := range g[i] {
			if !want[i][j] {
				t.Fatalf("vertex %d: edge to %d not in the brute-force graph", i, j)
			}
		}
	}
}

// TestProjectVariance: the variance captured by each projected coordinate equals the matching
// eigenvalue of the sample covariance (gonum's EigenSym), on data with a decaying spectrum.
func TestProjectVariance(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, d, dims := 400, 40, 6
	x := make([]float64, m*d)
	for i := range m {
		for j := range d {
			x[i*d+j] = 3 + r.NormFloat64()*math.Pow(0.7, float64(j)) // axis-aligned spectrum
		}
	}
	rot := randomRotation(r, d)
	xr := make([]float64, m*d)
	for i := range m {
		for j := range d {
			for c := range d {
				xr[i*d+j] += x[i*d+c] * rot.At(c, j)
			}
		}
	}
	z, got := Project(xr, m, d, dims, r)
	if got != dims {
		t.Fatalf("dims %d, want %d", got, dims)
	}
	// Reference: eigenvalues of the covariance of the centred data.
	cov := mat.NewSymDense(d, nil)
	mean := make([]float64, d)
	for i := range m {
		for j := range d {
			mean[j] += xr[i*d+j] / float64(m)
		}
	}
	for a := range d {
		for b := a; b < d; b++ {
			s := 0.0
			for i := range m {
				s += (xr[i*d+a] - mean[a]) * (xr[i*d+b] - mean[b])
			}
			cov.SetSym(a, b, s)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, false) {
		t.Fatal("eigen")
	}
	vals := eig.Values(nil)
	slices.Reverse(vals)
	for c := range dims {
		s := 0.0
		for i := range m {
			s += z[i*dims+c] * z[i*dims+c]
		}
		if math.Abs(s-vals[c]) > 1e-6*vals[0] {
			t.Errorf("component %d: variance %v, eigenvalue %v", c, s, vals[c])
		}
	}
	// Fewer dimensions than asked: only centred.
	z, got = Project(xr[:10*d], 10, d, 50, r)
	if got != d || math.Abs(z[0]-(xr[0]-meanCol(xr[:10*d], 10, d, 0))) > 1e-12 {
		t.Errorf("small input: dims %d", got)
	}
}

func meanCol(x []float64, m, d, j int) float64 {
	s := 0.0
	for i := range m {
		s += x[i*d+j]
	}
	return s / float64(m)
}

// randomRotation returns a random orthogonal d×d matrix (QR of a Gaussian matrix).
func randomRotation(r *rand.Rand, d int) *mat.Dense {
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, r.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// blobs returns n points in d dimensions around k random centres, Gaussian noise sigma, in
// clusters of equal expected size (modularity favours splitting a cluster much larger than the
// others, see the package comment).
func blobs(r *rand.Rand, n, d, k int, sigma float64) []float32 {
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = 10 * r.NormFloat64()
	}
	x := make([]float32, n*d)
	for i := range n {
		c := r.IntN(k)
		for j := range d {
			x[i*d+j] = float32(centres[c*d+j] + sigma*r.NormFloat64())
		}
	}
	return x
}

// TestChooseBlobs: on Gaussian blobs of known number the criterion finds it exactly, the Louvain
// partition's modularity is at least that of the best k-means partition on the same graph (it
// maximises Q over all partitions) and the k-means curve peaks at the true number.
func TestChooseBlobs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct{ k, d int }{{3, 10}, {7, 20}, {10, 64}, {15, 80}, {20, 80}} {
		n := 1500
		x := blobs(r, n, c.d, c.k, 2)
		res, err := Choose(x, n, c.d, Options{KMax: 25, Seed: 1, Dims: 30})
		if err != nil {
			t.Fatal(err)
		}
		if res.K != c.k || res.ArgMax != c.k || res.LouvainQ < slices.Max(res.Q)-1e-9 || len(res.LouvainKs) != 9 {
			t.Errorf("%d blobs in %d dims: chose K = %d (Louvain Q %.4f, restarts %v; k-means argmax %d, Q = %.3f)",
				c.k, c.d, res.K, res.LouvainQ, res.LouvainKs, res.ArgMax, res.Q)
		}
		if c.k == 10 {
			dir := t.TempDir()
			if err := res.Plot(filepath.Join(dir, "k.png"), "blobs"); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(filepath.Join(dir, "k.png")); err != nil || st.Size() < 1000 {
				t.Errorf("plot: %v", err)
			}
			if err := res.WriteCSV(filepath.Join(dir, "k.csv")); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "k.csv"))
			if !strings.HasSuffix(string(b), fmt.Sprintf("louvain,10,%.6f,,1\n", res.LouvainQ)) {
				t.Errorf("csv ends %q", b[max(0, len(b)-60):])
			}
		}
	}
}

// TestChooseStrays: communities of fewer than 1% of the points are not counted as clusters.
func TestChooseStrays(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	n, d := 2000, 20
	x := blobs(r, n, d, 4, 1)
	// 12 points (0.6%) close together and far from the blobs: with 10 neighbours they are a
	// component of their own, so a community of their own.
	for i := range 12 {
		for j := range d {
			x[i*d+j] = float32(1000 + r.NormFloat64())
		}
	}
	res, err := Choose(x, n, d, Options{KMax: 25, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.K != 4 {
		t.Errorf("4 blobs and a group of 12 strays: chose K = %d, communities %v", res.K, res.Communities)
	}
}

func TestChooseErrors(t *testing.T) {
	if _, err := Choose(make([]float32, 20), 10, 2, Options{KMax: 30}); err == nil {
		t.Error("10 points for up to 30 clusters: no error")
	}
	if _, err := Choose(make([]float32, 21), 10, 2, Options{}); err == nil {
		t.Error("bad length: no error")
	}
	if _, err := Choose(make([]float32, 200), 100, 2, Options{KMin: 5, KMax: 3}); err == nil {
		t.Error("empty range: no error")
	}
}
