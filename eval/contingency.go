package eval

import (
	"errors"
	"fmt"
	"sort"
)

// Table is a contingency table of a clustering against reference classes: Counts[i][j] is the
// number of points in cluster Clusters[i] whose class is Classes[j]. Cluster and class labels
// are arbitrary integers; rows and columns are in increasing label order.
type Table struct {
	Clusters []int   `json:"clusters"` // label of each row
	Classes  []int   `json:"classes"`  // label of each column
	Counts   [][]int `json:"counts"`   // len(Clusters) × len(Classes)
	N        int     `json:"n"`        // total count, Σ_ij Counts[i][j]
}

// ErrEmpty is returned when there is nothing to score.
var ErrEmpty = errors.New("no labels to score")

// Contingency counts n_ij = #{p : pred[p] = cluster i, truth[p] = class j}. The labels need not
// be contiguous or start at 0: each distinct value becomes one row (pred) or column (truth).
func Contingency(pred, truth []int) (*Table, error) {
	if len(pred) != len(truth) {
		return nil, fmt.Errorf("length mismatch: %d predictions, %d labels", len(pred), len(truth))
	}
	if len(pred) == 0 {
		return nil, ErrEmpty
	}
	clusters, rowOf := relabel(pred)
	classes, colOf := relabel(truth)
	counts := make([][]int, len(clusters))
	flat := make([]int, len(clusters)*len(classes))
	for i := range counts {
		counts[i] = flat[i*len(classes) : (i+1)*len(classes)]
	}
	for p := range pred {
		counts[rowOf[p]][colOf[p]]++
	}
	return &Table{Clusters: clusters, Classes: classes, Counts: counts, N: len(pred)}, nil
}

// relabel returns the sorted distinct values of labels and, for each position, the index of its
// value in that list.
func relabel(labels []int) (values []int, index []int) {
	seen := make(map[int]int)
	for _, l := range labels {
		seen[l] = 0
	}
	values = make([]int, 0, len(seen))
	for l := range seen {
		values = append(values, l)
	}
	sort.Ints(values)
	for i, l := range values {
		seen[l] = i
	}
	index = make([]int, len(labels))
	for p, l := range labels {
		index[p] = seen[l]
	}
	return values, index
}

// RowSums returns a_i = Σ_j n_ij, the size of each cluster.
func (t *Table) RowSums() []int {
	s := make([]int, len(t.Counts))
	for i, row := range t.Counts {
		for _, v := range row {
			s[i] += v
		}
	}
	return s
}

// ColSums returns b_j = Σ_i n_ij, the size of each class.
func (t *Table) ColSums() []int {
	s := make([]int, len(t.Classes))
	for _, row := range t.Counts {
		for j, v := range row {
			s[j] += v
		}
	}
	return s
}
