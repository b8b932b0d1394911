package train

import (
	"fmt"
	"math"
	"time"

	"github.com/cct-dev/cct/eval/kmeans"
)

// runKMeans is the k-means baseline: k-means++ with restarts on the training inputs (feature
// vectors, or images as normalised pixels), then every evaluation example goes to its nearest
// centre. The confidence written to assignments.csv is the margin 1 − d₁/d₂ of the two nearest
// centres' distances (0: on the boundary, 1: on a centre).
func runKMeans(sh *shared, cfg *Config, seed int64, dir string) (*runResult, error) {
	start := time.Now()
	x, d, err := flatInputs(sh.trainIn)
	if err != nil {
		return nil, err
	}
	km, err := kmeans.Fit(x, sh.train.N, d, sh.k, kmeans.Options{
		NInit: cfg.KMeans.NInit, MaxIter: cfg.KMeans.MaxIters, Tol: cfg.KMeans.Tol, Seed: uint64(seed)})
	if err != nil {
		return nil, fmt.Errorf("k-means: %v", err)
	}
	ex := x
	if sh.evalDS != sh.train {
		if ex, _, err = flatInputs(sh.evalIn); err != nil {
			return nil, err
		}
	}
	n := len(ex) / d
	pred := make([]int, n)
	conf := make([]float32, n)
	for i := 0; i < n; i++ {
		row := ex[i*d : (i+1)*d]
		best, second := math.Inf(1), math.Inf(1)
		for c := 0; c < sh.k; c++ {
			var s float64
			for j, v := range row {
				t := float64(v) - km.Centers[c*d+j]
				s += t * t
			}
			switch {
			case s < best:
				second, best, pred[i] = best, s, c
			case s < second:
				second = s
			}
		}
		if second > 0 {
			conf[i] = float32(1 - math.Sqrt(best)/math.Sqrt(second))
		}
	}
	m, err := score(pred, sh.evalDS.Labels, cfg.Labelled())
	if err != nil {
		return nil, err
	}
	m.Seconds = time.Since(start).Seconds()
	res := &runResult{seed: seed, final: m, history: []EpochMetrics{m}, seconds: m.Seconds}
	sh.env.printf("%sk-means: inertia %.4g after %d iterations, ACC %.2f%% NMI %.2f%% ARI %.2f%%\n",
		sh.env.label, km.Inertia, km.Iters, 100*m.ACC, 100*m.NMI, 100*m.ARI)
	if err := writeMetrics(dir, res.history); err != nil {
		return nil, err
	}
	return res, finishRun(dir, sh.reportInfo(cfg), res, sh.evalDS, pred, conf, nil, sh.k)
}

// flatInputs returns every example of in as float32 rows (features, or normalised pixels).
func flatInputs(in *inputs) ([]float32, int, error) {
	if !in.ds.IsImage() {
		return in.feats, in.size, nil
	}
	x := make([]float32, 0, in.ds.N*in.size)
	err := in.forEachBatch(identity(in.ds.N), 1000, false, false, 0, 0, func(_ []int, b, _ []float32) error {
		x = append(x, b...)
		return nil
	})
	return x, in.size, err
}
