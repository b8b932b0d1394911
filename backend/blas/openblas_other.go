//go:build !((darwin || freebsd || linux || netbsd) && !android && !faketime)

package blas

import "errors"

// loadOpenBLAS reports that run-time loading of OpenBLAS is not available on this platform.
func loadOpenBLAS() (impl, error) {
	return nil, errors.New("blas: loading OpenBLAS at run time is not supported on this platform")
}
