package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval/kmeans"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestInitHeadFromKMeans checks the k-means start of the linear head against the k-means result
// computed separately with the same options: every logit difference z_k − z_j equals
// −β(‖x − c_k‖² − ‖x − c_j‖²)/2 from the centres, so the head's argmax is the nearest centre.
func TestInitHeadFromKMeans(t *testing.T) {
	const n, d, k = 300, 5, 3
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*d)
	for i := range n {
		for j := range d {
			x[i*d+j] = float32(3*float64((i%k)*(j%2)) + r.NormFloat64())
		}
	}
	cfg := Default()
	cfg.Model = ModelConfig{Name: "linear", Init: "kmeans", InitScale: 0.7}
	in := &inputs{ds: &data.Dataset{N: n, D: d, Features: x}, dims: []int{d}, size: d, feats: x}
	ctx := context.New()
	if _, err := initHeadFromKMeans(ctx, &cfg, in, k, 5); err != nil {
		t.Fatal(err)
	}
	km, err := kmeans.Fit(x, n, d, k, kmeans.Options{NInit: cfg.KMeans.NInit, MaxIter: cfg.KMeans.MaxIters, Tol: cfg.KMeans.Tol, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	w, err := tensors.CopyFlatData[float32](ctx.In("head").GetVariable("weights").MustValue())
	if err != nil {
		t.Fatal(err)
	}
	b, err := tensors.CopyFlatData[float32](ctx.In("head").GetVariable("biases").MustValue())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		z := make([]float64, k)
		dist := make([]float64, k)
		for c := range k {
			z[c] = float64(b[c])
			for j := range d {
				z[c] += float64(x[i*d+j]) * float64(w[j*k+c])
				t := float64(x[i*d+j]) - km.Centers[c*d+j]
				dist[c] += t * t
			}
		}
		for c := 1; c < k; c++ {
			want := -0.7 * (dist[c] - dist[0]) / 2
			if got := z[c] - z[0]; math.Abs(got-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("row %d: z_%d − z_0 = %g, want %g", i, c, got, want)
			}
		}
	}
}
