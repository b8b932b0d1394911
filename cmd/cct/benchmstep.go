package main

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/cct-dev/cct/pseudolabel"
	"github.com/spf13/cobra"
)

func init() { register(newBenchMStepCmd) }

func newBenchMStepCmd() *cobra.Command {
	var (
		opt    pseudolabel.BenchOptions
		seed   int64
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "bench-mstep",
		Short: "Time EM against projected gradient descent and Newton on loss (11) (the paper's Table 1)",
		Long: `bench-mstep runs the Table-1 protocol: for each K, σ is the softmax of standard Gaussian logits
(N×K, from --seed), every method starts at y = σ and minimises loss (11) with fairness weight
--lambda (logits scaled by --logit-scale) until the relative decrease of the loss falls below --tol (or --max-iters). PGD runs
once per step size η = s·N/(K·max(1, λ/1.3)) for each s in --steps (N/K at λ ≤ 1.3; the
fairness term's curvature λK/N limits the step at larger λ) and shows as PGD(η); a run whose loss ends above its start or non-finite shows as
diverged and is not a target. With --newton (default) the interior-point solver (pseudolabel
method newton) runs too, to KKT residual 1e-9. Every row has the KKT residual of its final y,
max_i Σ_k y_ik(g_ik − min_j g_ij)/(1+λ) with g = N·∇loss (11). It prints one row per method and K (iterations, wall seconds, seconds per
iteration, process CPU seconds, final loss) and, per K, the wall time EM needs to reach the
lowest final loss of the PGD runs against that PGD run's time. CPU seconds divided by
the thread count estimate the time on idle cores when the machine is busy with other work.`,
		Example: `  cct bench-mstep
  cct bench-mstep --k 10,100 --n 5000 --steps 0.3,3,30
  cct bench-mstep --k 1000 --threads 2 --json > table1.json
  cct bench-mstep --lambda 100 --logit-scale 0.05 --k 10,100 --tol 1e-7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !(opt.Lambda > 0) {
				return fmt.Errorf("flag --lambda: %v, want > 0", opt.Lambda)
			}
			if !(opt.Tol > 0) {
				return fmt.Errorf("flag --tol: %v, want > 0", opt.Tol)
			}
			if seed < 0 {
				return fmt.Errorf("flag --seed: %d, want ≥ 0", seed)
			}
			opt.Seed = uint64(seed)
			w := cmd.OutOrStdout()
			if !asJSON {
				fmt.Fprintf(w, "N=%d lambda=%g tol=%g max-iters=%d threads=%d seed=%d steps s=%s (PGD(η), η = s·N/(K·max(1,λ/1.3)))\n",
					opt.N, opt.Lambda, opt.Tol, opt.MaxIters, opt.Threads, seed, joinFloats(opt.Steps))
				fmt.Fprintf(w, "%6s  %-12s %7s %10s %10s %12s %14s %10s  %s\n", "K", "method", "iters", "seconds", "ms/iter", "cpu-seconds", "final loss", "KKT", "converged")
			}
			rep, err := pseudolabel.BenchTable1(opt, func(r pseudolabel.BenchRow) {
				if asJSON {
					return
				}
				name := r.Method
				if r.Method == "PGD" {
					name = fmt.Sprintf("PGD(%.4g)", r.Step)
				}
				conv := fmt.Sprint(r.Converged)
				if r.Diverged {
					conv = "diverged"
				}
				fmt.Fprintf(w, "%6d  %-12s %7d %10.3f %10.3f %12.3f %14.8f %10.3g  %s\n", r.K, name, r.Iters, r.Seconds, 1e3*r.PerIter, r.CPUSeconds, r.FinalLoss, r.KKT, conv)
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(jsonReport(rep))
			}
			fmt.Fprintf(w, "\nTime for EM to reach the lowest PGD final loss:\n")
			fmt.Fprintf(w, "%6s  %13s %14s %12s %9s %11s %9s\n", "K", "best PGD step", "target loss", "PGD seconds", "EM iters", "EM seconds", "speed-up")
			for _, s := range rep.Speedups {
				if math.IsInf(s.Target, 1) {
					fmt.Fprintf(w, "%6d  %13s %14s %12s %9s %11s %9s\n", s.K, "-", "-", "-", "-", "-", "all PGD runs diverged")
					continue
				}
				if !s.Reached {
					fmt.Fprintf(w, "%6d  %13.4g %14.8f %12.3f %9s %11s %9s\n", s.K, s.BestStep, s.Target, s.PGDSeconds, "-", "-", "not reached")
					continue
				}
				fmt.Fprintf(w, "%6d  %13.4g %14.8f %12.3f %9d %11.3f %8.3gx\n", s.K, s.BestStep, s.Target, s.PGDSeconds, s.EMIters, s.EMSeconds, s.Speedup)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.N, "n", 10000, "number of points N")
	f.IntSliceVar(&opt.Ks, "k", []int{10, 100, 1000}, "cluster counts K (comma-separated)")
	f.Float64Var(&opt.Lambda, "lambda", 1.3, "fairness weight λ of loss (11)")
	f.Float64Var(&opt.Tol, "tol", 1e-5, "stop when the relative decrease of the loss falls below this")
	f.IntVar(&opt.MaxIters, "max-iters", pseudolabel.DefaultMaxIters, "iteration cap per run")
	f.Float64SliceVar(&opt.Steps, "steps", pseudolabel.DefaultBenchSteps, "PGD step sizes in units of N/K (comma-separated)")
	f.Int64Var(&seed, "seed", 1, "seed of the Gaussian logits")
	f.Float64Var(&opt.Scale, "logit-scale", 1, "standard deviation of the Gaussian logits (0.05: near-uniform σ, as at initialisation)")
	f.IntVar(&opt.Threads, "threads", 0, "goroutines over points (0: GOMAXPROCS, at most one per 256 points)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&opt.Newton, "newton", true, "also run the interior-point solver (method newton) at each K")
	return cmd
}

// jsonReport returns the report as JSON values with every non-finite number (a diverged run's
// loss, a speed-up not reached) replaced by null, which encoding/json cannot write otherwise.
func jsonReport(rep pseudolabel.BenchReport) any {
	return map[string]any{"options": rep.Options, "rows": finiteJSON(rep.Rows), "speedups": finiteJSON(rep.Speedups)}
}

// finiteJSON converts v (a slice of structs) to a slice of maps keyed by field name, with
// non-finite float64 fields as nil.
func finiteJSON(v any) []map[string]any {
	rv := reflect.ValueOf(v)
	out := make([]map[string]any, rv.Len())
	for i := range out {
		e := rv.Index(i)
		m := map[string]any{}
		for f := 0; f < e.NumField(); f++ {
			val := e.Field(f).Interface()
			if x, ok := val.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				val = nil
			}
			m[e.Type().Field(f).Name] = val
		}
		out[i] = m
	}
	return out
}

func joinFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}
