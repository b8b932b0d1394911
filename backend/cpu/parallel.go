package cpu

import "github.com/cct-dev/cct/backend/internal/parallel"

// parallelFor calls fn on disjoint contiguous ranges [lo,hi) covering [0,n), in parallel when n is
// at least 2*grain, with at most GOMAXPROCS goroutines (each range has at least grain elements).
// The ranges are chunks of ⌈n/workers⌉ elements (the last one shorter): some callers combine
// per-range partial sums, whose bits depend on where the ranges start.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := parallel.Grained(n, grain)
	chunk := (n + workers - 1) / workers
	parallel.Split((n+chunk-1)/chunk, workers, func(c0, c1 int) { fn(c0*chunk, min(c1*chunk, n)) })
}

// parallelParts splits [0, n) into p = min(GOMAXPROCS, n/grain) (at least 1) contiguous parts
// [n·w/p, n·(w+1)/p), calls fn(w, lo, hi) for each, in parallel when p > 1, and returns p. The
// partition depends only on n, grain and GOMAXPROCS, never on scheduling, so that per-part partial
// results combined in part order are the same bits from run to run.
func parallelParts(n, grain int, fn func(w, lo, hi int)) int {
	return parallel.Parts(n, parallel.Grained(n, grain), fn)
}

// elemGrain is the minimum number of elements per goroutine for elementwise work.
const elemGrain = 1 << 15
