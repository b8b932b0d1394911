package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestHandComputed checks the three scores on small cases worked out by hand.
func TestHandComputed(t *testing.T) {
	ln2, ln3 := math.Log(2), math.Log(3)
	// Case "3+3 vs 2+2+2": pred = [0 0 0 1 1 1], truth = [0 0 1 1 2 2].
	//   table  cluster 0: (2 1 0)   cluster 1: (0 1 2);  a = (3,3), b = (2,2,2), N = 6.
	//   ACC: 0→0 and 1→2 match 2+2 points: 4/6.
	//   I = 2·(2/6)·log(6·2/(3·2)) + 2·(1/6)·log(6·1/(3·2)) = (2/3) log 2.
	//   H(U) = log 2, H(V) = log 3, NMI = (2/3)log2 / ((log2+log3)/2) = (4/3) log2/log6.
	//   ARI: Σ C(n_ij,2) = 2, Σ C(a_i,2) = 6, Σ C(b_j,2) = 3, C(6,2) = 15,
	//        E = 6·3/15 = 1.2, max = (6+3)/2 = 4.5, ARI = (2−1.2)/(4.5−1.2) = 8/33.
	// Case "3 clusters vs 2 classes": pred = [0 0 1 1 2 2], truth = [0 0 1 1 1 1].
	//   table  (2 0) (0 2) (0 2);  a = (2,2,2), b = (2,4).
	//   ACC: only two clusters can be matched: 0→0, 1→1 (or 2→1), 4/6; cluster 2 counts as error.
	//   I = (2/6)log(6·2/(2·2)) + 2·(2/6)log(6·2/(2·4)) = (1/3)log3 + (2/3)log(3/2) = H(V),
	//   H(V) = −(1/3)log(1/3) − (2/3)log(2/3), H(U) = log 3, NMI = 2H(V)/(log3 + H(V)).
	//   ARI: Σ C(n_ij,2) = 3, Σ C(a_i,2) = 3, Σ C(b_j,2) = 1+6 = 7, E = 21/15 = 1.4,
	//        max = 5, ARI = (3−1.4)/(5−1.4) = 4/9.
	// Case "labels not 0..K−1": pred = [10 10 −4 −4], truth = [7 3 3 3].
	//   table rows (−4, 10), cols (3, 7): (2 0) (1 1); ACC = (2+1)/4 with −4→3, 10→7.
	//   a = (2,2), b = (3,1); I = (2/4)log(4·2/(2·3)) + (1/4)log(4/(2·3)) + (1/4)log(4/(2·1))
	//     = (1/2)log(4/3) + (1/4)log(2/3) + (1/4)log 2;  H(U) = log 2,
	//   H(V) = −(3/4)log(3/4) − (1/4)log(1/4).
	//   ARI: Σ C(n_ij,2) = 1, Σ C(a,2) = 2, Σ C(b,2) = 3, C(4,2) = 6, E = 1, max = 2.5,
	//        ARI = (1−1)/(2.5−1) = 0.
	hv2 := -(1.0/3)*math.Log(1.0/3) - (2.0/3)*math.Log(2.0/3)
	i3 := 0.5*math.Log(4.0/3) + 0.25*math.Log(2.0/3) + 0.25*ln2
	hv3 := -0.75*math.Log(0.75) - 0.25*math.Log(0.25)
	cases := []struct {
		name          string
		pred, truth   []int
		acc, nmi, ari float64
		mapping       map[int]int
	}{
		{"3+3 vs 2+2+2", []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 1, 1, 2, 2},
			4.0 / 6, (4.0 / 3) * ln2 / math.Log(6), 8.0 / 33, map[int]int{0: 0, 1: 2}},
		{"3 clusters vs 2 classes", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 1, 1},
			4.0 / 6, 2 * hv2 / (ln3 + hv2), 4.0 / 9, nil},
		{"arbitrary labels", []int{10, 10, -4, -4}, []int{7, 3, 3, 3},
			3.0 / 4, i3 / ((ln2 + hv3) / 2), 0, map[int]int{-4: 3, 10: 7}},
	}
	for _, c := range cases {
		s, err := Evaluate(c.pred, c.truth)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !near(s.ACC, c.acc, 1e-12) || !near(s.NMI, c.nmi, 1e-12) || !near(s.ARI, c.ari, 1e-12) {
			t.Errorf("%s: got ACC %.15g NMI %.15g ARI %.15g, want %.15g %.15g %.15g",
				c.name, s.ACC, s.NMI, s.ARI, c.acc, c.nmi, c.ari)
		}
		if c.mapping != nil {
			if len(s.Mapping) != len(c.mapping) {
				t.Errorf("%s: mapping %v, want %v", c.name, s.Mapping, c.mapping)
			}
			for k, v := range c.mapping {
				if s.Mapping[k] != v {
					t.Errorf("%s: mapping %v, want %v", c.name, s.Mapping, c.mapping)
				}
			}
		}
	}
}

