package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cct-dev/cct/backend/blas"
)

// refConv is the reference convolution in float64, written independently of the kernels' index
// tables: it materialises the dilated and padded (or cropped) input and the dilated kernel, then runs
// the 7-loop strided valid correlation over them.
func refConv(p ConvParams, x, w []float64) []float64 {
	q := p.norm()
	hd, wd := (q.H-1)*q.InDilH+1, (q.W-1)*q.InDilW+1
	hp, wp := hd+q.PadTop+q.PadBottom, wd+q.PadLeft+q.PadRight
	xp := make([]float64, q.N*max(hp, 0)*max(wp, 0)*q.C)
	for n := 0; n < q.N; n++ {
		for a := 0; a < hp; a++ {
			for b := 0; b < wp; b++ {
				ha, wb := a-q.PadTop, b-q.PadLeft // coordinate in the dilated input
				if ha < 0 || ha >= hd || wb < 0 || wb >= wd || ha%q.InDilH != 0 || wb%q.InDilW != 0 {
					continue
				}
				for c := 0; c < q.C; c++ {
					xp[((n*hp+a)*wp+b)*q.C+c] = x[((n*q.H+ha/q.InDilH)*q.W+wb/q.InDilW)*q.C+c]
				}
			}
		}
	}
	kh, kw := (q.KH-1)*q.KDilH+1, (q.KW-1)*q.KDilW+1
	wdil := make([]float64, kh*kw*q.C*q.O)
	for i := 0; i < q.KH; i++ {
		for j := 0; j < q.KW; j++ {
			copy(wdil[((i*q.KDilH)*kw+j*q.KDilW)*q.C*q.O:], w[(i*q.KW+j)*q.C*q.O:(i*q.KW+j+1)*q.C*q.O])
		}
	}
	oh, ow := 0, 0
	if hp >= kh {
		oh = (hp-kh)/q.StrideH + 1
	}
	if wp >= kw {
		ow = (wp-kw)/q.StrideW + 1
	}
	y := make([]float64, q.N*oh*ow*q.O)
	for n := 0; n < q.N; n++ {
		for r := 0; r < oh; r++ {
			for s := 0; s < ow; s++ {
				for o := 0; o < q.O; o++ {
					var sum float64
					for a := 0; a < kh; a++ {
						for b := 0; b < kw; b++ {
							for c := 0; c < q.C; c++ {
								sum += xp[((n*hp+r*q.StrideH+a)*wp+s*q.StrideW+b)*q.C+c] * wdil[((a*kw+b)*q.C+c)*q.O+o]
							}
						}
					}
					y[((n*oh+r)*ow+s)*q.O+o] = sum
				}
			}
		}
	}
	return y
}

