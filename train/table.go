package train

import (
	"fmt"
	"os"
	"sort"
	"strconv"
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
		if metric == "acc" && s.Accuracy != nil {
			return s.Accuracy.String() + " (plain)"
		}
		switch metric {
		case "nmi":
			return s.NMI.String()
		case "ari":
			return s.ARI.String()
		case "all":
			return fmt.Sprintf("%s / %s / %s", s.ACC, s.NMI, s.ARI)
		}
		return s.ACC.String()
	}
	jobs, err := readJobs(dirs, opt)
	if err != nil {
		return "", err
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

// tableJob is one job folder of a table: its report, summary and place in the grid.
type tableJob struct {
	rep      *eval.Report
	sum      eval.Summary
	row, col string
}

// readJobs reads report.json of each job folder and places it in the grid of opt.
func readJobs(dirs []string, opt TableOptions) ([]tableJob, error) {
	jobs := make([]tableJob, 0, len(dirs))
	for _, d := range dirs {
		rep, err := ReadReport(d)
		if err != nil {
			return nil, err
		}
		j := tableJob{rep: rep, sum: eval.SummarizeRuns(rep.Runs, rep.Labelled)}
		if rep.Summary != nil {
			j.sum = *rep.Summary
		}
		if opt.Rows != "" {
			if j.row, err = reportValue(rep, opt.Rows, d); err != nil {
				return nil, fmt.Errorf("flag --rows: %v", err)
			}
			if j.col, err = reportValue(rep, opt.Cols, d); err != nil {
				return nil, fmt.Errorf("flag --cols: %v", err)
			}
			if l, ok := opt.ColLabels[j.col]; ok {
				j.col = l
			}
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// PlotTable draws the grid of Table as a PNG at path: one line per row value, the column values
// (numbers, e.g. labels.noise) on the x axis, and the mean of the score in percent with ±std error
// bars on the y axis, under title (empty: "SCORE against COLS"). The score is the plain accuracy
// for labelled training, ACC otherwise (metric nmi or ari picks those).
func PlotTable(dirs []string, opt TableOptions, path, title string) error {
	series, yLabel, err := tableSeries(dirs, opt)
	if err != nil {
		return err
	}
	if title == "" {
		title = strings.TrimSuffix(yLabel, " (%)") + " against " + opt.Cols
	}
	return eval.PlotSeries(path, title, opt.Cols, yLabel, series)
}

// tableSeries returns the lines of PlotTable, points sorted by x, and the y axis label.
func tableSeries(dirs []string, opt TableOptions) ([]eval.Series, string, error) {
	if opt.Rows == "" || opt.Cols == "" {
		return nil, "", fmt.Errorf("a plot needs --rows and --cols")
	}
	metric := strings.ToLower(orDefault(opt.Metric, "acc"))
	jobs, err := readJobs(dirs, TableOptions{Rows: opt.Rows, Cols: opt.Cols})
	if err != nil {
		return nil, "", err
	}
	var order []string
	byRow := map[string]*eval.Series{}
	yLabel := ""
	for _, j := range jobs {
		x, err := strconv.ParseFloat(j.col, 64)
		if err != nil {
			return nil, "", fmt.Errorf("flag --cols: value %q of %s is not a number, it cannot be an x axis", j.col, opt.Cols)
		}
		var st eval.Stat
		label := "ACC"
		switch {
		case metric == "nmi":
			st, label = j.sum.NMI, "NMI"
		case metric == "ari":
			st, label = j.sum.ARI, "ARI"
		case metric == "acc" && j.sum.Accuracy != nil:
			st, label = *j.sum.Accuracy, "plain accuracy"
		case metric == "acc":
			st = j.sum.ACC
		default:
			return nil, "", fmt.Errorf("flag --metric %q: a plot wants acc, nmi or ari", opt.Metric)
		}
		if yLabel != "" && yLabel != label+" (%)" {
			yLabel = "score (%)"
		} else if yLabel == "" {
			yLabel = label + " (%)"
		}
		s, ok := byRow[j.row]
		if !ok {
			s = &eval.Series{Name: j.row}
			byRow[j.row] = s
			order = append(order, j.row)
		}
		s.X, s.Y, s.Std = append(s.X, x), append(s.Y, 100*st.Mean), append(s.Std, 100*st.Std)
	}
	out := make([]eval.Series, len(order))
	for i, r := range order {
		s := *byRow[r]
		idx := identity(len(s.X))
		sort.SliceStable(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
		o := eval.Series{Name: s.Name}
		for _, k := range idx {
			o.X, o.Y, o.Std = append(o.X, s.X[k]), append(o.Y, s.Y[k]), append(o.Std, s.Std[k])
		}
		out[i] = o
	}
	return out, yLabel, nil
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
