package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/eval"
	"github.com/cct-dev/cct/train"
)

func init() { register(newEvalCmd) }

func newEvalCmd() *cobra.Command {
	var split, backendSpec string
	var batch int
	var asJSON, table bool
	var paper, plotPath, plotTitle string
	var colLabels []string
	var topt train.TableOptions
	cmd := &cobra.Command{
		Use:   "eval RUN_FOLDER... [--split test] [--table]",
		Short: "Recompute a run's metrics from its checkpoint, or tabulate finished runs",
		Long: `eval loads the last checkpoint of each run of a run folder, predicts the clusters of the
chosen split and prints ACC, NMI and ARI (mean (std) over the runs). Nothing is written.

With --table it reads report.json of each folder instead and prints a markdown table of mean (std)
in percent: one row per folder, or, with --rows and --cols naming configuration keys, a grid such
as methods × datasets (--rows loss --cols data.name). For labelled training (supervised losses or
seeds.fraction > 0) the ACC cell is the plain accuracy, marked "(plain)". --plot also draws the grid
as a PNG: one line per row value against the (numeric) column values, mean ± std.`,
		Example: `  cct eval runs/mnist-quick
  cct eval runs/mnist-quick --split train --json
  cct eval --table runs/t3-mnist-cce runs/t3-mnist-imsat
  cct eval --table --rows loss --cols data.name --metric acc runs/t2-*
  cct eval --table --rows loss --cols data.name --paper scripts/paper/table2.csv runs/t2-quick-*
  cct eval --table --rows loss --cols labels.noise --plot figure2.png runs/f2-*`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if table {
				if paper != "" {
					var err error
					if topt.Paper, err = train.ReadPaper(paper); err != nil {
						return err
					}
				}
				topt.ColLabels = map[string]string{}
				for _, l := range colLabels {
					v, label, ok := strings.Cut(l, "=")
					if !ok {
						return fmt.Errorf("flag --col-label %q: want VALUE=LABEL", l)
					}
					topt.ColLabels[v] = label
				}
				s, err := train.Table(args, topt)
				if err != nil {
					return err
				}
				fmt.Fprint(out, s)
				if plotPath != "" {
					return train.PlotTable(args, topt, plotPath, plotTitle)
				}
				return nil
			}
			var reps []*eval.Report
			for _, dir := range args {
				rep, err := train.Evaluate(dir, train.EvalOptions{Split: split, Backend: backendSpec, Batch: batch})
				if err != nil {
					return err
				}
				reps = append(reps, rep)
			}
			if asJSON {
				b, err := json.MarshalIndent(reps, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
				return nil
			}
			for i, rep := range reps {
				fmt.Fprintf(out, "%s: %s, evaluated on %v, %d run(s), backend %v\n  %s\n",
					args[i], rep.Method, rep.Config["eval_split"], len(rep.Runs), rep.Config["backend"], rep.Summary)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&split, "split", "", "split to evaluate (default: the run's evaluation split)")
	f.StringVar(&backendSpec, "backend", "auto", "compute backend: auto, cpu, go, xla, ...")
	f.IntVar(&batch, "batch", 0, "inference batch size (default: the run's)")
	f.BoolVar(&asJSON, "json", false, "print the reports as JSON")
	f.BoolVar(&table, "table", false, "tabulate report.json of each folder instead of evaluating")
	f.StringVar(&topt.Rows, "rows", "", "with --table: configuration key whose values are the rows (e.g. loss)")
	f.StringVar(&topt.Cols, "cols", "", "with --table: configuration key whose values are the columns (e.g. data.name)")
	f.StringVar(&topt.Metric, "metric", "acc", "with --table and --rows: acc, nmi, ari or all")
	f.StringVar(&paper, "paper", "", "with --table and --rows: CSV of published values (row,column,value) shown beside ours")
	f.StringVar(&plotPath, "plot", "", "with --table, --rows and --cols: also write a PNG plot of the grid (numeric column values on the x axis)")
	f.StringVar(&plotTitle, "plot-title", "", "with --plot: the plot's title (default: METRIC against COLS)")
	f.StringArrayVar(&colLabels, "col-label", nil, "with --table: VALUE=LABEL names a column in the header (repeatable)")
	return cmd
}
