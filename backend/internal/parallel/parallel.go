// Package parallel splits index ranges over goroutines for the CPU kernels.
package parallel

import "sync"

// Split calls f on the contiguous ranges [n·w/workers, n·(w+1)/workers) for w = 0..workers−1,
// each in its own goroutine, and returns when all are done. With workers ≤ 1 it calls f(0, n) on
// the calling goroutine; with n ≤ 0 it does nothing.
func Split(n, workers int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers = min(workers, n)
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
