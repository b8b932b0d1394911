package cpu_test

import (
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// TestOpsAgainstSimpleGo evaluates each op on the cpu backend and on GoMLX's simplego backend (an
// independent implementation) and compares.
func TestOpsAgainstSimpleGo(t *testing.T) {
	cpuB, ref := newBackend(t), simpleGo(t)
	rng := rand.New(rand.NewPCG(3, 4))
	a := randTensor(rng, 2, 3, 4)
	bcast := randTensor(rng, 1, 3, 1)
	m1 := randTensor(rng, 5, 7)
	m2 := randTensor(rng, 7, 3)
	bt1 := randTensor(rng, 4, 5, 6)
	bt2 := randTensor(rng, 4, 6, 3)
	img := randTensor(rng, 2, 9, 8, 3)
	cases := []struct {
		name string
		fn   func([]*Node) []*Node
		args []*tensors.Tensor
	}{
		{"arith-broadcast", func(x []*Node) []*Node {
			return []*Node{Add(x[0], x[1]), Sub(x[1], x[0]), Mul(x[0], x[1]), Div(x[0], AddScalar(Abs(x[1]), 1)),
				Max(x[0], x[1]), Min(x[0], x[1]), Pow(Abs(x[0]), x[1]), MulScalar(x[0], 3)}
		}, []*tensors.Tensor{a, bcast}},
		{"unary", func(x []*Node) []*Node {
			v := x[0]
			return []*Node{Exp(v), Log(AddScalar(Abs(v), 0.1)), Tanh(v), Logistic(v), Sqrt(Abs(v)), Neg(v),
				Abs(v), Sign(v), Floor(v), Ceil(v), Round(MulScalar(v, 3)), Erf(v), Expm1(v), Log1p(Abs(v)),
				Rsqrt(AddScalar(Abs(v), 1)), Cos(v), Sin(v), activations.Relu(v)}
		}, []*tensors.Tensor{a}},
		{"compare-where-clamp", func(x []*Node) []*Node {
			c := GreaterThan(x[0], x[1])
			// Intermediate operands may be overwritten in place by Where and Clamp.
			return []*Node{ConvertDType(c, dtypes.Float64), Where(c, x[0], x[1]),
				Where(c, AddScalar(x[0], 1), MulScalar(x[1], 2)), Where(c, x[0], MulScalar(x[1], 2)),
				Clamp(Scalar(x[0].Graph(), dtypes.Float64, -0.5), AddScalar(x[0], 0.1), Scalar(x[0].Graph(), dtypes.Float64, 0.5)),
				ConvertDType(LessOrEqual(x[0], x[1]), dtypes.Float64), ConvertDType(Equal(x[0], x[0]), dtypes.Float64),
				Clamp(Scalar(x[0].Graph(), dtypes.Float64, -0.5), x[0], Scalar(x[0].Graph(), dtypes.Float64, 0.5)), ConvertDType(ConvertDType(MulScalar(x[0], 10), dtypes.Int32), dtypes.Float64)}
		}, []*tensors.Tensor{a, BroadcastTensor(t, bcast, a)}},
		{"scalar-broadcast", func(x []*Node) []*Node {
			v := x[0]
			g := v.Graph()
			dims := v.Shape().Dimensions
			two := BroadcastToDims(Scalar(g, dtypes.Float64, 2.5), dims...)
			return []*Node{Max(v, ZerosLike(v)), Where(GreaterThan(v, ZerosLike(v)), two, v),
				Add(two, BroadcastToDims(Scalar(g, dtypes.Float64, 1), dims...)), Sub(two, v)}
		}, []*tensors.Tensor{a}},
		{"reduce", func(x []*Node) []*Node {
			v := x[0]
			return []*Node{ReduceSum(v, 0), ReduceSum(v, 1, 2), ReduceAllSum(v), ReduceMax(v, 1), ReduceMin(v, 0, 2),
				ReduceMultiply(v, 2), ConvertDType(ArgMax(v, 1), dtypes.Float64), ConvertDType(ArgMin(v, 2), dtypes.Float64)}
		}, []*tensors.Tensor{a}},
		{"reduce-large", func(x []*Node) []*Node {
			// Large enough for the parallel paths: per-goroutine partial outputs (leading axis
			// reduced) and disjoint output ranges (leading axis kept).
			v := x[0]
			return []*Node{ReduceSum(v, 0, 1), ReduceMax(v, 0), ReduceMin(v, 0, 2), ReduceSum(v, 1, 2), ReduceMax(v, 2)}
		}, []*tensors.Tensor{randTensor(rng, 300, 20, 30)}},
		{"shape", func(x []*Node) []*Node {
			v := x[0]
			return []*Node{TransposeAllAxes(v, 2, 0, 1), Reshape(v, 6, 4), BroadcastToDims(x[1], 2, 3, 4),
				Slice(v, AxisRange(0, 2), AxisRange(1, 3), AxisRange(0, 4).Stride(2)), Concatenate([]*Node{v, v}, 1),
				ExpandAxes(v, 0), Iota(v.Graph(), v.Shape(), 2), OneHot(Const(v.Graph(), []int32{2, 0, 3}), 4, dtypes.Float64)}
		}, []*tensors.Tensor{a, bcast}},
		{"gather", func(x []*Node) []*Node {
			idx := Const(x[0].Graph(), [][]int32{{1}, {4}, {0}})
			upd := Const(x[0].Graph(), [][]float64{{1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14}, {-1, -2, -3, -4, -5, -6, -7}})
			return []*Node{Gather(x[0], idx), ScatterSum(x[0], idx, upd, false, false),
				ScatterMax(x[0], idx, upd, false, false), ScatterMin(x[0], idx, upd, false, false)}
		}, []*tensors.Tensor{m1}},
		{"dot", func(x []*Node) []*Node {
			return []*Node{Dot(x[0], x[1]), Einsum("bij,bjk->bik", x[2], x[3]), Einsum("bij,bkj->bik", x[2], x[2]),
				Einsum("bij,bik->jk", x[2], x[2])}
		}, []*tensors.Tensor{m1, m2, bt1, bt2}},
		{"mul-reduce-fused", func(x []*Node) []*Node {
			// Each broadcast product has a single user, so all are rewritten except the one without
			// broadcasting.
			// An explicitly broadcast operand (BroadcastInDim) is looked through as well.
			vb := BroadcastToDims(x[4], 6, 7, 8)
			return []*Node{ReduceSum(Mul(x[0], x[1]), 3), ReduceSum(Mul(x[1], x[0]), 0, 3),
				ReduceSum(Mul(x[2], x[3]), 0), ReduceSum(Mul(x[0], x[0]), 1),
				ReduceSum(Mul(vb, x[5]), 2), ReduceSum(Mul(vb, x[6]), 0)}
		}, []*tensors.Tensor{randTensor(rng, 2, 3, 1, 4), randTensor(rng, 2, 1, 5, 4), randTensor(rng, 4, 1, 3),
			randTensor(rng, 4, 5, 1), randTensor(rng, 6, 1, 8), randTensor(rng, 1, 7, 8), randTensor(rng, 6, 7, 1)}},
		{"pool", func(x []*Node) []*Node {
			return []*Node{MaxPool(x[0]).Window(2).Done(), MeanPool(x[0]).Window(3).Strides(2).Done(),
				MaxPool(x[0]).Window(3).Strides(2).PadSame().Done(), SumPool(x[0]).Window(2).Strides(1).Done(),
				// Channels-first pooling takes the generic (non-NHWC) path.
				MaxPool(TransposeAllAxes(x[0], 0, 3, 1, 2)).ChannelsAxis(images.ChannelsFirst).Window(2).Done()}
		}, []*tensors.Tensor{img}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, cpuB, c.fn, c.args...)
			want := run(t, ref, c.fn, c.args...)
			for i := range got {
				if d := maxRelDiff(got[i], want[i]); !(d < 1e-12) {
					t.Errorf("output %d: max relative difference %g\n got %v\nwant %v", i, d, head(got[i]), head(want[i]))
				}
			}
		})
	}
	if n := statsOf(cpuB).FusedDots; n != 5 {
		t.Errorf("%d ReduceSum(Mul) rewritten as products, want 5", n)
	}
}

