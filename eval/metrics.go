package eval

import (
	"fmt"
	"math"
)

// Scores holds the three clustering scores of one labelling, as fractions in [0, 1] (ARI can be
// negative), with the sizes they were computed on.
type Scores struct {
	ACC      float64 `json:"acc"`
	NMI      float64 `json:"nmi"`
	ARI      float64 `json:"ari"`
	N        int     `json:"n"`        // number of points scored
	Clusters int     `json:"clusters"` // distinct predicted clusters
	Classes  int     `json:"classes"`  // distinct reference classes
	// Accuracy is the plain accuracy Σ_i [pred_i = truth_i]/N, without matching: the figure for
	// labelled training (supervised or seeded), where output c is trained to be class c. It is
	// set only for such runs (see Report.Labelled).
	Accuracy float64 `json:"accuracy,omitempty"`
	// Mapping is the Hungarian cluster→class map that ACC uses; clusters left unmatched
	// (more clusters than classes) are absent.
	Mapping map[int]int `json:"mapping,omitempty"`
}

// Evaluate computes ACC, NMI and ARI of the clustering pred against the classes truth.
func Evaluate(pred, truth []int) (Scores, error) {
	t, err := Contingency(pred, truth)
	if err != nil {
		return Scores{}, err
	}
	return t.Scores(), nil
}

// Scores computes ACC, NMI and ARI from the table.
func (t *Table) Scores() Scores {
	acc, m := t.ACC()
	return Scores{
		ACC: acc, NMI: t.NMI(), ARI: t.ARI(),
		N: t.N, Clusters: len(t.Clusters), Classes: len(t.Classes),
		Mapping: m,
	}
}

// ACC returns the clustering accuracy max_π (1/N) Σ_i n_{i,π(i)} over one-to-one maps π from
// clusters to classes, and the maximising map (cluster label → class label). When the numbers
// of clusters and classes differ, only min(#clusters, #classes) pairs are matched and the points
// of unmatched clusters count as errors.
func (t *Table) ACC() (float64, map[int]int) {
	assign := t.Assignment()
	mapping := make(map[int]int, len(assign))
	matched := 0
	for i, j := range assign {
		if j >= 0 {
			mapping[t.Clusters[i]] = t.Classes[j]
			matched += t.Counts[i][j]
		}
	}
	if t.N == 0 {
		return 0, mapping
	}
	return float64(matched) / float64(t.N), mapping
}

// Assignment returns the Hungarian matching of rows to columns that maximises the matched
// count Σ_i n_{i,assign[i]}; assign[i] is a column index, or -1 for an unmatched row.
func (t *Table) Assignment() []int {
	cost := make([][]float64, len(t.Counts))
	for i, row := range t.Counts {
		cost[i] = make([]float64, len(row))
		for j, v := range row {
			cost[i][j] = -float64(v)
		}
	}
	return MinCostAssignment(cost)
}

// ACC is the clustering accuracy of pred against truth and the cluster→class map behind it;
// see Table.ACC.
func ACC(pred, truth []int) (float64, map[int]int, error) {
	t, err := Contingency(pred, truth)
	if err != nil {
		return 0, nil, err
	}
	acc, m := t.ACC()
	return acc, m, nil
}

// NMI is the normalised mutual information of pred and truth; see Table.NMI.
func NMI(pred, truth []int) (float64, error) {
	t, err := Contingency(pred, truth)
	if err != nil {
		return 0, err
	}
	return t.NMI(), nil
}

// ARI is the adjusted Rand index of pred and truth; see Table.ARI.
func ARI(pred, truth []int) (float64, error) {
	t, err := Contingency(pred, truth)
	if err != nil {
		return 0, err
	}
	return t.ARI(), nil
}

