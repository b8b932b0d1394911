package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/pseudolabel"
	"github.com/spf13/cobra"
)

func init() { register(newPseudolabelCmd) }

func newPseudolabelCmd() *cobra.Command {
	var (
		in, out, method string
		logits          bool
		opt             pseudolabel.LabelOptions
	)
	cmd := &cobra.Command{
		Use:   "pseudolabel",
		Short: "Compute pseudo-labels from a matrix of class probabilities (EM, PGD or Sinkhorn)",
		Long: `pseudolabel reads an N×K matrix of class probabilities σ (or logits with --logits) from a
.npy (float32 or float64) or .csv file and writes N×K pseudo-labels y:
  em        soft labels minimising loss (11), (1/N)Σ −log(σ_i·y_i) + λ KL(u‖ȳ), by EM (the
            paper's E-step (14) and M-step (15), the M-step solved by Halley's iteration; the
            trainer's default); stops when the loss decreases by less than --tol (relative)
  newton    the same minimum by a primal–dual interior-point method whose Newton systems reduce
            to K×K: tens of iterations at any λ, where EM needs thousands at λ = 100; --tol is
            the KKT residual to reach (default 1e-9)
  pgd       the same loss by projected gradient descent with step --step
  sinkhorn  SeLa's balanced hard labels from Sinkhorn–Knopp on σ^power, written as one-hot rows
The output has the input's float type (.npy float32 in, float32 out); --out ending in .csv
writes CSV. Rows of σ must be probability vectors (entries ≥ 0 summing to 1 within 1e-4).`,
		Example: `  cct pseudolabel --in probs.npy --out y.npy
  cct pseudolabel --in logits.npy --logits --lambda 1.3 --out y.npy
  cct pseudolabel --in probs.csv --out labels.csv --method sinkhorn
  cct pseudolabel --in probs.npy --out y.npy --method newton --tol 0
  cct pseudolabel --in probs.npy --out y.npy --method pgd --step 1000 --max-iters 500`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" || out == "" {
				return fmt.Errorf("flags --in and --out are required")
			}
			if ext := strings.ToLower(filepath.Ext(out)); ext != ".npy" && ext != ".csv" {
				return fmt.Errorf("flag --out %s: unknown extension %q, want .npy or .csv", out, filepath.Ext(out))
			}
			opt.Method = strings.ToLower(method)
			if opt.Method == pseudolabel.MethodSinkhorn && !cmd.Flags().Changed("max-iters") {
				opt.MaxIters = 0 // Sinkhorn's own cap
			}
			if opt.Method == pseudolabel.MethodNewton && !cmd.Flags().Changed("tol") {
				opt.Tol = 0 // pseudolabel.DefaultNewtonTol, a KKT level rather than a relative decrease
			}
			m, err := npy.ReadMatrix(in)
			if err != nil {
				return err
			}
			if m.Rank != 2 {
				return fmt.Errorf("file %s: a vector of %d values, want an N×K matrix", in, m.Rows)
			}
			if !m.DType.IsFloat() {
				return fmt.Errorf("file %s: dtype %v, want float32 or float64", in, m.DType)
			}
			if m.Rows < 1 || m.Cols < 2 {
				return fmt.Errorf("file %s: shape %d×%d, want N ≥ 1 rows and K ≥ 2 columns", in, m.Rows, m.Cols)
			}
			sigma := m.Data
			if logits {
				if sigma, err = pseudolabel.Softmax(m.Data, m.Rows, m.Cols); err != nil {
					return fmt.Errorf("file %s: %v", in, err)
				}
			} else if err := pseudolabel.CheckProbabilities(sigma, m.Rows, m.Cols, 1e-4); err != nil {
				return fmt.Errorf("file %s: %v", in, err)
			}
			y, sum, err := pseudolabel.Label(sigma, m.Rows, m.Cols, opt)
			if err != nil {
				return err
			}
			dtype := m.DType
			if strings.EqualFold(filepath.Ext(in), ".csv") && strings.EqualFold(filepath.Ext(out), ".npy") {
				dtype = npy.Float64
			}
			if err := npy.WriteMatrix(out, npy.Matrix{Rows: m.Rows, Cols: m.Cols, Rank: 2, Data: y}, dtype); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s; wrote %d×%d to %s\n", sum, m.Rows, m.Cols, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "in", "", "input N×K matrix: .npy (float32/float64) or .csv")
	f.StringVar(&out, "out", "", "output file: .npy or .csv")
	f.BoolVar(&logits, "logits", false, "the input holds logits: apply a row-wise softmax first")
	f.StringVar(&method, "method", pseudolabel.MethodEM, "solver: em, newton, pgd or sinkhorn")
	f.Float64Var(&opt.Lambda, "lambda", 100, "fairness weight λ of loss (11) (em, pgd)")
	f.Float64Var(&opt.Tol, "tol", pseudolabel.DefaultEMTol, "stop when the relative decrease of the loss falls below this (em, pgd), or the KKT residual (newton; default 1e-9 there)")
	f.IntVar(&opt.MaxIters, "max-iters", pseudolabel.DefaultMaxIters, "iteration cap (sinkhorn: 10000 unless set)")
	f.Float64Var(&opt.Step, "step", 1000, "PGD step size (pgd)")
	f.Float64Var(&opt.Power, "sinkhorn-power", 25, "exponent λ of Q = σ^λ (sinkhorn)")
	f.IntVar(&opt.Threads, "threads", 0, "goroutines over points (0: GOMAXPROCS, at most one per 256 points)")
	return cmd
}
