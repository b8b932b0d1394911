package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"
)

// Report is the evaluation record of a run: its final scores, the scores of repeated runs and
// their summary, the per-epoch history, the confusion table and a summary of the configuration.
// Every field is optional.
type Report struct {
	Name    string `json:"name"`
	Method  string `json:"method,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	// Labelled marks labelled training (supervised or seeded), whose figure is the plain accuracy
	// (Scores.Accuracy): output c is trained to be class c, and Hungarian matching could only
	// raise the number.
	Labelled   bool           `json:"labelled_training,omitempty"`
	Config     map[string]any `json:"config,omitempty"` // configuration summary, key → value
	Scores     *Scores        `json:"scores,omitempty"` // final scores
	Runs       []Scores       `json:"runs,omitempty"`   // final scores of repeated runs (seeds)
	Summary    *Summary       `json:"summary,omitempty"`
	History    []Epoch        `json:"history,omitempty"`
	Confusion  *Table         `json:"confusion,omitempty"`   // clusters × classes
	ClassNames []string       `json:"class_names,omitempty"` // names of Confusion.Classes, if known
}

// Epoch is one row of a training history: named values (loss, acc, nmi, ari, ...) after an
// epoch. Non-finite values (a diverged loss) are written to JSON as null and read back as NaN.
type Epoch struct {
	Epoch  int                `json:"epoch"`
	Values map[string]float64 `json:"values"`
}

// MarshalJSON writes NaN and ±Inf values as null, which encoding/json otherwise rejects.
func (e Epoch) MarshalJSON() ([]byte, error) {
	vals := make(map[string]*float64, len(e.Values))
	for k, v := range e.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals[k] = &v
		} else {
			vals[k] = nil
		}
	}
	return json.Marshal(struct {
		Epoch  int                 `json:"epoch"`
		Values map[string]*float64 `json:"values"`
	}{e.Epoch, vals})
}

// UnmarshalJSON reads null values as NaN.
func (e *Epoch) UnmarshalJSON(b []byte) error {
	var raw struct {
		Epoch  int                 `json:"epoch"`
		Values map[string]*float64 `json:"values"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	e.Epoch = raw.Epoch
	e.Values = make(map[string]float64, len(raw.Values))
	for k, v := range raw.Values {
		if v == nil {
			e.Values[k] = math.NaN()
		} else {
			e.Values[k] = *v
		}
	}
	return nil
}

// WriteJSON writes r as indented JSON to path, atomically (a temporary file in the same
// folder, then a rename), so that path never holds a partial report.
func WriteJSON(path string, r *Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report %s: %v", path, err)
	}
	b = append(b, '\n')
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}

// WriteMarkdown writes r.Markdown() to path atomically.
func WriteMarkdown(path string, r *Report) error {
	md := r.Markdown()
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, md)
		return err
	})
}

