// Package nclusters chooses the number of clusters K of unlabeled data without labels: K is the
// number of communities that maximise the Newman–Girvan modularity of a k-nearest-neighbour graph
// of the data (Louvain's method, Blondel et al. 2008, at resolution 1, as PhenoGraph and
// Seurat/Scanpy find cell types), not counting communities of fewer than 1% of the points.
//
// Steps, on at most Options.Sample points drawn without replacement (seeded):
//
//  1. Centre the points and project them on their first Options.Dims principal components
//     (randomised range finder with two power iterations, then an exact SVD of the small
//     projected matrix); features with fewer dimensions are only centred.
//  2. Build the symmetric k-nearest-neighbour graph G (Euclidean, k = Options.Neighbours): an
//     edge i–j when j is among the k nearest points of i or i among those of j.
//  3. Modularity of a partition of G: Q = Σ_c [ e_c/m − (d_c/2m)² ], with m the number of
//     edges, e_c the edges inside community c and d_c the sum of the degrees of its points: the
//     fraction of edges inside communities minus its expectation under random rewiring with the
//     same degrees. Splitting a group that the graph already separates raises Q, splitting a
//     dense group cuts edges and lowers it, so the partition of largest Q has as many parts as
//     the graph has groups, with no K given.
//  4. Maximise Q over all partitions with Louvain (gonum's community.Modularize), Options.Restarts
//     times with different seeds. Each run's K is its number of communities holding at least 1%
//     of the points (smaller ones are stray points, not groups worth a cluster); the choice is
//     the median of these K (the runs' partitions differ in Q by less than the spread between
//     runs, so the K of the single largest Q would be a noisy pick), clamped to KMin..KMax.
//
// For the plot, the curve Q(K) of k-means partitions (k-means++, one start, Restarts seeds
// averaged) is computed for every K in KMin..KMax on the same graph: it shows how much of the
// modularity each K can reach with centroid clusters, next to the Louvain partition's Q.
//
// Known bias: modularity cannot resolve communities with fewer edges than about √(2m) (the
// resolution limit of Fortunato and Barthélemy), so on very many small groups K comes out low.
//
// The cost is one n×n distance product for the graph, the Louvain runs (about a second each for
// n = 4000) and Σ_K of k-means on n×Dims: a few seconds for n = 4000 on 2 cores.
package nclusters

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cct-dev/cct/backend/blas"
	"github.com/cct-dev/cct/data/pca"
	"github.com/cct-dev/cct/eval/kmeans"
	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/stat"
)

// Options configures Choose. Zero fields take the defaults in brackets.
type Options struct {
	KMin, KMax int // range of K tried [2, 30]
	Sample     int // points used at most [4000]
	Dims       int // principal components kept [50]
	Neighbours int // k of the nearest-neighbour graph [10]
	Restarts   int // Louvain runs (seeds), and k-means runs per K of the curve [9]
	Seed       uint64
	Progress   func(k int) // called after each K, when not nil
}

// Result is the choice and the curve.
type Result struct {
	K           int       // the chosen number of clusters
	LouvainKs   []int     // K (communities of at least 1% of the points) of each Louvain run
	Communities []int     // community sizes, largest first, of the run of largest Q among those of the median K
	LouvainQ    float64   // modularity of that run's partition
	Ks          []int     // the K of the k-means curve
	Q           []float64 // mean modularity of each K's k-means partitions
	SD          []float64 // standard deviation of each K's Q over the k-means restarts
	ArgMax      int       // K with the largest k-means Q
	N, Dims     int       // points and dimensions the criterion ran on
}

// minShare is the smallest share of the points a Louvain community needs to count as a cluster.
const minShare = 0.01

func (o Options) withDefaults() Options {
	if o.KMin <= 0 {
		o.KMin = 2
	}
	if o.KMax <= 0 {
		o.KMax = 30
	}
	if o.Sample <= 0 {
		o.Sample = 4000
	}
	if o.Dims <= 0 {
		o.Dims = 50
	}
	if o.Neighbours <= 0 {
		o.Neighbours = 10
	}
	if o.Restarts <= 1 {
		o.Restarts = 9
	}
	return o
}

