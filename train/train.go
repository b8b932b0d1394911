// Package train is the trainer of cct: the alternating loop of self-labeled clustering (per batch:
// σ from the network, pseudo-labels y from the method's solver, one optimiser step on the loss), the
// baselines, weak and noisy supervision, the run folder with its checkpoints and reports, and the
// evaluation and prediction that read a run folder back.
//
// Per training step of a self-labeling method (the paper's alternation of label and network updates):
//
//  1. σ = softmax(model(x)) without gradients, by default with the batch's own batch-norm
//     statistics (pseudolabel.sigma train), as the training step that follows;
//  2. y from σ: EM on loss (11) (cce), PGD on loss (10) or (11) (cce-pgd), the MIADM update (miadm),
//     SeLa's Sinkhorn labels (refreshed on a quadratic schedule over the whole training set);
//     with pseudolabel.scope epoch, y is solved over the whole training set once per epoch;
//  3. one Adam or SGD step on mean H2(y, σ(x)) + β·mean H2(y, σ(x')) (Shannon CE for miadm and sela),
//     x' an augmented view, plus the seed-label CE of weak supervision.
//
// Each value of the key loss is one entry of the method registry (method.go): where its targets
// come from, its y-step solver, its loss, whether it takes an augmented view or VAT radii, whether
// it is labelled training, and its name in reports. The trainer, network building, evaluation and
// the reports consult the registry; none of them switches on the loss name.
//
// Inference mode (pseudolabel.sigma eval) is offered for step 1 but is a poor default: the
// running statistics lag behind the weights early in training, and a confidently wrong σ is a
// fixed point of the collision cross-entropy (its gradient σ − q vanishes when σ is one-hot). With
// train, the running averages also take the statistics of this batch, so they are updated three
// times per step (σ, clean view, augmented view). Evaluation always uses inference mode.
package train

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval"
	"github.com/gomlx/gomlx/backends"
)

// Options are the settings of a training job that are not part of its Config.
type Options struct {
	RunsDir string    // parent of the run folder ("runs")
	Resume  bool      // continue from the last checkpoint of the existing run folder
	Quiet   bool      // no progress output
	Backend string    // backend spec, see OpenBackend ("auto")
	Out     io.Writer // progress and summary lines (nil: os.Stdout)
}

// runEnv is what the runs of a job share: the backend and where progress goes.
type runEnv struct {
	Backend     backends.Backend
	BackendInfo string // which backend runs, as printed and recorded in reports
	Out         io.Writer
	Quiet       bool
	label       string // prefix of progress lines, e.g. "run 2/6 "
}

func (e *runEnv) printf(format string, args ...any) {
	if !e.Quiet {
		fmt.Fprintf(e.Out, format, args...)
	}
}

// RunDir returns the folder of run r (1-based) of a job with the given number of runs: the job's
// folder itself for a single run, run-<r>/ inside it otherwise.
func RunDir(jobDir string, runs, r int) string {
	if runs == 1 {
		return jobDir
	}
	return filepath.Join(jobDir, fmt.Sprintf("run-%d", r))
}

// Train runs the job described by cfg: cfg.Runs runs with seeds cfg.Seed, cfg.Seed+1, …, each in
// its run folder, and writes the job's config.yaml and report files (mean (std) over runs). It
// returns the job's report. Errors are one line and name what the user can change.
func Train(cfg Config, opt Options) (rep *eval.Report, err error) {
	defer recoverError(&err)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.Out == nil {
		opt.Out = os.Stdout
	}
	if opt.RunsDir == "" {
		opt.RunsDir = "runs"
	}
	dir := filepath.Join(opt.RunsDir, cfg.Name)
	if err := prepareRunDir(dir, &cfg, opt.Resume); err != nil {
		return nil, err
	}
	env := &runEnv{Out: opt.Out, Quiet: opt.Quiet}
	sh, err := loadShared(&cfg, env)
	if err != nil {
		return nil, err
	}
	if cfg.method().network {
		b, info, err := OpenBackend(orDefault(opt.Backend, "auto"))
		if err != nil {
			return nil, err
		}
		env.Backend, env.BackendInfo = b, info
	} else {
		env.BackendInfo = "none (k-means in Go)"
	}
	env.printf("backend: %s\n", env.BackendInfo)
	env.printf("data: %s split %s (%d examples), evaluation on %s (%d examples), %d clusters\n",
		cfg.Data.Name, cfg.Data.Split, sh.train.N, sh.evalDS.Split, sh.evalDS.N, sh.k)
	if err := writeFileAtomic(filepath.Join(dir, "config.yaml"), cfg.YAML()); err != nil {
		return nil, err
	}
	var results []runResult
	for r := 1; r <= cfg.Runs; r++ {
		if cfg.Runs > 1 {
			env.label = fmt.Sprintf("run %d/%d ", r, cfg.Runs)
		}
		runDir := RunDir(dir, cfg.Runs, r)
		if err := os.MkdirAll(runDir, 0o755); err != nil {
			return nil, fmt.Errorf("run folder %s: %v", runDir, err)
		}
		seed := cfg.Seed + int64(r-1)
		var res *runResult
		if !cfg.method().network {
			res, err = runKMeans(sh, &cfg, seed, runDir)
		} else {
			res, err = (&runner{shared: sh, cfg: &cfg, dir: runDir, seed: seed}).run(opt.Resume)
		}
		if err != nil {
			return nil, err
		}
		results = append(results, *res)
	}
	rep = buildReport(sh.reportInfo(&cfg), results)
	if cfg.Runs > 1 {
		if err := writeReport(dir, rep); err != nil {
			return nil, err
		}
	}
	if results[len(results)-1].final.Scored > 0 {
		env.printf("%s: %s over %d run(s): %s\n", dir, cfg.Loss, cfg.Runs, rep.Summary)
	} else {
		env.printf("%s: %s over %d run(s), no labels to score\n", dir, cfg.Loss, cfg.Runs)
	}
	return rep, nil
}

