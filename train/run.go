package train

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/cct-dev/cct/augment"
	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval"
	"github.com/cct-dev/cct/pseudolabel"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// EpochMetrics is one line of metrics.jsonl: the training loss of an epoch and the scores on the
// evaluation split after it. Scores are fractions; they are 0 with Scored = 0 when no label is known.
type EpochMetrics struct {
	Epoch        int     `json:"epoch"`              // 1-based; 0 is the untrained network
	Step         int64   `json:"step"`               // optimiser steps so far
	Loss         float64 `json:"loss"`               // mean training loss over the epoch's batches
	Accuracy     float64 `json:"accuracy,omitempty"` // plain accuracy (no matching), labelled training only
	ACC          float64 `json:"acc"`
	NMI          float64 `json:"nmi"`
	ARI          float64 `json:"ari"`
	Scored       int     `json:"scored"`              // evaluation examples with a known label
	Clusters     int     `json:"clusters"`            // distinct clusters predicted on the evaluation split
	YIters       float64 `json:"y_iters,omitempty"`   // mean iterations of the y-step solver per call
	YSeconds     float64 `json:"y_seconds,omitempty"` // wall time of the epoch's y-steps (solver only)
	ImagesPerSec float64 `json:"images_per_sec"`      // training images per second (y-step included)
	Seconds      float64 `json:"seconds"`             // wall time of the epoch, evaluation included
}

// shared is what every run of a job uses: the backend and the datasets.
type shared struct {
	env       *runEnv
	train     *data.Dataset // training examples (data.subset applied)
	evalDS    *data.Dataset // evaluation examples
	k         int           // clusters
	trainIn   *inputs
	evalIn    *inputs
	evalBatch int
}

// reportInfo describes the job for its reports.
func (sh *shared) reportInfo(cfg *Config) reportInfo {
	return reportInfo{cfg: cfg, backend: sh.env.BackendInfo, trainSplit: sh.train.Split, evalSplit: sh.evalDS.Split,
		trainN: sh.train.N, evalN: sh.evalDS.N, clusters: sh.k, classNames: sh.evalDS.ClassNames}
}

// runner trains one run (one seed) in its folder.
type runner struct {
	*shared
	cfg  *Config
	dir  string
	seed int64
	st   *trainerState
	net  *network

	noisy     []float64 // supervised targets, N×K
	seedRows  []float32 // one-hot rows of labelled examples, zero rows otherwise, N×K (nil: no seeds)
	vatEps    []float32 // IMSAT's VAT radius ε_i of every training example (nil: no VAT)
	schedule  []int     // SeLa refresh steps
	yIters    int
	yCalls    int
	yTime     time.Duration
	evalProbs []float32 // σ on the evaluation split after the last epoch
}

