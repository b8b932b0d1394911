package pseudolabel

import (
	"math"
	"testing"
)

// TestSinkhornMarginals: with a tight tolerance, diag(c) Q diag(r) has row sums 1/N and column
// sums 1/K, and the labels are the row-wise argmax of that balanced matrix.
func TestSinkhornMarginals(t *testing.T) {
	for _, tc := range []struct {
		n, k  int
		power float64
	}{
		{200, 10, 25}, {50, 3, 2}, {300, 20, 5},
	} {
		p := RandomSigma(tc.n, tc.k, uint64(tc.n+tc.k))
		res, err := Sinkhorn(p, tc.n, tc.k, SinkhornOptions{Power: tc.power, Tol: 1e-12, CheckEvery: 1, MaxIters: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Converged {
			t.Fatalf("N=%d K=%d: not converged after %d iterations", tc.n, tc.k, res.Iters)
		}
		q := sinkhornKernel(p, tc.n, tc.k, tc.power)
		col := make([]float64, tc.k)
		for i := 0; i < tc.n; i++ {
			var row float64
			best, bj := -1.0, -1
			for j := 0; j < tc.k; j++ {
				v := res.C[i] * q[i*tc.k+j] * res.R[j]
				row += v
				col[j] += v
				if v > best {
					best, bj = v, j
				}
			}
			if math.Abs(row*float64(tc.n)-1) > 1e-9 {
				t.Fatalf("row %d marginal %v, want 1/N", i, row)
			}
			if res.Labels[i] != bj {
				t.Fatalf("label %d = %d, argmax is %d", i, res.Labels[i], bj)
			}
		}
		for j, v := range col {
			if math.Abs(v*float64(tc.k)-1) > 1e-9 {
				t.Fatalf("N=%d K=%d: column %d marginal %v, want 1/K", tc.n, tc.k, j, v)
			}
		}
	}
}

// TestSinkhornKernelScaling: the kernel is P^λ up to row and column factors, so the ratios
// Q_ij Q_kl / (Q_il Q_kj) match those of P^λ computed directly.
func TestSinkhornKernelScaling(t *testing.T) {
	n, k, power := 6, 4, 3.0
	p := RandomSigma(n, k, 9)
	q := sinkhornKernel(p, n, k, power)
	for i := 1; i < n; i++ {
		for j := 1; j < k; j++ {
			got := q[i*k+j] * q[0] / (q[i*k] * q[j])
			want := math.Pow(p[i*k+j]*p[0]/(p[i*k]*p[j]), power)
			if math.Abs(got-want) > 1e-12*want {
				t.Fatalf("cross ratio (%d,%d) = %v, want %v", i, j, got, want)
			}
		}
	}
	// Every row and every column has an entry equal to 1, none above.
	for i := 0; i < n; i++ {
		mx := 0.0
		for j := 0; j < k; j++ {
			mx = math.Max(mx, q[i*k+j])
		}
		if mx > 1 {
			t.Fatalf("row %d max %v", i, mx)
		}
	}
	for j := 0; j < k; j++ {
		mx := 0.0
		for i := 0; i < n; i++ {
			mx = math.Max(mx, q[i*k+j])
		}
		if mx != 1 {
			t.Fatalf("column %d max %v, want 1", j, mx)
		}
	}
}

// TestSinkhornBalancesSkewedInput: when every point prefers cluster 0, SeLa's labels still use
// every cluster about equally.
func TestSinkhornBalancesSkewedInput(t *testing.T) {
	n, k := 400, 4
	p := RandomSigma(n, k, 2)
	for i := 0; i < n; i++ {
		p[i*k] += 3
		var s float64
		for j := 0; j < k; j++ {
			s += p[i*k+j]
		}
		for j := 0; j < k; j++ {
			p[i*k+j] /= s
		}
	}
	res, err := Sinkhorn(p, n, k, SinkhornOptions{})
	if err != nil {
		t.Fatal(err)
	}
	count := make([]int, k)
	for _, l := range res.Labels {
		count[l]++
	}
	for j, c := range count {
		if c < n/k/2 {
			t.Fatalf("cluster %d got %d of %d points: %v", j, c, n, count)
		}
	}
	if _, err := Sinkhorn([]float64{0.5, math.NaN()}, 1, 2, SinkhornOptions{}); err == nil {
		t.Fatal("no error for NaN")
	}
}

func TestMIADMUpdateHandCase(t *testing.T) {
	// σ = [[0.9,0.1],[0.5,0.5]]: column sums 1.4, 0.6; y_i ∝ σ_i/√col.
	sigma := []float64{0.9, 0.1, 0.5, 0.5}
	y, err := MIADMUpdate(sigma, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := 0.9/math.Sqrt(1.4), 0.1/math.Sqrt(0.6)
	c, d := 0.5/math.Sqrt(1.4), 0.5/math.Sqrt(0.6)
	want := []float64{a / (a + b), b / (a + b), c / (c + d), d / (c + d)}
	for i := range want {
		if math.Abs(y[i]-want[i]) > 1e-15 {
			t.Fatalf("y = %v, want %v", y, want)
		}
	}
	if _, err := MIADMUpdate([]float64{1, 2, 3}, 2, 2); err == nil {
		t.Fatal("no error for a short matrix")
	}
}
