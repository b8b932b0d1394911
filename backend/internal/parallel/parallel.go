// Package parallel splits index ranges over goroutines for the CPU kernels.
package parallel

import (
	"runtime"
	"sync"
)

// Split calls f on the contiguous ranges [n·w/workers, n·(w+1)/workers) for w = 0..workers−1,
// each in its own goroutine, and returns when all are done. With workers ≤ 1 it calls f(0, n) on
// the calling goroutine; with n ≤ 0 it does nothing.
func Split(n, workers int, f func(lo, hi int)) {
	Parts(n, workers, func(_, lo, hi int) { f(lo, hi) })
}

// Parts is Split with the part's index: it calls f(w, lo, hi) on the ranges
// [n·w/p, n·(w+1)/p), p = min(workers, n) (at least 1), and returns p. The partition depends only
// on n and workers, never on scheduling, so that per-part partial results combined in part order
// are the same bits from run to run.
func Parts(n, workers int, f func(w, lo, hi int)) int {
	if n <= 0 {
		return 0
	}
	p := min(workers, n)
	if p <= 1 {
		f(0, 0, n)
		return 1
	}
	var wg sync.WaitGroup
	for w := 0; w < p; w++ {
		lo, hi := n*w/p, n*(w+1)/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
	return p
}

// Grained returns the number of workers for n items with at least grain items each (grain < 1
// counts as 1): min(GOMAXPROCS, n/grain), at least 1.
func Grained(n, grain int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/max(1, grain)))
}
