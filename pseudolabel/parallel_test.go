package pseudolabel

import (
	"runtime"
	"testing"
)

func TestThreadCount(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	cases := []struct{ want, n, got int }{
		{0, 50, 1},                               // a training batch: one goroutine
		{0, 255, 1},                              // below minRowsPerThread
		{0, 0, 1},                                // no rows still gets one
		{0, 100000, procs},                       // large: every CPU
		{0, 2 * minRowsPerThread, min(procs, 2)}, // one goroutine per 256 rows
		{3, 2, 2},                                // explicit counts are capped at n only
		{3, 50, 3},
	}
	for _, c := range cases {
		if got := threadCount(c.want, c.n); got != c.got {
			t.Errorf("threadCount(%d, %d) = %d, want %d", c.want, c.n, got, c.got)
		}
	}
}