// run trains (or resumes) and returns the run's outcome; the run folder gets every file.
func (r *runner) run(resume bool) (*runResult, error) {
	start := time.Now()
	cfg := r.cfg
	ckDir := filepath.Join(r.dir, "checkpoint")
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, r.seed)
	r.st = &trainerState{Seed: r.seed}
	resumed := false
	if resume {
		st, err := loadCheckpoint(ckDir, ctx)
		switch {
		case errors.Is(err, errNoCheckpoint):
		case err != nil:
			return nil, err
		default:
			r.st, resumed = st, true
		}
	}
	if w := r.trainIn.white; w != nil && !resumed {
		w.store(ctx)
	}
	if !resumed && cfg.Model.Init != "" {
		load := initFromTorch
		if cfg.Model.Init == "kmeans" {
			load = func(ctx *context.Context, cfg *Config, in *inputs) (string, error) {
				return initHeadFromKMeans(ctx, cfg, in, r.k, r.seed)
			}
		}
		msg, err := load(ctx, cfg, r.trainIn)
		if err != nil {
			return nil, err
		}
		r.env.printf("%s: %s\n", r.dir, msg)
	}
	r.st.Input, r.st.Clusters = r.trainIn.dims, r.k
	if err := r.prepareTargets(); err != nil {
		return nil, err
	}
	net, err := newNetwork(r.env.Backend, ctx, cfg, r.k, r.trainIn)
	if err != nil {
		return nil, err
	}
	r.net = net
	if net.vat {
		t0 := time.Now()
		if r.vatEps, err = vatRadii(r.trainIn, cfg.IMSAT.EpsScale, cfg.IMSAT.EpsNeighbor); err != nil {
			return nil, err
		}
		r.env.printf("VAT radii (%g × distance to the %d-th nearest neighbour) in %.1fs\n", cfg.IMSAT.EpsScale, cfg.IMSAT.EpsNeighbor, time.Since(t0).Seconds())
	}
	nb := batchCount(r.train.N, cfg.Batch)
	bs := min(cfg.Batch, r.train.N)
	if cfg.method().targets == selaTargets {
		r.schedule = selaSchedule(cfg.Epochs*nb, cfg.SeLa.Refreshes)
	}
	if r.st.Epoch > 0 {
		r.env.printf("%s: resuming after epoch %d of %d\n", r.dir, r.st.Epoch, cfg.Epochs)
	}
	if r.st.Epoch == 0 && len(r.st.History) == 0 {
		// Epoch 0: the untrained network.
		m, err := r.evaluate()
		if err != nil {
			return nil, err
		}
		r.st.History = append(r.st.History, m)
	}
	if r.usesDatasetY() && r.st.y == nil && r.st.Epoch < cfg.Epochs {
		if err := r.refreshDatasetY(); err != nil {
			return nil, err
		}
	}
	for epoch := r.st.Epoch; epoch < cfg.Epochs; epoch++ {
		t0 := time.Now()
		r.yIters, r.yCalls, r.yTime = 0, 0, 0
		prog := newProgress(r.env.Out, r.env.Quiet, fmt.Sprintf("%sepoch %d/%d", r.env.label, epoch+1, cfg.Epochs), nb)
		order := augment.EpochOrder(r.train.N, feedSeed(r.seed), epoch)
		err := r.trainIn.forEachBatch(order, bs, true, r.net.augView, r.seed, epoch, func(idx []int, x, xAug []float32) error {
			loss, err := r.step(idx, x, xAug)
			if err != nil {
				return err
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("epoch %d step %d: the loss is %v; lower optim.lr or check the data", epoch+1, r.st.Step, loss)
			}
			prog.step(len(idx), loss)
			return nil
		})
		meanLoss, ips := prog.finish()
		if err != nil {
			return nil, err
		}
		if r.usesDatasetY() && epoch+1 < cfg.Epochs {
			if err := r.refreshDatasetY(); err != nil {
				return nil, err
			}
		}
		m, err := r.evaluate()
		if err != nil {
			return nil, err
		}
		m.Epoch, m.Step, m.Loss, m.ImagesPerSec = epoch+1, r.st.Step, meanLoss, ips
		if r.yCalls > 0 {
			m.YIters = float64(r.yIters) / float64(r.yCalls)
			m.YSeconds = r.yTime.Seconds()
		}
		m.Seconds = time.Since(t0).Seconds()
		r.st.History = append(r.st.History, m)
		r.st.Epoch = epoch + 1
		plain := ""
		if cfg.Labelled() {
			plain = fmt.Sprintf(" plain accuracy %.2f%%", 100*m.Accuracy)
		}
		scores := " (no labels to score)"
		if m.Scored > 0 {
			scores = fmt.Sprintf("%s ACC %.2f%% NMI %.2f%% ARI %.2f%%", plain, 100*m.ACC, 100*m.NMI, 100*m.ARI)
		}
		r.env.printf("%sepoch %d/%d loss %.4f%s clusters %d (%.0f img/s, %.1fs)\n",
			r.env.label, m.Epoch, cfg.Epochs, m.Loss, scores, m.Clusters, m.ImagesPerSec, m.Seconds)
		if err := r.save(ckDir); err != nil {
			return nil, err
		}
	}
	if r.evalProbs == nil {
		if _, err := r.evaluate(); err != nil {
			return nil, err
		}
	}
	if cfg.Epochs == 0 {
		// Keep the (untrained) network so that eval and predict work on every run folder.
		if err := r.save(ckDir); err != nil {
			return nil, err
		}
	}
	res := &runResult{seed: r.seed, history: r.st.History, seconds: time.Since(start).Seconds()}
	res.final = r.st.History[len(r.st.History)-1]
	pred, conf := argmaxRows(r.evalProbs, r.k)
	if err := finishRun(r.dir, r.reportInfo(cfg), res, r.evalDS, pred, conf, r.evalProbs, r.k); err != nil {
		return nil, err
	}
	return res, nil
}

