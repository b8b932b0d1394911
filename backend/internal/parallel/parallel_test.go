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

// TestPartsPartition checks that Parts returns p = min(workers, n) (at least 1) and calls part w on
// [n·w/p, n·(w+1)/p), the partition per-part partial sums rely on.
func TestPartsPartition(t *testing.T) {
	for _, n := range []int{1, 5, 64, 1000} {
		for _, workers := range []int{0, 1, 2, 3, 7, 2000} {
			var mu sync.Mutex
			got := map[int][2]int{}
			p := Parts(n, workers, func(w, lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				got[w] = [2]int{lo, hi}
			})
			want := max(1, min(workers, n))
			if p != want || len(got) != want {
				t.Fatalf("n=%d workers=%d: %d parts (%d called), want %d", n, workers, p, len(got), want)
			}
			for w := 0; w < p; w++ {
				if r := got[w]; r != [2]int{n * w / p, n * (w + 1) / p} {
					t.Fatalf("n=%d workers=%d: part %d is %v", n, workers, w, r)
				}
			}
		}
	}
	if p := Parts(0, 4, func(int, int, int) { t.Fatal("called for n = 0") }); p != 0 {
		t.Fatalf("Parts(0) = %d", p)
	}
}