func randVec(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64()*2 - 1
	}
	return v
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func convCases() []ConvParams {
	return []ConvParams{
		{N: 2, H: 5, W: 6, C: 3, KH: 3, KW: 3, O: 4},                                                   // valid, zero strides mean 1
		{N: 2, H: 7, W: 7, C: 2, KH: 5, KW: 5, O: 3, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2}, // VGG-style
		{N: 3, H: 8, W: 9, C: 1, KH: 3, KW: 2, O: 5, StrideH: 2, StrideW: 3, PadTop: 1, PadBottom: 0, PadLeft: 0, PadRight: 2},
		{N: 2, H: 6, W: 7, C: 3, KH: 3, KW: 3, O: 2, KDilH: 2, KDilW: 3, PadTop: 2, PadBottom: 1, PadLeft: 3, PadRight: 0},
		{N: 2, H: 4, W: 5, C: 2, KH: 3, KW: 2, O: 3, InDilH: 2, InDilW: 3, PadTop: 1, PadBottom: 2, PadLeft: 0, PadRight: 1},
		{N: 1, H: 5, W: 5, C: 4, KH: 2, KW: 3, O: 2, StrideH: 2, StrideW: 2, InDilH: 2, InDilW: 2, KDilH: 2, KDilW: 1, PadTop: 3, PadBottom: 1, PadLeft: 1, PadRight: 2},
		{N: 2, H: 8, W: 8, C: 3, KH: 3, KW: 3, O: 2, PadTop: -1, PadBottom: 1, PadLeft: -2, PadRight: -1}, // cropping
		{N: 3, H: 4, W: 3, C: 5, KH: 1, KW: 1, O: 6},                                                      // 1×1 direct path
		{N: 2, H: 5, W: 4, C: 3, KH: 1, KW: 1, O: 2, StrideH: 2, StrideW: 2},                              // strided 1×1
		{N: 1, H: 3, W: 3, C: 2, KH: 5, KW: 5, O: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},    // window larger than input
		{N: 4, H: 6, W: 6, C: 2, KH: 6, KW: 6, O: 3},                                                      // 1×1 output
		// Input dilation with unit strides (computed as a transposed convolution), with kernel
		// dilation, asymmetric and negative padding.
		{N: 2, H: 4, W: 3, C: 3, KH: 3, KW: 2, O: 2, InDilH: 2, InDilW: 3, KDilH: 2, PadTop: 3, PadBottom: 0, PadLeft: 1, PadRight: 2},
		{N: 1, H: 5, W: 4, C: 2, KH: 2, KW: 3, O: 3, InDilH: 3, InDilW: 2, PadTop: -1, PadBottom: 2, PadLeft: 0, PadRight: -2},
		// Enough channels that border classes multiply straight out of the kernel (minBlock).
		{N: 2, H: 5, W: 4, C: 96, KH: 3, KW: 3, O: 5, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
		// Gradient-of-conv shapes as an XLA-style backend would express them through Conv2D.
		{N: 2, H: 3, W: 3, C: 4, KH: 3, KW: 3, O: 3, InDilH: 2, InDilW: 2, PadTop: 2, PadBottom: 3, PadLeft: 2, PadRight: 3},
		// Rows wide enough for the classes computed without a patch matrix (implicitCases).
		implicitCases()[0], implicitCases()[1], implicitCases()[2], implicitCases()[3], implicitCases()[4],
		implicitCases()[5], implicitCases()[6],
	}
}

// implicitCases have classes computed by implicitForward: 10 interior columns (a full tile and a
// partial one) with 20 outputs (a partial 16-wide strip), a strided one with kernel dilation along
// the height, and one with exactly 6 interior columns. The last two also have their filter gradient
// computed by implicitFilterGrad (16 or 32 outputs): KW·C = 15 (a partial tile of dw rows), and
// strided with kernel dilation along the height. The sixth is too small for either row path: its
// classes are computed indirectly. The last has its input gradient computed as a convolution (C a
// multiple of the tile width).
func implicitCases() []ConvParams {
	return []ConvParams{
		{N: 2, H: 6, W: 14, C: 3, KH: 5, KW: 5, O: 20, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2},
		{N: 2, H: 9, W: 21, C: 2, KH: 3, KW: 3, O: 17, StrideH: 2, StrideW: 2, KDilH: 2, PadTop: 1, PadBottom: 0, PadLeft: 1, PadRight: 1},
		{N: 3, H: 4, W: 8, C: 5, KH: 3, KW: 3, O: 33, PadTop: 1, PadBottom: 1},
		{N: 2, H: 6, W: 14, C: 3, KH: 5, KW: 5, O: 16, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2},
		{N: 3, H: 9, W: 21, C: 2, KH: 3, KW: 3, O: 32, StrideH: 2, StrideW: 2, KDilH: 2, PadTop: 1, PadBottom: 0, PadLeft: 1, PadRight: 1},
		{N: 3, H: 5, W: 5, C: 4, KH: 5, KW: 5, O: 16, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2},
		{N: 2, H: 7, W: 9, C: 16, KH: 3, KW: 3, O: 16, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
	}
}

// TestImplicitClasses checks that implicitCases exercise implicitForward where the micro-kernels exist.
func TestImplicitClasses(t *testing.T) {
	if !blas.Packed() {
		t.Skip("no assembly micro-kernels on this CPU")
	}
	defer func(k int) { implicitMinK = k }(implicitMinK)
	implicitMinK = 1
	for k, p := range implicitCases() {
		g := newConvGeom(p.norm())
		n := 0
		for _, cl := range g.classes() {
			if cl.implicit() {
				n += cl.q
			}
		}
		if n == 0 && k < 5 {
			t.Errorf("%v: no class is computed without a patch matrix", p)
		}
		if (k == 3 || k == 5) && !slices.ContainsFunc(g.classes(), func(cl convClass) bool { return !cl.implicit() && cl.indirect(16) }) {
			t.Errorf("%v: no class is computed by indirectForward", p)
		}
		if _, ok := inputGradAsConv(p); k == 6 && (!ok || p.C%16 != 0) {
			t.Errorf("%v: input gradient not computed as a convolution", p)
		}
		if want := k == 3 || k == 4 || k == 6; implicitFilter[float32](g) != want || implicitFilter[float64](g) != want {
			t.Errorf("%v: filter gradient without a patch matrix: %v, want %v", p, !want, want)
		}
	}
}

// withBudgets runs f with the default tiling, with one image per tile and every kernel run multiplied
// in place, and with small tiles and every class's kernel rows packed, so that tiling over the batch
// (accumulating products) and both ways of reading the kernel are covered.
//
// The last two also compute rows without a patch matrix from windows of any length (implicitMinK 1),
// so that the small test cases cover implicitForward as well as indirectForward.
func withBudgets(t *testing.T, f func(t *testing.T)) {
	saved, savedRows, savedBlock, savedK := colBudget, minTileRows, minBlock, implicitMinK
	defer func() { colBudget, minTileRows, minBlock, implicitMinK = saved, savedRows, savedBlock, savedK }()
	for _, b := range [][4]int{{saved, savedRows, savedBlock, savedK}, {1, 1, 1, 1}, {300, 40, 1 << 30, 1}} {
		colBudget, minTileRows, minBlock, implicitMinK = b[0], b[1], b[2], b[3]
		t.Run(fmt.Sprintf("budget=%d,rows=%d,block=%d,implicitMinK=%d", b[0], b[1], b[2], b[3]), f)
	}
}

func TestConv2DMatchesReference(t *testing.T) {
	withBudgets(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 1))
		for _, p := range convCases() {
			if p.OutH() <= 0 || p.OutW() <= 0 {
				t.Fatalf("%v: empty output in test case", p)
			}
			x, w := randVec(r, p.InputSize()), randVec(r, p.KernelSize())
			want := refConv(p, x, w)
			if len(want) != p.OutputSize() {
				t.Fatalf("%v: reference output size %d, OutputSize %d", p, len(want), p.OutputSize())
			}
			y := make([]float64, p.OutputSize())
			Conv2D(p, x, w, y)
			y32 := make([]float32, p.OutputSize())
			Conv2D(p, to32(x), to32(w), y32)
			bound := float64(p.KH * p.KW * p.C)
			for i := range want {
				if math.Abs(y[i]-want[i]) > 1e-13*bound {
					t.Fatalf("%v float64: y[%d] = %g, want %g", p, i, y[i], want[i])
				}
				if math.Abs(float64(y32[i])-want[i]) > 1e-6*bound {
					t.Fatalf("%v float32: y[%d] = %g, want %g", p, i, y32[i], want[i])
				}
			}
		}
	})
}

