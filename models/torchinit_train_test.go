package models

import (
	"math"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/models/torchckpt"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// TestLoadedBatchNormStatsUntilFirstUpdate loads SCAN's CIFAR checkpoint (width 4), evaluates it in
// inference mode, then takes one SGD step. The stem batch norm's running statistics must equal the
// file's until that step, and after it follow PyTorch's rule from the loaded values:
// mean ← 0.9·loaded + 0.1·μ_B, var ← 0.9·loaded + 0.1·v_B·n/(n−1), with μ_B and v_B the batch
// statistics of conv1(x), computed here by a direct convolution loop.
func TestLoadedBatchNormStatsUntilFirstUpdate(t *testing.T) {
	be, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	ck, err := torchckpt.Open(fixtures + "scan_simclr_cifar_w4.pth.tar")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	if _, err := LoadTorchResNet18(ctx, ck, ResNet18CIFAR, 4, 3, "", true); err != nil {
		t.Fatal(err)
	}
	sd, _, _ := ck.StateDict()
	file := map[string][]float32{}
	for _, n := range sd {
		file[n.Key], _ = n.Tensor.Float32()
	}
	x, xs := readNpy(t, "scan_simclr_cifar_w4_input.npy")
	const B, H, W, C, O = 3, 32, 32, 3, 4
	if xs[0] != B {
		t.Fatalf("input has %d images", xs[0])
	}
	xt := tensors.FromFlatDataAndDimensions(x, B, H, W, C)
	model := resnet18Model(stemCIFAR, 4, 5)
	stats := func() (mean, variance []float32) {
		bn := ctx.In(BackboneScope).In("bn1")
		return tensors.MustCopyFlatData[float32](bn.GetVariable("running_mean").MustValue()),
			tensors.MustCopyFlatData[float32](bn.GetVariable("running_var").MustValue())
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s[%d] = %v, want the loaded %v", what, i, got[i], want[i])
			}
		}
	}

	infer, err := context.NewExec(be, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), false)
		return model(ctx.Checked(false), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := infer.Exec(xt); err != nil {
		t.Fatal(err)
	}
	m, v := stats()
	same("running_mean after inference", m, file["backbone.bn1.running_mean"])
	same("running_var after inference", v, file["backbone.bn1.running_var"])

	opt := optimizers.StochasticGradientDescent().WithLearningRate(0.01).Done()
	step, err := context.NewExec(be, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), true)
		z := model(ctx.Checked(false), x)
		loss := graph.ReduceAllMean(graph.Square(z))
		opt.UpdateGraph(ctx, x.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := step.Exec(xt); err != nil {
		t.Fatal(err)
	}

	// Batch statistics of conv1(x): 3×3, stride 1, zero padding 1, kernel O×C×3×3 from the file.
	k := file["backbone.conv1.weight"]
	n := float64(B * H * W)
	sum, sq := make([]float64, O), make([]float64, O)
	for b := range B {
		for i := range H {
			for j := range W {
				for o := range O {
					s := 0.0
					for c := range C {
						for di := range 3 {
							for dj := range 3 {
								y, xx := i+di-1, j+dj-1
								if y < 0 || y >= H || xx < 0 || xx >= W {
									continue
								}
								s += float64(x[((b*H+y)*W+xx)*C+c]) * float64(k[((o*C+c)*3+di)*3+dj])
							}
						}
					}
					sum[o] += s
					sq[o] += s * s
				}
			}
		}
	}
	m, v = stats()
	mom := BatchNormMomentum
	for o := range O {
		mu := sum[o] / n
		vb := sq[o]/n - mu*mu
		wantM := (1-mom)*float64(file["backbone.bn1.running_mean"][o]) + mom*mu
		wantV := (1-mom)*float64(file["backbone.bn1.running_var"][o]) + mom*vb*n/(n-1)
		if math.Abs(float64(m[o])-wantM) > 1e-4*(1+math.Abs(wantM)) || math.Abs(float64(v[o])-wantV) > 1e-4*(1+math.Abs(wantV)) {
			t.Errorf("channel %d after one step: running mean %v var %v, want %v %v", o, m[o], v[o], wantM, wantV)
		}
	}
}

