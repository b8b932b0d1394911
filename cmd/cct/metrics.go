package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cct-dev/cct/eval"
)

func init() { register(newMetricsCmd) }

func newMetricsCmd() *cobra.Command {
	var predPath, truthPath, predCol, truthCol string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Score cluster assignments against labels (ACC, NMI, ARI)",
		Long: `metrics compares predicted clusters with reference labels and prints the number of points,
clusters and classes, the Hungarian-matched accuracy (ACC), the normalised mutual information
(NMI, arithmetic normalisation) and the adjusted Rand index (ARI).

Each file is a CSV with one integer per line (an optional header line is skipped), or a CSV with
a header, from which the column named by --pred-col / --truth-col is read (a name, or a 0-based
column number). Without those flags the column "cluster" is read for predictions and "label" for
the reference when the header has them, so a run's assignments.csv can serve as both. Rows
whose reference label is -1 (unknown) are skipped.`,
		Example: `  cct metrics --pred pred.csv --truth truth.csv
  cct metrics --pred runs/mnist/assignments.csv --truth runs/mnist/assignments.csv --json
  cct metrics --pred out.csv --pred-col kmeans --truth labels.csv --truth-col 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if predPath == "" || truthPath == "" {
				return errors.New("flags --pred and --truth are required")
			}
			pred, err := eval.ReadLabelColumn(predPath, predCol, "cluster")
			if err != nil {
				return columnHint(err, "--pred-col")
			}
			truth, err := eval.ReadLabelColumn(truthPath, truthCol, "label")
			if err != nil {
				return columnHint(err, "--truth-col")
			}
			p, t, skipped, err := eval.PairLabels(pred, truth)
			if err != nil {
				return err
			}
			scores, err := eval.Evaluate(p, t)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.MarshalIndent(struct {
					eval.Scores
					Skipped int `json:"skipped"`
				}{scores, skipped}, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(out, string(b))
				return err
			}
			_, err = fmt.Fprint(out, scores.Text())
			if err == nil && skipped > 0 {
				_, err = fmt.Fprintf(out, "skipped   %d rows with label -1\n", skipped)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&predPath, "pred", "", "CSV file with the predicted cluster of each point")
	f.StringVar(&truthPath, "truth", "", "CSV file with the reference label of each point (-1: unknown, skipped)")
	f.StringVar(&predCol, "pred-col", "", `column of --pred to read, by header name or 0-based number (default "cluster" if present)`)
	f.StringVar(&truthCol, "truth-col", "", `column of --truth to read, by header name or 0-based number (default "label" if present)`)
	f.BoolVar(&asJSON, "json", false, "print the scores as JSON")
	return cmd
}

// columnHint adds the flag that selects the column to a column-not-found error.
func columnHint(err error, flag string) error {
	if errors.Is(err, eval.ErrNoColumn) {
		return fmt.Errorf("%v; choose the column with %s", err, flag)
	}
	return err
}
