package train

import (
	"fmt"
	"os"
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
	// ColLabels renames column values in the header (e.g. a long imagefolder: name to
	// "CIFAR-10 JPEG"); Paper cells are looked up by the renamed value.
	ColLabels map[string]string
	// Paper holds published values by (row, column): when set, every column is shown as a pair,
	// the paper's value and ours.
	Paper map[[2]string]string
}

// ReadPaper reads published values for TableOptions.Paper from a CSV file of lines
// "row,column,value" ('#' starts a comment line).
func ReadPaper(path string) (map[[2]string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("paper values: %v", err)
	}
	out := map[[2]string]string{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want row,column,value, got %q", path, i+1, line)
		}
		out[[2]string{strings.TrimSpace(f[0]), strings.TrimSpace(f[1])}] = strings.TrimSpace(f[2])
	}
	return out, nil
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
			if l, ok := opt.ColLabels[j.col]; ok {
				j.col = l
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
	head := cols
	if opt.Paper != nil {
		head = nil
		for _, c := range cols {
			head = append(head, c+" paper", c+" ours")
		}
	}
	fmt.Fprintf(&b, "| %s \\ %s | %s |\n|---|%s\n", opt.Rows, opt.Cols, strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r)
		for _, c := range cols {
			if opt.Paper != nil {
				p, ok := opt.Paper[[2]string{r, c}]
				if !ok {
					p = "–"
				}
				fmt.Fprintf(&b, " %s |", p)
			}
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

// reportValue returns the value of a configuration key recorded in a report; for the key loss, the
// method as the report names it (IMSAT with its R_SAT variant, e.g. "imsat (VAT)").
func reportValue(rep *eval.Report, key, dir string) (string, error) {
	if key == "loss" && rep.Method != "" {
		return rep.Method, nil
	}
	v, ok := rep.Config[key]
	if !ok {
		return "", fmt.Errorf("report of %s has no configuration key %s", dir, key)
	}
	return fmt.Sprint(v), nil
}
