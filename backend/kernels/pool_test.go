package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refPool materialises the padded input (padding = NaN marker) and reduces each window directly.
func refPool(p PoolParams, x []float64, isMax bool) []float64 {
	q := p.norm()
	hp, wp := q.H+q.PadTop+q.PadBottom, q.W+q.PadLeft+q.PadRight
	pad := make([]float64, q.N*hp*wp*q.C)
	in := make([]bool, q.N*hp*wp*q.C)
	for n := 0; n < q.N; n++ {
		for h := 0; h < q.H; h++ {
			for w := 0; w < q.W; w++ {
				for c := 0; c < q.C; c++ {
					k := ((n*hp+h+q.PadTop)*wp+w+q.PadLeft)*q.C + c
					pad[k] = x[((n*q.H+h)*q.W+w)*q.C+c]
					in[k] = true
				}
			}
		}
	}
	oh, ow := (hp-q.WinH)/q.StrideH+1, (wp-q.WinW)/q.StrideW+1
	y := make([]float64, q.N*oh*ow*q.C)
	for n := 0; n < q.N; n++ {
		for r := 0; r < oh; r++ {
			for s := 0; s < ow; s++ {
				for c := 0; c < q.C; c++ {
					acc, cnt := math.Inf(-1), 0
					if !isMax {
						acc = 0
					}
					for a := 0; a < q.WinH; a++ {
						for b := 0; b < q.WinW; b++ {
							k := ((n*hp+r*q.StrideH+a)*wp+s*q.StrideW+b)*q.C + c
							if !in[k] {
								continue
							}
							cnt++
							if isMax {
								acc = math.Max(acc, pad[k])
							} else {
								acc += pad[k]
							}
						}
					}
					if !isMax {
						if q.CountIncludePad {
							cnt = q.WinH * q.WinW
						}
						if cnt > 0 {
							acc /= float64(cnt)
						}
					}
					y[((n*oh+r)*ow+s)*q.C+c] = acc
				}
			}
		}
	}
	return y
}

func poolCases() []PoolParams {
	return []PoolParams{
		{N: 2, H: 28, W: 28, C: 3, WinH: 2, WinW: 2, StrideH: 2, StrideW: 2},
		{N: 2, H: 7, W: 7, C: 2, WinH: 2, WinW: 2, StrideH: 2, StrideW: 2}, // odd size, last row dropped
		{N: 1, H: 6, W: 5, C: 3, WinH: 3, WinW: 3, StrideH: 2, StrideW: 1, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 0},
		{N: 2, H: 5, W: 5, C: 2, WinH: 3, WinW: 2, PadTop: 0, PadBottom: 2, PadLeft: 1, PadRight: 1, CountIncludePad: true},
		{N: 3, H: 4, W: 4, C: 1, WinH: 4, WinW: 4}, // global pooling
		{N: 1, H: 8, W: 8, C: 2, WinH: 2, WinW: 2, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
		{N: 2, H: 7, W: 8, C: 3, WinH: 3, WinW: 2, StrideH: 3, StrideW: 2}, // tiling windows, leftover row
		{N: 2, H: 6, W: 7, C: 2, WinH: 2, WinW: 3, StrideH: 2, StrideW: 3}, // tiling windows, leftover column
	}
}

func TestPoolingMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range poolCases() {
		x := randVec(r, p.InputSize())
		for _, isMax := range []bool{true, false} {
			want := refPool(p, x, isMax)
			if len(want) != p.OutputSize() {
				t.Fatalf("%+v: reference size %d, OutputSize %d", p, len(want), p.OutputSize())
			}
			y, y32 := make([]float64, p.OutputSize()), make([]float32, p.OutputSize())
			if isMax {
				MaxPool2D(p, x, y)
				MaxPool2D(p, to32(x), y32)
			} else {
				AvgPool2D(p, x, y)
				AvgPool2D(p, to32(x), y32)
			}
			for i := range want {
				if math.Abs(y[i]-want[i]) > 1e-14 || math.Abs(float64(y32[i])-want[i]) > 1e-6 {
					t.Fatalf("%+v max=%v: y[%d] = %g (float32 %g), want %g", p, isMax, i, y[i], y32[i], want[i])
				}
			}
		}
	}
}

