package pseudolabel

import (
	"fmt"
	"math"
	"testing"
)

func TestEMMonotoneAndPositive(t *testing.T) {
	for _, tc := range []struct {
		n, k    int
		lambda  float64
		threads int
	}{
		{250, 2, 0.5, 1}, {250, 10, 1.3, 2}, {250, 20, 100, 3}, {100, 1000, 1.3, 2}, {1, 5, 1.3, 1}, {37, 7, 0, 4},
	} {
		t.Run(fmt.Sprintf("N=%d/K=%d/lambda=%g/threads=%d", tc.n, tc.k, tc.lambda, tc.threads), func(t *testing.T) {
			sigma := RandomSigma(tc.n, tc.k, uint64(tc.n*tc.k))
			res, err := EM(sigma, tc.n, tc.k, EMOptions{Lambda: tc.lambda, Tol: 0, MaxIters: 60, Threads: tc.threads})
			if err != nil {
				t.Fatal(err)
			}
			if res.Iters != 60 || len(res.Losses) != 60 || len(res.Elapsed) != 60 {
				t.Fatalf("iters %d, %d losses, %d times", res.Iters, len(res.Losses), len(res.Elapsed))
			}
			prev := res.Loss0
			if want := Loss11(sigma, initYForTest(sigma, tc.n, tc.k), tc.n, tc.k, tc.lambda); math.Abs(prev-want) > 1e-12*math.Abs(want) {
				t.Fatalf("Loss0 = %v, Loss11 of the start = %v", prev, want)
			}
			for it, l := range res.Losses {
				if l > prev+1e-13*math.Abs(prev) {
					t.Fatalf("iteration %d: loss rose from %.17g to %.17g", it+1, prev, l)
				}
				prev = l
			}
			if got := Loss11(sigma, res.Y, tc.n, tc.k, tc.lambda); math.Abs(got-prev) > 1e-11*math.Abs(got) {
				t.Fatalf("reported final loss %v, Loss11(Y) = %v", prev, got)
			}
			for i := 0; i < tc.n; i++ {
				var s float64
				for j := 0; j < tc.k; j++ {
					v := res.Y[i*tc.k+j]
					if tc.lambda > 0 && !(v > 0) {
						t.Fatalf("y[%d,%d] = %v: positivity lost", i, j, v)
					}
					s += v
				}
				if math.Abs(s-1) > 1e-12 {
					t.Fatalf("row %d sums to %.17g", i, s)
				}
			}
		})
	}
}

func initYForTest(sigma []float64, n, k int) []float64 {
	y, err := initY(sigma, n, k, nil)
	if err != nil {
		panic(err)
	}
	return y
}