// Choose picks K for the n points of dimension d in x (row-major, len n·d); see the package
// comment.
func Choose(x []float32, n, d int, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	switch {
	case len(x) != n*d || n <= 0 || d <= 0:
		return nil, fmt.Errorf("nclusters: %d values for %d points of %d dimensions", len(x), n, d)
	case opt.KMin < 2 || opt.KMax < opt.KMin:
		return nil, fmt.Errorf("nclusters: range %d..%d, want 2 ≤ min ≤ max", opt.KMin, opt.KMax)
	case n < 2*opt.KMax:
		return nil, fmt.Errorf("nclusters: %d points are too few to choose among up to %d clusters (need at least %d)", n, opt.KMax, 2*opt.KMax)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6e636c))
	idx := rng.Perm(n)[:min(n, opt.Sample)]
	slices.Sort(idx)
	m := len(idx)
	pts := make([]float64, m*d)
	for r, i := range idx {
		for j := range d {
			pts[r*d+j] = float64(x[i*d+j])
		}
	}
	z, dims := Project(pts, m, d, opt.Dims, rng)
	graph := KNNGraph(z, m, dims, opt.Neighbours)
	res := &Result{N: m, Dims: dims}
	for k := opt.KMin; k <= opt.KMax; k++ {
		qs := make([]float64, opt.Restarts)
		for r := range opt.Restarts {
			km, err := kmeans.Fit(z, m, dims, k, kmeans.Options{NInit: 1, Seed: opt.Seed + uint64(1000*k+r)})
			if err != nil {
				return nil, fmt.Errorf("nclusters: %v", err)
			}
			qs[r] = Modularity(graph, km.Labels)
		}
		mean, sd := stat.MeanStdDev(qs, nil)
		res.Ks = append(res.Ks, k)
		res.Q = append(res.Q, mean)
		res.SD = append(res.SD, sd)
		if opt.Progress != nil {
			opt.Progress(k)
		}
	}
	best := 0
	for i, q := range res.Q {
		if q > res.Q[best] {
			best = i
		}
	}
	res.ArgMax = res.Ks[best]
	louvain(res, graph, opt)
	return res, nil
}

// louvain runs Louvain's method on g opt.Restarts times and sets res.LouvainKs, res.K (their
// median), Communities and LouvainQ.
func louvain(res *Result, g Graph, opt Options) {
	ug := simple.NewUndirectedGraph()
	for i := range g {
		ug.AddNode(simple.Node(int64(i)))
	}
	for i, adj := range g {
		for _, j := range adj {
			if j > i {
				ug.SetEdge(ug.NewEdge(simple.Node(int64(i)), simple.Node(int64(j))))
			}
		}
	}
	minSize := int(math.Ceil(minShare * float64(len(g))))
	sizes := make([][]int, opt.Restarts)
	qs := make([]float64, opt.Restarts)
	for r := range opt.Restarts {
		parts := community.Modularize(ug, 1, rand.New(rand.NewPCG(opt.Seed, uint64(r)+0x6c76))).Communities()
		qs[r] = community.Q(ug, parts, 1)
		for _, p := range parts {
			sizes[r] = append(sizes[r], len(p))
		}
		slices.SortFunc(sizes[r], func(a, b int) int { return b - a })
		k := 0
		for _, s := range sizes[r] {
			if s >= minSize {
				k++
			}
		}
		res.LouvainKs = append(res.LouvainKs, k)
	}
	ks := slices.Sorted(slices.Values(res.LouvainKs))
	median := ks[(len(ks)-1)/2]
	res.K = min(max(median, opt.KMin), opt.KMax)
	res.LouvainQ = math.Inf(-1)
	for r, k := range res.LouvainKs {
		if k == median && qs[r] > res.LouvainQ {
			res.LouvainQ, res.Communities = qs[r], sizes[r]
		}
	}
}

// Project centres the m×d points and returns their coordinates on the first dims principal
// components (m×dims, row-major; package pca). When d ≤ dims or m ≤ dims the centred points are
// returned as they are.
func Project(x []float64, m, d, dims int, rng *rand.Rand) ([]float64, int) {
	c, _ := pca.Centre(x, m, d)
	if d <= dims || m <= dims {
		return c, d
	}
	b, err := pca.Fit(x, m, d, dims, rng)
	if err != nil {
		return c, d // no factorisation: keep the centred points
	}
	return b.Project(x, m), dims
}