// save writes the checkpoint and metrics.jsonl.
func (r *runner) save(ckDir string) error {
	if err := saveCheckpoint(ckDir, r.net.ctx, r.st); err != nil {
		return err
	}
	return writeMetrics(r.dir, r.st.History)
}

// usesDatasetY tells whether the y-step runs once per epoch over the whole training set.
func (r *runner) usesDatasetY() bool {
	return r.cfg.method().targets == solvedTargets && r.cfg.Pseudolabel.Scope == "epoch"
}

// prepareTargets builds the run's fixed targets: noisy supervised labels and seed labels.
func (r *runner) prepareTargets() error {
	cfg, k := r.cfg, r.k
	if cfg.method().targets == labelTargets {
		y, _, err := noisyLabels(r.seed, r.train.Labels, k, cfg.Labels.Noise, cfg.Labels.ReplaceWith == "uniform")
		if err != nil {
			return fmt.Errorf("loss %s on %s: %v", cfg.Loss, r.train.Name, err)
		}
		r.noisy = y
	}
	if cfg.Seeds.Fraction > 0 {
		mask, _, err := seedMask(r.seed, r.train.Labels, cfg.Seeds.Fraction)
		if err != nil {
			return err
		}
		r.seedRows = make([]float32, r.train.N*k)
		for i, ok := range mask {
			if ok {
				if l := r.train.Labels[i]; l < k {
					r.seedRows[i*k+l] = 1
				}
			}
		}
	}
	return nil
}

// step runs the y-step for a batch (when the method has one) and one optimiser step.
func (r *runner) step(idx []int, x, xAug []float32) (float64, error) {
	k, b := r.k, len(idx)
	var y []float32
	switch r.cfg.method().targets {
	case solvedTargets:
		if r.usesDatasetY() {
			y = gatherRows64(r.st.y, idx, k)
			break
		}
		sigma, err := r.net.batchSigma(x, b)
		if err != nil {
			return 0, err
		}
		y64, err := r.solveY(widen(sigma), b)
		if err != nil {
			return 0, err
		}
		y = narrow(y64)
	case selaTargets:
		due := false
		for r.st.SeLaNext < len(r.schedule) && int64(r.schedule[r.st.SeLaNext]) <= r.st.Step {
			r.st.SeLaNext++
			due = true
		}
		if due || r.st.labels == nil {
			if err := r.refreshSeLa(); err != nil {
				return 0, err
			}
		}
		y = make([]float32, b*k)
		for j, i := range idx {
			y[j*k+r.st.labels[i]] = 1
		}
	case labelTargets:
		y = gatherRows64(r.noisy, idx, k)
	}
	var seeds []float32
	if r.seedRows != nil {
		seeds = make([]float32, b*k)
		for j, i := range idx {
			copy(seeds[j*k:(j+1)*k], r.seedRows[i*k:(i+1)*k])
		}
	}
	var eps []float32
	if r.net.vat {
		eps = make([]float32, b)
		for j, i := range idx {
			eps[j] = r.vatEps[i]
		}
	}
	loss, err := r.net.trainStep(x, xAug, eps, y, seeds, b)
	if err != nil {
		return 0, err
	}
	r.st.Step++
	return loss, nil
}

