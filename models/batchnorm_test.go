package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// bnInput returns a [n, h, w, c] float64 tensor with per-channel offsets and scales, and its data.
func bnInput(r *rand.Rand, n, h, w, c int) (*tensors.Tensor, []float64) {
	data := make([]float64, n*h*w*c)
	for i := range data {
		ch := i % c
		data[i] = float64(ch+1)*r.NormFloat64() + float64(3*ch-2)
	}
	return tensors.FromFlatDataAndDimensions(append([]float64(nil), data...), n, h, w, c), data
}

// channelStats returns the per-channel mean and biased variance of channels-last data.
func channelStats(data []float64, c int) (mean, variance []float64) {
	mean, variance = make([]float64, c), make([]float64, c)
	n := len(data) / c
	for i, v := range data {
		mean[i%c] += v / float64(n)
	}
	for i, v := range data {
		d := v - mean[i%c]
		variance[i%c] += d * d / float64(n)
	}
	return
}

func bnExec(t *testing.T, ctx *context.Context, training bool) *context.Exec {
	e, err := context.NewExec(backend(t), ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), training)
		return BatchNorm(ctx.In("bn"), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func variableValue(t *testing.T, ctx *context.Context, name string) []float64 {
	v := ctx.GetVariableByScopeAndName("/bn", name)
	if v == nil {
		t.Fatalf("variable /bn/%s not found", name)
	}
	return tensors.MustCopyFlatData[float64](v.MustValue())
}

// TestBatchNormTraining checks that training mode normalises with the batch statistics and updates
// the running averages by the momentum rule with the unbiased variance.
func TestBatchNormTraining(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, h, w, c = 4, 3, 5, 3
	ctx := context.New()
	e := bnExec(t, ctx, true)
	wantMean := []float64{0, 0, 0}
	wantVar := []float64{1, 1, 1}
	for step := 0; step < 3; step++ {
		x, data := bnInput(r, n, h, w, c)
		out, err := e.Exec(x)
		if err != nil {
			t.Fatal(err)
		}
		y := tensors.MustCopyFlatData[float64](out[0])
		mean, variance := channelStats(data, c)
		ym, yv := channelStats(y, c)
		m := float64(n * h * w)
		for ch := 0; ch < c; ch++ {
			if math.Abs(ym[ch]) > 1e-12 {
				t.Errorf("step %d channel %d: output mean %g, want 0", step, ch, ym[ch])
			}
			if want := variance[ch] / (variance[ch] + BatchNormEpsilon); math.Abs(yv[ch]-want) > 1e-12 {
				t.Errorf("step %d channel %d: output variance %.15g, want %.15g", step, ch, yv[ch], want)
			}
			wantMean[ch] = 0.9*wantMean[ch] + 0.1*mean[ch]
			wantVar[ch] = 0.9*wantVar[ch] + 0.1*variance[ch]*m/(m-1)
		}
		gotMean, gotVar := variableValue(t, ctx, "running_mean"), variableValue(t, ctx, "running_var")
		for ch := 0; ch < c; ch++ {
			if math.Abs(gotMean[ch]-wantMean[ch]) > 1e-12 || math.Abs(gotVar[ch]-wantVar[ch]) > 1e-12 {
				t.Errorf("step %d channel %d: running (mean, var) = (%g, %g), want (%g, %g)",
					step, ch, gotMean[ch], gotVar[ch], wantMean[ch], wantVar[ch])
			}
		}
	}
	for _, name := range []string{"running_mean", "running_var"} {
		if ctx.GetVariableByScopeAndName("/bn", name).Trainable {
			t.Errorf("%s is trainable", name)
		}
	}
}

// TestBatchNormInference checks that inference mode uses the running averages and the affine
// parameters, and does not change the running averages.
func TestBatchNormInference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const c = 3
	ctx := context.New()
	e := bnExec(t, ctx, false)
	x, data := bnInput(r, 2, 2, 2, c)
	if _, err := e.Exec(x); err != nil { // creates the variables
		t.Fatal(err)
	}
	set := func(name string, v []float64) {
		ctx.GetVariableByScopeAndName("/bn", name).MustSetValue(tensors.FromValue(v))
	}
	rm, rv := []float64{0.5, -1, 2}, []float64{4, 0.25, 9}
	gamma, beta := []float64{2, -1, 0.5}, []float64{0.1, 0.2, -0.3}
	set("running_mean", rm)
	set("running_var", rv)
	set("gamma", gamma)
	set("beta", beta)
	out, err := e.Exec(x)
	if err != nil {
		t.Fatal(err)
	}
	y := tensors.MustCopyFlatData[float64](out[0])
	for i, v := range data {
		ch := i % c
		want := gamma[ch]*(v-rm[ch])/math.Sqrt(rv[ch]+BatchNormEpsilon) + beta[ch]
		if math.Abs(y[i]-want) > 1e-12 {
			t.Fatalf("element %d: %g, want %g", i, y[i], want)
		}
	}
	if got := variableValue(t, ctx, "running_mean"); got[0] != rm[0] || got[1] != rm[1] || got[2] != rm[2] {
		t.Errorf("inference changed running_mean to %v", got)
	}
}

