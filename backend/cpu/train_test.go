package cpu_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/batchnorm"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// statsOf returns the compile statistics of a cpu backend made by newBackend.
func statsOf(b backends.Backend) cpu.CompileStats { return b.(*cpu.Backend).CompileStats() }

func newBackend(t testing.TB) backends.Backend {
	b, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// smallConvNet is conv(3×3, 8) → batch norm → ReLU → max-pool 2 → conv(3×3, 16, stride 2) → ReLU →
// mean-pool 2 → dense(K).
func smallConvNet(ctx *context.Context, spec any, inputs []*Node) []*Node {
	x := inputs[0]
	x = layers.Convolution(ctx.In("conv1"), x).Filters(8).KernelSize(3).PadSame().Done()
	x = batchnorm.New(ctx.In("bn1"), x, -1).Done()
	x = activations.Relu(x)
	x = MaxPool(x).Window(2).Done()
	x = layers.Convolution(ctx.In("conv2"), x).Filters(16).KernelSize(3).PadSame().Strides(2).Done()
	x = activations.Relu(x)
	x = MeanPool(x).Window(2).Done()
	x = Reshape(x, x.Shape().Dimensions[0], -1)
	return []*Node{layers.DenseWithBias(ctx.In("head"), x, 4)}
}

// TestTrainOverfits trains the small conv net with Adam on one fixed batch and checks the loss falls
// by at least 10×.
func TestTrainOverfits(t *testing.T) {
	step := adamStep(t, smallConvNet, 0.01, 16, 12, 4)
	var first, last float32
	for i := 0; i < 60; i++ {
		loss := step()
		if i == 0 {
			first = loss
		}
		last = loss
	}
	t.Logf("loss %.4g -> %.4g", first, last)
	if !(last < first/10) {
		t.Fatalf("loss fell from %g to %g, want ≥10× decrease", first, last)
	}
}

// adamStep returns a function that runs one training step (forward, backward, Adam at lr) of the
// K-class network net on a fixed batch of n standard normal h×h×1 images on a fresh cpu backend,
// and returns the step's loss.
func adamStep(tb testing.TB, net func(*context.Context, any, []*Node) []*Node, lr float64, n, h, k int) func() float32 {
	x, y := randomBatch(n, h, h, k)
	trainer := train.NewTrainer(newBackend(tb), context.New(), net, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(lr).Done(), nil, nil)
	return func() float32 {
		m, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y})
		if err != nil {
			tb.Fatal(err)
		}
		loss := m[0].Value().(float32)
		for _, t := range m {
			t.FinalizeAll()
		}
		return loss
	}
}

// randomBatch returns n standard normal h×w×1 images (seeded) and labels i mod k.
func randomBatch(n, h, w, k int) (x, y *tensors.Tensor) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, n*h*w)
	ys := make([]int32, n)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64())
	}
	for i := range ys {
		ys[i] = int32(i % k)
	}
	return tensors.FromFlatDataAndDimensions(xs, n, h, w, 1), tensors.FromFlatDataAndDimensions(ys, n, 1)
}
