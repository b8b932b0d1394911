package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cct-dev/cct/backend/blas"
	"github.com/cct-dev/cct/internal/cputime"
)

// vgg4Layers are the convolutions of VGG4 on 28×28×1 images at batch 250 (5×5, pad 2).
func vgg4Layers() []ConvParams {
	return []ConvParams{vgg4Conv(28, 1, 64), vgg4Conv(14, 64, 128), vgg4Conv(7, 128, 256), vgg4Conv(3, 256, 512)}
}

// vgg4Layers32 are the convolutions of VGG4 on 32×32×3 images at batch 250.
func vgg4Layers32() []ConvParams {
	return []ConvParams{vgg4Conv(32, 3, 32), vgg4Conv(16, 32, 64), vgg4Conv(8, 64, 128), vgg4Conv(4, 128, 256)}
}

// vgg4Sets names the two layer sets of the benchmarks.
var vgg4Sets = []struct {
	name   string
	layers func() []ConvParams
}{{"28x28x1", vgg4Layers}, {"32x32x3", vgg4Layers32}}

func vgg4Conv(hw, c, o int) ConvParams {
	return ConvParams{N: 250, H: hw, W: hw, C: c, KH: 5, KW: 5, O: o, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2}
}

func rand32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.Float64()*2 - 1)
	}
	return v
}

// reportConv reports wall-clock ms and GFLOP/s per operation, and the process CPU time per operation
// (cpu-ms, all threads): on a shared machine wall time depends on the other load, CPU time much less.
func reportConv(b *testing.B, flops float64, cpu time.Duration) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(flops/sec/1e9, "GFLOP/s")
	b.ReportMetric(sec*1e3, "ms")
	b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms")
}

// BenchmarkVGG4Conv measures forward, input-gradient and filter-gradient convolutions of the VGG4
// 28×28×1 and 32×32×3 layers at batch 250, float32, with the active BLAS.
func BenchmarkVGG4Conv(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, set := range vgg4Sets {
		for li, p := range set.layers() {
			benchConvOps(b, r, fmt.Sprintf("%s/conv%d_%dx%d_%d-%d", blas.Name(), li+1, p.H, p.W, p.C, p.O), p)
		}
	}
}

// benchConvOps runs the sub-benchmarks of one convolution under prefix.
func benchConvOps(b *testing.B, r *rand.Rand, prefix string, p ConvParams) {
	x, w, y := rand32(r, p.InputSize()), rand32(r, p.KernelSize()), rand32(r, p.OutputSize())
	dx, dw := make([]float32, len(x)), make([]float32, len(w))
	wT, xT, dyT := rand32(r, len(w)), rand32(r, len(x)), rand32(r, len(y))
	ops := []struct {
		name string
		f    func()
	}{
		{"forward", func() { Conv2D(p, x, w, y) }},
		{"backward-input", func() { Conv2DBackwardInput(p, y, w, dx) }},
		{"backward-filter", func() { Conv2DBackwardFilter(p, x, y, dw) }},
		// The same gradients in the form an XLA-style autodiff emits them, as plain Conv2D calls:
		// the input gradient convolves dy with the reversed, transposed kernel; the filter gradient
		// treats input channels as the batch and the batch as channels.
		{"backward-input-as-conv", func() { q, _ := inputGradAsConv(p); Conv2D(q, y, wT, dx) }},
		{"backward-filter-as-conv", func() { Conv2D(filterGradAsConv(p), xT, dyT, dw) }},
	}
	for _, op := range ops {
		b.Run(prefix+"/"+op.name, func(b *testing.B) {
			op.f()
			b.ResetTimer()
			c0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				op.f()
			}
			reportConv(b, p.FLOPs(), cputime.Process()-c0)
		})
	}
}

// BenchmarkVGG4Step sums the three convolutions of every VGG4 layer (one training step's
// convolution work; the first layer's input gradient is included although training does not need it).
func BenchmarkVGG4Step(b *testing.B) {
	for _, set := range vgg4Sets {
		r := rand.New(rand.NewPCG(9, 9))
		type bufs struct{ x, w, y, dx, dw []float32 }
		layers := set.layers()
		bs := make([]bufs, len(layers))
		var flops float64
		for i, p := range layers {
			bs[i] = bufs{rand32(r, p.InputSize()), rand32(r, p.KernelSize()), rand32(r, p.OutputSize()),
				make([]float32, p.InputSize()), make([]float32, p.KernelSize())}
			flops += 3 * p.FLOPs()
		}
		b.Run(blas.Name()+"/"+set.name, func(b *testing.B) {
			c0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				for l, p := range layers {
					Conv2D(p, bs[l].x, bs[l].w, bs[l].y)
					Conv2DBackwardInput(p, bs[l].y, bs[l].w, bs[l].dx)
					Conv2DBackwardFilter(p, bs[l].x, bs[l].y, bs[l].dw)
				}
			}
			reportConv(b, flops, cputime.Process()-c0)
		})
	}
}

// BenchmarkVGG4Pool measures the 2×2 stride-2 max and average pools of VGG4 at batch 250.
func BenchmarkVGG4Pool(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, s := range []struct{ hw, c int }{{28, 64}, {14, 128}, {7, 256}} {
		p := PoolParams{N: 250, H: s.hw, W: s.hw, C: s.c, WinH: 2, WinW: 2, StrideH: 2, StrideW: 2}
		x, y := rand32(r, p.InputSize()), rand32(r, p.OutputSize())
		dx := make([]float32, len(x))
		ops := []struct {
			name string
			f    func()
		}{
			{"max", func() { MaxPool2D(p, x, y) }},
			{"max-backward", func() { MaxPool2DBackward(p, x, y, dx) }},
			{"avg", func() { AvgPool2D(p, x, y) }},
			{"avg-backward", func() { AvgPool2DBackward(p, y, dx) }},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s.hw, s.hw, s.c, op.name), func(b *testing.B) {
				op.f()
				b.ResetTimer()
				c0 := cputime.Process()
				for i := 0; i < b.N; i++ {
					op.f()
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms")
				b.ReportMetric((cputime.Process()-c0).Seconds()*1e3/float64(b.N), "cpu-ms")
			})
		}
	}
}

// filterGradAsConv is the Conv2D that computes the filter gradient of a stride-1, undilated p from
// x as C×H×W×N and dy as OH×OW×N×O; its output is C×KH×KW×O.
func filterGradAsConv(p ConvParams) ConvParams {
	return ConvParams{N: p.C, H: p.H, W: p.W, C: p.N, KH: p.OutH(), KW: p.OutW(), O: p.O,
		PadTop: p.PadTop, PadBottom: p.PadBottom, PadLeft: p.PadLeft, PadRight: p.PadRight}
}