// Markdown renders the report: scores, runs with their mean (std), configuration, history,
// and the confusion table with its rows in Hungarian order.
func (r *Report) Markdown() string {
	var b bytes.Buffer
	name := r.Name
	if name == "" {
		name = "Report"
	}
	fmt.Fprintf(&b, "# %s\n\n", name)
	if r.Method != "" {
		fmt.Fprintf(&b, "- method: %s\n", r.Method)
	}
	if r.Dataset != "" {
		fmt.Fprintf(&b, "- dataset: %s\n", r.Dataset)
	}
	if r.Method != "" || r.Dataset != "" {
		b.WriteString("\n")
	}
	plainHead, plainRule := "", ""
	if r.Labelled {
		b.WriteString("Labelled training: output c is trained to be class c, so the figure is the plain accuracy (no matching); ACC (Hungarian matching) is shown for reference.\n\n")
		plainHead, plainRule = " plain accuracy |", "---|"
	}
	plain := func(s Scores) string {
		if !r.Labelled {
			return ""
		}
		return fmt.Sprintf(" %.2f |", 100*s.Accuracy)
	}
	if s := r.Scores; s != nil {
		b.WriteString("## Scores\n\n|" + plainHead + " ACC | NMI | ARI | N | clusters | classes |\n|" + plainRule + "---|---|---|---|---|---|\n")
		fmt.Fprintf(&b, "|%s %.2f | %.2f | %.2f | %d | %d | %d |\n\n", plain(*s), 100*s.ACC, 100*s.NMI, 100*s.ARI, s.N, s.Clusters, s.Classes)
	}
	if len(r.Runs) > 0 {
		b.WriteString("## Runs\n\n| run |" + plainHead + " ACC | NMI | ARI |\n|---|" + plainRule + "---|---|---|\n")
		for i, s := range r.Runs {
			fmt.Fprintf(&b, "| %d |%s %.2f | %.2f | %.2f |\n", i+1, plain(s), 100*s.ACC, 100*s.NMI, 100*s.ARI)
		}
		sum := SummarizeRuns(r.Runs, r.Labelled)
		if r.Summary != nil {
			sum = *r.Summary
		}
		mean := ""
		if sum.Accuracy != nil {
			mean = fmt.Sprintf(" %v |", *sum.Accuracy)
		}
		fmt.Fprintf(&b, "| mean (std) |%s %v | %v | %v |\n\n", mean, sum.ACC, sum.NMI, sum.ARI)
	} else if r.Summary != nil {
		fmt.Fprintf(&b, "## Summary over %d runs\n\n%v\n\n", r.Summary.Runs, r.Summary)
	}
	if len(r.Config) > 0 {
		b.WriteString("## Configuration\n\n| key | value |\n|---|---|\n")
		keys := make([]string, 0, len(r.Config))
		for k := range r.Config {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "| %s | %s |\n", mdCell(k), mdCell(fmt.Sprint(r.Config[k])))
		}
		b.WriteString("\n")
	}
	if len(r.History) > 0 {
		names := SeriesNames(r.History)
		b.WriteString("## History\n\n| epoch |")
		for _, n := range names {
			fmt.Fprintf(&b, " %s |", mdCell(n))
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(names)) + "\n")
		for _, e := range r.History {
			fmt.Fprintf(&b, "| %d |", e.Epoch)
			for _, n := range names {
				if v, ok := e.Values[n]; ok {
					fmt.Fprintf(&b, " %.4g |", v)
				} else {
					b.WriteString("  |")
				}
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if t := r.Confusion; t != nil && len(t.Counts) > 0 {
		b.WriteString("## Confusion (rows: clusters in Hungarian order, → matched class; columns: classes)\n\n| cluster |")
		for j := range t.Classes {
			fmt.Fprintf(&b, " %s |", mdCell(r.className(j)))
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(t.Classes)) + "\n")
		assign := t.Assignment()
		for _, i := range t.HungarianOrder() {
			label := fmt.Sprint(t.Clusters[i])
			if assign[i] >= 0 {
				label += " → " + r.className(assign[i])
			}
			fmt.Fprintf(&b, "| %s |", mdCell(label))
			for _, v := range t.Counts[i] {
				fmt.Fprintf(&b, " %d |", v)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// className returns the name of column j of the confusion table.
func (r *Report) className(j int) string {
	if j < len(r.ClassNames) && r.ClassNames[j] != "" {
		return r.ClassNames[j]
	}
	return fmt.Sprint(r.Confusion.Classes[j])
}

// mdCell escapes a string for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// SeriesNames returns the value names that occur in the history: "loss" first, then "acc",
// "nmi", "ari", then the others in alphabetical order.
func SeriesNames(history []Epoch) []string {
	seen := map[string]bool{}
	for _, e := range history {
		for k := range e.Values {
			seen[k] = true
		}
	}
	var names []string
	for _, k := range []string{"loss", "acc", "nmi", "ari"} {
		if seen[k] {
			names = append(names, k)
			delete(seen, k)
		}
	}
	rest := make([]string, 0, len(seen))
	for k := range seen {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// HungarianOrder returns the rows of the table ordered for display: the rows matched by the
// Hungarian assignment first, in the order of the column they are matched to (so that the
// matched cells lie on the diagonal), then the unmatched rows in label order.
func (t *Table) HungarianOrder() []int {
	assign := t.Assignment()
	rowOfCol := make([]int, len(t.Classes))
	for j := range rowOfCol {
		rowOfCol[j] = -1
	}
	for i, j := range assign {
		if j >= 0 {
			rowOfCol[j] = i
		}
	}
	order := make([]int, 0, len(t.Counts))
	for _, i := range rowOfCol {
		if i >= 0 {
			order = append(order, i)
		}
	}
	for i, j := range assign {
		if j < 0 {
			order = append(order, i)
		}
	}
	return order
}

// WriteAll writes the report's files into dir: report.json and report.md, curves.png when
// the report has a history, and confusion.png when it has a confusion table. Each file is
// written atomically; the first error stops it.
func WriteAll(dir string, r *Report) error {
	if err := WriteJSON(filepath.Join(dir, "report.json"), r); err != nil {
		return err
	}
	if err := WriteMarkdown(filepath.Join(dir, "report.md"), r); err != nil {
		return err
	}
	if len(r.History) > 0 {
		if err := PlotCurves(filepath.Join(dir, "curves.png"), r.Name, r.History); err != nil {
			return err
		}
	}
	if r.Confusion != nil && len(r.Confusion.Counts) > 0 {
		if err := PlotConfusion(filepath.Join(dir, "confusion.png"), r.Confusion, r.ClassNames); err != nil {
			return err
		}
	}
	return nil
}