// Graph is an undirected graph as sorted adjacency lists.
type Graph [][]int

// Edges returns the number of edges.
func (g Graph) Edges() int {
	s := 0
	for _, a := range g {
		s += len(a)
	}
	return s / 2
}

// KNNGraph returns the symmetric k-nearest-neighbour graph of the m points of dimension d in z:
// i–j is an edge when j is among the k points nearest to i (Euclidean, ties by index, i itself
// excluded) or i among those of j. Squared distances are ‖z_i‖² + ‖z_j‖² − 2 z_i·z_j, the
// products as one matrix product.
func KNNGraph(z []float64, m, d, k int) Graph {
	k = min(k, m-1)
	norms := make([]float64, m)
	for i := range m {
		for _, v := range z[i*d : (i+1)*d] {
			norms[i] += v * v
		}
	}
	sets := make([]map[int]bool, m)
	for i := range sets {
		sets[i] = map[int]bool{}
	}
	const block = 512
	dots := make([]float64, block*m)
	order := make([]int, m)
	dist := make([]float64, m)
	for lo := 0; lo < m; lo += block {
		hi := min(lo+block, m)
		blas.Gemm(false, true, hi-lo, m, d, 1, z[lo*d:], d, z, d, 0, dots, m)
		for i := lo; i < hi; i++ {
			row := dots[(i-lo)*m : (i-lo+1)*m]
			for j := range m {
				dist[j] = norms[i] + norms[j] - 2*row[j]
				order[j] = j
			}
			dist[i] = math.Inf(1)
			slices.SortFunc(order, func(a, b int) int {
				if dist[a] != dist[b] {
					if dist[a] < dist[b] {
						return -1
					}
					return 1
				}
				return a - b
			})
			for _, j := range order[:k] {
				sets[i][j], sets[j][i] = true, true
			}
		}
	}
	g := make(Graph, m)
	for i, s := range sets {
		for j := range s {
			g[i] = append(g[i], j)
		}
		slices.Sort(g[i])
	}
	return g
}

// Modularity is the Newman–Girvan modularity of the partition labels on g,
// Q = Σ_c [ e_c/m − (d_c/2m)² ]: e_c edges inside cluster c, d_c the degree sum of its vertices,
// m edges in all. It is 0 for a graph without edges.
func Modularity(g Graph, labels []int) float64 {
	if len(labels) != len(g) {
		panic(errors.New("nclusters: one label per vertex"))
	}
	k := 0
	for _, l := range labels {
		k = max(k, l+1)
	}
	inside := make([]float64, k)
	degree := make([]float64, k)
	for i, adj := range g {
		degree[labels[i]] += float64(len(adj))
		for _, j := range adj {
			if labels[j] == labels[i] {
				inside[labels[i]] += 0.5 // each inside edge is seen from both ends
			}
		}
	}
	m := float64(g.Edges())
	if m == 0 {
		return 0
	}
	q := 0.0
	for c := range k {
		q += inside[c]/m - (degree[c]/(2*m))*(degree[c]/(2*m))
	}
	return q
}

// NormalizedModularity is Q divided by its largest value for the same cluster degree sums,
// Q / (1 − Σ_c (d_c/2m)²): the share of the edges inside clusters beyond chance, relative to a
// partition that keeps every edge inside (as Cohen's κ for agreement). It is 1 when no edge
// crosses clusters, whatever their number, where Q itself cannot exceed 1 − 1/K.
func NormalizedModularity(g Graph, labels []int) float64 {
	k := 0
	for _, l := range labels {
		k = max(k, l+1)
	}
	degree := make([]float64, k)
	for i, adj := range g {
		degree[labels[i]] += float64(len(adj))
	}
	m2 := 2 * float64(g.Edges())
	expected := 0.0
	for _, d := range degree {
		expected += (d / m2) * (d / m2)
	}
	if m2 == 0 || expected >= 1 {
		return 0
	}
	return Modularity(g, labels) / (1 - expected)
}