// TestConv2DGradientsAdjoint checks ⟨Conv(x,w), dy⟩ = ⟨x, dx⟩ = ⟨w, dw⟩.
func TestConv2DGradientsAdjoint(t *testing.T) {
	withBudgets(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 2))
		for _, p := range convCases() {
			x, w, dy := randVec(r, p.InputSize()), randVec(r, p.KernelSize()), randVec(r, p.OutputSize())
			y := make([]float64, p.OutputSize())
			Conv2D(p, x, w, y)
			dx := randVec(r, p.InputSize()) // garbage: must be overwritten
			Conv2DBackwardInput(p, dy, w, dx)
			dw := randVec(r, p.KernelSize())
			Conv2DBackwardFilter(p, x, dy, dw)
			l, lx, lw := dot(y, dy), dot(x, dx), dot(w, dw)
			scale := math.Sqrt(float64(len(y)*p.KH*p.KW*p.C)) + 1
			if math.Abs(l-lx) > 1e-12*scale || math.Abs(l-lw) > 1e-12*scale {
				t.Fatalf("%v: <y,dy>=%.15g <x,dx>=%.15g <w,dw>=%.15g", p, l, lx, lw)
			}
			// The float32 gradients agree with the float64 ones.
			dx32, dw32 := make([]float32, len(dx)), make([]float32, len(dw))
			Conv2DBackwardInput(p, to32(dy), to32(w), dx32)
			Conv2DBackwardFilter(p, to32(x), to32(dy), dw32)
			for i := range dx {
				if math.Abs(float64(dx32[i])-dx[i]) > 1e-5*scale {
					t.Fatalf("%v: float32 dx[%d] = %g, float64 %g", p, i, dx32[i], dx[i])
				}
			}
			for i := range dw {
				if math.Abs(float64(dw32[i])-dw[i]) > 1e-5*scale {
					t.Fatalf("%v: float32 dw[%d] = %g, float64 %g", p, i, dw32[i], dw[i])
				}
			}
		}
	})
}

