package train

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// TestWhiteningAgainstEigen compares the whitened rows with a direct computation from the
// eigenvectors e_j and eigenvalues λ_j of the sample covariance (gonum's EigenSym):
// u_j = (x − μ)·e_j/√λ_j, then u/‖u‖. Axes are defined up to sign, so the rows' inner products
// are compared; a store/load round trip through a context gives the same rows.
func TestWhiteningAgainstEigen(t *testing.T) {
	const n, d, r = 300, 12, 4
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*d)
	for i := range n {
		for j := range d {
			x[i*d+j] = float32(1 + rng.NormFloat64()*math.Pow(0.6, float64(j)) + 0.3*rng.NormFloat64()*float64(j%3))
		}
	}
	w, err := fitWhitening(x, n, d, r, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := w.apply(x, n)
	mean := make([]float64, d)
	for i := range n {
		for j := range d {
			mean[j] += float64(x[i*d+j]) / n
		}
	}
	cov := mat.NewSymDense(d, nil)
	for a := range d {
		for b := a; b < d; b++ {
			s := 0.0
			for i := range n {
				s += (float64(x[i*d+a]) - mean[a]) * (float64(x[i*d+b]) - mean[b])
			}
			cov.SetSym(a, b, s/n)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		t.Fatal("eigen")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	want := make([]float64, n*r)
	for i := range n {
		ss := 0.0
		for j := range r {
			col := d - 1 - j
			u := 0.0
			for a := range d {
				u += (float64(x[i*d+a]) - mean[a]) * vecs.At(a, col)
			}
			u /= math.Sqrt(vals[col])
			want[i*r+j] = u
			ss += u * u
		}
		for j := range r {
			want[i*r+j] /= math.Sqrt(ss)
		}
	}
	dot := func(v []float32, a, b int) (s float64) {
		for j := range r {
			s += float64(v[a*r+j]) * float64(v[b*r+j])
		}
		return
	}
	dot64 := func(a, b int) (s float64) {
		for j := range r {
			s += want[a*r+j] * want[b*r+j]
		}
		return
	}
	for a := 0; a < n; a += 7 {
		for b := a; b < n; b += 11 {
			if g, e := dot(got, a, b), dot64(a, b); math.Abs(g-e) > 1e-4 {
				t.Fatalf("rows %d, %d: inner product %v, want %v", a, b, g, e)
			}
		}
	}
	ctx := context.New()
	w.store(ctx)
	back, err := loadWhitening(ctx, d, r)
	if err != nil {
		t.Fatal(err)
	}
	again := back.apply(x, n)
	for i := range got {
		if again[i] != got[i] {
			t.Fatalf("value %d after the round trip: %v, want %v", i, again[i], got[i])
		}
	}
	if _, err := loadWhitening(ctx, d, r+1); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("load with another R: %v", err)
	}
	if _, err := fitWhitening(x, n, d, d, 1); err == nil || !strings.Contains(err.Error(), "augment.whiten") {
		t.Errorf("R = D: %v", err)
	}
}

// TestWhitenTrainPredict trains the linear head on whitened features (with the k-means start)
// and predicts with the run's checkpoint: predict applies the stored whitening, so its clusters
// are the run's own final assignments; the k-means method clusters the same whitened rows.
func TestWhitenTrainPredict(t *testing.T) {
	const n, d, k = 400, 16, 4
	feat := writeBlobs(t, rand.New(rand.NewPCG(7, 8)), n, d, k, 3, 5)
	cfg := headConfig("white", DataConfig{Name: "features:" + feat, Split: "all"}, 1, 0.9)
	cfg.Model.Init, cfg.Model.InitScale = "kmeans", 10
	cfg.Augment.Normalize, cfg.Augment.Whiten = "l2", 6
	cfg.Epochs, cfg.Batch = 3, 50
	runs := t.TempDir()
	rep, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if acc := rep.Summary.ACC.Mean; acc < 0.95 {
		t.Errorf("ACC %.3f, want ≥ 0.95", acc)
	}
	out := filepath.Join(t.TempDir(), "pred.csv")
	if _, err := Predict(filepath.Join(runs, "white"), PredictOptions{Data: "features:" + feat, Out: out, Backend: testBackend}); err != nil {
		t.Fatal(err)
	}
	clusters := func(path string) []string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var c []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
			c = append(c, strings.Split(line, ",")[1])
		}
		return c
	}
	a, p := clusters(filepath.Join(runs, "white", "assignments.csv")), clusters(out)
	if len(a) != n || len(p) != n {
		t.Fatalf("%d and %d assignments, want %d", len(a), len(p), n)
	}
	for i := range a {
		if a[i] != p[i] {
			t.Fatalf("example %d: predict gives cluster %s, the run %s", i, p[i], a[i])
		}
	}
	cfg.Name, cfg.Loss, cfg.Model.Init = "white-kmeans", "kmeans", ""
	if rep, err := Train(cfg, Options{RunsDir: runs, Backend: testBackend, Quiet: true}); err != nil || rep.Summary.ACC.Mean < 0.95 {
		t.Errorf("k-means on whitened rows: %v", err)
	}
}
