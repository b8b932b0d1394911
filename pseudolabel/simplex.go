package pseudolabel

import (
	"fmt"
	"slices"
)

// ProjectSimplex writes into dst the Euclidean projection of v onto the probability simplex,
// Π_Δ(v) = argmin_{y ≥ 0, Σy = 1} ‖y − v‖², by the sort-based method of Chen & Ye (2011): with
// s = v sorted in descending order and t_i = (Σ_{j≤i} s_j − 1)/i, t̂ is the first t_i with
// t_i ≥ s_{i+1} (i = 1..K−1), or t_K when there is none, and Π_Δ(v) = max(v − t̂, 0).
//
// buf is scratch space of length ≥ len(v); dst may alias v. It panics on mismatched lengths.
func ProjectSimplex(dst, v, buf []float64) {
	k := len(v)
	if len(dst) != k || len(buf) < k || k == 0 {
		panic(fmt.Sprintf("pseudolabel: ProjectSimplex lengths dst=%d v=%d buf=%d", len(dst), k, len(buf)))
	}
	s := buf[:k]
	copy(s, v)
	slices.Sort(s) // ascending: s[k-1] is the largest
	var cum float64
	t := 0.0
	found := false
	for i := 1; i < k; i++ {
		cum += s[k-i]
		ti := (cum - 1) / float64(i)
		if ti >= s[k-i-1] {
			t, found = ti, true
			break
		}
	}
	if !found {
		cum += s[0]
		t = (cum - 1) / float64(k)
	}
	for j, x := range v {
		dst[j] = max(x-t, 0)
	}
}
