package train

import (
	"fmt"
	"strings"

	"github.com/cct-dev/cct/eval"
)

// TableOptions lays out a table of finished jobs.
type TableOptions struct {
	// Rows and Cols are configuration keys (e.g. "loss", "data.name", "seeds.fraction",
	// "labels.noise"): with both set the table has one row per value of Rows and one column per
	// value of Cols, in order of first appearance. With Rows empty, one row per job.
	Rows, Cols string
	// Metric is acc, nmi, ari or all (ACC / NMI / ARI in each cell).
	Metric string
}

// Table reads report.json of each job folder and renders a markdown table of mean (std) over runs,
// in percent, as the paper's tables.
func Table(dirs []string, opt TableOptions) (string, error) {
	metric := strings.ToLower(orDefault(opt.Metric, "acc"))
	if metric != "acc" && metric != "nmi" && metric != "ari" && metric != "all" {
		return "", fmt.Errorf("flag --metric %q: want acc, nmi, ari or all", opt.Metric)
	}
	if (opt.Rows == "") != (opt.Cols == "") {
		return "", fmt.Errorf("flags --rows and --cols: give both or neither")
	}
	cell := func(s eval.Summary) string {
		switch metric {
		case "nmi":
			return s.NMI.String()
		case "ari":
			return s.ARI.String()
		case "all":
			return fmt.Sprintf("%s / %s / %s", s.ACC, s.NMI, s.ARI)
		}
		if s.Accuracy != nil {
			return s.Accuracy.String() + " (plain)"
		}
		return s.ACC.String()
	}
	type job struct {
		rep      *eval.Report
		sum      eval.Summary
		row, col string
	}
	jobs := make([]job, 0, len(dirs))
	for _, d := range dirs {
		rep, err := ReadReport(d)
		if err != nil {
			return "", err
		}
		j := job{rep: rep, sum: eval.SummarizeRuns(rep.Runs, rep.Labelled)}
		if rep.Summary != nil {
			j.sum = *rep.Summary
		}
		if opt.Rows != "" {
			if j.row, err = reportValue(rep, opt.Rows, d); err != nil {
				return "", fmt.Errorf("flag --rows: %v", err)
			}
			if j.col, err = reportValue(rep, opt.Cols, d); err != nil {
				return "", fmt.Errorf("flag --cols: %v", err)
			}
		}
		jobs = append(jobs, j)
	}
	var b strings.Builder
	if opt.Rows == "" {
		b.WriteString("| run | method | data | model | runs | ACC | NMI | ARI |\n|---|---|---|---|---|---|---|---|\n")
		for _, j := range jobs {
			s := j.sum
			fmt.Fprintf(&b, "| %s | %s | %s | %v | %d | %s | %s | %s |\n", j.rep.Name, j.rep.Method, j.rep.Dataset,
				j.rep.Config["model.name"], s.Runs, s.ACC, s.NMI, s.ARI)
		}
		return b.String(), nil
	}
	var rows, cols []string
	cells := map[[2]string]string{}
	seen := map[string]bool{}
	for _, j := range jobs {
		if !seen["r"+j.row] {
			seen["r"+j.row] = true
			rows = append(rows, j.row)
		}
		if !seen["c"+j.col] {
			seen["c"+j.col] = true
			cols = append(cols, j.col)
		}
		cells[[2]string{j.row, j.col}] = cell(j.sum)
	}
	fmt.Fprintf(&b, "| %s \\ %s | %s |\n|---|%s\n", opt.Rows, opt.Cols, strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r)
		for _, c := range cols {
			v, ok := cells[[2]string{r, c}]
			if !ok {
				v = "–"
			}
			fmt.Fprintf(&b, " %s |", v)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// reportValue returns the value of a configuration key recorded in a report.
func reportValue(rep *eval.Report, key, dir string) (string, error) {
	v, ok := rep.Config[key]
	if !ok {
		return "", fmt.Errorf("report of %s has no configuration key %s", dir, key)
	}
	return fmt.Sprint(v), nil
}
