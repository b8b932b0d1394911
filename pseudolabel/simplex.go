package pseudolabel

import (
	"fmt"
	"math"
	"slices"
)

// ProjectSimplex writes into dst the Euclidean projection of v onto the probability simplex,
// Π_Δ(v) = argmin_{y ≥ 0, Σy = 1} ‖y − v‖², by the sort-based method of Chen & Ye (2011): with
// s = v sorted in descending order and t_i = (Σ_{j≤i} s_j − 1)/i, t̂ is the first t_i with
// t_i ≥ s_{i+1} (i = 1..K−1), or t_K when there is none, and Π_Δ(v) = max(v − t̂, 0).
//
// Entries that cannot be in the support (v_j ≤ max(max v − 1, (Σv − 1)/K)) are dropped before
// sorting; the result is unchanged. The sort runs on order-preserving integer keys of the values
// (faster than sorting float64, whose comparisons must handle NaN). buf is scratch space of
// length ≥ len(v); dst may alias v. It panics on mismatched lengths.
func ProjectSimplex(dst, v []float64, buf []uint64) {
	k := len(v)
	if len(dst) != k || len(buf) < k || k == 0 {
		panic(fmt.Sprintf("pseudolabel: ProjectSimplex lengths dst=%d v=%d buf=%d", len(dst), k, len(buf)))
	}
	// t̂ ≥ max(v) − 1 and t̂ ≥ (Σv − 1)/K, because Σ_j max(v_j − t, 0) ≥ 1 at both; entries at
	// or below that bound are 0 in Π_Δ(v) and never decide t̂, so only the others are sorted.
	var total float64
	vmax := math.Inf(-1)
	for _, x := range v {
		total += x
		vmax = max(vmax, x)
	}
	bound := max(vmax-1, (total-1)/float64(k))
	s := buf[:0]
	for _, x := range v {
		if x > bound {
			s = append(s, sortKey(x))
		}
	}
	t := bound
	if m := len(s); m > 0 {
		slices.Sort(s) // ascending: s[m-1] is the largest
		var cum float64
		found := false
		for i := 1; i < m; i++ {
			cum += keyValue(s[m-i])
			ti := (cum - 1) / float64(i)
			if ti >= keyValue(s[m-i-1]) {
				t, found = ti, true
				break
			}
		}
		if !found {
			cum += keyValue(s[0])
			t = (cum - 1) / float64(m)
		}
	}
	for j, x := range v {
		dst[j] = max(x-t, 0)
	}
}

// sortKey maps a float64 to a uint64 with the same order (for non-NaN values): the sign bit is
// flipped for positive numbers and all bits for negative ones.
func sortKey(x float64) uint64 {
	b := math.Float64bits(x)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// keyValue inverts sortKey.
func keyValue(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
