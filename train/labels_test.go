package train

import (
	"math"
	"slices"
	"testing"
)

func TestBatchCount(t *testing.T) {
	for _, tc := range []struct{ n, b, want int }{{10, 20, 1}, {20, 20, 1}, {45, 20, 2}, {60, 20, 3}} {
		if got := batchCount(tc.n, tc.b); got != tc.want {
			t.Errorf("batchCount(%d,%d) = %d, want %d", tc.n, tc.b, got, tc.want)
		}
	}
}

func TestRandomSubset(t *testing.T) {
	s := randomSubset(1, 50, 20)
	if len(s) != 20 || !slices.IsSorted(s) {
		t.Fatalf("got %v", s)
	}
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			t.Fatal("repeated index")
		}
	}
	if !slices.Equal(s, randomSubset(1, 50, 20)) || slices.Equal(s, randomSubset(2, 50, 20)) {
		t.Fatal("subset must depend on the seed only")
	}
}

func TestSeedMask(t *testing.T) {
	labels := make([]int, 200)
	for i := range labels {
		labels[i] = i % 4
	}
	labels[0], labels[5] = -1, -1
	mask, m, err := seedMask(7, labels, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for i, ok := range mask {
		if ok {
			count++
			if labels[i] < 0 {
				t.Fatalf("unlabelled example %d chosen", i)
			}
		}
	}
	if m != 20 || count != 20 {
		t.Fatalf("chose %d (reported %d), want 20", count, m)
	}
	if _, _, err := seedMask(7, []int{-1, -1, 0}, 1); err == nil {
		t.Fatal("want an error when too few labels are known")
	}
}

func TestNoisyLabels(t *testing.T) {
	const n, k = 20000, 5
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % k
	}
	for _, eta := range []float64{0, 0.3, 1} {
		y, replaced, err := noisyLabels(1, labels, k, eta, false)
		if err != nil {
			t.Fatal(err)
		}
		frac := float64(replaced) / n
		if math.Abs(frac-eta) > 0.02 {
			t.Errorf("η=%g: replaced fraction %g", eta, frac)
		}
		var meanMax float64
		oneHot := 0
		for i := 0; i < n; i++ {
			row := y[i*k : (i+1)*k]
			var sum float64
			for _, v := range row {
				if v < 0 {
					t.Fatal("negative entry")
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("row %d sums to %g", i, sum)
			}
			if row[labels[i]] == 1 {
				oneHot++
			} else {
				meanMax += slices.Max(row)
			}
		}
		if oneHot != n-replaced {
			t.Errorf("η=%g: %d one-hot rows, want %d", eta, oneHot, n-replaced)
		}
		// E[max of Dirichlet(1,1,1,1,1)] = (1/K)·Σ_{j=1..K} 1/j = 0.4567 for K = 5.
		if replaced > 1000 {
			meanMax /= float64(replaced)
			if math.Abs(meanMax-0.4567) > 0.01 {
				t.Errorf("η=%g: mean max of Dirichlet rows %g, want 0.4567", eta, meanMax)
			}
		}
	}
	if _, _, err := noisyLabels(1, []int{0, -1}, 2, 0.5, false); err == nil {
		t.Fatal("want an error for an unknown label")
	}
}

// TestNoisyLabelsUniform: replace_with uniform replaces the same examples as dirichlet (same seed
// and η), each with exactly 1/K, and keeps the other rows identical.
func TestNoisyLabelsUniform(t *testing.T) {
	const n, k, eta = 5000, 4, 0.6
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (7 * i) % k
	}
	yd, rd, err := noisyLabels(3, labels, k, eta, false)
	if err != nil {
		t.Fatal(err)
	}
	yu, ru, err := noisyLabels(3, labels, k, eta, true)
	if err != nil {
		t.Fatal(err)
	}
	if rd != ru {
		t.Fatalf("replaced %d (dirichlet) against %d (uniform)", rd, ru)
	}
	for i := 0; i < n; i++ {
		d, u := yd[i*k:(i+1)*k], yu[i*k:(i+1)*k]
		if d[labels[i]] == 1 {
			if !slices.Equal(d, u) {
				t.Fatalf("row %d: kept one-hot %v, uniform model has %v", i, d, u)
			}
			continue
		}
		for _, v := range u {
			if v != 1/float64(k) {
				t.Fatalf("row %d: replaced row %v, want all %g", i, u, 1/float64(k))
			}
		}
	}
}

func TestSelaSchedule(t *testing.T) {
	s := selaSchedule(10000, 100)
	if len(s) != 100 || s[0] != 0 || s[1] != 1 || s[99] != 9801 {
		t.Fatalf("got len %d, %v … %v", len(s), s[:3], s[len(s)-1])
	}
	// Gaps grow: the schedule is denser early.
	if s[2]-s[1] >= s[99]-s[98] {
		t.Fatal("schedule not denser early")
	}
	short := selaSchedule(50, 100)
	if !slices.IsSorted(short) || short[0] != 0 || len(short) > 50 {
		t.Fatalf("short schedule %v", short)
	}
}

// TestScorePlainAccuracy: a clustering that names every class by another output has Hungarian ACC 1
// but plain accuracy 0; the plain accuracy is only computed for labelled training.
func TestScorePlainAccuracy(t *testing.T) {
	labels := []int{0, 0, 1, 1, 2, 2, -1}
	pred := []int{1, 1, 2, 2, 0, 0, 0}
	m, err := score(pred, labels, true)
	if err != nil || m.ACC != 1 || m.Accuracy != 0 || m.Scored != 6 {
		t.Fatalf("%+v %v", m, err)
	}
	pred[0] = 0
	if m, _ = score(pred, labels, true); math.Abs(m.Accuracy-1.0/6) > 1e-12 {
		t.Fatalf("plain accuracy %v, want 1/6", m.Accuracy)
	}
	if m, _ = score(pred, labels, false); m.Accuracy != 0 {
		t.Fatalf("clustering run got a plain accuracy %v", m.Accuracy)
	}
}
