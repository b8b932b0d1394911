package losses

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var testBackend backends.Backend

func backend(t testing.TB) backends.Backend {
	if testBackend == nil {
		b, err := simplego.New("ops_sequential")
		if err != nil {
			t.Fatal(err)
		}
		testBackend = b
	}
	return testBackend
}

// mat is a dense row-major matrix used for inputs of the graphs under test.
type mat struct {
	rows, cols int
	data       []float64
}

func newMat(rows, cols int) mat { return mat{rows, cols, make([]float64, rows*cols)} }

func (m mat) at(i, j int) float64 { return m.data[i*m.cols+j] }
func (m mat) row(i int) []float64 { return m.data[i*m.cols : (i+1)*m.cols] }
func (m mat) clone() mat {
	return mat{m.rows, m.cols, append([]float64(nil), m.data...)}
}
func (m mat) tensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), m.data...), m.rows, m.cols)
}

// randn returns a matrix of N(0, scale²) entries.
func randn(r *rand.Rand, rows, cols int, scale float64) mat {
	m := newMat(rows, cols)
	for i := range m.data {
		m.data[i] = scale * r.NormFloat64()
	}
	return m
}

// randSimplex returns rows drawn uniformly from the simplex; with zeroFrac > 0 some entries are set
// to exactly 0 (at least one positive entry is kept per row).
func randSimplex(r *rand.Rand, rows, cols int, zeroFrac float64) mat {
	m := newMat(rows, cols)
	for i := 0; i < rows; i++ {
		row := m.row(i)
		keep := r.IntN(cols)
		s := 0.0
		for j := range row {
			if j != keep && r.Float64() < zeroFrac {
				continue
			}
			row[j] = -math.Log(1 - r.Float64())
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
	}
	return m
}

// lossFn is a loss over two [B, K] inputs.
type lossFn func(a, b *Node) *Node

// evalWithGrads evaluates fn(a, b) on float64 inputs and returns the value and its gradients in a
// and b.
func evalWithGrads(t testing.TB, fn lossFn, a, b mat) (float64, mat, mat) {
	t.Helper()
	e, err := graph.NewExec(backend(t), func(na, nb *Node) []*Node {
		l := fn(na, nb)
		grads := graph.Gradient(l, na, nb)
		return []*Node{l, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	out, err := e.Exec(a.tensor(), b.tensor())
	if err != nil {
		t.Fatal(err)
	}
	ga := mat{a.rows, a.cols, tensors.MustCopyFlatData[float64](out[1])}
	gb := mat{b.rows, b.cols, tensors.MustCopyFlatData[float64](out[2])}
	return tensors.MustCopyFlatData[float64](out[0])[0], ga, gb
}

// evaluator compiles fn once and evaluates its value for many inputs.
type evaluator struct {
	t testing.TB
	e *graph.Exec
}

func newEvaluator(t testing.TB, fn lossFn) *evaluator {
	e, err := graph.NewExec(backend(t), func(na, nb *Node) *Node { return fn(na, nb) })
	if err != nil {
		t.Fatal(err)
	}
	return &evaluator{t, e}
}

func (ev *evaluator) value(a, b mat) float64 {
	out, err := ev.e.Exec(a.tensor(), b.tensor())
	if err != nil {
		ev.t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float64](out[0])[0]
}

// finiteDiff returns the central finite-difference gradient of fn with respect to input which (0: a,
// 1: b), step h.
func finiteDiff(t testing.TB, fn lossFn, a, b mat, which int, h float64) mat {
	ev := newEvaluator(t, fn)
	defer ev.e.Finalize()
	target := a
	if which == 1 {
		target = b
	}
	g := newMat(target.rows, target.cols)
	for i := range target.data {
		ap, bp, am, bm := a.clone(), b.clone(), a.clone(), b.clone()
		if which == 0 {
			ap.data[i] += h
			am.data[i] -= h
		} else {
			bp.data[i] += h
			bm.data[i] -= h
		}
		g.data[i] = (ev.value(ap, bp) - ev.value(am, bm)) / (2 * h)
	}
	return g
}

func assertClose(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.IsInf(got, 0) || math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g (tol %g)", what, got, want, tol)
	}
}

func assertMatClose(t testing.TB, what string, got, want mat, tol float64) {
	t.Helper()
	for i := range want.data {
		g, w := got.data[i], want.data[i]
		if math.IsNaN(g) || math.IsInf(g, 0) || math.Abs(g-w) > tol*math.Max(1, math.Abs(w)) {
			t.Errorf("%s[%d,%d] = %.15g, want %.15g (tol %g)", what, i/want.cols, i%want.cols, g, w, tol)
			return
		}
	}
}

// Independent float64 reference implementations.

func refSoftmax(z []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	out := make([]float64, len(z))
	s := 0.0
	for k, v := range z {
		out[k] = math.Exp(v - m)
		s += out[k]
	}
	for k := range out {
		out[k] /= s
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

// refH2 is −log Σ_k y_k σ_k computed directly.
func refH2(y, sigma []float64) float64 { return -math.Log(dot(y, sigma)) }

// refCE is −Σ_k y_k log σ_k.
func refCE(y, sigma []float64) float64 {
	s := 0.0
	for k := range y {
		if y[k] > 0 {
			s -= y[k] * math.Log(sigma[k])
		}
	}
	return s
}

func refEntropy(p []float64, eps float64) float64 {
	s := 0.0
	for _, v := range p {
		if v > 0 || eps > 0 {
			s -= v * math.Log(v+eps)
		}
	}
	return s
}

func refMean(m mat) []float64 {
	out := make([]float64, m.cols)
	for i := 0; i < m.rows; i++ {
		for k, v := range m.row(i) {
			out[k] += v / float64(m.rows)
		}
	}
	return out
}

func refSoftmaxRows(z mat) mat {
	out := newMat(z.rows, z.cols)
	for i := 0; i < z.rows; i++ {
		copy(out.row(i), refSoftmax(z.row(i)))
	}
	return out
}
