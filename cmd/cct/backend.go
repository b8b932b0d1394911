package main

import (
	"fmt"

	"github.com/cct-dev/cct/backend"
	"github.com/spf13/cobra"
)

func init() { register(newBackendCmd) }

func newBackendCmd() *cobra.Command {
	var check string
	cmd := &cobra.Command{
		Use:   "backend",
		Short: "List the compute backends available and the matrix-product library in use",
		Long: `backend lists the GoMLX backends this binary can run (cpu, go, xla), the SGEMM used by the cpu
backend, and the PJRT plugins found on this machine, and says which backend --backend auto picks.
With --check SPEC it opens that backend and runs a small computation on it.`,
		Example: `  cct backend
  cct backend --check cpu
  cct backend --check xla:cuda
  PJRT_PLUGIN_LIBRARY_PATH=/opt/pjrt cct backend --check xla`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if check != "" {
				info, err := backend.Check(check)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "ok: %s\n", info)
				return nil
			}
			fmt.Fprint(out, backend.Report())
			return nil
		},
	}
	cmd.Flags().StringVar(&check, "check", "", "open this backend spec (auto, cpu, go, xla, xla:NAME, xla:/abs/plugin.so) and run a test computation")
	return cmd
}