// TestPoolingGradients checks the adjoint identity ⟨Pool(x), dy⟩ = ⟨x, dx⟩ (exact for average pooling,
// and for max pooling with the maxima fixed) and central finite differences in float64.
func TestPoolingGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const h = 1e-6 // inputs are distinct by far more, so the maxima do not move
	for _, p := range poolCases() {
		for _, isMax := range []bool{true, false} {
			x, dy := randVec(r, p.InputSize()), randVec(r, p.OutputSize())
			y := make([]float64, p.OutputSize())
			fwd := func() {
				if isMax {
					MaxPool2D(p, x, y)
				} else {
					AvgPool2D(p, x, y)
				}
			}
			dx := randVec(r, p.InputSize())
			if isMax {
				MaxPool2DBackward(p, x, dy, dx)
			} else {
				AvgPool2DBackward(p, dy, dx)
			}
			fwd()
			if l, lx := dot(y, dy), dot(x, dx); math.Abs(l-lx) > 1e-12*float64(len(y)) {
				t.Fatalf("%+v max=%v: <y,dy>=%.15g <x,dx>=%.15g", p, isMax, l, lx)
			}
			for i := range x {
				old := x[i]
				x[i] = old + h
				fwd()
				lp := dot(y, dy)
				x[i] = old - h
				fwd()
				lm := dot(y, dy)
				x[i] = old
				fd := (lp - lm) / (2 * h)
				if math.Abs(fd-dx[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Fatalf("%+v max=%v: dx[%d] = %.12g, finite difference %.12g", p, isMax, i, dx[i], fd)
				}
			}
			dx32 := make([]float32, len(dx))
			if isMax {
				MaxPool2DBackward(p, to32(x), to32(dy), dx32)
			} else {
				AvgPool2DBackward(p, to32(dy), dx32)
			}
			for i := range dx {
				if math.Abs(float64(dx32[i])-dx[i]) > 1e-5 {
					t.Fatalf("%+v max=%v: float32 dx[%d] = %g, float64 %g", p, isMax, i, dx32[i], dx[i])
				}
			}
		}
	}
}

// TestMaxPoolTiesAndNaN pins the tie rule (first maximum in row-major window order) and NaN handling,
// for tiling windows (stride = window) and for overlapping ones (stride 1, where the 2×2 input has a
// single window too).
func TestMaxPoolTiesAndNaN(t *testing.T) {
	for _, p := range []PoolParams{
		{N: 1, H: 2, W: 2, C: 1, WinH: 2, WinW: 2, StrideH: 2, StrideW: 2},
		{N: 1, H: 2, W: 2, C: 1, WinH: 2, WinW: 2},
	} {
		testMaxPoolTiesAndNaN(t, p)
	}
}

func testMaxPoolTiesAndNaN(t *testing.T, p PoolParams) {
	cases := []struct {
		x      []float64
		y      float64
		wantDx []float64
	}{
		{[]float64{1, 3, 3, 2}, 3, []float64{0, 5, 0, 0}},
		{[]float64{7, 7, 7, 7}, 7, []float64{5, 0, 0, 0}},
		{[]float64{1, math.NaN(), 2, math.NaN()}, math.NaN(), []float64{0, 5, 0, 0}},
	}
	for _, tc := range cases {
		y, dx := make([]float64, 1), make([]float64, 4)
		MaxPool2D(p, tc.x, y)
		MaxPool2DBackward(p, tc.x, []float64{5}, dx)
		if !(y[0] == tc.y || (math.IsNaN(y[0]) && math.IsNaN(tc.y))) {
			t.Errorf("%+v x=%v: y=%g, want %g", p, tc.x, y[0], tc.y)
		}
		for i := range dx {
			if dx[i] != tc.wantDx[i] {
				t.Errorf("%+v x=%v: dx=%v, want %v", p, tc.x, dx, tc.wantDx)
				break
			}
		}
	}
}
