package cpu_test

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// poolInput returns a float32 [2, 12, 16, 5] tensor with ties inside pooling windows (values on a
// coarse grid, whole zero windows), −0, and, when special is set, NaN and ±Inf.
func poolInput(rng *rand.Rand, special bool) *tensors.Tensor {
	v := make([]float32, 2*12*16*5)
	for i := range v {
		v[i] = float32(rng.IntN(5) - 2) // many ties
	}
	for i := 0; i < len(v); i += 7 {
		v[i] = float32(math.Copysign(0, -1))
	}
	if special {
		v[3] = float32(math.NaN())
		v[50] = float32(math.Inf(1))
		v[51] = float32(math.Inf(-1))
		v[52] = float32(math.Inf(-1))
		v[100] = float32(math.Inf(-1))
	}
	return tensors.FromFlatDataAndDimensions(v, 2, 12, 16, 5)
}

// poolNet is BN-like scaling, ReLU, 2×2 max-pool by reshape + ReduceMax, and a weighting; its
// outputs are the pooled values and the gradient with respect to the input, which GoMLX builds from
// Sign(Add(Sign(x − max), 1)) (all tied maxima receive the gradient), a Reshape, and the ReLU mask.
func poolNet(in []*Node) []*Node {
	x, w := in[0], in[1]
	g := x.Graph()
	y := MulScalar(x, 1.5)
	r := Where(GreaterThan(y, ScalarZero(g, y.DType())), y, ZerosLike(y))
	p := ReduceMax(Reshape(r, 2, 6, 2, 8, 2, 5), 2, 4)
	loss := ReduceAllSum(Mul(p, w))
	return []*Node{p, Gradient(loss, x)[0]}
}

// indicators are GoMLX's NonNegativeIndicator written out, with both operand orders of the Add.
func indicators(in []*Node) []*Node {
	x, y := in[0], in[1]
	return []*Node{Mul(Sign(Add(Sign(Sub(x, MulScalar(y, 0.5))), OnesLike(x))), y),
		Sign(Add(OnesLike(x), Sign(x)))}
}

// TestPoolGradientFusion checks that the max-pool gradient is fused through the Reshape into the
// ReLU gradient with the indicator rewritten to one step, and that the results are the same bits
// as without fusion (NaN positions only need to be NaN in both).
func TestPoolGradientFusion(t *testing.T) {
	defer cpu.SetElementwiseFusion(true)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, special := range []bool{false, true} {
		x := poolInput(rng, special)
		wv := make([]float32, 2*6*8*5)
		for i := range wv {
			wv[i] = float32(rng.NormFloat64())
		}
		w := tensors.FromFlatDataAndDimensions(wv, 2, 6, 8, 5)
		fn := poolNet
		cpu.SetOpProfile(true)
		cpu.OpProfile()
		got := runBits(t, fn, x, w)
		cpu.SetOpProfile(false)
		if !slices.ContainsFunc(slices.Collect(maps.Keys(cpu.OpProfile())), func(k string) bool {
			return strings.HasPrefix(k, "FusedElementwise[2 12 16 5]:") && strings.Contains(k, "Non") &&
				strings.Contains(k, "Whe")
		}) {
			t.Error("the pool gradient was not fused with the ReLU gradient")
		}
		cpu.SetElementwiseFusion(false)
		want := runBits(t, fn, x, w)
		cpu.SetElementwiseFusion(true)
		compareBits(t, got, want)
	}
	// The rewritten indicator on its own, both operand orders.
	x := poolInput(rng, true)
	half := poolInput(rng, true)
	fn := indicators
	hasProfile := func() map[string]bool {
		names := map[string]bool{}
		for k := range cpu.OpProfile() {
			names[k] = true
		}
		return names
	}
	cpu.SetOpProfile(true)
	cpu.OpProfile()
	got := runBits(t, fn, x, half)
	names := hasProfile()
	cpu.SetOpProfile(false)
	found := false
	for k := range names {
		if strings.Contains(k, "Non") {
			found = true
		}
	}
	if !found {
		t.Errorf("no fused program with the NonNeg step ran: %v", names)
	}
	cpu.SetElementwiseFusion(false)
	want := runBits(t, fn, x, half)
	cpu.SetElementwiseFusion(true)
	compareBits(t, got, want)
}

// runBits evaluates fn on a new backend and returns its float32 outputs.
func runBits(t *testing.T, fn func([]*Node) []*Node, args ...*tensors.Tensor) [][]float32 {
	t.Helper()
	return runBitsOn(t, newBackend(t), fn, args...)
}

// runBitsOn evaluates fn on b and returns its float32 outputs.
func runBitsOn(t *testing.T, b backends.Backend, fn func([]*Node) []*Node, args ...*tensors.Tensor) [][]float32 {
	t.Helper()
	outs := execOn(t, b, fn, args...)
	res := make([][]float32, len(outs))
	for i, o := range outs {
		if o.DType() != dtypes.Float32 {
			t.Fatalf("output %d is %s", i, o.DType())
		}
		res[i] = tensors.MustCopyFlatData[float32](o)
	}
	return res
}

func compareBits(t *testing.T, got, want [][]float32) {
	t.Helper()
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("output %d: %d values, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if g != g && w != w {
				continue
			}
			if math.Float32bits(g) != math.Float32bits(w) {
				t.Errorf("output %d [%d] = %g (%#x), want %g (%#x)", i, j, g, math.Float32bits(g), w, math.Float32bits(w))
				break
			}
		}
	}
}
