package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteMinCost returns the minimum of Σ cost over assignments of min(r,c) pairs by trying every
// injective map from the smaller side into the larger one.
func bruteMinCost(cost [][]float64) float64 {
	r, c := len(cost), len(cost[0])
	if r > c {
		tr := make([][]float64, c)
		for j := range tr {
			tr[j] = make([]float64, r)
			for i := range r {
				tr[j][i] = cost[i][j]
			}
		}
		return bruteMinCost(tr)
	}
	used := make([]bool, c)
	var rec func(i int) float64
	rec = func(i int) float64 {
		if i == r {
			return 0
		}
		best := math.Inf(1)
		for j := range c {
			if !used[j] {
				used[j] = true
				best = math.Min(best, cost[i][j]+rec(i+1))
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}

// checkAssignment verifies that assign is injective, covers min(r,c) pairs, and returns its cost.
func checkAssignment(t *testing.T, cost [][]float64, assign []int) float64 {
	t.Helper()
	r, c := len(cost), len(cost[0])
	if len(assign) != r {
		t.Fatalf("assignment length %d, want %d", len(assign), r)
	}
	used := make([]bool, c)
	pairs := 0
	var total float64
	for i, j := range assign {
		if j < 0 {
			continue
		}
		if j >= c || used[j] {
			t.Fatalf("bad assignment %v", assign)
		}
		used[j] = true
		pairs++
		total += cost[i][j]
	}
	if pairs != min(r, c) {
		t.Fatalf("assignment %v has %d pairs, want %d", assign, pairs, min(r, c))
	}
	return total
}

func TestMinCostAssignmentBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	gens := []struct {
		name string
		gen  func() float64
	}{
		{"uniform", func() float64 { return r.Float64()*200 - 100 }},
		{"small integers with ties", func() float64 { return float64(r.IntN(4)) }},
		{"negated counts", func() float64 { return -float64(r.IntN(50)) }},
	}
	for _, g := range gens {
		for rows := 1; rows <= 7; rows++ {
			for cols := 1; cols <= 7; cols++ {
				for range 5 {
					cost := make([][]float64, rows)
					for i := range cost {
						cost[i] = make([]float64, cols)
						for j := range cost[i] {
							cost[i][j] = g.gen()
						}
					}
					got := checkAssignment(t, cost, MinCostAssignment(cost))
					if want := bruteMinCost(cost); math.Abs(got-want) > 1e-9 {
						t.Fatalf("%s %dx%d: cost %g, brute force %g", g.name, rows, cols, got, want)
					}
				}
			}
		}
	}
}

// TestMinCostAssignmentKnown: a textbook 3×3 instance whose optimum is the anti-diagonal-free
// choice (0→1, 1→0, 2→2) with cost 1+2+2 = 5, and a 2×3 rectangular one.
func TestMinCostAssignmentKnown(t *testing.T) {
	cases := []struct {
		cost [][]float64
		want []int
	}{
		{[][]float64{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}}, []int{1, 0, 2}},
		{[][]float64{{1, 9, 9}, {9, 9, 0}}, []int{0, 2}},
		{[][]float64{{1, 9}, {0, 9}, {9, 3}}, []int{-1, 0, 1}},
	}
	for _, c := range cases {
		got := MinCostAssignment(c.cost)
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Errorf("cost %v: got %v, want %v", c.cost, got, c.want)
				break
			}
		}
	}
}

func TestMinCostAssignmentEmpty(t *testing.T) {
	if got := MinCostAssignment(nil); len(got) != 0 {
		t.Errorf("nil: %v", got)
	}
	if got := MinCostAssignment([][]float64{{}, {}}); got[0] != -1 || got[1] != -1 {
		t.Errorf("2x0: %v", got)
	}
}

func BenchmarkMinCostAssignment100(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	cost := make([][]float64, 100)
	for i := range cost {
		cost[i] = make([]float64, 100)
		for j := range cost[i] {
			cost[i][j] = -float64(r.IntN(1000))
		}
	}
	for b.Loop() {
		MinCostAssignment(cost)
	}
}
