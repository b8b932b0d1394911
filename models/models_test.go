package models

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

var testBackend backends.Backend

func backend(t testing.TB) backends.Backend {
	if testBackend == nil {
		b, err := simplego.New("ops_sequential")
		if err != nil {
			t.Fatal(err)
		}
		testBackend = b
	}
	return testBackend
}

func randomImages(r *rand.Rand, n, h, w, c int) *tensors.Tensor {
	data := make([]float32, n*h*w*c)
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	if h == 1 && w == 1 {
		return tensors.FromFlatDataAndDimensions(data, n, c)
	}
	return tensors.FromFlatDataAndDimensions(data, n, h, w, c)
}

// TestParamCountsAndShapes builds each model, runs a forward pass and checks the output shape and the
// number of trainable parameters against counts done by hand.
func TestParamCountsAndShapes(t *testing.T) {
	// conv(k, cin, cout) = k·k·cin·cout (no bias: each conv feeds a batch norm); bn(c) = 2c (γ, β);
	// linear(d, K) = d·K + K.
	conv := func(k, cin, cout int) int { return k * k * cin * cout }
	bn := func(c int) int { return 2 * c }
	lin := func(d, k int) int { return d*k + k }
	vgg := func(in int, ch [4]int, headDim, k int) int {
		n := 0
		for _, c := range ch {
			n += conv(5, in, c) + bn(c)
			in = c
		}
		return n + lin(headDim, k)
	}
	// ResNet-18: stem conv3×3(3→64)+BN; per stage two BasicBlocks of two conv3×3+BN each, the first
	// block of stages 2–4 has a 1×1 conv+BN shortcut.
	resnet := func(cin, k int) int {
		n := conv(3, cin, 64) + bn(64)
		in := 64
		for stage, w := range []int{64, 128, 256, 512} {
			for blk := 0; blk < 2; blk++ {
				n += conv(3, in, w) + bn(w) + conv(3, w, w) + bn(w)
				if stage > 0 && blk == 0 {
					n += conv(1, in, w) + bn(w)
				}
				in = w
			}
		}
		return n + lin(512, k)
	}
	cases := []struct {
		model   string
		h, w, c int
		k       int
		want    int
		literal int  // the same count written out, as a cross-check of the arithmetic above (K = 10)
		run     bool // also execute a forward pass
	}{
		{"vgg4", 28, 28, 1, 10, vgg(1, [4]int{64, 128, 256, 512}, 512*3*3, 10), 4350410, true},
		{"vgg4", 32, 32, 3, 10, vgg(3, [4]int{32, 64, 128, 256}, 256*4*4, 10), 1119530, true},
		{"vgg4", 96, 96, 3, 10, vgg(3, [4]int{128, 256, 512, 1024}, 1024, 10), 17226890, false},
		{"vgg4", 28, 28, 1, 7, vgg(1, [4]int{64, 128, 256, 512}, 512*3*3, 7), 0, false},
		{"resnet18", 32, 32, 3, 10, resnet(3, 10), 11173962, false}, // the usual CIFAR ResNet-18 count
		{"resnet18", 96, 96, 3, 10, resnet(3, 10), 11173962, false},
		{"resnet18", 32, 32, 3, 20, resnet(3, 20), 0, false},
		{"linear", 1, 1, 2048, 10, lin(2048, 10), 20490, true},
		{"linear", 1, 1, 64, 3, lin(64, 3), 0, false},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		cfg := Config{Clusters: c.k, Height: c.h, Width: c.w, Channels: c.c}
		t.Run(c.model+"-"+cfg.String(), func(t *testing.T) {
			if c.literal != 0 && c.literal != c.want {
				t.Fatalf("hand count %d disagrees with formula %d", c.literal, c.want)
			}
			fn, err := Build(c.model, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			const batch = 2
			// Building the graph creates the variables and fixes the output shape; executing it is
			// left to the cases marked run (simplego's convolutions are slow).
			g := graph.NewGraph(backend(t), "count")
			shape := shapes.Make(dtypes.Float32, batch, c.h, c.w, c.c)
			if c.model == "linear" {
				shape = shapes.Make(dtypes.Float32, batch, c.c)
			}
			out := fn(ctx, graph.Parameter(g, "x", shape))
			if dims := out.Shape().Dimensions; len(dims) != 2 || dims[0] != batch || dims[1] != c.k {
				t.Errorf("output shape %v, want [%d %d]", dims, batch, c.k)
			}
			if c.run {
				res, err := context.ExecOnce(backend(t), context.New(), func(ctx *context.Context, x *graph.Node) *graph.Node {
					return fn(ctx, x)
				}, randomImages(r, batch, c.h, c.w, c.c))
				if err != nil {
					t.Fatal(err)
				}
				if dims := res.Shape().Dimensions; dims[0] != batch || dims[1] != c.k {
					t.Errorf("executed output shape %v", dims)
				}
				for _, v := range tensors.MustCopyFlatData[float32](res) {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("non-finite logit %v", v)
					}
				}
			}
			if got := TrainableParams(ctx); got != c.want {
				t.Errorf("trainable parameters = %d, want %d", got, c.want)
			}
		})
	}
}

