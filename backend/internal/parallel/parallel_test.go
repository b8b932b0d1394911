package parallel

import (
	"sync"
	"testing"
)

// TestSplitCoversOnce checks that every index of [0, n) is visited exactly once for several worker
// counts, including more workers than indices.
func TestSplitCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100} {
		for _, workers := range []int{-1, 0, 1, 2, 3, 8, 200} {
			seen := make([]int, n)
			var mu sync.Mutex
			Split(n, workers, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("n=%d workers=%d: index %d visited %d times", n, workers, i, c)
				}
			}
		}
	}
}