// TestSpecialCases follows scikit-learn's conventions for degenerate labellings.
func TestSpecialCases(t *testing.T) {
	cases := []struct {
		name          string
		pred, truth   []int
		acc, nmi, ari float64
	}{
		// Both single cluster: NMI and ARI are defined as 1.
		{"one cluster both", []int{3, 3, 3}, []int{5, 5, 5}, 1, 1, 1},
		// One point.
		{"single point", []int{0}, []int{1}, 1, 1, 1},
		// All singletons on both sides: identical partitions, ARI 1; NMI 1 (I = H = log N).
		{"all singletons", []int{0, 1, 2, 3}, []int{3, 2, 1, 0}, 1, 1, 1},
		// Prediction one cluster, truth two classes: no information. Σ C(n_ij,2) = 1+1 = 2,
		// Σ C(a,2) = 6, Σ C(b,2) = 2, E = 2, so ARI = 0. ACC = 2/4.
		{"one cluster vs two classes", []int{0, 0, 0, 0}, []int{0, 0, 1, 1}, 0.5, 0, 0},
		// Worst ARI on 4 points: pred {0,1},{2,3} vs truth {0,2},{1,3}. Σ C(n_ij,2) = 0,
		// Σ C(a,2) = Σ C(b,2) = 2, E = 4/6, max = 2, ARI = −(2/3)/(4/3) = −1/2; I = 0.
		{"anti-correlated", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0.5, 0, -0.5},
	}
	for _, c := range cases {
		s, err := Evaluate(c.pred, c.truth)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !near(s.ACC, c.acc, 1e-12) || !near(s.NMI, c.nmi, 1e-12) || !near(s.ARI, c.ari, 1e-12) {
			t.Errorf("%s: got ACC %.15g NMI %.15g ARI %.15g, want %g %g %g",
				c.name, s.ACC, s.NMI, s.ARI, c.acc, c.nmi, c.ari)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := Evaluate([]int{1, 2}, []int{1}); err == nil {
		t.Error("length mismatch: want an error")
	}
	if _, err := Evaluate(nil, nil); err == nil {
		t.Error("empty input: want an error")
	}
}

func randLabels(r *rand.Rand, n, k int) []int {
	l := make([]int, n)
	for i := range l {
		l[i] = r.IntN(k)
	}
	return l
}

// TestInvariances: relabelling clusters (any injective map, also to non-contiguous values)
// changes no score; scores are symmetric where the definition is (NMI, ARI); identical
// labellings give 1.
func TestInvariances(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		n := 50 + r.IntN(500)
		k1, k2 := 2+r.IntN(8), 2+r.IntN(8)
		truth := randLabels(r, n, k2)
		// A prediction correlated with truth: copy, then corrupt a fraction.
		pred := make([]int, n)
		for i := range pred {
			if r.Float64() < 0.6 {
				pred[i] = truth[i] % k1
			} else {
				pred[i] = r.IntN(k1)
			}
		}
		base, err := Evaluate(pred, truth)
		if err != nil {
			t.Fatal(err)
		}
		perm := r.Perm(k1)
		relab := make([]int, n)
		for i, p := range pred {
			relab[i] = 7*perm[p] - 13
		}
		s, _ := Evaluate(relab, truth)
		if !near(s.ACC, base.ACC, 1e-12) || !near(s.NMI, base.NMI, 1e-12) || !near(s.ARI, base.ARI, 1e-12) {
			t.Errorf("trial %d: relabelling changed scores: %+v vs %+v", trial, s, base)
		}
		sw, _ := Evaluate(truth, pred)
		if !near(sw.NMI, base.NMI, 1e-12) || !near(sw.ARI, base.ARI, 1e-12) || !near(sw.ACC, base.ACC, 1e-12) {
			t.Errorf("trial %d: swapping arguments changed NMI/ARI/ACC: %+v vs %+v", trial, sw, base)
		}
		id, _ := Evaluate(relab, pred)
		if id.ACC != 1 || !near(id.NMI, 1, 1e-12) || id.ARI != 1 {
			t.Errorf("trial %d: identical partitions: %+v", trial, id)
		}
		if base.NMI < 0 || base.NMI > 1+1e-12 || base.ACC < 0 || base.ACC > 1 || base.ARI > 1 {
			t.Errorf("trial %d: out of range %+v", trial, base)
		}
	}
}

// TestRandomLabelling: a labelling independent of the classes has ACC ≈ 1/K (a little above,
// since the matching picks the best map), ARI ≈ 0 and NMI ≈ 0.
func TestRandomLabelling(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, k = 100000, 10
	s, err := Evaluate(randLabels(r, n, k), randLabels(r, n, k))
	if err != nil {
		t.Fatal(err)
	}
	if s.ACC < 0.1 || s.ACC > 0.11 {
		t.Errorf("random ACC = %g, want about 0.1", s.ACC)
	}
	if math.Abs(s.ARI) > 1e-3 {
		t.Errorf("random ARI = %g, want about 0", s.ARI)
	}
	if s.NMI > 1e-3 {
		t.Errorf("random NMI = %g, want about 0", s.NMI)
	}
}

// TestACCBruteForce compares ACC with a search over every injective cluster→class map.
func TestACCBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		n := 1 + r.IntN(60)
		pred, truth := randLabels(r, n, 1+r.IntN(6)), randLabels(r, n, 1+r.IntN(6))
		tab, _ := Contingency(pred, truth)
		acc, m := tab.ACC()
		best := bruteMax(tab.Counts)
		if !near(acc, float64(best)/float64(n), 1e-15) {
			t.Fatalf("trial %d: ACC %g, brute force %d/%d", trial, acc, best, n)
		}
		// The returned map must be injective and reproduce the accuracy.
		hits, used := 0, map[int]bool{}
		for p, tr := range truth {
			if c, ok := m[pred[p]]; ok && c == tr {
				hits++
			}
		}
		for _, c := range m {
			if used[c] {
				t.Fatalf("trial %d: map %v not injective", trial, m)
			}
			used[c] = true
		}
		if want := min(len(tab.Clusters), len(tab.Classes)); len(m) != want {
			t.Fatalf("trial %d: map has %d pairs, want %d", trial, len(m), want)
		}
		if hits != best {
			t.Fatalf("trial %d: map gives %d hits, want %d", trial, hits, best)
		}
	}
}

