package train

import (
	"fmt"

	"github.com/cct-dev/cct/backend"
	"github.com/gomlx/gomlx/backends"
)

// OpenBackend opens the compute backend named by spec (auto, cpu, go, xla, xla:cuda,
// xla:/path/plugin.so; see package backend) and returns it with the one-line description that
// is printed and recorded in reports.
func OpenBackend(spec string) (backends.Backend, string, error) {
	b, info, err := backend.Open(spec)
	if err != nil {
		return nil, "", fmt.Errorf("flag --backend %s: %v", spec, err)
	}
	return b, info.String(), nil
}