// TestEMThreadsAndWarmStart: the thread count and the warm start change only rounding.
func TestEMThreadsAndWarmStart(t *testing.T) {
	n, k := 300, 50
	sigma := RandomSigma(n, k, 7)
	ref, err := EM(sigma, n, k, EMOptions{Lambda: 1.3, MaxIters: 30, Threads: 1, ColdStart: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []EMOptions{{Threads: 1}, {Threads: 3}, {Threads: 3, ColdStart: true}} {
		opt.Lambda, opt.MaxIters = 1.3, 30
		res, err := EM(sigma, n, k, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Y {
			if math.Abs(res.Y[i]-ref.Y[i]) > 1e-10 {
				t.Fatalf("%+v: y[%d] = %v, reference %v", opt, i, res.Y[i], ref.Y[i])
			}
		}
	}
}

// TestEMZeroStart: a start with zeros (p with zero entries in the M-step) keeps the loss
// non-increasing and the rows on the simplex.
func TestEMZeroStart(t *testing.T) {
	n, k := 40, 6
	sigma := RandomSigma(n, k, 3)
	y0 := make([]float64, n*k)
	for i := 0; i < n; i++ {
		// mass on two classes only, never on σ's largest class for even rows
		a, b := i%k, (i+2)%k
		y0[i*k+a], y0[i*k+b] = 0.5, 0.5
	}
	res, err := EM(sigma, n, k, EMOptions{Lambda: 1.3, MaxIters: 40, Y0: y0})
	if err != nil {
		t.Fatal(err)
	}
	prev := res.Loss0
	for it, l := range res.Losses {
		if l > prev+1e-13*math.Abs(prev) {
			t.Fatalf("iteration %d: loss rose from %v to %v", it+1, prev, l)
		}
		prev = l
	}
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range res.Y[i*k : (i+1)*k] {
			if v < 0 {
				t.Fatalf("negative entry in row %d", i)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
}

// TestEMAndPGDSameMinimum: loss (11) is convex in y, so EM and PGD must agree on its minimum.
func TestEMAndPGDSameMinimum(t *testing.T) {
	for _, tc := range []struct {
		n, k   int
		lambda float64
		step   float64
	}{
		{60, 3, 1.3, 20}, {50, 8, 0.5, 20}, {40, 5, 4, 5},
	} {
		t.Run(fmt.Sprintf("N=%d/K=%d/lambda=%g", tc.n, tc.k, tc.lambda), func(t *testing.T) {
			sigma := RandomSigma(tc.n, tc.k, 11)
			em, err := EM(sigma, tc.n, tc.k, EMOptions{Lambda: tc.lambda, MaxIters: 20000, Tol: 1e-15})
			if err != nil {
				t.Fatal(err)
			}
			pgd, err := PGD(sigma, tc.n, tc.k, PGDOptions{Lambda: tc.lambda, Step: tc.step, MaxIters: 20000, Tol: 1e-15})
			if err != nil {
				t.Fatal(err)
			}
			le, lp := em.FinalLoss(), pgd.FinalLoss()
			if math.Abs(le-lp) > 1e-6*math.Abs(le) {
				t.Fatalf("EM %.12g after %d iterations, PGD %.12g after %d", le, em.Iters, lp, pgd.Iters)
			}
		})
	}
}

func TestEMErrors(t *testing.T) {
	good := RandomSigma(3, 2, 1)
	for _, tc := range []struct {
		name  string
		sigma []float64
		opt   EMOptions
	}{
		{"short", good[:5], EMOptions{Lambda: 1}},
		{"nan", []float64{0.5, math.NaN(), 0.5, 0.5, 0.5, 0.5}, EMOptions{Lambda: 1}},
		{"negative", []float64{0.5, -0.5, 0.5, 0.5, 0.5, 0.5}, EMOptions{Lambda: 1}},
		{"zero row", []float64{0.5, 0.5, 0, 0, 0.5, 0.5}, EMOptions{Lambda: 1}},
		{"lambda", good, EMOptions{Lambda: -1}},
		{"y0 length", good, EMOptions{Lambda: 1, Y0: []float64{1, 0}}},
		{"y0 sum", good, EMOptions{Lambda: 1, Y0: []float64{1, 1, 1, 0, 1, 0}}},
	} {
		if _, err := EM(tc.sigma, 3, 2, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestLogProd(t *testing.T) {
	for _, vals := range [][]float64{
		{0.5, 0.25, 1e-3},
		{1e-150, 1e-90, 1e-120, 3, 1e200, 0.7},
		{0},
	} {
		lp := logProd{m: 1}
		var want float64
		for rep := 0; rep < 500; rep++ {
			for _, v := range vals {
				lp.mul(v)
				want += math.Log(v)
			}
		}
		got := lp.log()
		if !(math.Abs(got-want) <= 1e-12*math.Abs(want)) && got != want {
			t.Fatalf("%v: Σlog = %v, want %v", vals, got, want)
		}
	}
}

// TestEMHardInputs: peaked σ with exact zeros and tiny entries, large λ, many iterations: the
// loss stays finite and non-increasing and the rows stay on the simplex.
func TestEMHardInputs(t *testing.T) {
	n, k := 250, 10
	sigma := RandomSigma(n, k, 17)
	for i := 0; i < n; i++ {
		row := sigma[i*k : (i+1)*k]
		switch i % 4 {
		case 0: // one-hot
			clear(row)
			row[i%k] = 1
		case 1: // zeros and a tiny entry
			clear(row)
			row[(i+1)%k], row[(i+2)%k] = 1-1e-30, 1e-30
		case 2: // float32-like underflow of a sharp softmax
			for j := range row {
				row[j] = math.Exp(-80 * float64(j))
			}
		}
	}
	for _, lambda := range []float64{1.3, 100} {
		res, err := EM(sigma, n, k, EMOptions{Lambda: lambda, MaxIters: 3000, Tol: 0})
		if err != nil {
			t.Fatal(err)
		}
		prev := res.Loss0
		for it, l := range res.Losses {
			if math.IsNaN(l) || math.IsInf(l, 0) || l > prev+1e-12*math.Abs(prev) {
				t.Fatalf("λ=%g iteration %d: loss %v after %v", lambda, it+1, l, prev)
			}
			prev = l
		}
		for i := 0; i < n; i++ {
			var s float64
			for _, v := range res.Y[i*k : (i+1)*k] {
				if !(v >= 0) {
					t.Fatalf("λ=%g: y row %d has %v", lambda, i, v)
				}
				s += v
			}
			if math.Abs(s-1) > 1e-12 {
				t.Fatalf("λ=%g: row %d sums to %v", lambda, i, s)
			}
		}
	}
}
