package cpu_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// residualRelu is y = ReLU(x·s + skip) (a residual junction as models builds it, the ReLU written
// with Where), and the gradients of Σ y·w with respect to x, s and skip.
func residualRelu(in []*Node) []*Node {
	x, s, skip, w := in[0], in[1], in[2], in[3]
	c := x.Shape().Dimensions[3]
	z := Add(Mul(x, Reshape(s, 1, 1, 1, c)), skip)
	y := Where(GreaterThan(z, ScalarZero(x.Graph(), x.DType())), z, ZerosLike(z))
	loss := ReduceAllSum(Mul(Mul(y, y), w))
	return append([]*Node{y}, Gradient(loss, x, s, skip)...)
}

// TestReluMask checks that the gradient's ReLU mask is rewritten to read the ReLU's output (so the
// residual sum is not stored), with the same bits as the unfused evaluation, NaN and ±0 inputs
// included.
func TestReluMask(t *testing.T) {
	defer cpu.SetElementwiseFusion(true)
	rng := rand.New(rand.NewPCG(41, 42))
	mk := func(dims ...int) *tensors.Tensor {
		v := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		if len(v) > 100 {
			v[3], v[7], v[11] = float32(math.NaN()), 0, float32(math.Copysign(0, -1))
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	args := []*tensors.Tensor{mk(2, 8, 8, 32), mk(32), mk(2, 8, 8, 32), mk(2, 8, 8, 32)}
	b := newBackend(t)
	var got [][]float32
	prof := profileOps(func() { got = runBitsOn(t, b, residualRelu, args...) })
	if statsOf(b).ReluMasks == 0 {
		t.Error("the ReLU mask was not rewritten")
	}
	// The residual sum is computed inside the ReLU's program, not stored by a program of its own.
	if _, ok := prof["FusedElementwise[2 8 8 32]:MulAdd"]; ok {
		t.Errorf("the residual sum is stored: %v", prof)
	}
	if _, ok := prof["FusedElementwise[2 8 8 32]:MulAddGreWhe"]; !ok {
		t.Errorf("no program computes the ReLU of the residual sum: %v", prof)
	}
	cpu.SetElementwiseFusion(false)
	want := runBits(t, residualRelu, args...)
	cpu.SetElementwiseFusion(true)
	// The sums over the batch (gradient of s) may differ in rounding; the others are exact.
	compareBits(t, [][]float32{got[0], got[1], got[3]}, [][]float32{want[0], want[1], want[3]})
	for j := range want[2] {
		if d := math.Abs(float64(got[2][j] - want[2][j])); !(d <= 1e-5*math.Max(1, math.Abs(float64(want[2][j])))) &&
			!(math.IsNaN(float64(got[2][j])) && math.IsNaN(float64(want[2][j]))) {
			t.Errorf("gradient of s [%d] = %g, want %g", j, got[2][j], want[2][j])
		}
	}
}
