package train

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestKNNDistance compares knnDistance with sorting all pairwise distances, including repeated rows.
func TestKNNDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, d := 600, 7
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	copy(x[5*d:6*d], x[9*d:10*d]) // rows 5 and 9 coincide
	for _, k := range []int{1, 3, 10} {
		got, err := knnDistance(x, n, d, k)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var ds []float64
			for j := range n {
				if j == i {
					continue
				}
				var s float64
				for c := range d {
					v := float64(x[i*d+c] - x[j*d+c])
					s += v * v
				}
				ds = append(ds, math.Sqrt(s))
			}
			sort.Float64s(ds)
			if want := ds[k-1]; math.Abs(float64(got[i])-want) > 1e-3*(1+want) {
				t.Fatalf("k=%d row %d: %v, want %v", k, i, got[i], want)
			}
		}
	}
	if _, err := knnDistance(x[:3*d], 3, d, 3); err == nil {
		t.Fatal("k ≥ n accepted")
	}
}
