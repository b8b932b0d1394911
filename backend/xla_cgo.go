//go:build cgo && linux && amd64

package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

func init() {
	// Plugins are only ever loaded from local paths; never download them.
	xla.EnableAutoInstall(false)
}

// XLACompiled reports whether this binary can load PJRT plugins (it was built with cgo).
func XLACompiled() bool { return true }

// openXLA loads the PJRT plugin at the absolute path.
func openXLA(path string) (b backends.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	return xla.New(path)
}
