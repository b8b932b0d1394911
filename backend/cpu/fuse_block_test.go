package cpu_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// float64Args returns the bnReluPool arguments for a [n, h, h, c] input, in float64.
func float64Args(rng *rand.Rand, n, h, c int) []*tensors.Tensor {
	return []*tensors.Tensor{randTensor(rng, n, h, h, c), randTensor(rng, c), randTensor(rng, c),
		randTensor(rng, n, h/2, h/2, c)}
}

// TestBlockFusion checks the whole non-convolution part of a VGG block (batch statistics, the
// normalisation, ReLU, max-pool and their gradients) against the unfused evaluation: in float64
// to 1e-12, in float32 to float32 rounding, and that the compiled program recomputes the shared
// normalisation and ReLU (no stored elementwise op of the input's shape besides fused programs and
// the pooled maximum of a fused program).
func TestBlockFusion(t *testing.T) {
	defer cpu.SetElementwiseFusion(true)
	rng := rand.New(rand.NewPCG(31, 32))
	args := float64Args(rng, 3, 12, 32)
	b := newBackend(t)
	var got [][]float64
	prof := profileOps(func() { got = run(t, b, bnReluPool, args...) })
	if statsOf(b).FusedMaxes == 0 {
		t.Error("the max-pool of the ReLU was not fused")
	}
	if statsOf(b).MergedSums == 0 {
		t.Error("no sum was merged into the pass of the program it reads")
	}
	sawSum := false
	for name := range prof {
		// The ReLU/max-pool gradient is stored, summed, and summed times the centered input.
		sawSum = sawSum || (strings.HasPrefix(name, "FusedMulti[3 12 12 32]") && strings.HasSuffix(name, "+2sums"))
		full := strings.Contains(name, "[3 12 12 32]") || strings.Contains(name, "[3 6 2 6 2 32]")
		if full && !strings.HasPrefix(name, "Fused") && !strings.HasPrefix(name, "ReduceSum") {
			t.Errorf("op %s stores (or reads) a full-size intermediate", name)
		}
	}
	if !sawSum {
		t.Errorf("no fused program both stored its values and computed two sums: %v", slices.Collect(maps.Keys(prof)))
	}
	cpu.SetElementwiseFusion(false)
	want := run(t, newBackend(t), bnReluPool, args...)
	cpu.SetElementwiseFusion(true)
	for i := range want {
		if d := maxRelDiff(got[i], want[i]); !(d < 1e-12) {
			t.Errorf("float64 output %d differs by %g", i, d)
		}
	}

	args32 := bnReluPoolArgs(rng, 3, 12, 32)
	exec := func() [][]float32 { return runBits(t, bnReluPool, args32...) }
	got32 := exec()
	cpu.SetElementwiseFusion(false)
	want32 := exec()
	cpu.SetElementwiseFusion(true)
	for i := range want32 {
		g, w := make([]float64, len(got32[i])), make([]float64, len(want32[i]))
		for j := range g {
			g[j], w[j] = float64(got32[i][j]), float64(want32[i][j])
		}
		if d := maxRelDiff(g, w); !(d < 2e-5) {
			t.Errorf("float32 output %d differs by %g", i, d)
		}
	}
}

// TestBlockDeterminism runs the fused block twice for each of 1, 2 and 3 goroutines and requires
// the same bits each time (sums are combined in a fixed order).
func TestBlockDeterminism(t *testing.T) {
	args := bnReluPoolArgs(rand.New(rand.NewPCG(33, 34)), 8, 16, 64)
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		a := runBits(t, bnReluPool, args...)
		b := runBits(t, bnReluPool, args...)
		runtime.GOMAXPROCS(old)
		for i := range a {
			for j := range a[i] {
				if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
					t.Fatalf("GOMAXPROCS=%d: output %d [%d] differs between runs: %g, %g", procs, i, j, a[i][j], b[i][j])
				}
			}
		}
	}
}

// TestBlockGradient checks the gradients of the fused block (pooled values with respect to the
// input, gamma and beta) against finite differences in float64.
func TestBlockGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	args := float64Args(rng, 2, 8, 16)
	checkGradient(t, bnReluPoolForward, args[:3]...)
}
