package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// subcommands holds the constructors of every subcommand; each command file appends to it in init.
var subcommands []func() *cobra.Command

// register adds a subcommand constructor. Call it from an init function in the command's file.
func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "cct",
		Short: "Deep clustering with the collision cross-entropy",
		Long: `cct trains networks on unlabeled images so that their outputs form the classes, using the
collision cross-entropy (CCE) loss with soft pseudo-labels from a fast EM solver, and the
baselines it is compared with (MIADM, IMSAT, IIC, SeLa, MIGD, k-means). Where labels exist it
reports ACC, NMI and ARI.

Every flag can also be set in a YAML file given with --options, or through an environment
variable CCT_<FLAG> (upper case, '-' and '.' become '_'), e.g. CCT_THREADS=2.`,
		Example: `  cct data get mnist
  cct train --config configs/mnist-quick.yaml
  cct eval runs/mnist-quick
  cct bench-mstep --k 10,100,1000`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindFlags(cmd); err != nil {
				return err
			}
			return startCPUProfile(cmd)
		},
	}
	root.PersistentFlags().String("options", "", "YAML file with flag values (keys are flag names)")
	root.PersistentFlags().String("cpuprofile", "", "write a Go CPU profile of the command to this file (see go tool pprof)")
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

// bindFlags fills every flag the user did not set on the command line from, in order of
// precedence, the CCT_* environment and the YAML file named by --options.
func bindFlags(cmd *cobra.Command) error {
	v := viper.New()
	v.SetEnvPrefix("CCT")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	v.AutomaticEnv()
	if path, _ := cmd.Flags().GetString("options"); path != "" {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("options file %s: %w", path, err)
		}
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return fmt.Errorf("options file %s: %v", path, fsutil.FirstLine(err.Error()))
		}
		for _, key := range v.AllKeys() {
			if cmd.Flags().Lookup(key) == nil && key != "options" {
				return fmt.Errorf("options file %s: unknown key %q for %q", path, key, cmd.CommandPath())
			}
		}
	}
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "options" || f.Name == "help" {
			return
		}
		if !v.IsSet(f.Name) {
			return
		}
		// $CCT_DATA names the data folder; it never fills a --data flag (a dataset).
		if f.Name == "data" && !v.InConfig(f.Name) {
			return
		}
		val := v.Get(f.Name)
		var s string
		switch x := val.(type) {
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			s = strings.Join(parts, ",")
		default:
			s = fmt.Sprint(x)
		}
		if s == f.Value.String() {
			return
		}
		if e := cmd.Flags().Set(f.Name, s); e != nil {
			err = fmt.Errorf("flag --%s: bad value %q: %v", f.Name, s, e)
		}
	})
	return err
}

var profileFile *os.File

// startCPUProfile starts the Go CPU profiler when --cpuprofile names a file.
func startCPUProfile(cmd *cobra.Command) error {
	path, _ := cmd.Flags().GetString("cpuprofile")
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("flag --cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("flag --cpuprofile: %v", err)
	}
	profileFile = f
	return nil
}

// stopCPUProfile ends the profile started by startCPUProfile, if any.
func stopCPUProfile() {
	if profileFile != nil {
		pprof.StopCPUProfile()
		profileFile.Close()
		profileFile = nil
	}
}
