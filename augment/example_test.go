package augment_test

import (
	"fmt"

	"github.com/cct-dev/cct/augment"
)

func ExampleNew() {
	p, err := augment.New("scan", augment.Options{Normalize: "cifar10"})
	if err != nil {
		panic(err)
	}
	img := augment.NewImage(32, 32, 3)
	out := p.Apply(augment.ImageRNG(1, 0, 42, 0), img)
	fmt.Println(out.H, out.W, out.C, p.Options().NumOps, p.Options().CutoutHoles)
	// Output: 32 32 3 4 1
}

func ExampleNew_unknown() {
	_, err := augment.New("simclr", augment.Options{})
	fmt.Println(err)
	// Output: unknown augmentation pipeline "simclr": valid pipelines are cifar, digits, none, scan, stl
}

func ExampleNewFeeder() {
	images := make([]augment.Image, 10)
	for i := range images {
		images[i] = augment.NewImage(28, 28, 1)
	}
	p, _ := augment.New("digits", augment.Options{})
	norm, _ := augment.NormalizerPreset("mnist")
	f, err := augment.NewFeeder(augment.FeederConfig{
		Get:       func(i int) (augment.Image, int) { return images[i], i % 2 },
		Order:     augment.EpochOrder(len(images), 7, 0),
		BatchSize: 4,
		Pipeline:  p,
		Norm:      norm,
		Views:     1,
		Workers:   2,
		Seed:      7,
	})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	for b := range f.Batches() {
		fmt.Println(b.Number, len(b.Indices), len(b.X), len(b.Aug))
	}
	if err := f.Err(); err != nil {
		panic(err)
	}
	// Output:
	// 0 4 3136 3136
	// 1 4 3136 3136
	// 2 2 1568 1568
}

func ExampleRandOps() {
	for _, op := range augment.RandOps()[3:5] {
		fmt.Println(op.Name, op.Min, op.Max, op.Mirror)
	}
	// Output:
	// Rotate -30 30 true
	// Solarize 0 256 false
}
