// Package bench measures the training speed of the models: random inputs, and per step one forward
// pass, the collision cross-entropy loss against random soft targets, its gradient and an Adam update,
// all in one compiled graph.
package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/internal/fsutil"
	"github.com/cct-dev/cct/losses"
	"github.com/cct-dev/cct/models"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// Options configures a benchmark run.
type Options struct {
	Model        string        // registered model name, see models.Names
	Config       models.Config // clusters and input shape
	Batch        int           // examples per step
	Steps        int           // timed steps
	Warmup       int           // untimed steps first (the first one includes graph compilation)
	LearningRate float64       // Adam learning rate
	Seed         uint64        // seeds the data and the weights
	Profile      bool          // record the time per operation (cpu backend only), see Result.OpMs
}

// Result holds the measurements of a run.
type Result struct {
	Model        string    `json:"model"`
	Input        string    `json:"input"`
	Clusters     int       `json:"clusters"`
	Batch        int       `json:"batch"`
	Steps        int       `json:"steps"`
	Backend      string    `json:"backend"`
	Params       int       `json:"params"`
	CompileMs    float64   `json:"first_step_ms"`  // first step, including graph building and compilation
	StepMs       []float64 `json:"step_ms"`        // every timed step
	MedianMs     float64   `json:"median_step_ms"` // median of StepMs
	ImagesPerSec float64   `json:"images_per_s"`   // Batch / median step time
	StepGFLOP    float64   `json:"step_gflop"`     // analytic training FLOPs per step: 3 × forward, in 1e9
	GFLOPS       float64   `json:"achieved_gflop_per_s"`
	FirstLoss    float64   `json:"first_loss"`
	LastLoss     float64   `json:"last_loss"`
	MaxRSSBytes  int64     `json:"max_rss_bytes"`   // peak resident set size of the process (getrusage)
	GoSysBytes   uint64    `json:"go_sys_bytes"`    // memory obtained from the OS by the Go runtime
	PeakHeapByte uint64    `json:"peak_heap_bytes"` // largest Go heap in use seen after a step
	// OpMs is the time per timed step spent in each operation type and shape (cpu backend, with
	// Options.Profile).
	OpMs map[string]float64 `json:"op_ms_per_step,omitempty"`
}

// Run builds the model on backend, runs opts.Warmup untimed and opts.Steps timed training steps and
// returns the measurements. The loss is losses.CollisionCE of the logits against random soft targets
// (rows of normalised exponentials); the optimizer is Adam on the trainable variables only, while
// batch-norm running statistics are updated as non-trainable variables in the same step.
func Run(backend backends.Backend, opts Options) (res *Result, err error) {
	if opts.Batch < 1 || opts.Steps < 1 || opts.Warmup < 0 {
		return nil, fmt.Errorf("bench: batch (%d) and steps (%d) must be ≥ 1 and warmup (%d) ≥ 0", opts.Batch, opts.Steps, opts.Warmup)
	}
	if opts.LearningRate <= 0 {
		opts.LearningRate = 1e-4
	}
	fn, err := models.Build(opts.Model, opts.Config)
	if err != nil {
		return nil, err
	}
	flops, err := models.ForwardFLOPs(opts.Model, opts.Config)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bench %s on backend %s: %v", opts.Model, backend.Name(), fsutil.FirstLine(fmt.Sprint(r)))
		}
	}()

	x, y := randomBatch(opts)
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(opts.Seed))
	if err := ctx.SetRNGStateFromSeed(int64(opts.Seed)); err != nil {
		return nil, err
	}
	opt := optimizers.Adam().LearningRate(opts.LearningRate).Done()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, x, y *graph.Node) *graph.Node {
		g := x.Graph()
		ctx.SetTraining(g, true)
		loss := losses.CollisionCE(fn(ctx, x), y)
		opt.UpdateGraph(ctx, g, loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()

	step := func() (float64, time.Duration, error) {
		start := time.Now()
		out, err := exec.Exec(x, y)
		if err != nil {
			return 0, 0, err
		}
		loss := tensors.MustCopyFlatData[float32](out[0])[0] // waits for the result
		return float64(loss), time.Since(start), nil
	}
	res = &Result{Model: opts.Model, Input: opts.Config.String(), Clusters: opts.Config.Clusters,
		Batch: opts.Batch, Steps: opts.Steps, Backend: backend.Name()}
	var ms runtime.MemStats
	for i := 0; i < opts.Warmup+opts.Steps; i++ {
		loss, d, err := step()
		if err != nil {
			return nil, fmt.Errorf("bench %s on backend %s, step %d: %v", opts.Model, backend.Name(), i+1, fsutil.FirstLine(err.Error()))
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("bench %s: non-finite loss %v at step %d", opts.Model, loss, i+1)
		}
		if i == 0 {
			res.CompileMs = msec(d)
			res.FirstLoss = loss
			res.Params = models.TrainableParams(ctx)
		}
		if i+1 == opts.Warmup && opts.Profile {
			cpu.SetOpProfile(true)
			cpu.OpProfile() // reset
		}
		if i >= opts.Warmup {
			res.StepMs = append(res.StepMs, msec(d))
		}
		res.LastLoss = loss
		runtime.ReadMemStats(&ms)
		res.PeakHeapByte = max(res.PeakHeapByte, ms.HeapInuse)
	}
	if opts.Profile {
		cpu.SetOpProfile(false)
		res.OpMs = map[string]float64{}
		for k, d := range cpu.OpProfile() {
			res.OpMs[k] = msec(d) / float64(opts.Steps)
		}
	}
	res.GoSysBytes = ms.Sys
	res.MaxRSSBytes = maxRSS()
	res.MedianMs = median(res.StepMs)
	res.ImagesPerSec = float64(opts.Batch) / (res.MedianMs / 1000)
	res.StepGFLOP = 3 * flops * float64(opts.Batch) / 1e9
	res.GFLOPS = res.StepGFLOP / (res.MedianMs / 1000)
	return res, nil
}

// randomBatch returns N(0, 1) inputs and soft targets y_ik ∝ exp(2·g_ik), g ~ N(0, 1).
func randomBatch(opts Options) (*tensors.Tensor, *tensors.Tensor) {
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	cfg := opts.Config
	xs := make([]float32, opts.Batch*cfg.InputDim())
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	var x *tensors.Tensor
	if cfg.Height == 1 && cfg.Width == 1 {
		x = tensors.FromFlatDataAndDimensions(xs, opts.Batch, cfg.Channels)
	} else {
		x = tensors.FromFlatDataAndDimensions(xs, opts.Batch, cfg.Height, cfg.Width, cfg.Channels)
	}
	k := cfg.Clusters
	ys := make([]float32, opts.Batch*k)
	for i := 0; i < opts.Batch; i++ {
		row := ys[i*k : (i+1)*k]
		s := 0.0
		for j := range row {
			v := math.Exp(2 * r.NormFloat64())
			row[j] = float32(v)
			s += v
		}
		for j := range row {
			row[j] = float32(float64(row[j]) / s)
		}
	}
	return x, tensors.FromFlatDataAndDimensions(ys, opts.Batch, k)
}

func msec(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// maxRSS returns the peak resident set size of the process in bytes (Linux reports kilobytes).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024
}
