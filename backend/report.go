package backend

import (
	"fmt"
	"math"
	"strings"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/internal/fsutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Report describes the backends available on this machine, in a few lines of text.
func Report() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "backends:\n")
	fmt.Fprintf(&sb, "  cpu   available   pure-Go executor, GEMM: %s\n", cpu.GemmName())
	fmt.Fprintf(&sb, "  go    available   GoMLX simplego (cannot train CNNs)\n")
	if XLACompiled() {
		fmt.Fprintf(&sb, "  xla   compiled in (needs a PJRT plugin)\n")
	} else {
		fmt.Fprintf(&sb, "  xla   not compiled in (binary built without cgo)\n")
	}
	plugins := FindPlugins()
	fmt.Fprintf(&sb, "PJRT plugins found: %d\n", len(plugins))
	for _, p := range plugins {
		fmt.Fprintf(&sb, "  %-6s %s\n", p.Name, p.Path)
	}
	auto := "cpu"
	if p, ok := preferred(plugins, ""); ok && XLACompiled() {
		auto = "xla (" + p.Path + ")"
	}
	fmt.Fprintf(&sb, "auto picks: %s\n", auto)
	if len(plugins) == 0 {
		fmt.Fprintf(&sb, "to use XLA: %s\n", PluginHelp)
	}
	return sb.String()
}

// Check opens the backend named by spec and evaluates a small matrix product on it, returning an
// error if the backend cannot be opened or computes a wrong result.
func Check(spec string) (info Info, err error) {
	b, info, err := Open(spec)
	if err != nil {
		return info, err
	}
	defer b.Finalize()
	got, err := tinyProduct(b)
	if err != nil {
		return info, fmt.Errorf("backend %q: test computation failed: %v", spec, fsutil.FirstLine(err.Error()))
	}
	// [[1,2],[3,4]]·[[5,6],[7,8]] summed = 19+22+43+50.
	if math.Abs(float64(got)-134) > 1e-4 {
		return info, fmt.Errorf("backend %q: test computation returned %g, want 134", spec, got)
	}
	return info, nil
}

func tinyProduct(b backends.Backend) (v float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	exec, err := graph.NewExecAny(b, func(x, y *graph.Node) *graph.Node {
		return graph.ReduceAllSum(graph.Dot(x, y))
	})
	if err != nil {
		return 0, err
	}
	x := tensors.FromValue([][]float32{{1, 2}, {3, 4}})
	y := tensors.FromValue([][]float32{{5, 6}, {7, 8}})
	out, err := exec.Exec(x, y)
	if err != nil {
		return 0, err
	}
	return out[0].Value().(float32), nil
}