// bruteMax returns max over injective row→column maps (rows ≤ columns) or column→row maps of
// the matched sum, by exhaustive search.
func bruteMax(c [][]int) int {
	r, k := len(c), len(c[0])
	if r > k {
		tr := make([][]int, k)
		for j := range tr {
			tr[j] = make([]int, r)
			for i := range r {
				tr[j][i] = c[i][j]
			}
		}
		return bruteMax(tr)
	}
	used := make([]bool, k)
	var rec func(i int) int
	rec = func(i int) int {
		if i == r {
			return 0
		}
		best := -1
		for j := range k {
			if !used[j] {
				used[j] = true
				if v := c[i][j] + rec(i+1); v > best {
					best = v
				}
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}

// nmiDirect computes NMI from its definition with log base 2 over joint probabilities, an
// independent form of the computation in Table.NMI.
func nmiDirect(pred, truth []int) float64 {
	n := float64(len(pred))
	joint := map[[2]int]float64{}
	pu, pv := map[int]float64{}, map[int]float64{}
	for i := range pred {
		joint[[2]int{pred[i], truth[i]}] += 1 / n
		pu[pred[i]] += 1 / n
		pv[truth[i]] += 1 / n
	}
	var mi, hu, hv float64
	for k, p := range joint {
		mi += p * math.Log2(p/(pu[k[0]]*pv[k[1]]))
	}
	for _, p := range pu {
		hu -= p * math.Log2(p)
	}
	for _, p := range pv {
		hv -= p * math.Log2(p)
	}
	return mi / ((hu + hv) / 2)
}

// ariPairs computes ARI by counting agreeing pairs directly, O(n²): the Rand-index contingency
// of pairs (same/different in pred × same/different in truth), then Hubert–Arabie's adjustment.
func ariPairs(pred, truth []int) float64 {
	var ss, sd, ds, dd float64 // same-same, same-diff, diff-same, diff-diff over unordered pairs
	for i := range pred {
		for j := i + 1; j < len(pred); j++ {
			sp, st := pred[i] == pred[j], truth[i] == truth[j]
			switch {
			case sp && st:
				ss++
			case sp:
				sd++
			case st:
				ds++
			default:
				dd++
			}
		}
	}
	total := ss + sd + ds + dd
	expected := (ss + sd) * (ss + ds) / total
	maxIdx := ((ss + sd) + (ss + ds)) / 2
	return (ss - expected) / (maxIdx - expected)
}

// TestAgainstDefinitions compares NMI and ARI with independent direct computations.
func TestAgainstDefinitions(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 50 {
		n := 20 + r.IntN(200)
		k1, k2 := 2+r.IntN(6), 2+r.IntN(6)
		truth := randLabels(r, n, k2)
		pred := make([]int, n)
		for i := range pred {
			if r.Float64() < 0.5 {
				pred[i] = truth[i] % k1
			} else {
				pred[i] = r.IntN(k1)
			}
		}
		s, _ := Evaluate(pred, truth)
		if len(s.Mapping) == 0 || s.Clusters < 2 || s.Classes < 2 {
			continue
		}
		if want := nmiDirect(pred, truth); !near(s.NMI, want, 1e-12) {
			t.Errorf("trial %d: NMI %.15g, direct %.15g", trial, s.NMI, want)
		}
		if want := ariPairs(pred, truth); !near(s.ARI, want, 1e-12) {
			t.Errorf("trial %d: ARI %.15g, pair count %.15g", trial, s.ARI, want)
		}
	}
}

// TestContingencyTable checks counts, label order and margins on a hand-counted example.
func TestContingencyTable(t *testing.T) {
	tab, err := Contingency([]int{5, 5, 2, 9, 2, 5}, []int{1, 0, 0, 1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 1}, {1, 2}, {0, 1}} // rows 2,5,9; cols 0,1
	if tab.N != 6 || len(tab.Counts) != 3 {
		t.Fatalf("table %+v", tab)
	}
	for i := range want {
		for j := range want[i] {
			if tab.Counts[i][j] != want[i][j] {
				t.Fatalf("counts %v, want %v", tab.Counts, want)
			}
		}
	}
	if got := tab.Clusters; got[0] != 2 || got[1] != 5 || got[2] != 9 {
		t.Errorf("clusters %v", got)
	}
	if got := tab.RowSums(); got[0] != 2 || got[1] != 3 || got[2] != 1 {
		t.Errorf("row sums %v", got)
	}
	if got := tab.ColSums(); got[0] != 2 || got[1] != 4 {
		t.Errorf("col sums %v", got)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 9))
	pred, truth := randLabels(r, 60000, 10), randLabels(r, 60000, 10)
	for b.Loop() {
		if _, err := Evaluate(pred, truth); err != nil {
			b.Fatal(err)
		}
	}
}
