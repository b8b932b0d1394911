package models

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// benchmarkForward times inference-mode forward passes of a model on GoMLX's pure-Go backend.
func benchmarkForward(b *testing.B, name string, cfg Config, batch int) {
	fn, err := Build(name, cfg)
	if err != nil {
		b.Fatal(err)
	}
	x := randomImages(rand.New(rand.NewPCG(1, 1)), batch, cfg.Height, cfg.Width, cfg.Channels)
	e, err := context.NewExec(backend(b), context.New(), func(ctx *context.Context, x *graph.Node) *graph.Node {
		return fn(ctx, x)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Exec(x); err != nil { // compiles and initialises
		b.Fatal(err)
	}
	flops, _ := ForwardFLOPs(name, cfg)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Exec(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(flops*float64(batch)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkForwardVGG4MNIST(b *testing.B) {
	benchmarkForward(b, "vgg4", Config{Clusters: 10, Height: 28, Width: 28, Channels: 1}, 2)
}

func BenchmarkForwardLinear(b *testing.B) {
	benchmarkForward(b, "linear", Config{Clusters: 10, Height: 1, Width: 1, Channels: 2048}, 250)
}
