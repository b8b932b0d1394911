package pseudolabel

import (
	"runtime"
	"sync"
)

// minRowsPerThread is the fewest rows worth a goroutine of its own when the thread count is
// automatic: below it, handing rows over costs more than the rows (a batch of 50 rows solves in
// about 6 µs per iteration on one goroutine).
const minRowsPerThread = 256

// threadCount returns the number of goroutines to use for n rows: want if positive, else
// GOMAXPROCS but at most one per minRowsPerThread rows; always capped at n.
func threadCount(want, n int) int {
	t := want
	if t <= 0 {
		t = min(runtime.GOMAXPROCS(0), n/minRowsPerThread)
	}
	if t > n {
		t = n
	}
	if t < 1 {
		t = 1
	}
	return t
}

// forChunks splits rows [0, n) into t contiguous chunks and runs fn(chunk, lo, hi) on each in its
// own goroutine (the last one on the calling goroutine), returning when all are done. The split
// depends only on n and t, so results are reproducible for a given thread count.
func forChunks(n, t int, fn func(c, lo, hi int)) {
	if t == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for c := 0; c < t-1; c++ {
		go func(c int) {
			defer wg.Done()
			fn(c, c*n/t, (c+1)*n/t)
		}(c)
	}
	fn(t-1, (t-1)*n/t, n)
	wg.Wait()
}
