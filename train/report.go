package train

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/eval"
	"github.com/cct-dev/cct/eval/gallery"
)

// runResult is the outcome of one run.
type runResult struct {
	seed      int64
	final     EpochMetrics
	history   []EpochMetrics
	confusion *eval.Table // clusters × classes on the evaluation split, nil without labels
	seconds   float64
}

// reportInfo is what a report says about the job besides its runs.
type reportInfo struct {
	cfg        *Config
	backend    string
	trainSplit string
	evalSplit  string
	trainN     int
	evalN      int
	clusters   int
	classNames []string
}

// buildReport makes the eval.Report of a job (several runs) or of a single run: the final scores
// of every run and their mean (std), the configuration flattened to dotted keys (plus backend,
// splits and sizes), the per-epoch history (averaged over the runs), and, for a single run, the
// confusion table.
func buildReport(info reportInfo, runs []runResult) *eval.Report {
	cfg := info.cfg
	rep := &eval.Report{Name: cfg.Name, Method: methodLabel(cfg), Dataset: cfg.Data.Name, Config: flattenConfig(cfg), Labelled: cfg.Labelled()}
	rep.Config["backend"] = info.backend
	rep.Config["train_split"] = fmt.Sprintf("%s (%d examples)", info.trainSplit, info.trainN)
	rep.Config["eval_split"] = fmt.Sprintf("%s (%d examples)", info.evalSplit, info.evalN)
	rep.Config["clusters"] = info.clusters
	seeds := make([]string, len(runs))
	for i, r := range runs {
		f := r.final
		rep.Runs = append(rep.Runs, eval.Scores{Accuracy: f.Accuracy, ACC: f.ACC, NMI: f.NMI, ARI: f.ARI, N: f.Scored, Clusters: f.Clusters})
		seeds[i] = strconv.FormatInt(r.seed, 10)
	}
	rep.Config["seeds"] = strings.Join(seeds, ",")
	sum := eval.SummarizeRuns(rep.Runs, rep.Labelled)
	rep.Summary = &sum
	if len(runs) == 1 {
		s := rep.Runs[0]
		if runs[0].confusion != nil {
			s.Classes = len(runs[0].confusion.Classes)
		}
		rep.Scores = &s
		rep.Confusion = runs[0].confusion
		if rep.Confusion != nil {
			rep.ClassNames = className(info.classNames, rep.Confusion.Classes)
		}
	}
	rep.History = meanHistory(runs, rep.Labelled)
	return rep
}

// className returns the names of the given class indices (nil when unknown).
func className(names []string, classes []int) []string {
	if len(names) == 0 {
		return nil
	}
	out := make([]string, len(classes))
	for i, c := range classes {
		if c >= 0 && c < len(names) {
			out[i] = names[c]
		}
	}
	return out
}

// meanHistory averages the runs' per-epoch metrics (epochs every run has); the plain accuracy only
// for labelled training.
func meanHistory(runs []runResult, labelled bool) []eval.Epoch {
	if len(runs) == 0 {
		return nil
	}
	n := len(runs[0].history)
	for _, r := range runs {
		n = min(n, len(r.history))
	}
	out := make([]eval.Epoch, n)
	for e := 0; e < n; e++ {
		vals := map[string]float64{}
		for _, r := range runs {
			m := r.history[e]
			for k, v := range map[string]float64{"loss": m.Loss, "accuracy": m.Accuracy, "acc": m.ACC, "nmi": m.NMI, "ari": m.ARI,
				"clusters": float64(m.Clusters), "y_iters": m.YIters, "y_seconds": m.YSeconds, "images_per_sec": m.ImagesPerSec} {
				vals[k] += v / float64(len(runs))
			}
		}
		if !labelled {
			delete(vals, "accuracy")
		}
		if e == 0 && runs[0].history[0].Epoch == 0 {
			delete(vals, "loss") // the untrained network has no training loss
			delete(vals, "images_per_sec")
		}
		out[e] = eval.Epoch{Epoch: runs[0].history[e].Epoch, Values: vals}
	}
	return out
}

// flattenConfig lists every configuration key (dotted) with its value.
func flattenConfig(cfg *Config) map[string]any {
	out := map[string]any{}
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			key := joinKey(prefix, name)
			if f := v.Field(i); f.Kind() == reflect.Struct {
				walk(f, key)
			} else {
				out[key] = f.Interface()
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem(), "")
	return out
}

