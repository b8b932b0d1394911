package augment

import (
	"math/rand/v2"
	"testing"
)

// benchFeeder pushes b.N images through the feeder with one augmented view and reports
// augmented images per second.
func benchFeeder(b *testing.B, pipeline, norm string, h, w, c, workers int) {
	_, get := testData(1000, h, w, c)
	p := mustNew(b, pipeline, Options{})
	nz, err := NormalizerPreset(norm)
	if err != nil {
		b.Fatal(err)
	}
	order := make([]int, b.N)
	for i := range order {
		order[i] = i % 1000
	}
	b.ResetTimer()
	f, err := NewFeeder(FeederConfig{Get: get, Order: order, BatchSize: 250, Pipeline: p, Norm: nz,
		Views: 1, Workers: workers, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for range f.Batches() {
	}
	f.Close()
	if f.Err() != nil {
		b.Fatal(f.Err())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkFeederDigits28x28x1Workers2(b *testing.B) {
	benchFeeder(b, "digits", "mnist", 28, 28, 1, 2)
}
func BenchmarkFeederScan32x32x3Workers2(b *testing.B) {
	benchFeeder(b, "scan", "cifar10", 32, 32, 3, 2)
}
func BenchmarkFeederSTL96x96x3Workers2(b *testing.B)  { benchFeeder(b, "stl", "stl10", 96, 96, 3, 2) }
func BenchmarkFeederScan96x96x3Workers2(b *testing.B) { benchFeeder(b, "scan", "stl10", 96, 96, 3, 2) }

// benchApply measures one goroutine running Pipeline.Apply.
func benchApply(b *testing.B, pipeline string, h, w, c int) {
	img := randImage(rand.New(rand.NewPCG(1, 2)), h, w, c)
	p := mustNew(b, pipeline, Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	b.ResetTimer()
	for range b.N {
		p.Apply(rng, img)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkApplyDigits28x28x1(b *testing.B) { benchApply(b, "digits", 28, 28, 1) }
func BenchmarkApplyCifar32x32x3(b *testing.B)  { benchApply(b, "cifar", 32, 32, 3) }
func BenchmarkApplyScan32x32x3(b *testing.B)   { benchApply(b, "scan", 32, 32, 3) }

// BenchmarkRandOps measures each RandAugment operation on a 32×32×3 image.
func BenchmarkRandOps(b *testing.B) {
	img := randImage(rand.New(rand.NewPCG(1, 2)), 32, 32, 3)
	for _, op := range RandOps() {
		b.Run(op.Name, func(b *testing.B) {
			var dst Image
			v := (op.Min + op.Max) / 2
			if op.Mirror {
				v = op.Max / 2
			}
			for range b.N {
				op.apply(&dst, img, v)
			}
		})
	}
}