// TestResNet18TorchvisionGradient checks, in float64 with the project's CPU backend, the gradient of
// a loss of the torchvision layout (reduced width, odd input 21×19, so the max-pool pads) with
// respect to the stem kernel against central finite differences along a fixed direction. The step
// is small (1e-6) because ReLU and max-pool kinks lie within 1e-3 of the point.
func TestResNet18TorchvisionGradient(t *testing.T) {
	be, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(3))
	model := resnet18Model(stemTorchvision, 2, 3)
	x := tensors.FromFlatDataAndDimensions(func() []float64 {
		v := make([]float64, 2*21*19*3)
		for i := range v {
			v[i] = math.Sin(float64(i) * 0.37)
		}
		return v
	}(), 2, 21, 19, 3)
	// loss(ε) = Σ z·sin z with the stem kernel K + ε·D, in inference mode (fixed batch-norm statistics), and its
	// gradient with respect to K.
	lossAt := func(eps float64, grad bool) (float64, []float64) {
		e, err := context.NewExec(be, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
			g := x.Graph()
			ctx.SetTraining(g, false)
			z := model(ctx.Checked(false), x)
			loss := graph.ReduceAllSum(graph.Mul(z, graph.Sin(z)))
			out := []*graph.Node{loss}
			if grad {
				kv := ctx.In(BackboneScope).In("conv1").GetVariable("weights")
				out = append(out, graph.Gradient(loss, kv.ValueGraph(g))[0])
			}
			return out
		})
		if err != nil {
			t.Fatal(err)
		}
		if eps != 0 {
			kv := ctx.In(BackboneScope).In("conv1").GetVariable("weights")
			k := tensors.MustCopyFlatData[float64](kv.MustValue())
			for i := range k {
				k[i] += eps * math.Cos(float64(i))
			}
			kv.MustSetValue(tensors.FromFlatDataAndDimensions(k, kv.Shape().Dimensions...))
			defer func() {
				for i := range k {
					k[i] -= eps * math.Cos(float64(i))
				}
				kv.MustSetValue(tensors.FromFlatDataAndDimensions(k, kv.Shape().Dimensions...))
			}()
		}
		out, err := e.Exec(x)
		if err != nil {
			t.Fatal(err)
		}
		l := tensors.ToScalar[float64](out[0])
		if grad {
			return l, tensors.MustCopyFlatData[float64](out[1])
		}
		return l, nil
	}
	_, g := lossAt(0, true)
	dir := 0.0
	for i := range g {
		dir += float64(g[i]) * math.Cos(float64(i))
	}
	const h = 1e-6
	lp, _ := lossAt(h, false)
	lm, _ := lossAt(-h, false)
	fd := (lp - lm) / (2 * h)
	if math.Abs(fd-dir) > 1e-3*math.Abs(dir)+1e-9 {
		t.Errorf("directional derivative %g, finite differences %g", dir, fd)
	}
}

// TestMaxPool3s2 compares maxPool3s2 with a direct 3×3, stride-2, pad-1 max-pool (−∞ padding) on
// non-negative inputs of odd and even sizes, and its gradient with central differences.
func TestMaxPool3s2(t *testing.T) {
	be, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range [][2]int{{7, 5}, {6, 8}, {1, 2}, {3, 3}} {
		h, w, c := d[0], d[1], 2
		xv := make([]float64, h*w*c)
		for i := range xv {
			xv[i] = math.Abs(math.Sin(float64(i)*0.37)) + 0.001*float64(i)
		}
		e := graph.MustNewExec(be, func(x *graph.Node) []*graph.Node {
			p := maxPool3s2(x)
			l := graph.ReduceAllSum(graph.Mul(p, graph.Sin(graph.MulScalar(p, 3))))
			return []*graph.Node{p, l, graph.Gradient(l, x)[0]}
		})
		run := func(v []float64) []*tensors.Tensor {
			return e.MustExec(tensors.FromFlatDataAndDimensions(v, 1, h, w, c))
		}
		out := run(xv)
		got := tensors.MustCopyFlatData[float64](out[0])
		ho, wo := (h-1)/2+1, (w-1)/2+1
		if dims := out[0].Shape().Dimensions; dims[1] != ho || dims[2] != wo {
			t.Fatalf("%dx%d: output %v, want %dx%d", h, w, dims, ho, wo)
		}
		for i := range ho {
			for j := range wo {
				for ch := range c {
					m := math.Inf(-1)
					for y := 2*i - 1; y <= 2*i+1; y++ {
						for x := 2*j - 1; x <= 2*j+1; x++ {
							if y >= 0 && y < h && x >= 0 && x < w {
								m = math.Max(m, xv[(y*w+x)*c+ch])
							}
						}
					}
					if g := got[(i*wo+j)*c+ch]; g != m {
						t.Errorf("%dx%d: out[%d,%d,%d] = %v, want %v", h, w, i, j, ch, g, m)
					}
				}
			}
		}
		grad := tensors.MustCopyFlatData[float64](out[2])
		dir := 0.0
		for i := range grad {
			dir += grad[i] * math.Cos(float64(i))
		}
		at := func(eps float64) float64 {
			y := make([]float64, len(xv))
			for i := range y {
				y[i] = xv[i] + eps*math.Cos(float64(i))
			}
			return tensors.ToScalar[float64](run(y)[1])
		}
		if fd := (at(1e-6) - at(-1e-6)) / 2e-6; math.Abs(fd-dir) > 1e-5*(1+math.Abs(dir)) {
			t.Errorf("%dx%d: directional derivative %g, finite differences %g", h, w, dir, fd)
		}
	}
}