// TestConv2DGradientsFiniteDifferences checks dx and dw against central differences of
// L(x, w) = ⟨Conv(x, w), dy⟩ in float64.
func TestConv2DGradientsFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const h = 1e-3
	for _, p := range convCases() {
		x, w, dy := randVec(r, p.InputSize()), randVec(r, p.KernelSize()), randVec(r, p.OutputSize())
		y := make([]float64, p.OutputSize())
		loss := func() float64 { Conv2D(p, x, w, y); return dot(y, dy) }
		dx, dw := make([]float64, len(x)), make([]float64, len(w))
		Conv2DBackwardInput(p, dy, w, dx)
		Conv2DBackwardFilter(p, x, dy, dw)
		check := func(name string, v, grad []float64) {
			for i := range v {
				old := v[i]
				v[i] = old + h
				lp := loss()
				v[i] = old - h
				lm := loss()
				v[i] = old
				fd := (lp - lm) / (2 * h)
				if math.Abs(fd-grad[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Fatalf("%v: d%s[%d] = %.12g, finite difference %.12g", p, name, i, grad[i], fd)
				}
			}
		}
		check("x", x, dx)
		check("w", w, dw)
	}
}

func TestConvParams(t *testing.T) {
	cases := []struct {
		p      ConvParams
		oh, ow int
		ok     bool
	}{
		{ConvParams{N: 1, H: 28, W: 28, C: 1, KH: 5, KW: 5, O: 64, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2}, 28, 28, true},
		{ConvParams{N: 1, H: 7, W: 7, C: 1, KH: 3, KW: 3, O: 1, StrideH: 2, StrideW: 3}, 3, 2, true},
		{ConvParams{N: 1, H: 3, W: 4, C: 1, KH: 1, KW: 1, O: 1, InDilH: 3, InDilW: 2}, 7, 7, true},
		{ConvParams{N: 1, H: 5, W: 5, C: 1, KH: 3, KW: 3, O: 1, KDilH: 2, KDilW: 3}, 1, 0, true},
		{ConvParams{N: 1, H: 5, W: 5, C: 1, KH: 3, KW: 3, O: 1, PadTop: -1, PadLeft: -3}, 2, 0, true},
		{ConvParams{N: 1, H: 0, W: 5, C: 1, KH: 3, KW: 3, O: 1}, 0, 3, false},
		{ConvParams{N: 1, H: 5, W: 5, C: 1, KH: 3, KW: 3, O: 1, StrideH: -1}, 3, 3, false},
	}
	for _, tc := range cases {
		if got := tc.p.Validate() == nil; got != tc.ok {
			t.Errorf("%v: Validate ok=%v, want %v", tc.p, got, tc.ok)
		}
		if tc.ok && (tc.p.OutH() != tc.oh || tc.p.OutW() != tc.ow) {
			t.Errorf("%v: out %dx%d, want %dx%d", tc.p, tc.p.OutH(), tc.p.OutW(), tc.oh, tc.ow)
		}
	}
}

func TestConv2DPanicsOnWrongLength(t *testing.T) {
	p := ConvParams{N: 1, H: 3, W: 3, C: 1, KH: 3, KW: 3, O: 1}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Conv2D(p, make([]float32, 9), make([]float32, 8), make([]float32, 1))
}