// TestBatchNormGradient checks the training-mode gradient, which flows through the batch statistics,
// against central finite differences, and the γ, β gradients against Σ w·x̂ and Σ w.
func TestBatchNormGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n, h, w, c = 3, 2, 2, 2
	x, data := bnInput(r, n, h, w, c)
	weights := make([]float64, len(data))
	for i := range weights {
		weights[i] = r.NormFloat64()
	}
	wt := tensors.FromFlatDataAndDimensions(weights, n, h, w, c)
	ctx := context.New()
	// L = Σ weights ⊙ BN(x); outputs L, ∂L/∂x, ∂L/∂γ, ∂L/∂β.
	e, err := context.NewExec(backend(t), ctx, func(ctx *context.Context, x, wts *graph.Node) []*graph.Node {
		ctx.SetTraining(x.Graph(), true)
		l := graph.ReduceAllSum(graph.Mul(wts, BatchNorm(ctx.In("bn"), x)))
		g := x.Graph()
		gamma := ctx.GetVariableByScopeAndName("/bn", "gamma").ValueGraph(g)
		beta := ctx.GetVariableByScopeAndName("/bn", "beta").ValueGraph(g)
		grads := graph.Gradient(l, x, gamma, beta)
		return []*graph.Node{l, grads[0], grads[1], grads[2]}
	})
	if err != nil {
		t.Fatal(err)
	}
	eval := func(d []float64) float64 {
		out, err := e.Exec(tensors.FromFlatDataAndDimensions(append([]float64(nil), d...), n, h, w, c), wt)
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Value().(float64)
	}
	out, err := e.Exec(x, wt)
	if err != nil {
		t.Fatal(err)
	}
	gx := tensors.MustCopyFlatData[float64](out[1])
	const step = 1e-5
	for i := range data {
		p, m := append([]float64(nil), data...), append([]float64(nil), data...)
		p[i] += step
		m[i] -= step
		fd := (eval(p) - eval(m)) / (2 * step)
		if math.Abs(gx[i]-fd) > 1e-7*math.Max(1, math.Abs(fd)) {
			t.Errorf("dL/dx[%d] = %.12g, finite difference %.12g", i, gx[i], fd)
		}
	}
	mean, variance := channelStats(data, c)
	wantGamma, wantBeta := make([]float64, c), make([]float64, c)
	for i, v := range data {
		ch := i % c
		wantGamma[ch] += weights[i] * (v - mean[ch]) / math.Sqrt(variance[ch]+BatchNormEpsilon)
		wantBeta[ch] += weights[i]
	}
	for k, pair := range [][2][]float64{
		{tensors.MustCopyFlatData[float64](out[2]), wantGamma},
		{tensors.MustCopyFlatData[float64](out[3]), wantBeta},
	} {
		for ch := 0; ch < c; ch++ {
			if math.Abs(pair[0][ch]-pair[1][ch]) > 1e-10 {
				t.Errorf("%s gradient channel %d: %g, want %g", []string{"gamma", "beta"}[k], ch, pair[0][ch], pair[1][ch])
			}
		}
	}
}

