package losses

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// TestValuesAgainstReference compares each loss with a direct float64 evaluation of its formula.
func TestValuesAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const B, K = 6, 5
	z := randn(r, B, K, 2)
	z2 := randn(r, B, K, 2)
	y := randSimplex(r, B, K, 0.3)
	sigma := refSoftmaxRows(z)
	sigma2 := refSoftmaxRows(z2)
	logK := math.Log(K)

	meanOver := func(f func(i int) float64) float64 {
		s := 0.0
		for i := 0; i < B; i++ {
			s += f(i)
		}
		return s / B
	}
	refIIC := func(lambda float64) float64 {
		p := make([]float64, K*K)
		for i := 0; i < B; i++ {
			for a := 0; a < K; a++ {
				for b := 0; b < K; b++ {
					p[a*K+b] += sigma.at(i, a) * sigma2.at(i, b)
				}
			}
		}
		sym := make([]float64, K*K)
		total := 0.0
		for a := 0; a < K; a++ {
			for b := 0; b < K; b++ {
				sym[a*K+b] = (p[a*K+b] + p[b*K+a]) / 2
				total += sym[a*K+b]
			}
		}
		pr, pc := make([]float64, K), make([]float64, K)
		for a := 0; a < K; a++ {
			for b := 0; b < K; b++ {
				sym[a*K+b] /= total
				pr[a] += sym[a*K+b]
				pc[b] += sym[a*K+b]
			}
		}
		l := 0.0
		for a := 0; a < K; a++ {
			for b := 0; b < K; b++ {
				v := math.Max(sym[a*K+b], IICEpsilon)
				l -= v * (math.Log(v) - lambda*math.Log(math.Max(pr[a], IICEpsilon)) - lambda*math.Log(math.Max(pc[b], IICEpsilon)))
			}
		}
		return l
	}

	cases := []struct {
		name string
		fn   lossFn
		a, b mat
		want float64
	}{
		{"CollisionCE", CollisionCE, z, y, meanOver(func(i int) float64 { return refH2(y.row(i), sigma.row(i)) })},
		{"SoftCrossEntropy", SoftCrossEntropy, z, y, meanOver(func(i int) float64 { return refCE(y.row(i), sigma.row(i)) })},
		{"MIADM", MIADM, z, y, meanOver(func(i int) float64 { return refCE(y.row(i), sigma.row(i)) })},
		{"FairnessKLMeanUniform", func(_, y *Node) *Node { return FairnessKLMeanUniform(y) }, z, y,
			func() float64 {
				s := 0.0
				for _, v := range refMean(y) {
					if v > 0 {
						s += v * math.Log(v*K)
					}
				}
				return s
			}()},
		{"FairnessKLUniformMean", func(_, y *Node) *Node { return FairnessKLUniformMean(y) }, z, y,
			func() float64 {
				s := 0.0
				for _, v := range refMean(y) {
					s += (1.0 / K) * math.Log((1.0/K)/v)
				}
				return s
			}()},
		{"MIGD", func(z, _ *Node) *Node { return MIGD(z, 1.3) }, z, y,
			meanOver(func(i int) float64 { return refEntropy(sigma.row(i), 0) }) - 1.3*refEntropy(refMean(sigma), 0)},
		{"IMSAT", func(z, z2 *Node) *Node { return IMSAT(z, z2, 0.1, 4) }, z, z2,
			meanOver(func(i int) float64 {
				p, q := sigma.row(i), sigma2.row(i)
				kl := 0.0
				for k := range p {
					kl += p[k] * (math.Log(p[k]+1e-8) - math.Log(q[k]+1e-8))
				}
				return kl
			}) + 0.1*(meanOver(func(i int) float64 { return refEntropy(sigma.row(i), 1e-8) })-4*refEntropy(refMean(sigma), 1e-8))},
		{"IIC", func(z, z2 *Node) *Node { return IIC(z, z2, 1) }, z, z2, refIIC(1)},
		{"IIC-lambda1.5", func(z, z2 *Node) *Node { return IIC(z, z2, 1.5) }, z, z2, refIIC(1.5)},
		{"EntropyMean", func(z, _ *Node) *Node { return graph.ReduceAllMean(EntropyPerExample(z)) }, z, y,
			meanOver(func(i int) float64 { return refEntropy(sigma.row(i), 0) })},
		{"CollisionEntropy", func(_, y *Node) *Node { return CollisionEntropy(MeanDistribution(y)) }, z, y,
			-math.Log(dot(refMean(y), refMean(y)))},
	}
	_ = logK
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := newEvaluator(t, c.fn)
			defer ev.e.Finalize()
			assertClose(t, c.name, ev.value(c.a, c.b), c.want, 1e-12)
		})
	}
}

