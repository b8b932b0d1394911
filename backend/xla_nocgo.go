//go:build !(cgo && linux && amd64)

package backend

import (
	"errors"

	"github.com/gomlx/gomlx/backends"
)

// XLACompiled reports whether this binary can load PJRT plugins (it was built with cgo).
func XLACompiled() bool { return false }

func openXLA(string) (backends.Backend, error) {
	return nil, errors.New("XLA support not compiled in (needs cgo)")
}