// NMI returns the normalised mutual information with arithmetic normalisation,
//
//	NMI = I(U;V) / ((H(U) + H(V)) / 2),
//	I(U;V) = Σ_ij (n_ij/N) log(N n_ij / (a_i b_j)),   H(U) = −Σ_i (a_i/N) log(a_i/N),
//
// with a_i, b_j the row and column sums (natural logs; the ratio does not depend on the base).
// As in scikit-learn, it is 1 when both labellings have a single cluster (both entropies are 0),
// 0 when I = 0 otherwise, and I is clipped at 0 against rounding.
func (t *Table) NMI() float64 {
	if len(t.Clusters) == 1 && len(t.Classes) == 1 {
		return 1
	}
	if t.N == 0 {
		return 1
	}
	n := float64(t.N)
	a, b := t.RowSums(), t.ColSums()
	var mi float64
	for i, row := range t.Counts {
		for j, v := range row {
			if v == 0 {
				continue
			}
			nij := float64(v)
			mi += nij / n * (math.Log(nij) + math.Log(n) - math.Log(float64(a[i])) - math.Log(float64(b[j])))
		}
	}
	if mi <= 0 {
		return 0
	}
	hu, hv := entropy(a, n), entropy(b, n)
	norm := (hu + hv) / 2
	if norm < eps64 {
		norm = eps64
	}
	return mi / norm
}

// eps64 is the float64 machine epsilon, the floor scikit-learn puts under the normaliser.
const eps64 = 0x1p-52

// entropy returns −Σ (c/n) log(c/n) over the non-zero counts c.
func entropy(counts []int, n float64) float64 {
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log(p)
		}
	}
	return h
}

// ARI returns the adjusted Rand index of Hubert and Arabie, written through the pair
// confusion counts over ordered pairs of distinct points (as scikit-learn does):
//
//	S = Σ_ij n_ij²,  A = Σ_i a_i²,  B = Σ_j b_j²,
//	tp = S − N,  fp = B − S,  fn = A − S,  tn = N² − A − B + S,
//	ARI = 2 (tp·tn − fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn)),
//
// which equals (Σ C(n_ij,2) − E) / (½(Σ C(a_i,2) + Σ C(b_j,2)) − E) with
// E = Σ C(a_i,2) Σ C(b_j,2) / C(N,2). It is 1 when fn = fp = 0 (the two partitions are
// identical up to relabelling, including the one-cluster and all-singletons cases).
func (t *Table) ARI() float64 {
	var s, sa, sb int64
	for _, row := range t.Counts {
		for _, v := range row {
			s += int64(v) * int64(v)
		}
	}
	for _, v := range t.RowSums() {
		sa += int64(v) * int64(v)
	}
	for _, v := range t.ColSums() {
		sb += int64(v) * int64(v)
	}
	n := int64(t.N)
	tp := s - n
	fp := sb - s
	fn := sa - s
	tn := n*n - sa - sb + s
	if fn == 0 && fp == 0 {
		return 1
	}
	ftp, ffp, ffn, ftn := float64(tp), float64(fp), float64(fn), float64(tn)
	return 2 * (ftp*ftn - ffn*ffp) / ((ftp+ffn)*(ffn+ftn) + (ftp+ffp)*(ffp+ftn))
}

// Text returns the scores as aligned "name value" lines: N, clusters, classes, then ACC, NMI
// and ARI with four decimals.
func (s Scores) Text() string {
	return fmt.Sprintf("N         %d\nclusters  %d\nclasses   %d\nACC       %.4f\nNMI       %.4f\nARI       %.4f\n",
		s.N, s.Clusters, s.Classes, s.ACC, s.NMI, s.ARI)
}

// PlainAccuracy returns Σ_i [pred_i = truth_i]/N, the accuracy without cluster-to-class matching
// (0 for empty input).
func PlainAccuracy(pred, truth []int) float64 {
	if len(truth) == 0 {
		return 0
	}
	hit := 0
	for i, t := range truth {
		if pred[i] == t {
			hit++
		}
	}
	return float64(hit) / float64(len(truth))
}
