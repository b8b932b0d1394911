package pseudolabel

import (
	"math"
	"strings"
	"testing"
)

func TestBenchTable1Small(t *testing.T) {
	rep, err := BenchTable1(BenchOptions{N: 300, Ks: []int{5, 12}, MaxIters: 400}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 2*(len(DefaultBenchSteps)+1) || len(rep.Speedups) != 2 {
		t.Fatalf("%d rows, %d speed-ups", len(rep.Rows), len(rep.Speedups))
	}
	for _, sp := range rep.Speedups {
		best := math.Inf(1)
		for _, r := range rep.Rows {
			if r.K != sp.K {
				continue
			}
			if r.Method == "PGD" {
				best = math.Min(best, r.FinalLoss)
				if want := r.RelStep * 300 / float64(r.K); r.Step != want {
					t.Fatalf("step %v, want s·N/K = %v", r.Step, want)
				}
			}
			if r.Iters < 1 || r.Seconds <= 0 || !(r.FinalLoss <= r.Loss0) && r.Converged {
				t.Fatalf("bad row %+v", r)
			}
		}
		if sp.Target != best {
			t.Fatalf("K=%d: target %v, best PGD final loss %v", sp.K, sp.Target, best)
		}
		if !sp.Reached {
			t.Fatalf("K=%d: EM did not reach %v", sp.K, sp.Target)
		}
		// The EM run to the target, repeated, is at or below the target exactly at that iteration.
		sigma := RandomSigma(300, sp.K, uint64(sp.K))
		res, err := EM(sigma, 300, sp.K, EMOptions{Lambda: 1.3, MaxIters: sp.EMIters})
		if err != nil {
			t.Fatal(err)
		}
		if l := res.FinalLoss(); l > sp.Target || (sp.EMIters > 1 && res.Losses[sp.EMIters-2] <= sp.Target) {
			t.Fatalf("K=%d: EM loss after %d iterations %v, target %v", sp.K, sp.EMIters, l, sp.Target)
		}
	}
	if _, err := BenchTable1(BenchOptions{Ks: []int{1}}, nil); err == nil {
		t.Fatal("no error for K = 1")
	}
}

// TestDefaultStepsConverge checks, on smaller problems of the same kind, that the largest default
// step converges while one ten times larger does not at K = 100.
func TestDefaultStepsConverge(t *testing.T) {
	n := 2000
	largest := DefaultBenchSteps[len(DefaultBenchSteps)-1]
	for _, k := range []int{10, 100} {
		sigma := RandomSigma(n, k, 5)
		res, err := PGD(sigma, n, k, PGDOptions{Lambda: 1.3, Step: largest * float64(n) / float64(k), Tol: 1e-5, MaxIters: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Converged || !(res.FinalLoss() < res.Loss0) {
			t.Fatalf("K=%d: step s=%g did not converge: %d iterations, loss %v -> %v", k, largest, res.Iters, res.Loss0, res.FinalLoss())
		}
	}
	k := 100
	sigma := RandomSigma(n, k, 5)
	res, err := PGD(sigma, n, k, PGDOptions{Lambda: 1.3, Step: 100 * largest * float64(n) / float64(k), Tol: 1e-5, MaxIters: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged {
		t.Fatalf("step s=%g converged too (%d iterations): the default grid is not at the edge", 100*largest, res.Iters)
	}
}

func TestSoftmaxAndCheckProbabilities(t *testing.T) {
	z := []float64{0, math.Log(3), 1000, 1000}
	s, err := Softmax(z, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.25, 0.75, 0.5, 0.5}
	for i := range want {
		if math.Abs(s[i]-want[i]) > 1e-15 {
			t.Fatalf("softmax %v, want %v", s, want)
		}
	}
	if err := CheckProbabilities(s, 2, 2, 1e-4); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    []float64
		want string
	}{
		{[]float64{0.5, 0.5, 0.7, 0.2}, "row 1 sums to 0.9"},
		{[]float64{0.5, 0.5, 1.2, -0.2}, "row 1 column 1 is -0.2"},
		{[]float64{math.Inf(1), 0, 0.5, 0.5}, "row 0 column 0 is +Inf"},
	} {
		if err := CheckProbabilities(tc.p, 2, 2, 1e-4); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("error %v, want %q", err, tc.want)
		}
	}
	if _, err := Softmax([]float64{1, math.NaN()}, 1, 2); err == nil {
		t.Fatal("no error for NaN logit")
	}
}
