package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestSumLeading compares sumLeading with a float64 sum in plain row order, for row lengths from 1
// to above the super-row length, row counts that do and do not fill whole super-rows and blocks,
// and 1, 2 and 3 goroutines; the result must also be the same bits on a second run.
func TestSumLeading(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct{ rows, c int }{
		{1, 1}, {7, 1}, {100000, 1}, {3, 3}, {70001, 3}, {5000, 64}, {4097, 64}, {1000, 100},
		{257, 512}, {33, 4608}, {250 * 28 * 28, 64},
	}
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		for _, tc := range cases {
			name := fmt.Sprintf("p%d/%dx%d", procs, tc.rows, tc.c)
			x := make([]float32, tc.rows*tc.c)
			for i := range x {
				x[i] = float32(rng.NormFloat64() + 0.5)
			}
			want := make([]float64, tc.c)
			absSum := make([]float64, tc.c)
			for r := 0; r < tc.rows; r++ {
				for k := 0; k < tc.c; k++ {
					want[k] += float64(x[r*tc.c+k])
					absSum[k] += math.Abs(float64(x[r*tc.c+k]))
				}
			}
			got := make([]float32, tc.c)
			sumLeading(got, x)
			again := make([]float32, tc.c)
			sumLeading(again, x)
			for k := range want {
				// Each value passes through at most sumBlockRows·m float32 additions (≤ 2048).
				if d := math.Abs(float64(got[k]) - want[k]); d > 1e-6*absSum[k]+1e-6 {
					t.Errorf("%s: o[%d] = %g, want %g", name, k, got[k], want[k])
					break
				}
				if math.Float32bits(got[k]) != math.Float32bits(again[k]) {
					t.Errorf("%s: o[%d] differs between runs: %g, %g", name, k, got[k], again[k])
					break
				}
			}
			x64 := make([]float64, len(x))
			for i, v := range x {
				x64[i] = float64(v)
			}
			got64 := make([]float64, tc.c)
			sumLeading(got64, x64)
			for k := range want {
				if d := math.Abs(got64[k] - want[k]); d > 1e-13*absSum[k] {
					t.Errorf("%s float64: o[%d] = %g, want %g", name, k, got64[k], want[k])
					break
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func BenchmarkSumLeading(b *testing.B) {
	for _, c := range []int{64, 128, 512} {
		x := make([]float32, 250*28*28*64)
		for i := range x {
			x[i] = float32(i%17) - 8
		}
		o := make([]float32, c)
		b.Run(fmt.Sprintf("%dx%d", len(x)/c, c), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				sumLeading(o, x)
			}
		})
	}
}

// TestReduceSmallOutputDeterministic checks the per-goroutine path of reduceT (reduced leading
// axis, small output: sums over axes 0 and 2 of a [64, 30, 72] tensor) against a float64 sum, and
// that two runs give the same bits for 2 and 3 goroutines.
func TestReduceSmallOutputDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	dims := []int{64, 30, 72}
	x := make([]float32, 64*30*72)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	want := make([]float64, 30)
	for a := 0; a < 64; a++ {
		for b := 0; b < 30; b++ {
			for c := 0; c < 72; c++ {
				want[b] += float64(x[(a*30+b)*72+c])
			}
		}
	}
	ost := []int{0, 1, 0}
	for _, procs := range []int{2, 3} {
		old := runtime.GOMAXPROCS(procs)
		o1, o2 := make([]float32, 30), make([]float32, 30)
		reduceT(backends.OpTypeReduceSum, o1, x, dims, ost)
		reduceT(backends.OpTypeReduceSum, o2, x, dims, ost)
		runtime.GOMAXPROCS(old)
		for k := range want {
			if math.Float32bits(o1[k]) != math.Float32bits(o2[k]) {
				t.Fatalf("procs=%d: o[%d] differs between runs", procs, k)
			}
			if d := math.Abs(float64(o1[k]) - want[k]); d > 1e-3 {
				t.Errorf("procs=%d: o[%d] = %g, want %g", procs, k, o1[k], want[k])
			}
		}
	}
}
