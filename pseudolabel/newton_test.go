package pseudolabel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sigmaWithZeros returns σ = softmax(scale·Gaussian) with a fraction of entries set to 0 (rows
// renormalised, each keeping a positive entry) and, if zeroCol ≥ 0, that column all zero.
func sigmaWithZeros(n, k int, seed uint64, scale, frac float64, zeroCol int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	z := make([]float64, n*k)
	for i := range z {
		z[i] = scale * rng.NormFloat64()
	}
	s, err := Softmax(z, n, k)
	if err != nil {
		panic(err)
	}
	for i := 0; i < n; i++ {
		row := s[i*k : (i+1)*k]
		keep := rng.IntN(k)
		if keep == zeroCol {
			keep = (keep + 1) % k
		}
		var sum float64
		for j := range row {
			if j != keep && (j == zeroCol || rng.Float64() < frac) {
				row[j] = 0
			}
			sum += row[j]
		}
		for j := range row {
			row[j] /= sum
		}
	}
	return s
}

// TestPointDualBruteForce: pointDual's maximiser of log(σ·y) + c·y over the simplex against the
// best of every vertex and every edge (maximised on the edge in closed form).
func TestPointDualBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 3000; trial++ {
		k := 2 + rng.IntN(12)
		sigma := make([]float64, k)
		c := make([]float64, k)
		for j := range sigma {
			if rng.Float64() < 0.2 {
				sigma[j] = 0
			} else {
				sigma[j] = rng.Float64()
			}
			c[j] = rng.Float64() * []float64{0.1, 1, 100}[trial%3]
		}
		sigma[rng.IntN(k)] = 0.5 + rng.Float64()
		y := make([]float64, k)
		x, _, _, _ := pointDual(y, sigma, c)
		var dot, cy, sum float64
		for j, v := range y {
			if v < 0 {
				t.Fatalf("trial %d: negative y %v", trial, y)
			}
			dot += sigma[j] * v
			cy += c[j] * v
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 || math.Abs(dot-x) > 1e-12*dot {
			t.Fatalf("trial %d: Σy = %v, σ·y = %v, reported x = %v", trial, sum, dot, x)
		}
		got := math.Log(dot) + cy
		best := math.Inf(-1)
		f := func(s, cc float64) float64 { return math.Log(s) + cc }
		for a := 0; a < k; a++ {
			best = math.Max(best, f(sigma[a], c[a]))
			for b := a + 1; b < k; b++ {
				// y = (1−t)e_a + t e_b: d/dt = (σ_b−σ_a)/s + c_b − c_a = 0.
				if sigma[a] == sigma[b] || c[a] == c[b] {
					continue
				}
				s := (sigma[b] - sigma[a]) / (c[a] - c[b])
				tt := (s - sigma[a]) / (sigma[b] - sigma[a])
				if tt > 0 && tt < 1 {
					best = math.Max(best, f(s, (1-tt)*c[a]+tt*c[b]))
				}
			}
		}
		if math.Abs(got-best) > 1e-12*(1+math.Abs(best)) {
			t.Fatalf("trial %d: pointDual value %.17g, brute force %.17g (σ=%v c=%v y=%v)", trial, got, best, sigma, c, y)
		}
	}
}

// TestKKT11: the residual against the gradient of LossGradient, and L(y) − L* ≤ (1+λ)KKT11(y).
func TestKKT11(t *testing.T) {
	n, k, lambda := 40, 5, 3.0
	sigma := RandomSigma(n, k, 5)
	y := RandomSigma(n, k, 6)
	g := LossGradient(Objective11, sigma, y, n, k, lambda)
	var want float64
	for i := 0; i < n; i++ {
		gmin := math.Inf(1)
		for j := 0; j < k; j++ {
			gmin = math.Min(gmin, float64(n)*g[i*k+j])
		}
		var s float64
		for j := 0; j < k; j++ {
			s += y[i*k+j] * (float64(n)*g[i*k+j] - gmin)
		}
		want = math.Max(want, s/(1+lambda))
	}
	got := KKT11(sigma, y, n, k, lambda)
	if math.Abs(got-want) > 1e-12*want {
		t.Fatalf("KKT11 = %v, from LossGradient %v", got, want)
	}
	ref, err := Newton(sigma, n, k, NewtonOptions{Lambda: lambda})
	if err != nil {
		t.Fatal(err)
	}
	if gap := Loss11(sigma, y, n, k, lambda) - ref.FinalLoss(); gap > (1+lambda)*got || gap < 0 {
		t.Fatalf("loss gap %v, (1+λ)·KKT11 = %v", gap, (1+lambda)*got)
	}
}

// TestNewtonAgainstEM: Newton's minimum against EM run to convergence (loss within 1e-9
// relative), with KKT11 ≤ 1e-8, at K = 2..1000, λ = 1.3 and 100, σ with zeros (and, for some,
// an all-zero column).
func TestNewtonAgainstEM(t *testing.T) {
	for _, tc := range []struct {
		n, k    int
		lambda  float64
		scale   float64
		frac    float64
		zeroCol int
		emIters int
	}{
		{40, 2, 1.3, 1, 0, -1, 20000},
		{40, 2, 100, 0.05, 0, -1, 100000},
		{30, 3, 100, 1, 0.2, 1, 100000},
		{50, 5, 1.3, 1, 0.3, -1, 20000},
		{30, 10, 100, 0.05, 0.1, -1, 100000},
		{60, 10, 1.3, 1, 0.3, 4, 20000},
		{20, 100, 1.3, 1, 0.5, -1, 20000},
		{5, 30, 1.3, 1, 0.3, -1, 20000},   // N < K
		{8, 30, 100, 1, 0.3, 2, 100000},   // N < K, a zero column
		{10, 1000, 1.3, 2, 0.5, -1, 3000}, // N < K
	} {
		name := fmt.Sprintf("N=%d/K=%d/lambda=%g/zeros=%g/zerocol=%d", tc.n, tc.k, tc.lambda, tc.frac, tc.zeroCol)
		t.Run(name, func(t *testing.T) {
			if tc.k > 100 && testing.Short() {
				t.Skip("K = 1000 takes seconds")
			}
			sigma := sigmaWithZeros(tc.n, tc.k, uint64(tc.n+tc.k), tc.scale, tc.frac, tc.zeroCol)
			// Tol 1e-11 so that the loss is within 1e-9 relative of the minimum ((1+λ)·KKT11 bounds
			// the gap); the KKT level of the default stop rule is checked against 1e-8 below.
			nr, err := Newton(sigma, tc.n, tc.k, NewtonOptions{Lambda: tc.lambda, Tol: 1e-11})
			if err != nil {
				t.Fatal(err)
			}
			nd, err := Newton(sigma, tc.n, tc.k, NewtonOptions{Lambda: tc.lambda})
			if err != nil {
				t.Fatal(err)
			}
			if nd.KKT > 1e-8 || nd.Iters > 100 || nr.KKT > 1e-8 {
				t.Errorf("Newton: KKT11 = %.3g after %d iterations at the default tolerance (want ≤ 1e-8 within 100), %.3g at Tol 1e-11",
					nd.KKT, nd.Iters, nr.KKT)
			}
			if got := KKT11(sigma, nr.Y, tc.n, tc.k, tc.lambda); got != nr.KKT {
				t.Errorf("reported KKT %v, KKT11(Y) = %v", nr.KKT, got)
			}
			lN := Loss11(sigma, nr.Y, tc.n, tc.k, tc.lambda)
			if lN != nr.FinalLoss() {
				t.Errorf("reported final loss %v, Loss11(Y) = %v", nr.FinalLoss(), lN)
			}
			for i := 0; i < tc.n; i++ {
				var s float64
				for _, v := range nr.Y[i*tc.k : (i+1)*tc.k] {
					if !(v >= 0) {
						t.Fatalf("row %d has %v", i, v)
					}
					s += v
				}
				if math.Abs(s-1) > 1e-12 {
					t.Fatalf("row %d sums to %v", i, s)
				}
			}
			em, err := EM(sigma, tc.n, tc.k, EMOptions{Lambda: tc.lambda, Tol: 1e-16, MaxIters: tc.emIters})
			if err != nil {
				t.Fatal(err)
			}
			lE := em.FinalLoss()
			kktE := KKT11(sigma, em.Y, tc.n, tc.k, tc.lambda)
			// Both losses are within (1+λ)·KKT11 of the minimum; where EM converged (at λ = 1.3)
			// they must agree to that bound, and EM can never end lower than Newton's bound.
			rel := (lE - lN) / math.Abs(lN)
			bound := (1 + tc.lambda) * (nr.KKT + kktE) / math.Abs(lN)
			t.Logf("Newton %d iterations, KKT11 %.3g; EM %d iterations, KKT11 %.3g; relative loss gap %.3g", nr.Iters, nr.KKT, em.Iters, kktE, rel)
			if math.Abs(rel) > math.Max(bound, 1e-12) || (kktE <= 1e-8 && math.Abs(rel) > 1e-9) {
				t.Errorf("loss: Newton %.15g (KKT11 %.3g), EM %.15g (%d iterations, KKT11 %.3g), relative gap %.3g, bound %.3g",
					lN, nr.KKT, lE, em.Iters, kktE, rel, bound)
			}
		})
	}
}

// TestNewtonLambdaZero: with λ = 0 every row is the vertex of its largest σ.
func TestNewtonLambdaZero(t *testing.T) {
	n, k := 30, 4
	sigma := RandomSigma(n, k, 9)
	res, err := Newton(sigma, n, k, NewtonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		m := 0
		for j := 1; j < k; j++ {
			if sigma[i*k+j] > sigma[i*k+m] {
				m = j
			}
		}
		if res.Y[i*k+m] != 1 {
			t.Fatalf("row %d: y = %v, σ = %v", i, res.Y[i*k:(i+1)*k], sigma[i*k:(i+1)*k])
		}
	}
}

func TestNewtonRejectsBadInput(t *testing.T) {
	sigma := RandomSigma(3, 2, 1)
	for _, opt := range []NewtonOptions{{Lambda: -1}, {Lambda: 1, Tol: math.NaN()}, {Lambda: 1, C0: []float64{1}}, {Lambda: 1, C0: []float64{1, 0}}} {
		if _, err := Newton(sigma, 3, 2, opt); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}