// TestForwardFLOPs checks the analytic FLOP counts against hand-computed MACs.
func TestForwardFLOPs(t *testing.T) {
	cases := []struct {
		model string
		cfg   Config
		macs  int64
	}{
		// 28·28·25·1·64 + 14·14·25·64·128 + 7·7·25·128·256 + 3·3·25·256·512 + 4608·10
		{"vgg4", Config{10, 28, 28, 1}, 28*28*25*64 + 14*14*25*64*128 + 7*7*25*128*256 + 3*3*25*256*512 + 4608*10},
		// 32·32·25·3·32 + 16·16·25·32·64 + 8·8·25·64·128 + 4·4·25·128·256 + 4096·10
		{"vgg4", Config{10, 32, 32, 3}, 32*32*25*3*32 + 16*16*25*32*64 + 8*8*25*64*128 + 4*4*25*128*256 + 4096*10},
		// stride 2: 48·48·25·3·128 + 12·12·25·128·256 + 3·3·25·256·512 + 1·1·25·512·1024 + 1024·10
		{"vgg4", Config{10, 96, 96, 3}, 48*48*25*3*128 + 12*12*25*128*256 + 3*3*25*256*512 + 25*512*1024 + 1024*10},
		{"linear", Config{10, 1, 1, 2048}, 20480},
		// CIFAR ResNet-18: stem 32²·9·3·64; stage 1: 4 convs 32²·9·64²; stage 2: 16²·9·(64·128 + 3·128²)
		// + 16²·64·128; stage 3: 8²·9·(128·256 + 3·256²) + 8²·128·256; stage 4: 4²·9·(256·512 + 3·512²)
		// + 4²·256·512; head 512·10.
		{"resnet18", Config{10, 32, 32, 3},
			32*32*9*3*64 + 4*32*32*9*64*64 +
				16*16*9*(64*128+3*128*128) + 16*16*64*128 +
				8*8*9*(128*256+3*256*256) + 8*8*128*256 +
				4*4*9*(256*512+3*512*512) + 4*4*256*512 + 5120},
		// STL: stem at 96², then 49, 25, 13, 7.
		{"resnet18", Config{10, 96, 96, 3},
			96*96*9*3*64 + 4*49*49*9*64*64 +
				25*25*9*(64*128+3*128*128) + 25*25*64*128 +
				13*13*9*(128*256+3*256*256) + 13*13*128*256 +
				7*7*9*(256*512+3*512*512) + 7*7*256*512 + 5120},
	}
	for _, c := range cases {
		got, err := ForwardFLOPs(c.model, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got != 2*float64(c.macs) {
			t.Errorf("%s %s: FLOPs %g, want %g", c.model, c.cfg, got, 2*float64(c.macs))
		}
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		model string
		cfg   Config
		want  string
	}{
		{"vgg5", Config{10, 28, 28, 1}, "unknown model"},
		{"vgg4", Config{10, 30, 30, 1}, "not supported"},
		{"resnet18", Config{10, 28, 28, 1}, "not supported"},
		{"linear", Config{0, 1, 1, 10}, "clusters"},
	}
	for _, c := range cases {
		if _, err := Build(c.model, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%s, %s) error %v, want one containing %q", c.model, c.cfg, err, c.want)
		}
	}
}

func TestParseInput(t *testing.T) {
	cases := []struct {
		in      string
		h, w, c int
		ok      bool
	}{
		{"28x28x1", 28, 28, 1, true},
		{"2048", 1, 1, 2048, true},
		{"32x32", 0, 0, 0, false},
		{"0x1x1", 0, 0, 0, false},
		{"axbxc", 0, 0, 0, false},
	}
	for _, c := range cases {
		h, w, ch, err := ParseInput(c.in)
		if (err == nil) != c.ok || (c.ok && (h != c.h || w != c.w || ch != c.c)) {
			t.Errorf("ParseInput(%q) = %d,%d,%d,%v", c.in, h, w, ch, err)
		}
	}
}
