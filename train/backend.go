package train

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
)

// OpenBackend opens the compute backend named by spec and describes it.
func OpenBackend(spec string) (backends.Backend, string, error) {
	name := spec
	if spec == "auto" || spec == "go" {
		name = "go"
	}
	b, err := backends.NewWithConfig(name)
	if err != nil {
		return nil, "", fmt.Errorf("flag --backend %s: %v", spec, err)
	}
	return b, b.Description(), nil
}