func head(v []float64) []float64 {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

// BroadcastTensor returns src broadcast to like's shape, computed on the host.
func BroadcastTensor(t *testing.T, src, like *tensors.Tensor) *tensors.Tensor {
	sd, ld := src.Shape().Dimensions, like.Shape().Dimensions
	s := flat64(src)
	out := make([]float64, like.Shape().Size())
	idx := make([]int, len(ld))
	for i := range out {
		off, st := 0, 1
		for a := len(ld) - 1; a >= 0; a-- {
			if sd[a] != 1 {
				off += idx[a] * st
			}
			st *= sd[a]
		}
		out[i] = s[off]
		for a := len(ld) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < ld[a] {
				break
			}
			idx[a] = 0
		}
	}
	return tensors.FromFlatDataAndDimensions(out, ld...)
}

// TestPadReverse checks Pad (negative, positive and interior padding) and Reverse against naive loops.
func TestPadReverse(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	x := randTensor(rng, 3, 4)
	xs := flat64(x)
	cfg := []backends.PadAxis{{Start: 2, End: -1, Interior: 1}, {Start: -1, End: 3, Interior: 2}}
	got := run(t, b, func(in []*Node) []*Node {
		return []*Node{Pad(in[0], Const(in[0].Graph(), 7.5), cfg...), Reverse(in[0], 0), Reverse(in[0], 0, 1)}
	}, x)
	// Naive pad: place x[i][j] at (2+2i, -1+3j) in a 6×12 grid, keeping what falls inside.
	rows, cols := 2+3+2-1, -1+4+3*2+3
	want := make([]float64, rows*cols)
	for i := range want {
		want[i] = 7.5
	}
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			r, c := 2+2*i, -1+3*j
			if r >= 0 && r < rows && c >= 0 && c < cols {
				want[r*cols+c] = xs[i*4+j]
			}
		}
	}
	if d := maxRelDiff(got[0], want); d != 0 {
		t.Errorf("Pad: got %v, want %v", got[0], want)
	}
	rev0 := make([]float64, 12)
	rev01 := make([]float64, 12)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			rev0[i*4+j] = xs[(2-i)*4+j]
			rev01[i*4+j] = xs[(2-i)*4+(3-j)]
		}
	}
	if maxRelDiff(got[1], rev0) != 0 || maxRelDiff(got[2], rev01) != 0 {
		t.Errorf("Reverse: got %v and %v", got[1], got[2])
	}
}

