package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cct-dev/cct/eval"
)

// RunReport describes one run: what was trained, the metrics after every epoch and the final ones.
type RunReport struct {
	Seed      int64          `json:"seed"`
	Data      string         `json:"data"`
	Split     string         `json:"split"`
	EvalSplit string         `json:"eval_split"`
	Model     string         `json:"model"`
	Clusters  int            `json:"clusters"`
	Epochs    int            `json:"epochs"`
	Final     EpochMetrics   `json:"final"`
	History   []EpochMetrics `json:"history"`
	Confusion *eval.Table    `json:"confusion,omitempty"` // clusters × classes on the evaluation split
	Seconds   float64        `json:"seconds"`
}

// Report is report.json of a run folder: every run, the mean (std) of each metric over the runs,
// the backend that ran and the resolved configuration (YAML).
type Report struct {
	Name    string       `json:"name"`
	Method  string       `json:"method"`
	Backend string       `json:"backend"`
	Runs    []RunReport  `json:"runs"`
	Summary eval.Summary `json:"summary"`
	Config  string       `json:"config"`
}

// summarize fills Summary from the runs' final metrics.
func (r *Report) summarize() {
	scores := make([]eval.Scores, len(r.Runs))
	for i, run := range r.Runs {
		scores[i] = eval.Scores{ACC: run.Final.ACC, NMI: run.Final.NMI, ARI: run.Final.ARI}
	}
	r.Summary = eval.SummarizeRuns(scores)
}

// write stores report.json and report.md in dir.
func (r *Report) write(dir string) error {
	if err := writeJSONAtomic(filepath.Join(dir, "report.json"), r); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "report.md"), []byte(r.Markdown()))
}

// Markdown renders the report: a table of the runs and their mean (std), and the per-epoch history
// of the first run.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Name)
	if len(r.Runs) > 0 {
		run := r.Runs[0]
		fmt.Fprintf(&b, "- method: %s\n- model: %s, %d clusters\n- data: %s, trained on %s, evaluated on %s\n- backend: %s\n\n",
			r.Method, run.Model, run.Clusters, run.Data, run.Split, run.EvalSplit, r.Backend)
	}
	b.WriteString("| run | seed | ACC | NMI | ARI | clusters | epochs | seconds |\n|---|---|---|---|---|---|---|---|\n")
	for i, run := range r.Runs {
		f := run.Final
		fmt.Fprintf(&b, "| %d | %d | %.2f | %.2f | %.2f | %d | %d | %.0f |\n", i+1, run.Seed, 100*f.ACC, 100*f.NMI, 100*f.ARI, f.Clusters, run.Epochs, run.Seconds)
	}
	fmt.Fprintf(&b, "| mean (std) | | %s | %s | %s | | | |\n", r.Summary.ACC, r.Summary.NMI, r.Summary.ARI)
	if len(r.Runs) > 0 && len(r.Runs[0].History) > 0 {
		b.WriteString("\n## Epochs (run 1)\n\n| epoch | loss | ACC | NMI | ARI | clusters | y iters | img/s |\n|---|---|---|---|---|---|---|---|\n")
		for _, m := range r.Runs[0].History {
			fmt.Fprintf(&b, "| %d | %.4f | %.2f | %.2f | %.2f | %d | %.1f | %.0f |\n", m.Epoch, m.Loss, 100*m.ACC, 100*m.NMI, 100*m.ARI, m.Clusters, m.YIters, m.ImagesPerSec)
		}
	}
	return b.String()
}

// ReadReport reads report.json of a run folder.
func ReadReport(dir string) (*Report, error) {
	path := filepath.Join(dir, "report.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report %s: %v (is %s a finished run folder?)", path, err, dir)
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("report %s: %v", path, err)
	}
	return &r, nil
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

// report builds the run's report from its state.
func (r *runner) report(seconds float64) *RunReport {
	rr := &RunReport{
		Seed: r.seed, Data: r.cfg.Data.Name, Split: r.train.Split, EvalSplit: r.evalDS.Split,
		Model: r.cfg.Model.Name, Clusters: r.k, Epochs: r.cfg.Epochs, History: r.st.History, Seconds: seconds,
	}
	if n := len(r.st.History); n > 0 {
		rr.Final = r.st.History[n-1]
	}
	return rr
}

// writeRunFiles writes the files of a finished run: report.json/.md (one run), assignments.csv,
// and the confusion table in the report.
func writeRunFiles(dir string, cfg *Config, backendInfo string, rr *RunReport, labels, pred []int, conf []float32) error {
	if err := writeAssignments(filepath.Join(dir, "assignments.csv"), pred, conf, labels); err != nil {
		return err
	}
	if t, err := confusion(pred, labels); err == nil {
		rr.Confusion = t
	}
	rep := &Report{Name: cfg.Name, Method: cfg.Loss, Backend: backendInfo, Runs: []RunReport{*rr}, Config: string(cfg.YAML())}
	rep.summarize()
	return rep.write(dir)
}

// confusion returns the clusters × classes table over the examples with a known label.
func confusion(pred, labels []int) (*eval.Table, error) {
	var p, t []int
	for i, l := range labels {
		if l >= 0 {
			p, t = append(p, pred[i]), append(t, l)
		}
	}
	if len(t) == 0 {
		return nil, fmt.Errorf("no labels")
	}
	return eval.Contingency(p, t)
}

// writeAssignments writes assignments.csv: index, cluster, confidence (max_k σ_k), label (-1 when
// unknown).
func writeAssignments(path string, pred []int, conf []float32, labels []int) error {
	var b bytes.Buffer
	b.WriteString("index,cluster,confidence,label\n")
	for i, p := range pred {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(p))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(float64(conf[i]), 'g', 6, 32))
		b.WriteByte(',')
		l := -1
		if labels != nil {
			l = labels[i]
		}
		b.WriteString(strconv.Itoa(l))
		b.WriteByte('\n')
	}
	return writeFileAtomic(path, b.Bytes())
}