// TestGatherScatter checks the position classes (every output position in exactly one class, whose
// taps are exactly those with a source), that gather reads x at the indices of the definition, and
// that scatter is its adjoint: ⟨gather(x), col⟩ = ⟨x, scatter(col)⟩.
func TestGatherScatter(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, p := range convCases() {
		p = p.norm()
		g := newConvGeom(p)
		seen := make([]int, g.oh*g.ow)
		x := randVec(r, p.InputSize())
		for _, cl := range g.classes() {
			for _, off := range cl.offs {
				seen[off]++
			}
			col := make([]float64, p.N*cl.q*cl.k)
			gather(&cl, x, col, p.N)
			// Patch row (img, oh, ow): entries in (row tap, column tap, channel) order.
			row := 0
			for img := 0; img < p.N; img++ {
				for _, off := range cl.offs {
					oh, ow := off/g.ow, off%g.ow
					e := 0
					for i := 0; i < p.KH; i++ {
						ih := srcIndex(oh, i, p.StrideH, p.KDilH, p.PadTop, p.InDilH, p.H)
						if ih < 0 != !slices.Contains(cl.rc.taps, i) {
							t.Fatalf("%v: class row taps %v, row %d tap %d source %d", p, cl.rc.taps, oh, i, ih)
						}
						for j := 0; j < p.KW; j++ {
							iw := srcIndex(ow, j, p.StrideW, p.KDilW, p.PadLeft, p.InDilW, p.W)
							if iw < 0 != !slices.Contains(cl.cc.taps, j) {
								t.Fatalf("%v: class column taps %v, column %d tap %d source %d", p, cl.cc.taps, ow, j, iw)
							}
							if ih < 0 || iw < 0 {
								continue
							}
							for c := 0; c < p.C; c++ {
								if got, want := col[row*cl.k+e], x[((img*p.H+ih)*p.W+iw)*p.C+c]; got != want {
									t.Fatalf("%v: patch (%d,%d,%d) entry %d = %g, want %g", p, img, oh, ow, e, got, want)
								}
								e++
							}
						}
					}
					if e != cl.k {
						t.Fatalf("%v: patch length %d, class says %d", p, e, cl.k)
					}
					row++
				}
			}
			c := randVec(r, len(col))
			dx := make([]float64, len(x))
			scatter(&cl, c, dx, p.N)
			if l, lx := dot(col, c), dot(x, dx); math.Abs(l-lx) > 1e-10*(1+math.Abs(l)) {
				t.Fatalf("%v: <gather(x),col> = %g, <x,scatter(col)> = %g", p, l, lx)
			}
		}
		for off, n := range seen {
			oh, ow := off/g.ow, off%g.ow
			valid := false
			for i := 0; i < p.KH; i++ {
				for j := 0; j < p.KW; j++ {
					valid = valid || g.rowIdx[oh*p.KH+i] >= 0 && g.colIdx[ow*p.KW+j] >= 0
				}
			}
			if want := map[bool]int{true: 1}[valid]; n != want {
				t.Fatalf("%v: position (%d,%d) in %d classes, want %d", p, oh, ow, n, want)
			}
		}
	}
}

// TestGradientsAsConv checks the Conv2D forms of the two gradients used in the benchmarks against
// the direct gradient kernels.
func TestGradientsAsConv(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p := ConvParams{N: 3, H: 6, W: 5, C: 2, KH: 3, KW: 3, O: 4, PadTop: 1, PadBottom: 2, PadLeft: 0, PadRight: 1}
	x, w, dy := randVec(r, p.InputSize()), randVec(r, p.KernelSize()), randVec(r, p.OutputSize())
	dx, dw := make([]float64, len(x)), make([]float64, len(w))
	Conv2DBackwardInput(p, dy, w, dx)
	Conv2DBackwardFilter(p, x, dy, dw)
	// Reversed kernel with channels swapped: wr[i,j,o,c] = w[KH-1-i, KW-1-j, c, o].
	wr := make([]float64, len(w))
	for i := 0; i < p.KH; i++ {
		for j := 0; j < p.KW; j++ {
			for c := 0; c < p.C; c++ {
				for o := 0; o < p.O; o++ {
					wr[((i*p.KW+j)*p.O+o)*p.C+c] = w[(((p.KH-1-i)*p.KW+p.KW-1-j)*p.C+c)*p.O+o]
				}
			}
		}
	}
	dx2 := make([]float64, len(x))
	q, ok := inputGradAsConv(p)
	if !ok {
		t.Fatalf("%v: input gradient not expressible as a convolution", p)
	}
	Conv2D(q, dy, wr, dx2)
	// x as C×H×W×N and dy as OH×OW×N×O.
	oh, ow := p.OutH(), p.OutW()
	xt, dyt := make([]float64, len(x)), make([]float64, len(dy))
	for n := 0; n < p.N; n++ {
		for h := 0; h < p.H; h++ {
			for w := 0; w < p.W; w++ {
				for c := 0; c < p.C; c++ {
					xt[((c*p.H+h)*p.W+w)*p.N+n] = x[((n*p.H+h)*p.W+w)*p.C+c]
				}
			}
		}
		for a := 0; a < oh; a++ {
			for b := 0; b < ow; b++ {
				for o := 0; o < p.O; o++ {
					dyt[((a*ow+b)*p.N+n)*p.O+o] = dy[((n*oh+a)*ow+b)*p.O+o]
				}
			}
		}
	}
	dwc := make([]float64, len(w)) // C×KH×KW×O
	Conv2D(filterGradAsConv(p), xt, dyt, dwc)
	for i := range dx {
		if math.Abs(dx[i]-dx2[i]) > 1e-12 {
			t.Fatalf("dx[%d] = %g, as conv %g", i, dx[i], dx2[i])
		}
	}
	for i := 0; i < p.KH; i++ {
		for j := 0; j < p.KW; j++ {
			for c := 0; c < p.C; c++ {
				for o := 0; o < p.O; o++ {
					a, b := dw[((i*p.KW+j)*p.C+c)*p.O+o], dwc[((c*p.KH+i)*p.KW+j)*p.O+o]
					if math.Abs(a-b) > 1e-12 {
						t.Fatalf("dw[%d,%d,%d,%d] = %g, as conv %g", i, j, c, o, a, b)
					}
				}
			}
		}
	}
}