// TestSeLa checks the hard-label cross-entropy against −log σ_{i,l_i}.
func TestSeLa(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const B, K = 7, 4
	z := randn(r, B, K, 1.5)
	labels := make([]int32, B)
	want := 0.0
	for i := range labels {
		labels[i] = int32(r.IntN(K))
		want -= math.Log(refSoftmax(z.row(i))[labels[i]]) / B
	}
	out, err := graph.ExecOnce(backend(t), func(z, l *Node) *Node { return SeLa(z, l) }, z.tensor(), labels)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "SeLa", out.Value().(float64), want, 1e-12)
}

// TestGradientsFiniteDifferences checks every loss's gradient against central differences.
func TestGradientsFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const B, K = 4, 5
	z := randn(r, B, K, 1.5)
	z2 := randn(r, B, K, 1.5)
	y := randSimplex(r, B, K, 0)
	yZeros := randSimplex(r, B, K, 0.4)
	cases := []struct {
		name  string
		fn    lossFn
		a, b  mat
		wrtB  bool // also check the gradient with respect to the second input
		skipA bool
	}{
		{"CollisionCE", CollisionCE, z, y, true, false},
		{"CollisionCE-zeros-in-y", CollisionCE, z, yZeros, false, false},
		{"SoftCrossEntropy", SoftCrossEntropy, z, yZeros, true, false},
		{"FairnessKLMeanUniform", func(_, y *Node) *Node { return FairnessKLMeanUniform(y) }, z, y, true, true},
		{"FairnessKLUniformMean", func(_, y *Node) *Node { return FairnessKLUniformMean(y) }, z, y, true, true},
		{"MIGD", func(z, _ *Node) *Node { return MIGD(z, 1.3) }, z, y, false, false},
		{"IMSATInfo", func(z, _ *Node) *Node { return IMSATInfo(z, 4) }, z, y, false, false},
		{"IMSATKL-wrt-augmented", IMSATKL, z, z2, true, true},
		{"IIC", func(z, z2 *Node) *Node { return IIC(z, z2, 1) }, z, z2, true, false},
		{"IIC-lambda1.5", func(z, z2 *Node) *Node { return IIC(z, z2, 1.5) }, z, z2, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ga, gb := evalWithGrads(t, c.fn, c.a, c.b)
			if !c.skipA {
				assertMatClose(t, "d/da", ga, finiteDiff(t, c.fn, c.a, c.b, 0, 1e-6), 1e-7)
			}
			if c.wrtB {
				assertMatClose(t, "d/db", gb, finiteDiff(t, c.fn, c.a, c.b, 1, 1e-6), 1e-7)
			}
		})
	}
}

// TestIMSATGradientSplit checks that the clean prediction is a fixed target in IMSAT: the gradient
// in z comes from the information term only.
func TestIMSATGradientSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	z, z2 := randn(r, 5, 4, 1), randn(r, 5, 4, 1)
	_, gz, _ := evalWithGrads(t, func(a, b *Node) *Node { return IMSAT(a, b, 0.1, 4) }, z, z2)
	want := finiteDiff(t, func(a, _ *Node) *Node { return graph.MulScalar(IMSATInfo(a, 4), 0.1) }, z, z2, 0, 1e-6)
	assertMatClose(t, "dIMSAT/dz", gz, want, 1e-7)
}

