// Command cct trains deep-clustering models with the collision cross-entropy loss and its EM
// pseudo-label solver, runs the baselines it is compared with, and evaluates clusterings.
package main

import (
	"fmt"
	"os"

	"github.com/cct-dev/cct/internal/fsutil"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the process exit code. Errors, including panics that
// escape a library, are reported as one line on stderr.
func run(args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "cct: internal error: %v\n", fsutil.FirstLine(fmt.Sprint(r)))
			code = 2
		}
	}()
	defer stopCPUProfile()
	root := newRootCmd()
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "cct: %s\n", fsutil.FirstLine(err.Error()))
		return 1
	}
	return 0
}