// TestConv2DRandomParams compares Conv2D and the adjoint identities with the reference on random
// small geometries (strides, dilations, padding from −1 to 3).
func TestConv2DRandomParams(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	tried := 0
	for tried < 60 {
		p := ConvParams{N: 1 + r.IntN(3), H: 1 + r.IntN(7), W: 1 + r.IntN(7), C: 1 + r.IntN(4),
			KH: 1 + r.IntN(4), KW: 1 + r.IntN(4), O: 1 + r.IntN(4),
			StrideH: 1 + r.IntN(3), StrideW: 1 + r.IntN(3), InDilH: 1 + r.IntN(3), InDilW: 1 + r.IntN(3),
			KDilH: 1 + r.IntN(3), KDilW: 1 + r.IntN(3),
			PadTop: r.IntN(5) - 1, PadBottom: r.IntN(5) - 1, PadLeft: r.IntN(5) - 1, PadRight: r.IntN(5) - 1}
		if p.OutH() <= 0 || p.OutW() <= 0 {
			continue
		}
		tried++
		x, w, dy := randVec(r, p.InputSize()), randVec(r, p.KernelSize()), randVec(r, p.OutputSize())
		want := refConv(p, x, w)
		y := make([]float64, p.OutputSize())
		Conv2D(p, x, w, y)
		for i := range want {
			if math.Abs(y[i]-want[i]) > 1e-12 {
				t.Fatalf("%v: y[%d] = %g, want %g", p, i, y[i], want[i])
			}
		}
		dx, dw := make([]float64, len(x)), make([]float64, len(w))
		Conv2DBackwardInput(p, dy, w, dx)
		Conv2DBackwardFilter(p, x, dy, dw)
		l, lx, lw := dot(want, dy), dot(x, dx), dot(w, dw)
		if math.Abs(l-lx) > 1e-11 || math.Abs(l-lw) > 1e-11 {
			t.Fatalf("%v: <y,dy>=%.15g <x,dx>=%.15g <w,dw>=%.15g", p, l, lx, lw)
		}
	}
}

// TestConv2DConcurrent runs convolutions from several goroutines at once (shared scratch buffers).
func TestConv2DConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	p := convCases()[1]
	x, w := to32(randVec(r, p.InputSize())), to32(randVec(r, p.KernelSize()))
	want := make([]float32, p.OutputSize())
	Conv2D(p, x, w, want)
	errs := make(chan error, 6)
	for g := 0; g < 6; g++ {
		go func() {
			y := make([]float32, p.OutputSize())
			for it := 0; it < 20; it++ {
				Conv2D(p, x, w, y)
				for i := range y {
					if math.Abs(float64(y[i]-want[i])) > 1e-5 {
						errs <- fmt.Errorf("y[%d] = %g, want %g", i, y[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 6; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestConvDeterministic requires the same bits from two runs of every convolution and gradient of
// implicitCases at 1, 2 and 3 goroutines (the filter gradient combines per-goroutine sums in a
// fixed order).
func TestConvDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range implicitCases() {
		x, w, dy := to32(randVec(r, p.InputSize())), to32(randVec(r, p.KernelSize())), to32(randVec(r, p.OutputSize()))
		for procs := 1; procs <= 3; procs++ {
			runtime.GOMAXPROCS(procs)
			var outs [2][3][]float32
			for run := range outs {
				y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
				Conv2D(p, x, w, y)
				Conv2DBackwardInput(p, dy, w, dx)
				Conv2DBackwardFilter(p, x, dy, dw)
				outs[run] = [3][]float32{y, dx, dw}
			}
			for k, name := range []string{"y", "dx", "dw"} {
				for i := range outs[0][k] {
					if math.Float32bits(outs[0][k][i]) != math.Float32bits(outs[1][k][i]) {
						t.Fatalf("%v, %d goroutines: %s[%d] differs between runs: %g, %g", p, procs, name, i, outs[0][k][i], outs[1][k][i])
					}
				}
			}
		}
	}
}
