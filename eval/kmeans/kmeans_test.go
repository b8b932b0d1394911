package kmeans

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cct-dev/cct/eval"
)

// blobs returns n points in d dimensions around k centers drawn uniformly in [−scale, scale]^d,
// with unit-variance Gaussian noise times sigma, and the blob of each point.
func blobs(r *rand.Rand, n, d, k int, scale, sigma float64) ([]float64, []int) {
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = (2*r.Float64() - 1) * scale
	}
	x := make([]float64, n*d)
	truth := make([]int, n)
	for i := range n {
		c := i % k
		truth[i] = c
		for t := range d {
			x[i*d+t] = centers[c*d+t] + sigma*r.NormFloat64()
		}
	}
	return x, truth
}

func toFloat32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestBlobs: well-separated blobs are recovered exactly, in float64 and float32.
func TestBlobs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	cases := []struct{ n, d, k int }{{300, 2, 3}, {500, 8, 5}, {1000, 64, 10}}
	for _, c := range cases {
		x, truth := blobs(r, c.n, c.d, c.k, 20, 0.3)
		for _, prec := range []string{"float64", "float32"} {
			var res *Result
			var err error
			if prec == "float64" {
				res, err = Fit(x, c.n, c.d, c.k, Options{Seed: 7})
			} else {
				x32 := toFloat32(x)
				res, err = Fit(x32, c.n, c.d, c.k, Options{Seed: 7})
				for i, v := range x32 {
					x[i] = float64(v) // check against the points as clustered
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := eval.Evaluate(res.Labels, truth)
			if err != nil {
				t.Fatal(err)
			}
			if s.ACC != 1 || s.ARI != 1 {
				t.Errorf("%v %s: ACC %g ARI %g, want exact recovery", c, prec, s.ACC, s.ARI)
			}
			if !res.Converged {
				t.Errorf("%v %s: not converged after %d iterations", c, prec, res.Iters)
			}
			checkFixedPoint(t, x, c.d, res, 1e-4)
		}
	}
}

// checkFixedPoint verifies the Lloyd optimality conditions of a result: every point is at its
// nearest center, every center is the mean of its points, and Inertia matches a direct sum.
func checkFixedPoint(t *testing.T, x []float64, d int, res *Result, tol float64) {
	t.Helper()
	k := len(res.Centers) / d
	n := len(x) / d
	sums := make([]float64, k*d)
	counts := make([]int, k)
	var inertia float64
	for i := range n {
		xi := x[i*d : (i+1)*d]
		best, bd := -1, math.Inf(1)
		for c := range k {
			var dist float64
			for j, v := range xi {
				e := v - res.Centers[c*d+j]
				dist += e * e
			}
			if dist < bd {
				best, bd = c, dist
			}
		}
		l := res.Labels[i]
		var dl float64
		for j, v := range xi {
			e := v - res.Centers[l*d+j]
			dl += e * e
			sums[l*d+j] += v
		}
		counts[l]++
		inertia += dl
		if dl > bd*(1+tol)+tol {
			t.Fatalf("point %d: label %d at distance %g, but center %d is at %g", i, l, dl, best, bd)
		}
	}
	for c := range k {
		if counts[c] == 0 {
			t.Fatalf("cluster %d is empty", c)
		}
		for j := range d {
			if m := sums[c*d+j] / float64(counts[c]); math.Abs(m-res.Centers[c*d+j]) > tol*(1+math.Abs(m)) {
				t.Fatalf("center %d feature %d = %g, mean of its points %g", c, j, res.Centers[c*d+j], m)
			}
		}
	}
	if math.Abs(inertia-res.Inertia) > 1e-9*(1+inertia) {
		t.Fatalf("Inertia %g, direct sum %g", res.Inertia, inertia)
	}
}

// TestInertiaNonIncreasing: on unstructured data, the inertia after each assignment step never
// increases (up to rounding), and the run ends at a fixed point.
func TestInertiaNonIncreasing(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for trial := range 5 {
		n, d, k := 2000, 5, 12
		x := make([]float64, n*d)
		for i := range x {
			x[i] = r.Float64()
		}
		res, err := Fit(x, n, d, k, Options{NInit: 1, Tol: -1, Seed: uint64(trial), MaxIter: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.History) < 5 {
			t.Errorf("trial %d: only %d iterations; the test needs a longer descent", trial, len(res.History))
		}
		for i := 1; i < len(res.History); i++ {
			if res.History[i] > res.History[i-1]*(1+1e-12) {
				t.Fatalf("trial %d: inertia rose at iteration %d: %v", trial, i, res.History)
			}
		}
		if !res.Converged {
			t.Errorf("trial %d: not converged", trial)
		}
		checkFixedPoint(t, x, d, res, 1e-12)
		if last := res.History[len(res.History)-1]; math.Abs(last-res.Inertia) > 1e-9*res.Inertia {
			t.Errorf("trial %d: last history %g, inertia %g", trial, last, res.Inertia)
		}
	}
}

// bruteInertia returns the minimum inertia over every labelling of the points into at most k
// non-empty clusters with centers at the cluster means (the global k-means optimum).
func bruteInertia(x []float64, n, d, k int) float64 {
	labels := make([]int, n)
	best := math.Inf(1)
	var rec func(i, used int)
	rec = func(i, used int) {
		if i == n {
			if used != k {
				return
			}
			centers := make([]float64, k*d)
			counts := make([]float64, k)
			for p, l := range labels {
				counts[l]++
				for j := range d {
					centers[l*d+j] += x[p*d+j]
				}
			}
			for c := range k {
				for j := range d {
					centers[c*d+j] /= counts[c]
				}
			}
			best = min(best, Inertia(x, d, centers, labels))
			return
		}
		// Canonical labellings only: point i joins a used cluster or opens the next one.
		for l := 0; l <= used && l < k; l++ {
			labels[i] = l
			rec(i+1, max(used, l+1))
		}
	}
	rec(0, 0)
	return best
}

func TestBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for trial := range 30 {
		n, d, k := 6+r.IntN(5), 1+r.IntN(3), 2+r.IntN(2)
		x := make([]float64, n*d)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		res, err := Fit(x, n, d, k, Options{NInit: 20, Seed: uint64(trial), Tol: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteInertia(x, n, d, k)
		if math.Abs(res.Inertia-want) > 1e-9*(1+want) {
			t.Errorf("trial %d (n=%d d=%d k=%d): inertia %.12g, global optimum %.12g", trial, n, d, k, res.Inertia, want)
		}
		checkFixedPoint(t, x, d, res, 1e-12)
	}
}

// TestDeterminism: the same seed gives the same clustering with any number of workers.
func TestDeterminism(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	x, _ := blobs(r, 3000, 16, 6, 1, 1) // overlapping blobs: many iterations
	x32 := toFloat32(x)
	a, _ := Fit(x32, 3000, 16, 6, Options{Seed: 9, NInit: 3, Workers: 1})
	b, _ := Fit(x32, 3000, 16, 6, Options{Seed: 9, NInit: 3, Workers: 5})
	if !slices.Equal(a.Labels, b.Labels) || a.Inertia != b.Inertia || !slices.Equal(a.History, b.History) {
		t.Errorf("workers 1 vs 5 differ: inertia %g vs %g", a.Inertia, b.Inertia)
	}
	c, _ := Fit(x32, 3000, 16, 6, Options{Seed: 10, NInit: 3})
	if slices.Equal(a.History, c.History) {
		t.Error("different seeds gave identical runs")
	}
}

// TestDegenerate: duplicated points and k = n give zero inertia and non-empty clusters.
func TestDegenerate(t *testing.T) {
	same := []float64{1, 2, 1, 2, 1, 2, 1, 2}
	res, err := Fit(same, 4, 2, 3, Options{Seed: 1})
	if err != nil || res.Inertia != 0 {
		t.Fatalf("identical points: %v %+v", err, res)
	}
	x := []float64{0, 0, 1, 0, 0, 1, 5, 5, 5, 5}
	res, err = Fit(x, 5, 2, 5, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Two coincident points, five clusters: one cluster must stay empty-free by relocation,
	// and the optimum is 0 (the duplicate pair shares a cluster, the fifth center anywhere).
	if res.Inertia != 0 {
		t.Errorf("k = n with a duplicate: inertia %g, want 0", res.Inertia)
	}
	distinct := []float64{0, 3, 7, 12}
	res, err = Fit(distinct, 4, 1, 4, Options{Seed: 2})
	if err != nil || res.Inertia != 0 {
		t.Fatalf("k = n distinct: %v %+v", err, res)
	}
	checkFixedPoint(t, distinct, 1, res, 0)
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name    string
		x       []float64
		n, d, k int
		want    string
	}{
		{"k > n", []float64{1, 2}, 2, 1, 3, "1 ≤ k ≤ n"},
		{"k = 0", []float64{1, 2}, 2, 1, 0, "1 ≤ k ≤ n"},
		{"size", []float64{1, 2, 3}, 2, 2, 1, "len(x)"},
		{"empty", nil, 0, 2, 1, "n > 0"},
		{"NaN", []float64{1, math.NaN()}, 2, 1, 1, "point 1"},
		{"Inf", []float64{math.Inf(1), 0}, 1, 2, 1, "point 0"},
	}
	for _, c := range cases {
		_, err := Fit(c.x, c.n, c.d, c.k, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

// BenchmarkFit10000x2048 is the size of the k-means baseline on 2048-d ResNet-50 features
// (N = 10,000 points, K = 10, float32, 10 restarts).
func BenchmarkFit10000x2048(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	const n, d, k = 10000, 2048, 10
	x64, _ := blobs(r, n, d, k, 0.05, 1)
	x := toFloat32(x64)
	b.ResetTimer()
	for b.Loop() {
		res, err := Fit(x, n, d, k, Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Iters), "iters")
	}
}

// TestStopping: a huge tolerance stops after the first update, MaxIter caps the iterations, and
// the strict rule (Tol < 0) runs until no label changes.
func TestStopping(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	x, _ := blobs(r, 2000, 4, 8, 1, 1)
	cases := []struct {
		name      string
		opt       Options
		iters     func(int) bool
		converged bool
	}{
		{"huge tol", Options{NInit: 1, Tol: 1e6}, func(i int) bool { return i == 1 }, true},
		{"max iter 2", Options{NInit: 1, Tol: -1, MaxIter: 2}, func(i int) bool { return i == 2 }, false},
		{"strict", Options{NInit: 1, Tol: -1}, func(i int) bool { return i > 2 }, true},
	}
	for _, c := range cases {
		res, err := Fit(x, 2000, 4, 8, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if !c.iters(res.Iters) || res.Converged != c.converged {
			t.Errorf("%s: %d iterations, converged %v", c.name, res.Iters, res.Converged)
		}
		if c.name == "strict" {
			checkFixedPoint(t, x, 4, res, 1e-12)
		}
	}
}