// TestCollisionCEProperties checks the properties of eq. (9) stated in the paper: one-hot y gives the Shannon CE, uniform y gives log K and
// a zero gradient, H2 is symmetric in (y, σ), the decomposition identity, and the gradient formula
// σ − q with zero entries in y.
func TestCollisionCEProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const B, K = 5, 6
	z := randn(r, B, K, 3)
	sigma := refSoftmaxRows(z)

	t.Run("one-hot equals CE", func(t *testing.T) {
		y := newMat(B, K)
		for i := 0; i < B; i++ {
			y.data[i*K+r.IntN(K)] = 1
		}
		h2, g2, _ := evalWithGrads(t, CollisionCE, z, y)
		ce, gce, _ := evalWithGrads(t, SoftCrossEntropy, z, y)
		assertClose(t, "H2(one-hot)", h2, ce, 1e-13)
		assertMatClose(t, "grad H2(one-hot)", g2, gce, 1e-13)
	})
	t.Run("uniform gives log K and zero gradient", func(t *testing.T) {
		y := newMat(B, K)
		for i := range y.data {
			y.data[i] = 1.0 / K
		}
		v, g, _ := evalWithGrads(t, CollisionCE, z, y)
		assertClose(t, "H2(uniform)", v, math.Log(K), 1e-13)
		assertMatClose(t, "grad H2(uniform)", g, newMat(B, K), 1e-13)
	})
	t.Run("symmetric in y and sigma", func(t *testing.T) {
		w := randn(r, B, K, 2)
		ev := newEvaluator(t, CollisionCE)
		defer ev.e.Finalize()
		assertClose(t, "H2(softmax(w), softmax(z)) vs H2(softmax(z), softmax(w))",
			ev.value(z, refSoftmaxRows(w)), ev.value(w, sigma), 1e-12)
	})
	t.Run("decomposition", func(t *testing.T) {
		y := randSimplex(r, B, K, 0.3)
		per := func(a, b *Node) *Node { return CollisionCEPerExample(a, b) }
		out, err := graph.ExecOnce(backend(t), per, z.tensor(), y.tensor())
		if err != nil {
			t.Fatal(err)
		}
		got := out.Value().([]float64)
		for i := 0; i < B; i++ {
			yi, si := y.row(i), sigma.row(i)
			cos := dot(yi, si) / math.Sqrt(dot(yi, yi)*dot(si, si))
			want := -math.Log(cos) - 0.5*math.Log(dot(yi, yi)) - 0.5*math.Log(dot(si, si))
			assertClose(t, fmt.Sprintf("row %d", i), got[i], want, 1e-12)
		}
	})
	t.Run("gradient is sigma minus q, zeros in y", func(t *testing.T) {
		y := randSimplex(r, B, K, 0.5)
		_, g, _ := evalWithGrads(t, CollisionCE, z, y)
		want := newMat(B, K)
		for i := 0; i < B; i++ {
			si, yi := sigma.row(i), y.row(i)
			d := dot(si, yi)
			for k := range si {
				want.data[i*K+k] = (si[k] - yi[k]*si[k]/d) / B
			}
		}
		assertMatClose(t, "grad", g, want, 1e-12)
	})
	t.Run("extreme logits stay finite", func(t *testing.T) {
		big := z.clone()
		for i := range big.data {
			big.data[i] *= 300
		}
		y := randSimplex(r, B, K, 0.5)
		v, g, gy := evalWithGrads(t, CollisionCE, big, y)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("H2 = %v", v)
		}
		for _, m := range []mat{g, gy} {
			for _, x := range m.data {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("non-finite gradient entry %v", x)
				}
			}
		}
	})
}

// TestCollisionCEFloat32 checks that the float32 graph agrees with float64 and has no NaN with zeros.
func TestCollisionCEFloat32(t *testing.T) {
	z := [][]float32{{1, 2, -3, 40}, {0, 0, 0, 0}, {-50, 50, 0, 1}}
	y := [][]float32{{0, 0.5, 0.5, 0}, {1, 0, 0, 0}, {0.25, 0, 0, 0.75}}
	e, err := graph.NewExec(backend(t), func(z, y *Node) []*Node {
		l := CollisionCEPerExample(z, y)
		return []*Node{l, graph.Gradient(graph.ReduceAllSum(l), z)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec(z, y)
	if err != nil {
		t.Fatal(err)
	}
	got := out[0].Value().([]float32)
	for i := range z {
		zi := []float64{float64(z[i][0]), float64(z[i][1]), float64(z[i][2]), float64(z[i][3])}
		yi := []float64{float64(y[i][0]), float64(y[i][1]), float64(y[i][2]), float64(y[i][3])}
		// −log Σ y σ = LSE(z) − log Σ y e^z, computed by shifting with the max of z.
		m := math.Inf(-1)
		for _, v := range zi {
			m = math.Max(m, v)
		}
		se, sy := 0.0, 0.0
		for k, v := range zi {
			se += math.Exp(v - m)
			sy += yi[k] * math.Exp(v-m)
		}
		want := math.Log(se) - math.Log(sy)
		if d := math.Abs(float64(got[i]) - want); d > 1e-4*math.Max(1, want) {
			t.Errorf("row %d: float32 H2 = %v, want %v", i, got[i], want)
		}
	}
	for _, row := range out[1].Value().([][]float32) {
		for _, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite gradient %v", v)
			}
		}
	}
}

func BenchmarkCollisionCE(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	z := randn(r, 250, 10, 2)
	y := randSimplex(r, 250, 10, 0.2)
	e, err := graph.NewExec(backend(b), func(z, y *Node) []*Node {
		l := CollisionCE(z, y)
		return []*Node{l, graph.Gradient(l, z)[0]}
	})
	if err != nil {
		b.Fatal(err)
	}
	zt, yt := z.tensor(), y.tensor()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Exec(zt, yt); err != nil {
			b.Fatal(err)
		}
	}
}