// TestBatchNormForward checks BatchNormForTraining and BatchNormForInference against the formula
// computed on the host.
func TestBatchNormForward(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(7, 8))
	x, scale, offset := randTensor(rng, 4, 3, 5), randTensor(rng, 3), randTensor(rng, 3)
	const eps = 1e-3
	got := run(t, b, func(in []*Node) []*Node {
		y, m, v := InternalBatchNormForTraining(in[0], in[1], in[2], eps, 1)
		yi := InternalBatchNormForInference(in[0], in[1], in[2], m, v, eps, 1)
		return []*Node{y, m, v, yi}
	}, x, scale, offset)
	xs, ss, os := flat64(x), flat64(scale), flat64(offset)
	want := make([]float64, len(xs))
	for c := 0; c < 3; c++ {
		var s, s2 float64
		for n := 0; n < 4; n++ {
			for k := 0; k < 5; k++ {
				s += xs[(n*3+c)*5+k]
			}
		}
		m := s / 20
		for n := 0; n < 4; n++ {
			for k := 0; k < 5; k++ {
				d := xs[(n*3+c)*5+k] - m
				s2 += d * d
			}
		}
		v := s2 / 20
		if math.Abs(got[1][c]-m) > 1e-12 || math.Abs(got[2][c]-v) > 1e-12 {
			t.Errorf("channel %d: mean/var %g/%g, want %g/%g", c, got[1][c], got[2][c], m, v)
		}
		for n := 0; n < 4; n++ {
			for k := 0; k < 5; k++ {
				i := (n*3+c)*5 + k
				want[i] = (xs[i]-m)/math.Sqrt(v+eps)*ss[c] + os[c]
			}
		}
	}
	if d := maxRelDiff(got[0], want); d > 1e-10 {
		t.Errorf("training output differs by %g", d)
	}
	if d := maxRelDiff(got[3], want); d > 1e-10 {
		t.Errorf("inference output differs by %g", d)
	}
}