// writeReport writes report.json, report.md, curves.png and (with a confusion table)
// confusion.png into dir.
func writeReport(dir string, rep *eval.Report) error {
	if err := eval.WriteJSON(filepath.Join(dir, "report.json"), rep); err != nil {
		return err
	}
	if err := eval.WriteMarkdown(filepath.Join(dir, "report.md"), rep); err != nil {
		return err
	}
	if len(rep.History) > 0 {
		if err := eval.PlotCurves(filepath.Join(dir, "curves.png"), rep.Name, rep.History); err != nil {
			return err
		}
	}
	if rep.Confusion != nil {
		if err := eval.PlotConfusion(filepath.Join(dir, "confusion.png"), rep.Confusion, rep.ClassNames); err != nil {
			return err
		}
	}
	return nil
}

// ReadReport reads report.json of a run folder.
func ReadReport(dir string) (*eval.Report, error) {
	path := filepath.Join(dir, "report.json")
	rep, err := eval.ReadJSON(path)
	if err != nil {
		return nil, fmt.Errorf("report %s: %v (is %s a finished run folder?)", path, err, dir)
	}
	return rep, nil
}

// writeMetrics rewrites metrics.jsonl (one JSON object per epoch) atomically from the history.
func writeMetrics(dir string, history []EpochMetrics) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range history {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(dir, "metrics.jsonl"), buf.Bytes())
}

// confusion returns the clusters × classes table over the examples with a known label.
func confusion(pred, labels []int) (*eval.Table, error) {
	p, t := known(pred, labels)
	if len(t) == 0 {
		return nil, fmt.Errorf("no labels")
	}
	return eval.Contingency(p, t)
}

// finishRun writes the files of a finished run into dir: assignments.csv on the evaluation split
// ds, the run's report (report.json, report.md, curves.png, confusion.png) and the cluster
// gallery (gallery.html, gallery.png). probs holds the N×k cluster probabilities (nil for k-means).
func finishRun(dir string, info reportInfo, res *runResult, ds *data.Dataset, pred []int, conf, probs []float32, k int) error {
	items := assignmentItems(ds, pred, conf, probs, k)
	if err := writeAssignments(filepath.Join(dir, "assignments.csv"), items, ds.Paths != nil, probs != nil); err != nil {
		return err
	}
	if t, err := confusion(pred, ds.Labels); err == nil {
		res.confusion = t
	}
	if err := writeReport(dir, buildReport(info, []runResult{*res})); err != nil {
		return err
	}
	return gallery.Write(dir, items, datasetSource(ds), gallery.Options{
		Title: fmt.Sprintf("%s: %s on %s", info.cfg.Name, methodLabel(info.cfg), info.cfg.Data.Name), Clusters: k,
		ClassNames: ds.ClassNames})
}

// assignmentItems lists each example's cluster, confidence, top-3 clusters (when probs is
// given), label and path.
func assignmentItems(ds *data.Dataset, pred []int, conf, probs []float32, k int) []gallery.Item {
	items := make([]gallery.Item, len(pred))
	for i, p := range pred {
		it := gallery.Item{Index: i, Cluster: p, Confidence: float64(conf[i]), Label: -1}
		if ds.Labels != nil {
			it.Label = ds.Labels[i]
		}
		if ds.Paths != nil {
			it.Path = ds.Paths[i]
		}
		if probs != nil {
			it.Top = gallery.TopK(probs[i*k:(i+1)*k], min(3, k))
		}
		items[i] = it
	}
	return items
}

// datasetSource gives the gallery the images of ds: its pixels in memory, or the files it was
// read from (feature datasets of image folders).
func datasetSource(ds *data.Dataset) gallery.Source {
	if ds.IsImage() && ds.Images != nil {
		return func(it gallery.Item) (image.Image, error) {
			return gallery.RGB(ds.Image(it.Index), ds.H, ds.W, ds.C), nil
		}
	}
	return gallery.FileSource
}

// writeAssignments writes assignments.csv: index, cluster, confidence, label (-1 when unknown),
// then path (the example's file, for image folders) and top3 (the three most probable clusters
// as cluster:probability, for networks) when asked for.
func writeAssignments(path string, items []gallery.Item, withPath, withTop bool) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := []string{"index", "cluster", "confidence", "label"}
	if withPath {
		header = append(header, "path")
	}
	if withTop {
		header = append(header, "top3")
	}
	w.Write(header)
	for _, it := range items {
		rec := []string{strconv.Itoa(it.Index), strconv.Itoa(it.Cluster),
			strconv.FormatFloat(it.Confidence, 'g', 6, 32), strconv.Itoa(it.Label)}
		if withPath {
			rec = append(rec, it.Path)
		}
		if withTop {
			rec = append(rec, gallery.FormatTop(it.Top))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return writeFileAtomic(path, b.Bytes())
}
