package bench

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/models"
)

func goBackend(t testing.TB) backends.Backend {
	b, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunLinear runs the benchmark on the linear model and checks the derived figures and that the
// Adam steps lower the loss on the fixed batch.
func TestRunLinear(t *testing.T) {
	opts := Options{Model: "linear", Config: models.Config{Clusters: 5, Height: 1, Width: 1, Channels: 16},
		Batch: 32, Steps: 5, Warmup: 1, LearningRate: 0.05, Seed: 3}
	res, err := Run(goBackend(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StepMs) != opts.Steps {
		t.Fatalf("%d step times, want %d", len(res.StepMs), opts.Steps)
	}
	if res.Params != 16*5+5 {
		t.Errorf("params %d, want %d", res.Params, 16*5+5)
	}
	// 3 × 2·MACs per example × batch.
	if want := 3 * 2 * float64(16*5) * 32 / 1e9; math.Abs(res.StepGFLOP-want) > 1e-15 {
		t.Errorf("step GFLOP %g, want %g", res.StepGFLOP, want)
	}
	if want := float64(opts.Batch) / (res.MedianMs / 1000); math.Abs(res.ImagesPerSec-want) > 1e-9*want {
		t.Errorf("images/s %g, want %g", res.ImagesPerSec, want)
	}
	if !(res.LastLoss < res.FirstLoss) {
		t.Errorf("loss did not decrease: %g → %g", res.FirstLoss, res.LastLoss)
	}
	if res.MaxRSSBytes <= 0 || res.PeakHeapByte == 0 {
		t.Errorf("memory figures missing: %+v", res)
	}
}

func TestRunErrors(t *testing.T) {
	cases := []Options{
		{Model: "nope", Config: models.Config{Clusters: 2, Height: 1, Width: 1, Channels: 4}, Batch: 2, Steps: 1},
		{Model: "linear", Config: models.Config{Clusters: 2, Height: 1, Width: 1, Channels: 4}, Batch: 0, Steps: 1},
		{Model: "vgg4", Config: models.Config{Clusters: 2, Height: 5, Width: 5, Channels: 1}, Batch: 2, Steps: 1},
	}
	for _, o := range cases {
		if _, err := Run(goBackend(t), o); err == nil {
			t.Errorf("Run(%+v) succeeded, want an error", o)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %g, want %g", c.in, got, c.want)
		}
	}
}

// BenchmarkLinearStep times training steps of the linear model (D = 2048, K = 10, batch 250) on
// GoMLX's pure-Go backend.
func BenchmarkLinearStep(b *testing.B) {
	opts := Options{Model: "linear", Config: models.Config{Clusters: 10, Height: 1, Width: 1, Channels: 2048},
		Batch: 250, Steps: b.N, Warmup: 1, Seed: 1}
	res, err := Run(goBackend(b), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.MedianMs, "ms/step")
	b.ReportMetric(res.ImagesPerSec, "images/s")
}

// TestRunConvNetsOnCPUBackend runs a few training steps of the convolutional models on the project's
// CPU backend (GoMLX's pure-Go backend cannot differentiate convolutions) and checks that the loss on
// the fixed batch goes down.
func TestRunConvNetsOnCPUBackend(t *testing.T) {
	be, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model   string
		h, w, c int
		batch   int
	}{
		{"vgg4", 28, 28, 1, 4},
		{"vgg4", 32, 32, 3, 4},
		{"resnet18", 32, 32, 3, 2},
	}
	for _, c := range cases {
		opts := Options{Model: c.model, Config: models.Config{Clusters: 6, Height: c.h, Width: c.w, Channels: c.c},
			Batch: c.batch, Steps: 3, Warmup: 1, LearningRate: 1e-3, Seed: 2}
		res, err := Run(be, opts)
		if err != nil {
			t.Fatalf("%s %s: %v", c.model, opts.Config, err)
		}
		if !(res.LastLoss < res.FirstLoss) {
			t.Errorf("%s %s: loss did not decrease: %g → %g", c.model, opts.Config, res.FirstLoss, res.LastLoss)
		}
	}
}