// TestUnsupportedOpErrors checks that an op the backend lacks fails with an error naming it.
func TestUnsupportedOpErrors(t *testing.T) {
	b := newBackend(t)
	exec, err := NewExec(b, func(x *Node) *Node { return BitCount(x) })
	if err != nil {
		t.Fatal(err)
	}
	_, err = exec.Exec(tensors.FromValue([]int32{1, 2}))
	if err == nil {
		t.Fatal("BitCount: no error")
	}
	if !containsAll(err.Error(), "BitCount", "not implemented") {
		t.Errorf("error does not name the op: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		found := false
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// naiveConv computes out[n,oh,ow,o] = Σ_{i,j,c} x[n, oh·s0+i·d0−p0, ow·s1+j·d1−p1, c]·w[i,j,c,o] for NHWC x
// and HWIO w, with zero padding (pads[a] = {low, high}).
func naiveConv(x []float64, xd []int, w []float64, wd []int, strides, dil []int, pads [][2]int) ([]float64, []int) {
	N, H, W, C := xd[0], xd[1], xd[2], xd[3]
	KH, KW, O := wd[0], wd[1], wd[3]
	OH := (H+pads[0][0]+pads[0][1]-((KH-1)*dil[0]+1))/strides[0] + 1
	OW := (W+pads[1][0]+pads[1][1]-((KW-1)*dil[1]+1))/strides[1] + 1
	out := make([]float64, N*OH*OW*O)
	for n := 0; n < N; n++ {
		for oh := 0; oh < OH; oh++ {
			for ow := 0; ow < OW; ow++ {
				for o := 0; o < O; o++ {
					s := 0.0
					for i := 0; i < KH; i++ {
						for j := 0; j < KW; j++ {
							h, v := oh*strides[0]+i*dil[0]-pads[0][0], ow*strides[1]+j*dil[1]-pads[1][0]
							if h < 0 || h >= H || v < 0 || v >= W {
								continue
							}
							for c := 0; c < C; c++ {
								s += x[((n*H+h)*W+v)*C+c] * w[((i*KW+j)*C+c)*O+o]
							}
						}
					}
					out[((n*OH+oh)*OW+ow)*O+o] = s
				}
			}
		}
	}
	return out, []int{N, OH, OW, O}
}

// TestConvForward checks ConvGeneral (strides, asymmetric padding, kernel dilation, channels-first
// layout) against naiveConv.
func TestConvForward(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	x, w := randTensor(rng, 2, 9, 8, 3), randTensor(rng, 3, 3, 3, 4)
	xs, ws := flat64(x), flat64(w)
	xd, wd := []int{2, 9, 8, 3}, []int{3, 3, 3, 4}
	cases := []struct {
		name          string
		fn            func(x, w *Node) *Node
		strides, dil  []int
		pads          [][2]int
		channelsFirst bool
	}{
		{"same", func(x, w *Node) *Node { return Convolve(x, w).PadSame().Done() }, []int{1, 1}, []int{1, 1}, [][2]int{{1, 1}, {1, 1}}, false},
		{"valid-stride21", func(x, w *Node) *Node { return Convolve(x, w).NoPadding().StridePerAxis(2, 1).Done() },
			[]int{2, 1}, []int{1, 1}, [][2]int{{0, 0}, {0, 0}}, false},
		{"asym-pad-stride2", func(x, w *Node) *Node {
			return Convolve(x, w).PaddingPerDim([][2]int{{1, 0}, {2, 1}}).Strides(2).Done()
		}, []int{2, 2}, []int{1, 1}, [][2]int{{1, 0}, {2, 1}}, false},
		{"dilation2", func(x, w *Node) *Node { return Convolve(x, w).NoPadding().Dilations(2).Done() },
			[]int{1, 1}, []int{2, 2}, [][2]int{{0, 0}, {0, 0}}, false},
		{"channels-first", func(x, w *Node) *Node {
			return TransposeAllAxes(Convolve(TransposeAllAxes(x, 0, 3, 1, 2), TransposeAllAxes(w, 3, 2, 0, 1)).ChannelsAxis(images.ChannelsFirst).PadSame().Done(), 0, 2, 3, 1)
		}, []int{1, 1}, []int{1, 1}, [][2]int{{1, 1}, {1, 1}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, b, func(in []*Node) []*Node { return []*Node{c.fn(in[0], in[1])} }, x, w)[0]
			want, _ := naiveConv(xs, xd, ws, wd, c.strides, c.dil, c.pads)
			if d := maxRelDiff(got, want); !(d < 1e-12) {
				t.Errorf("max relative difference %g", d)
			}
		})
	}
}

// TestRandomUniform checks RNGBitGenerator through graph.RandomUniform: values in [0, 1) with mean
// and variance near 1/2 and 1/12, and a new state giving different values.
func TestRandomUniform(t *testing.T) {
	b := newBackend(t)
	state, err := RNGStateFromSeed(42)
	if err != nil {
		t.Fatal(err)
	}
	outs := run(t, b, func(in []*Node) []*Node {
		s, u1 := RandomUniform(in[0], shapes.Make(dtypes.Float64, 20000))
		_, u2 := RandomUniform(s, shapes.Make(dtypes.Float32, 20000))
		return []*Node{u1, u2}
	}, state)
	for k, u := range outs {
		var m, v float64
		for _, x := range u {
			if x < 0 || x >= 1 {
				t.Fatalf("output %d: value %g outside [0,1)", k, x)
			}
			m += x
		}
		m /= float64(len(u))
		for _, x := range u {
			v += (x - m) * (x - m)
		}
		v /= float64(len(u))
		if math.Abs(m-0.5) > 0.01 || math.Abs(v-1.0/12) > 0.005 {
			t.Errorf("output %d: mean %g, variance %g", k, m, v)
		}
	}
	same := 0
	for i := range outs[0] {
		if float32(outs[0][i]) == float32(outs[1][i]) {
			same++
		}
	}
	if same > 10 {
		t.Errorf("%d equal values after advancing the state", same)
	}
}

// TestDynamicSlice checks DynamicSlice (with a start index clamped so the slice fits) and
// DynamicUpdateSlice against host loops.
func TestDynamicSlice(t *testing.T) {
	b := newBackend(t)
	rng := rand.New(rand.NewPCG(17, 18))
	x := randTensor(rng, 5, 7)
	xs := flat64(x)
	got := run(t, b, func(in []*Node) []*Node {
		g := in[0].Graph()
		i1, i3 := Const(g, int32(1)), Const(g, int32(3))
		upd := MulScalar(Slice(in[0], AxisRange(0, 2), AxisRange(0, 2)), 10)
		return []*Node{DynamicSlice(in[0], []*Node{i1, i3}, []int{3, 5}), DynamicUpdateSlice(in[0], upd, []*Node{i3, i1})}
	}, x)
	var wantSlice []float64
	for r := 1; r < 4; r++ {
		for c := 2; c < 7; c++ { // start 3 clamped to 7−5 = 2
			wantSlice = append(wantSlice, xs[r*7+c])
		}
	}
	wantUpd := append([]float64(nil), xs...)
	for r := 0; r < 2; r++ {
		for c := 0; c < 2; c++ {
			wantUpd[(3+r)*7+1+c] = 10 * xs[r*7+c]
		}
	}
	if maxRelDiff(got[0], wantSlice) != 0 || maxRelDiff(got[1], wantUpd) != 0 {
		t.Errorf("DynamicSlice %v\nwant %v\nDynamicUpdateSlice %v\nwant %v", got[0], wantSlice, got[1], wantUpd)
	}
}