// TestPoolingAndConvolution checks maxPool2 (with odd sizes), the zero-padded STL pool and conv2d
// against direct loops (PyTorch semantics: cross-correlation, kernel [kh, kw, C_in, C_out]).
func TestPoolingAndConvolution(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n, h, w, c = 2, 5, 7, 3
	x, data := bnInput(r, n, h, w, c)
	at := func(b, i, j, ch int) float64 { return data[((b*h+i)*w+j)*c+ch] }

	t.Run("maxPool2", func(t *testing.T) {
		out, err := graph.ExecOnce(backend(t), maxPool2, x)
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float64](out)
		h2, w2 := h/2, w/2
		for b := 0; b < n; b++ {
			for i := 0; i < h2; i++ {
				for j := 0; j < w2; j++ {
					for ch := 0; ch < c; ch++ {
						want := math.Max(math.Max(at(b, 2*i, 2*j, ch), at(b, 2*i+1, 2*j, ch)),
							math.Max(at(b, 2*i, 2*j+1, ch), at(b, 2*i+1, 2*j+1, ch)))
						if g := got[((b*h2+i)*w2+j)*c+ch]; g != want {
							t.Fatalf("pool[%d,%d,%d,%d] = %g, want %g", b, i, j, ch, g, want)
						}
					}
				}
			}
		}
	})
	t.Run("padded maxPool2 on non-negative input", func(t *testing.T) {
		out, err := graph.ExecOnce(backend(t), func(x *graph.Node) *graph.Node { return maxPool2(zeroPad1(relu(x))) }, x)
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float64](out)
		// PyTorch MaxPool2d(2, stride 2, padding 1): windows rows {2i−1, 2i} (−∞ outside), floor mode.
		ho, wo := (h+2-2)/2+1, (w+2-2)/2+1
		if len(got) != n*ho*wo*c {
			t.Fatalf("got %d elements, want %d", len(got), n*ho*wo*c)
		}
		for b := 0; b < n; b++ {
			for i := 0; i < ho; i++ {
				for j := 0; j < wo; j++ {
					for ch := 0; ch < c; ch++ {
						want := math.Inf(-1)
						for di := 0; di < 2; di++ {
							for dj := 0; dj < 2; dj++ {
								ii, jj := 2*i-1+di, 2*j-1+dj
								if ii >= 0 && ii < h && jj >= 0 && jj < w {
									want = math.Max(want, math.Max(0, at(b, ii, jj, ch)))
								}
							}
						}
						if g := got[((b*ho+i)*wo+j)*c+ch]; g != want {
							t.Fatalf("pool[%d,%d,%d,%d] = %g, want %g", b, i, j, ch, g, want)
						}
					}
				}
			}
		}
	})
	for _, cc := range []struct{ k, stride, pad int }{{3, 1, 1}, {5, 2, 2}, {1, 2, 0}} {
		t.Run(fmt.Sprintf("conv k%d s%d p%d", cc.k, cc.stride, cc.pad), func(t *testing.T) {
			const cout = 2
			ctx := context.New()
			out, err := context.ExecOnce(backend(t), ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
				return conv2d(ctx.In("conv"), x, cout, cc.k, cc.stride, cc.pad)
			}, x)
			if err != nil {
				t.Fatal(err)
			}
			kern := tensors.MustCopyFlatData[float64](ctx.GetVariableByScopeAndName("/conv", "weights").MustValue())
			bound := 1 / math.Sqrt(float64(cc.k*cc.k*c))
			for _, v := range kern {
				if math.Abs(v) > bound {
					t.Fatalf("kernel value %g outside ±%g", v, bound)
				}
			}
			got := tensors.MustCopyFlatData[float64](out)
			ho, wo := convOut(h, cc.k, cc.stride, cc.pad), convOut(w, cc.k, cc.stride, cc.pad)
			if len(got) != n*ho*wo*cout {
				t.Fatalf("got %d elements, want %d", len(got), n*ho*wo*cout)
			}
			for b := 0; b < n; b++ {
				for i := 0; i < ho; i++ {
					for j := 0; j < wo; j++ {
						for o := 0; o < cout; o++ {
							want := 0.0
							for di := 0; di < cc.k; di++ {
								for dj := 0; dj < cc.k; dj++ {
									ii, jj := cc.stride*i-cc.pad+di, cc.stride*j-cc.pad+dj
									if ii < 0 || ii >= h || jj < 0 || jj >= w {
										continue
									}
									for ch := 0; ch < c; ch++ {
										want += at(b, ii, jj, ch) * kern[((di*cc.k+dj)*c+ch)*cout+o]
									}
								}
							}
							if g := got[((b*ho+i)*wo+j)*cout+o]; math.Abs(g-want) > 1e-12 {
								t.Fatalf("conv[%d,%d,%d,%d] = %g, want %g", b, i, j, o, g, want)
							}
						}
					}
				}
			}
		})
	}
}
