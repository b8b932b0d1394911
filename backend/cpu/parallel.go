package cpu

import (
	"runtime"
	"sync"
)

// parallelFor calls fn on disjoint ranges [lo,hi) covering [0,n), in parallel when n is at least
// 2*grain, with at most GOMAXPROCS goroutines.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	if w := n / grain; w < workers {
		workers = w
	}
	if workers <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// elemGrain is the minimum number of elements per goroutine for elementwise work.
const elemGrain = 1 << 15
