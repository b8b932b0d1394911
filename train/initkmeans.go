package train

import (
	"fmt"

	"github.com/cct-dev/cct/eval/kmeans"
	"github.com/cct-dev/cct/models"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// initHeadFromKMeans starts the linear head z = x·W + b at the k-means partition of the training
// inputs (as DEC starts its clusters): with centres c_k from k-means++ (kmeans.n_init restarts),
//
//	W[:,k] = β·c_k,  b_k = −β‖c_k‖²/2,  so  z_k = β‖x‖²/2 − β‖x − c_k‖²/2
//
// and softmax(z) is the posterior of an equal-weight isotropic Gaussian mixture with variance 1/β
// at the centres; argmax z is the nearest centre. β is model.init_scale. It returns a one-line
// account for the log.
func initHeadFromKMeans(ctx *context.Context, cfg *Config, in *inputs, k int, seed int64) (string, error) {
	x, d, err := flatInputs(in)
	if err != nil {
		return "", err
	}
	km, err := kmeans.Fit(x, in.ds.N, d, k, kmeans.Options{
		NInit: cfg.KMeans.NInit, MaxIter: cfg.KMeans.MaxIters, Tol: cfg.KMeans.Tol, Seed: uint64(seed)})
	if err != nil {
		return "", fmt.Errorf("key model.init: k-means: %v", err)
	}
	beta := cfg.Model.InitScale
	w := make([]float32, d*k)
	b := make([]float32, k)
	for c := 0; c < k; c++ {
		var sq float64
		for j, v := range km.Centers[c*d : (c+1)*d] {
			w[j*k+c] = float32(beta * v)
			sq += v * v
		}
		b[c] = float32(-beta * sq / 2)
	}
	head := ctx.In(models.HeadScope)
	head.VariableWithValue("weights", tensor(w, d, k))
	head.VariableWithValue("biases", tensor(b, k))
	return fmt.Sprintf("head from k-means (%d restarts, inertia %.4g), scale %g", cfg.KMeans.NInit, km.Inertia, beta), nil
}