// prepareRunDir creates the job folder, or checks that an existing one may be resumed with cfg:
// the configurations must be equal except for epochs.
func prepareRunDir(dir string, cfg *Config, resume bool) error {
	old, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	switch {
	case err == nil && !resume:
		return fmt.Errorf("run folder %s exists; use --resume to continue it, or --name to start another", dir)
	case err == nil && resume:
		// Only the number of epochs may change on resume (to train longer).
		prev, err := LoadConfig(filepath.Join(dir, "config.yaml"), nil)
		if err != nil {
			return err
		}
		prev.Epochs = cfg.Epochs
		if !bytes.Equal(prev.YAML(), cfg.YAML()) {
			return fmt.Errorf("run folder %s was started with another configuration (first difference: %s); resume without --config/--set, or use --name", dir, firstDiff(string(old), string(cfg.YAML())))
		}
	case !os.IsNotExist(err):
		return fmt.Errorf("run folder %s: %v", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("run folder %s: %v", dir, err)
	}
	return nil
}

// ResumeConfig returns the configuration a run folder was started with.
func ResumeConfig(runsDir, name string) (Config, error) {
	path := filepath.Join(runsDir, name, "config.yaml")
	if _, err := os.Stat(path); err != nil {
		return Config{}, fmt.Errorf("--resume: %s not found; nothing to resume", path)
	}
	return LoadConfig(path, nil)
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("%q vs %q", strings.TrimSpace(x), strings.TrimSpace(y))
		}
	}
	return "none"
}

// loadShared loads the datasets and the input pipelines.
func loadShared(cfg *Config, env *runEnv) (*shared, error) {
	t0 := time.Now()
	dataDir, err := data.Dir(cfg.Data.Dir)
	if err != nil {
		return nil, fmt.Errorf("key data.dir: %v", err)
	}
	full, err := data.Load(cfg.Data.Name, cfg.Data.Split, dataDir)
	if err != nil {
		return nil, fmt.Errorf("key data.name: %v", err)
	}
	if len(full.Skipped) > 0 {
		env.printf("%s: %s\n", cfg.Data.Name, data.SkippedSummary(full.Skipped))
	}
	trainDS := full
	if cfg.Data.Subset > 0 && cfg.Data.Subset < full.N {
		trainDS, err = full.Subset(randomSubset(cfg.Seed, full.N, cfg.Data.Subset))
		if err != nil {
			return nil, fmt.Errorf("key data.subset: %v", err)
		}
	}
	if trainDS, err = pretrainedFeatures(cfg, trainDS, dataDir, env); err != nil {
		return nil, fmt.Errorf("key data.features: %v", err)
	}
	evalDS := trainDS
	if cfg.Eval.Split != "" && cfg.Eval.Split != cfg.Data.Split {
		evalDS, err = loadData(cfg, cfg.Data.Name, cfg.Eval.Split, dataDir, env)
		if err != nil {
			return nil, fmt.Errorf("key eval.split: %v", err)
		}
	}
	k := cfg.Model.Clusters
	if k == 0 {
		k = max(trainDS.NumClasses(), evalDS.NumClasses())
		if k < 2 {
			return nil, fmt.Errorf("key model.clusters: %s has no class names, set the number of clusters", cfg.Data.Name)
		}
	}
	if cfg.Labelled() && k != trainDS.NumClasses() {
		return nil, fmt.Errorf("key model.clusters: %d clusters, but labelled training needs one per class (%d)", k, trainDS.NumClasses())
	}
	if cfg.Batch > trainDS.N {
		return nil, fmt.Errorf("key batch: %d is more than the %d training examples", cfg.Batch, trainDS.N)
	}
	sh := &shared{env: env, train: trainDS, evalDS: evalDS, k: k, evalBatch: cfg.Batch}
	if cfg.Eval.Batch > 0 {
		sh.evalBatch = cfg.Eval.Batch
	}
	if sh.trainIn, err = newInputs(trainDS, cfg.Augment); err != nil {
		return nil, err
	}
	evalAug := cfg.Augment
	evalAug.Pipeline = "none"
	if sh.evalIn, err = newInputs(evalDS, evalAug); err != nil {
		return nil, err
	}
	if r := cfg.Augment.Whiten; r > 0 {
		t1 := time.Now()
		w, err := fitWhitening(sh.trainIn.normed, trainDS.N, trainDS.D, r, cfg.Seed)
		if err != nil {
			return nil, err
		}
		sh.trainIn.setWhitening(w)
		if evalDS == trainDS {
			sh.evalIn.setWhitened(w, sh.trainIn.feats)
		} else {
			sh.evalIn.setWhitening(w)
		}
		env.printf("whitened the features on their first %d principal axes in %.1fs\n", r, time.Since(t1).Seconds())
	}
	env.printf("loaded %s in %.1fs\n", cfg.Data.Name, time.Since(t0).Seconds())
	return sh, nil
}

// recoverError turns a panic escaping GoMLX (graph building, shapes, missing operations) into a
// one-line error.
func recoverError(err *error) {
	if r := recover(); r != nil {
		msg := fmt.Sprint(r)
		if e, ok := r.(error); ok {
			msg = e.Error()
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		*err = fmt.Errorf("training failed in the compute engine: %s (try another --backend, a smaller batch, or check the model/data shapes)", msg)
	}
}