// solveY runs the y-step of the method (method.solve) on σ (n×K float64).
func (r *runner) solveY(sigma []float64, n int) ([]float64, error) {
	m := r.cfg.method()
	if m.solve == nil {
		return nil, fmt.Errorf("loss %s has no y-step", r.cfg.Loss)
	}
	t0 := time.Now()
	res, err := m.solve(r.cfg, sigma, n, r.k)
	r.yTime += time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("%s y-step: %v", r.cfg.Loss, err)
	}
	r.yIters += res.Iters
	r.yCalls++
	return res.Y, nil
}

// refreshDatasetY recomputes the dataset-level y (pseudolabel.scope epoch) from σ over the whole
// training set.
func (r *runner) refreshDatasetY() error {
	sigma, err := r.net.predictAll(r.trainIn, r.evalBatch)
	if err != nil {
		return err
	}
	y, err := r.solveY(widen(sigma), r.train.N)
	if err != nil {
		return err
	}
	r.st.y, r.st.YCols = y, r.k
	return nil
}

// refreshSeLa recomputes SeLa's hard labels by Sinkhorn on σ over the whole training set.
func (r *runner) refreshSeLa() error {
	sigma, err := r.net.predictAll(r.trainIn, r.evalBatch)
	if err != nil {
		return err
	}
	res, err := pseudolabel.Sinkhorn(widen(sigma), r.train.N, r.k, pseudolabel.SinkhornOptions{Power: r.cfg.SeLa.Lambda})
	if err != nil {
		return fmt.Errorf("SeLa Sinkhorn step: %v", err)
	}
	r.st.labels = res.Labels
	r.yIters += res.Iters
	r.yCalls++
	return nil
}

// evaluate scores the network on the evaluation split and keeps σ for the run files.
func (r *runner) evaluate() (EpochMetrics, error) {
	probs, err := r.net.predictAll(r.evalIn, r.evalBatch)
	if err != nil {
		return EpochMetrics{}, err
	}
	r.evalProbs = probs
	pred, _ := argmaxRows(probs, r.k)
	return score(pred, r.evalDS.Labels, r.cfg.Labelled())
}

// score computes the metrics of pred against the known labels (label ≥ 0), and the plain
// accuracy when labelled (labelled training, where output c is class c).
func score(pred, labels []int, labelled bool) (EpochMetrics, error) {
	var m EpochMetrics
	seen := map[int]bool{}
	for _, p := range pred {
		seen[p] = true
	}
	m.Clusters = len(seen)
	p, t := known(pred, labels)
	if len(t) == 0 {
		return m, nil
	}
	s, err := eval.Evaluate(p, t)
	if err != nil {
		return m, err
	}
	m.ACC, m.NMI, m.ARI, m.Scored = s.ACC, s.NMI, s.ARI, s.N
	if labelled {
		m.Accuracy = eval.PlainAccuracy(p, t)
	}
	return m, nil
}

// known returns the predictions and labels of the examples whose label is known (≥ 0).
func known(pred, labels []int) (p, t []int) {
	for i, l := range labels {
		if l >= 0 {
			p, t = append(p, pred[i]), append(t, l)
		}
	}
	return p, t
}

// identity returns 0, 1, …, n−1.
func identity(n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// argmaxRows returns the argmax and the maximum of each row of an N×K matrix.
func argmaxRows(p []float32, k int) ([]int, []float32) {
	n := len(p) / k
	idx := make([]int, n)
	conf := make([]float32, n)
	for i := 0; i < n; i++ {
		row := p[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		idx[i], conf[i] = best, row[best]
	}
	return idx, conf
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// gatherRows64 returns rows idx of an N×K float64 matrix as float32.
func gatherRows64(m []float64, idx []int, k int) []float32 {
	out := make([]float32, len(idx)*k)
	for j, i := range idx {
		for c := 0; c < k; c++ {
			out[j*k+c] = float32(m[i*k+c])
		}
	}
	return out
}
