package kernels

import (
	"runtime"
	"sync"

	"github.com/cct-dev/cct/backend/internal/parallel"
)

// Float is the element type of the kernels.
type Float interface{ float32 | float64 }

// parallelFor calls f on contiguous sub-ranges of [0, n) from up to GOMAXPROCS goroutines.
func parallelFor(n int, f func(lo, hi int)) {
	parallel.Split(n, runtime.GOMAXPROCS(0), f)
}

var pool32, pool64 sync.Pool

// getBuf returns a scratch slice of length n (contents undefined); putBuf recycles it.
func getBuf[T Float](n int) []T {
	var p *sync.Pool
	switch any(T(0)).(type) {
	case float32:
		p = &pool32
	default:
		p = &pool64
	}
	if v, ok := p.Get().(*[]T); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]T, n)
}

func putBuf[T Float](b []T) {
	switch any(T(0)).(type) {
	case float32:
		pool32.Put(&b)
	default:
		pool64.Put(&b)
	}
}
