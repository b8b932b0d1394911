package eval

import "math"

// MinCostAssignment solves the rectangular linear assignment problem with the Hungarian
// (Kuhn–Munkres) algorithm in its O(n²m) shortest-augmenting-path form with potentials: for an
// r×c cost matrix it finds an injective map between rows and columns covering min(r, c) pairs
// that minimises Σ cost[i][assign[i]]. It returns assign, where assign[i] is the column of row i,
// or -1 for the r−c rows left unmatched when r > c.
//
// cost must be rectangular with finite entries; it is not modified. An empty matrix gives an
// empty (or all -1) result.
func MinCostAssignment(cost [][]float64) []int {
	r := len(cost)
	if r == 0 {
		return []int{}
	}
	c := len(cost[0])
	for _, row := range cost {
		if len(row) != c {
			panic("eval: MinCostAssignment: ragged cost matrix")
		}
		for _, x := range row {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				panic("eval: MinCostAssignment: cost matrix has a non-finite entry")
			}
		}
	}
	assign := make([]int, r)
	for i := range assign {
		assign[i] = -1
	}
	if c == 0 {
		return assign
	}
	if r <= c {
		for j, i := range hungarian(r, c, func(i, j int) float64 { return cost[i][j] }) {
			if i >= 0 {
				assign[i] = j
			}
		}
		return assign
	}
	// More rows than columns: solve the transpose, in which every column gets a row.
	// Its column i is row i here, and the row it gets is the column j here.
	copy(assign, hungarian(c, r, func(i, j int) float64 { return cost[j][i] }))
	return assign
}

// hungarian solves the n×m problem (n ≤ m) with costs a(i, j) and returns, for each column j,
// the row assigned to it or -1. Every row is assigned. This is the classic potentials method:
// rows are added one at a time and an augmenting path of minimum reduced cost is grown with a
// Dijkstra-like scan, keeping u_i + v_j ≤ a(i,j) with equality on matched pairs.
func hungarian(n, m int, a func(i, j int) float64) []int {
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1) // p[j]: row (1-based) matched to column j (1-based); 0 = free
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := inf
			j1 := 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := a(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	rowOf := make([]int, m)
	for j := 1; j <= m; j++ {
		rowOf[j-1] = p[j] - 1
	}
	return rowOf
}
