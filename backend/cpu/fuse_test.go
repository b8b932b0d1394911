package cpu_test

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"math/rand/v2"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// TestElementwiseFusion compares chains of elementwise ops (with shared operands, scalars and a ReLU
// gradient) evaluated with and without fusion, and checks that fusion happened.
func TestElementwiseFusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	x, y := randTensor(rng, 3, 37, 41), randTensor(rng, 3, 37, 41)
	fn := func(in []*Node) []*Node {
		a, b := in[0], in[1]
		chain := Add(Mul(Exp(Neg(Abs(a))), b), MulScalar(Sub(a, b), 0.5))
		shared := Div(Mul(a, a), AddScalar(Sqrt(Abs(b)), 1))
		relu := activations.Relu(a)
		grad := Gradient(ReduceAllSum(Mul(relu, b)), a)[0]
		// ReLU written with Where, and a 2×2 max-pool written as reshape + ReduceMax, with gradients
		// (comparisons, Where, broadcast operands).
		reluW := Where(GreaterThan(a, ScalarZero(a.Graph(), a.DType())), a, ZerosLike(a))
		sq := Slice(reluW, AxisRange(), AxisRange(0, 36), AxisRange(0, 40))
		pooled := ReduceMax(Reshape(sq, 3, 18, 2, 20, 2), 2, 4)
		poolGrad := Gradient(ReduceAllSum(Mul(pooled, pooled)), a)[0]
		rowMax := ReduceAndKeep(a, ReduceMax, 2)
		cmp := GreaterOrEqual(a, b) // used twice: becomes a bool leaf
		sel := Add(Where(cmp, Sub(a, rowMax), b), Where(cmp, b, a))
		bcast := Mul(BroadcastToDims(Reshape(ReduceSum(b, 0, 2), 1, 37, 1), 3, 37, 41), Exp(a))
		return []*Node{chain, shared, Tanh(Logistic(Max(a, b))), grad, Pow(Abs(a), MulScalar(b, 0.1)),
			poolGrad, sel, bcast, Where(LessThan(a, MulScalar(b, 0.5)), a, Neg(b)),
			Mul(ConvertDType(Equal(Floor(MulScalar(a, 2)), Floor(MulScalar(b, 2))), a.DType()), b),
			// Single values on either side of comparisons and in Where.
			Where(LessThan(Scalar(a.Graph(), a.DType(), 0.3), a), ZerosLike(a), Neg(b)),
			Where(GreaterOrEqual(Scalar(a.Graph(), a.DType(), 0.1), Exp(a)), Neg(a), OnesLike(a)),
			Where(LessOrEqual(Neg(a), b), Exp(b), ZerosLike(a)),
			Add(Where(NotEqual(Floor(a), Floor(b)), OnesLike(a), ZerosLike(a)), Mul(a, b)),
			// Sums over leading axes of fused expressions (accumulated without storing them), and
			// one over a middle axis (not rewritten).
			ReduceSum(Mul(Sub(a, b), Exp(a)), 0), ReduceSum(Mul(Sub(a, b), Exp(b)), 0, 1),
			ReduceAllSum(Mul(Add(a, b), Abs(a))), ReduceSum(Mul(Sub(b, a), Exp(a)), 1),
			// Maxima of fused expressions over the last, middle and first axes (the first is not
			// rewritten), with NaN where a < −1.5.
			ReduceMax(Mul(Exp(a), b), 2), ReduceMax(Add(Abs(a), Sqrt(AddScalar(a, 1.5))), 1, 2),
			ReduceMax(Mul(Exp(a), b), 0),
			// A comparison of another dtype selecting values of this one.
			Where(GreaterThan(ConvertDType(a, dtypes.Float32), ConvertDType(b, dtypes.Float32)), Exp(a), Neg(b))}
	}
	b := newBackend(t)
	got := run(t, b, fn, x, y)
	st := statsOf(b)
	if st.FusedElementwise == 0 {
		t.Fatal("no fusion happened")
	}
	if n := st.FusedSums; n < 3 {
		t.Errorf("%d sums of fused programs, want at least 3", n)
	}
	if n := st.FusedMaxes; n != 2 {
		t.Errorf("%d maxima of fused programs, want 2", n)
	}
	cpu.SetElementwiseFusion(false)
	defer cpu.SetElementwiseFusion(true)
	want := run(t, newBackend(t), fn, x, y)
	for i := range got {
		if d := maxRelDiff(got[i], want[i]); !(d < 1e-14) {
			t.Errorf("output %d differs by %g", i, d)
		}
	}
}
