package train

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// EvalOptions configures Evaluate.
type EvalOptions struct {
	Split   string // split to score (empty: the job's evaluation split)
	Backend string // backend spec (empty: auto)
	Batch   int    // inference batch (0: the job's)
	Quiet   bool
}

// Evaluate recomputes the metrics of every run of the job folder dir from its last checkpoint, on
// opt.Split, and returns them as a report (mean (std) over the runs). Nothing is written.
func Evaluate(dir string, opt EvalOptions) (rep *eval.Report, err error) {
	defer recoverError(&err)
	cfg, err := jobConfig(dir)
	if err != nil {
		return nil, err
	}
	if !cfg.method().network {
		return nil, fmt.Errorf("%s is a k-means run, which keeps no network; its report.json holds the metrics", dir)
	}
	if opt.Split != "" {
		cfg.Eval.Split = opt.Split
	}
	if opt.Batch > 0 {
		cfg.Eval.Batch = opt.Batch
	}
	env := &runEnv{Out: os.Stderr, Quiet: true}
	sh, err := loadShared(&cfg, env)
	if err != nil {
		return nil, err
	}
	b, info, err := OpenBackend(orDefault(opt.Backend, "auto"))
	if err != nil {
		return nil, err
	}
	env.Backend, env.BackendInfo = b, info
	var results []runResult
	for r := 1; r <= cfg.Runs; r++ {
		runDir := RunDir(dir, cfg.Runs, r)
		net, st, err := loadNetwork(env, &cfg, runDir, sh.evalIn)
		if err != nil {
			return nil, err
		}
		probs, err := net.predictAll(sh.evalIn, sh.evalBatch)
		if err != nil {
			return nil, err
		}
		pred, _ := argmaxRows(probs, net.k)
		m, err := score(pred, sh.evalDS.Labels, cfg.Labelled())
		if err != nil {
			return nil, err
		}
		m.Epoch, m.Step = st.Epoch, st.Step
		res := runResult{seed: st.Seed, final: m, history: []EpochMetrics{m}}
		res.confusion, _ = confusion(pred, sh.evalDS.Labels)
		results = append(results, res)
	}
	return buildReport(sh.reportInfo(&cfg), results), nil
}

// jobConfig reads the configuration of a job folder (or of the job holding run folder dir).
func jobConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(path); err != nil {
		return Config{}, fmt.Errorf("%s is not a run folder: %s not found", dir, path)
	}
	return LoadConfig(path, nil)
}

// loadNetwork builds the job's network with the weights of the last checkpoint of runDir, for
// inputs shaped like in.
func loadNetwork(env *runEnv, cfg *Config, runDir string, in *inputs) (*network, *trainerState, error) {
	ctx := context.New()
	st, err := loadCheckpoint(filepath.Join(runDir, "checkpoint"), ctx)
	if err != nil {
		if err == errNoCheckpoint {
			return nil, nil, fmt.Errorf("%s has no checkpoint yet (it is written at the end of each epoch)", runDir)
		}
		return nil, nil, err
	}
	if r := cfg.Augment.Whiten; r > 0 {
		w, err := loadWhitening(ctx, in.ds.D, r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", runDir, err)
		}
		in.setWhitening(w)
	}
	if fmt.Sprint(st.Input) != fmt.Sprint(in.dims) {
		return nil, nil, fmt.Errorf("the network of %s takes inputs %v, the data gives %v", runDir, st.Input, in.dims)
	}
	net, err := newNetwork(env.Backend, ctx, cfg, st.Clusters, in)
	if err != nil {
		return nil, nil, err
	}
	return net, st, nil
}

// PredictOptions configures Predict.
type PredictOptions struct {
	Data    string // dataset name, e.g. imagefolder:DIR (resized to the network's input size)
	Split   string // split of Data (empty: all)
	DataDir string // data folder for built-in datasets
	Out     string // assignments CSV to write
	Run     int    // run of a multi-run job (1-based; 0: 1)
	Backend string
	Batch   int // inference batch (0: the job's)
}

// Predict assigns every example of opt.Data to a cluster with the network of the run folder dir
// and writes opt.Out (index, cluster, confidence, label; -1 when unknown) atomically. It returns the
// number of examples written.
func Predict(dir string, opt PredictOptions) (n int, err error) {
	defer recoverError(&err)
	cfg, err := jobConfig(dir)
	if err != nil {
		return 0, err
	}
	if !cfg.method().network {
		return 0, fmt.Errorf("%s is a k-means run, which keeps no network to predict with", dir)
	}
	run := max(opt.Run, 1)
	if run > cfg.Runs {
		return 0, fmt.Errorf("flag --run %d: %s has %d run(s)", run, dir, cfg.Runs)
	}
	runDir := RunDir(dir, cfg.Runs, run)
	st, err := loadCheckpoint(filepath.Join(runDir, "checkpoint"), nil)
	if err != nil {
		if err == errNoCheckpoint {
			return 0, fmt.Errorf("%s has no checkpoint yet", runDir)
		}
		return 0, err
	}
	name := opt.Data
	if strings.HasPrefix(name, "imagefolder:") {
		spec, err := data.ParseName(name)
		if err != nil {
			return 0, fmt.Errorf("flag --data: %v", err)
		}
		// Read the images at the size the network (or, on pretrained features, the job's
		// dataset) had.
		add := map[string]string{"bad": "skip"}
		if len(st.Input) == 3 {
			add["size"] = fmt.Sprintf("%dx%d", st.Input[0], st.Input[1])
			add["channels"] = fmt.Sprint(st.Input[2])
		} else if job, err := data.ParseName(cfg.Data.Name); err == nil && cfg.usesFeatures() && job.Options["size"] != "" {
			add["size"] = job.Options["size"]
		}
		for _, k := range []string{"size", "channels", "bad"} {
			if _, ok := spec.Options[k]; !ok && add[k] != "" {
				name += "," + k + "=" + add[k]
			}
		}
	}
	dataDir, err := data.Dir(orDefault(opt.DataDir, cfg.Data.Dir))
	if err != nil {
		return 0, fmt.Errorf("flag --data-dir: %v", err)
	}
	ds, err := loadData(&cfg, name, orDefault(opt.Split, "all"), dataDir, nil)
	if err != nil {
		return 0, fmt.Errorf("flag --data: %v", err)
	}
	if len(ds.Skipped) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %s\n", opt.Data, data.SkippedSummary(ds.Skipped))
	}
	aug := cfg.Augment
	aug.Pipeline = "none"
	in, err := newInputs(ds, aug)
	if err != nil {
		return 0, fmt.Errorf("flag --data: %v", err)
	}
	b, info, err := OpenBackend(orDefault(opt.Backend, "auto"))
	if err != nil {
		return 0, err
	}
	env := &runEnv{Backend: b, BackendInfo: info, Out: os.Stderr, Quiet: true}
	net, _, err := loadNetwork(env, &cfg, runDir, in)
	if err != nil {
		return 0, fmt.Errorf("flag --data: %v", err)
	}
	bs := cfg.Batch
	if opt.Batch > 0 {
		bs = opt.Batch
	} else if cfg.Eval.Batch > 0 {
		bs = cfg.Eval.Batch
	}
	probs, err := net.predictAll(in, bs)
	if err != nil {
		return 0, err
	}
	pred, conf := argmaxRows(probs, net.k)
	items := assignmentItems(ds, pred, conf, probs, net.k)
	if err := writeAssignments(opt.Out, items, ds.Paths != nil, true); err != nil {
		return 0, err
	}
	return ds.N, nil
}
