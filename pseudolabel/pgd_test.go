package pseudolabel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteProjection enumerates supports S: the minimiser of ‖x − v‖² on the affine hull of the face
// e_S is x_S = v_S − (Σv_S − 1)/|S|, and the projection is the nearest of the feasible ones.
func bruteProjection(v []float64) []float64 {
	k := len(v)
	best, bestD := []float64(nil), math.Inf(1)
	for mask := 1; mask < 1<<k; mask++ {
		var sum float64
		cnt := 0
		for j := 0; j < k; j++ {
			if mask&(1<<j) != 0 {
				sum += v[j]
				cnt++
			}
		}
		tau := (sum - 1) / float64(cnt)
		x := make([]float64, k)
		ok := true
		for j := 0; j < k; j++ {
			if mask&(1<<j) != 0 {
				x[j] = v[j] - tau
				if x[j] < 0 {
					ok = false
				}
			}
		}
		if !ok {
			continue
		}
		var d float64
		for j := range x {
			d += (x[j] - v[j]) * (x[j] - v[j])
		}
		if d < bestD {
			best, bestD = x, d
		}
	}
	return best
}

func TestProjectSimplexBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 2000; trial++ {
		k := 1 + rng.IntN(8)
		v := make([]float64, k)
		scale := []float64{0.01, 1, 10}[trial%3]
		for j := range v {
			v[j] = scale * rng.NormFloat64()
		}
		if trial%7 == 0 && k > 1 {
			v[1] = v[0] // ties
		}
		got := make([]float64, k)
		ProjectSimplex(got, v, make([]uint64, k))
		want := bruteProjection(v)
		for j := range got {
			if math.Abs(got[j]-want[j]) > 1e-12*math.Max(1, scale) {
				t.Fatalf("v = %v: got %v, want %v", v, got, want)
			}
		}
	}
	// A point already on the simplex is its own projection; dst may alias v.
	v := []float64{0.2, 0.3, 0.5}
	ProjectSimplex(v, v, make([]uint64, 3))
	if math.Abs(v[0]-0.2) > 1e-15 || math.Abs(v[1]-0.3) > 1e-15 || math.Abs(v[2]-0.5) > 1e-15 {
		t.Fatalf("projection moved a simplex point to %v", v)
	}
}

// TestLossGradientFiniteDifferences checks G against central differences of Loss10 and Loss11.
func TestLossGradientFiniteDifferences(t *testing.T) {
	n, k := 7, 4
	sigma := RandomSigma(n, k, 21)
	rng := rand.New(rand.NewPCG(8, 9))
	y := make([]float64, n*k)
	for i := range y {
		y[i] = 0.1 + rng.Float64()
	}
	for _, obj := range []Objective{Objective10, Objective11} {
		for _, lambda := range []float64{0, 1.3, 100} {
			g := LossGradient(obj, sigma, y, n, k, lambda)
			for idx := range y {
				h := 1e-6
				yp := append([]float64(nil), y...)
				ym := append([]float64(nil), y...)
				yp[idx] += h
				ym[idx] -= h
				fd := (lossOf(obj, sigma, yp, n, k, lambda) - lossOf(obj, sigma, ym, n, k, lambda)) / (2 * h)
				if math.Abs(fd-g[idx]) > 1e-7*math.Max(1, math.Abs(fd)) {
					t.Fatalf("%v λ=%g entry %d: gradient %v, finite difference %v", obj, lambda, idx, g[idx], fd)
				}
			}
		}
	}
}

// TestPGDStepMatchesFormula checks one PGD iteration against Π_Δ(y − ηG) built from LossGradient.
func TestPGDStepMatchesFormula(t *testing.T) {
	n, k := 20, 5
	sigma := RandomSigma(n, k, 4)
	for _, obj := range []Objective{Objective10, Objective11} {
		y0 := initYForTest(sigma, n, k)
		eta := 3.0
		res, err := PGD(sigma, n, k, PGDOptions{Objective: obj, Lambda: 1.3, Step: eta, MaxIters: 1})
		if err != nil {
			t.Fatal(err)
		}
		g := LossGradient(obj, sigma, y0, n, k, 1.3)
		want := make([]float64, n*k)
		for i := 0; i < n; i++ {
			v := make([]float64, k)
			for j := range v {
				v[j] = y0[i*k+j] - eta*g[i*k+j]
			}
			copy(want[i*k:], bruteProjection(v))
		}
		for i := range want {
			if math.Abs(res.Y[i]-want[i]) > 1e-12 {
				t.Fatalf("%v: y[%d] = %v, want %v", obj, i, res.Y[i], want[i])
			}
		}
		if got := lossOf(obj, sigma, res.Y, n, k, 1.3); math.Abs(got-res.Losses[0]) > 1e-12*math.Abs(got) {
			t.Fatalf("%v: reported loss %v, loss of Y %v", obj, res.Losses[0], got)
		}
	}
}

// TestPGDLoss10Decreases runs PGD on loss (10) with a small step: the loss must decrease.
func TestPGDLoss10Decreases(t *testing.T) {
	for _, k := range []int{3, 10} {
		t.Run(fmt.Sprint("K=", k), func(t *testing.T) {
			n := 100
			sigma := RandomSigma(n, k, 13)
			res, err := PGD(sigma, n, k, PGDOptions{Objective: Objective10, Lambda: 1.3, Step: 50, MaxIters: 5000, Tol: 1e-8})
			if err != nil {
				t.Fatal(err)
			}
			if !(res.FinalLoss() < res.Loss0) || !res.Converged {
				t.Fatalf("loss %v → %v after %d iterations, converged %v", res.Loss0, res.FinalLoss(), res.Iters, res.Converged)
			}
		})
	}
}

func TestLossHandCase(t *testing.T) {
	// N=2, K=2, σ = [[0.8,0.2],[0.4,0.6]], y = [[1,0],[0.5,0.5]]: σ·y = 0.8, 0.5; ȳ = (0.75, 0.25).
	sigma := []float64{0.8, 0.2, 0.4, 0.6}
	y := []float64{1, 0, 0.5, 0.5}
	nll := -(math.Log(0.8) + math.Log(0.5)) / 2
	kl11 := 0.5*math.Log(0.5/0.75) + 0.5*math.Log(0.5/0.25)
	kl10 := 0.75*math.Log(0.75/0.5) + 0.25*math.Log(0.25/0.5)
	if got, want := Loss11(sigma, y, 2, 2, 2), nll+2*kl11; math.Abs(got-want) > 1e-15 {
		t.Errorf("Loss11 = %v, want %v", got, want)
	}
	if got, want := Loss10(sigma, y, 2, 2, 2), nll+2*kl10; math.Abs(got-want) > 1e-15 {
		t.Errorf("Loss10 = %v, want %v", got, want)
	}
}

func TestSortKeyOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -2, -1e-320, math.Copysign(0, -1), 0, 1e-320, 0.5, 3, math.Inf(1)}
	for i, x := range vals {
		if keyValue(sortKey(x)) != x {
			t.Fatalf("round trip of %v", x)
		}
		for _, y := range vals[i+1:] {
			if x < y && !(sortKey(x) < sortKey(y)) {
				t.Fatalf("order of %v < %v lost", x, y)
			}
		}
	}
}
