package losses

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestVAT checks the adversarial direction against a finite-difference gradient of the KL computed
// independently in Go, and the VAT value at x + ε·r_adv, for forward(x) = x·W.
func TestVAT(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const B, D, K = 3, 4, 5
	const xi = 10.0
	x := randn(r, B, D, 1)
	noise := randn(r, B, D, 1)
	w := randn(r, D, K, 0.5)
	eps := []float64{0.3, 0.7, 1.1}

	logits := func(xv []float64) []float64 { // one example: xv·W
		z := make([]float64, K)
		for k := 0; k < K; k++ {
			for j := 0; j < D; j++ {
				z[k] += xv[j] * w.at(j, k)
			}
		}
		return z
	}
	kl := func(p, q []float64) float64 {
		s := 0.0
		for k := range p {
			s += p[k] * (math.Log(p[k]+1e-8) - math.Log(q[k]+1e-8))
		}
		return s
	}
	wantDir := newMat(B, D)
	wantVAT := 0.0
	for i := 0; i < B; i++ {
		p := refSoftmax(logits(x.row(i)))
		nrm := math.Sqrt(dot(noise.row(i), noise.row(i)))
		d := make([]float64, D)
		for j := range d {
			d[j] = noise.at(i, j) / nrm
		}
		f := func(d []float64) float64 {
			xv := make([]float64, D)
			for j := range xv {
				xv[j] = x.at(i, j) + xi*d[j]
			}
			return kl(p, refSoftmax(logits(xv)))
		}
		g := make([]float64, D)
		const h = 1e-6
		for j := range d {
			dp, dm := append([]float64(nil), d...), append([]float64(nil), d...)
			dp[j] += h
			dm[j] -= h
			g[j] = (f(dp) - f(dm)) / (2 * h)
		}
		gn := math.Sqrt(dot(g, g))
		xv := make([]float64, D)
		for j := range g {
			wantDir.data[i*D+j] = g[j] / gn
			xv[j] = x.at(i, j) + eps[i]*g[j]/gn
		}
		wantVAT += kl(p, refSoftmax(logits(xv))) / B
	}

	wt := w.tensor()
	e, err := graph.NewExec(backend(t), func(x, noise, w, eps *Node) []*Node {
		fwd := func(v *Node) *Node { return graph.MatMul(v, w) }
		return []*Node{VATDirection(fwd, x, noise, xi), VAT(fwd, x, noise, xi, eps)}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(x.tensor(), noise.tensor(), wt, eps)
	if err != nil {
		t.Fatal(err)
	}
	gotDir := mat{B, D, tensors.MustCopyFlatData[float64](out[0])}
	assertMatClose(t, "r_adv", gotDir, wantDir, 1e-6)
	assertClose(t, "VAT", out[1].Value().(float64), wantVAT, 1e-9)
}
