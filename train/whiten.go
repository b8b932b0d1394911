package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cct-dev/cct/backend/blas"
	"github.com/cct-dev/cct/data/pca"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// whitenScope holds the whitening of a run's checkpoint: non-trainable variables "mean" [D] and
// "proj" [D, R], read back by eval and predict.
const whitenScope = "whiten"

// whitening is the PCA whitening of feature vectors (augment.whiten R): with the training
// features' mean μ, first R principal axes v_j and variances λ_j (package pca),
//
//	x ↦ u/‖u‖₂,  u_j = (x − μ)·v_j / √λ_j,
//
// so that the training features have unit variance along each of their R main directions and
// the rows unit norm, as every method's setting was chosen for. proj holds v_j/√λ_j (D×R).
type whitening struct {
	d, r       int
	mean, proj []float32
}

// whitenSample is the most rows the whitening is fitted on (drawn at random, seeded): plenty
// for the first few hundred axes, and it bounds the time and memory of the fit.
const whitenSample = 20000

// fitWhitening fits the whitening of the n rows of dimension d in x on their first r axes (on
// whitenSample of the rows when there are more).
func fitWhitening(x []float32, n, d, r int, seed int64) (*whitening, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x776869))
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	if n > whitenSample {
		rows = rng.Perm(n)[:whitenSample]
		slices.Sort(rows)
	}
	x64 := make([]float64, 0, len(rows)*d)
	for _, i := range rows {
		for _, v := range x[i*d : (i+1)*d] {
			x64 = append(x64, float64(v))
		}
	}
	b, err := pca.Fit(x64, len(rows), d, r, rng)
	if err != nil {
		return nil, fmt.Errorf("key augment.whiten: %v", err)
	}
	w := &whitening{d: d, r: r, mean: make([]float32, d), proj: make([]float32, d*r)}
	for j, v := range b.Mean {
		w.mean[j] = float32(v)
	}
	for j := range r {
		if !(b.Var[j] > 0) {
			return nil, fmt.Errorf("key augment.whiten: the training features span only %d dimensions, fewer than %d", j, r)
		}
		s := 1 / math.Sqrt(b.Var[j])
		for i := range d {
			w.proj[i*r+j] = float32(b.Axes[i*r+j] * s)
		}
	}
	return w, nil
}

// apply returns the whitened rows of x (n×d → n×r): centred, multiplied by proj (float32 GEMM,
// a block of rows at a time), then each row divided by its norm.
func (w *whitening) apply(x []float32, n int) []float32 {
	out := make([]float32, n*w.r)
	const block = 1024
	c := make([]float32, min(n, block)*w.d)
	for i0 := 0; i0 < n; i0 += block {
		m := min(block, n-i0)
		for i := range m {
			for j, v := range x[(i0+i)*w.d : (i0+i+1)*w.d] {
				c[i*w.d+j] = v - w.mean[j]
			}
		}
		blas.Sgemm(false, false, m, w.r, w.d, 1, c, w.d, w.proj, w.r, 0, out[i0*w.r:], w.r)
	}
	for i := range n {
		row := out[i*w.r : (i+1)*w.r]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		if ss > 0 {
			inv := float32(1 / math.Sqrt(ss))
			for j := range row {
				row[j] *= inv
			}
		}
	}
	return out
}

// store puts the whitening into ctx as non-trainable variables, so that checkpoints keep it.
func (w *whitening) store(ctx *context.Context) {
	s := ctx.In(whitenScope)
	s.VariableWithValue("mean", tensors.FromFlatDataAndDimensions(w.mean, w.d)).SetTrainable(false)
	s.VariableWithValue("proj", tensors.FromFlatDataAndDimensions(w.proj, w.d, w.r)).SetTrainable(false)
}

// loadWhitening reads the whitening of D-dimensional features onto r axes from a checkpoint's ctx.
func loadWhitening(ctx *context.Context, d, r int) (*whitening, error) {
	s := ctx.In(whitenScope)
	mv, pv := s.GetVariable("mean"), s.GetVariable("proj")
	if mv == nil || pv == nil {
		return nil, fmt.Errorf("the checkpoint has no whitening (augment.whiten %d)", r)
	}
	w := &whitening{d: d, r: r}
	for _, c := range []struct {
		dst  *[]float32
		t    *tensors.Tensor
		dims []int
	}{{&w.mean, mv.MustValue(), []int{d}}, {&w.proj, pv.MustValue(), []int{d, r}}} {
		if fmt.Sprint(c.t.Shape().Dimensions) != fmt.Sprint(c.dims) {
			return nil, fmt.Errorf("the checkpoint's whitening has shape %v, the data and augment.whiten %d need %v", c.t.Shape().Dimensions, r, c.dims)
		}
		*c.dst = tensors.MustCopyFlatData[float32](c.t)
	}
	return w, nil
}
