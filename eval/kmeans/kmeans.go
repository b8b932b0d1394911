// Package kmeans clusters points with Lloyd's k-means algorithm, seeded with greedy k-means++,
// restarted several times keeping the lowest inertia, in the manner of scikit-learn's KMeans
// (the k-means baseline of the deep-clustering literature).
//
// The objective is the inertia J = Σ_i ‖x_i − c_{l_i}‖². One Lloyd iteration assigns every point
// to its nearest center, l_i = argmin_k ‖x_i − c_k‖², then moves every center to the mean of its
// points, c_k = (1/|C_k|) Σ_{i∈C_k} x_i; neither step can increase J. Squared distances are
// computed as ‖x‖² − 2 x·c + ‖c‖², with the dot products as one matrix product X·Cᵀ in the
// precision of the input (package backend/blas: Go AVX2/FMA kernels, or OpenBLAS); the final
// inertia is recomputed directly in float64.
//
// Stopping follows scikit-learn: a restart ends when no label changes, when the squared center
// shift Σ_k ‖Δc_k‖² falls to Tol times the mean per-feature variance of the data, or after
// MaxIter iterations; a cluster that becomes empty is moved to the point farthest from its
// center.
package kmeans

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/cct-dev/cct/backend/blas"
)

// Float is the feature element type.
type Float interface{ float32 | float64 }

// Options configures Fit. Zero fields take the defaults in brackets.
type Options struct {
	NInit   int     // restarts from independent k-means++ seeds; the lowest inertia is kept [10]
	MaxIter int     // Lloyd iterations per restart [300]
	Tol     float64 // stop when Σ_k ‖Δc_k‖² ≤ Tol · mean per-feature variance [1e-4]; < 0: only when labels stop changing
	Seed    uint64  // seed of the random generator; the same seed gives the same result
	Workers int     // goroutines for the per-point passes [GOMAXPROCS]
}

// Defaults of Options' zero fields, as in scikit-learn.
const (
	DefaultNInit   = 10
	DefaultMaxIter = 300
	DefaultTol     = 1e-4
)

// Result is the best clustering found.
type Result struct {
	Labels    []int     // cluster of each point, in 0..K−1
	Centers   []float64 // K×D, row-major
	Inertia   float64   // Σ_i ‖x_i − c_{l_i}‖², computed directly in float64
	Iters     int       // Lloyd iterations of the kept restart
	Converged bool      // whether the kept restart met the stopping rule before MaxIter
	// History holds, for the kept restart, the inertia after each assignment step (from the
	// expanded distances); it is non-increasing up to rounding.
	History []float64
	Restart int // index of the kept restart
}

// Fit clusters the n points of dimension d stored row-major in x (len(x) = n·d) into k clusters.
// It returns an error when the sizes are inconsistent, k > n, or x has a NaN or infinity.
func Fit[T Float](x []T, n, d, k int, opt Options) (*Result, error) {
	switch {
	case n <= 0 || d <= 0:
		return nil, fmt.Errorf("kmeans: need n > 0 points of d > 0 features, got n=%d d=%d", n, d)
	case len(x) != n*d:
		return nil, fmt.Errorf("kmeans: len(x) = %d, want n·d = %d·%d = %d", len(x), n, d, n*d)
	case k <= 0 || k > n:
		return nil, fmt.Errorf("kmeans: k = %d clusters needs 1 ≤ k ≤ n = %d", k, n)
	case opt.NInit < 0 || opt.MaxIter < 0 || opt.Workers < 0:
		return nil, errors.New("kmeans: NInit, MaxIter and Workers must not be negative")
	}
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("kmeans: feature %d of point %d is %v", i%d, i/d, f)
		}
	}
	if opt.NInit == 0 {
		opt.NInit = DefaultNInit
	}
	if opt.MaxIter == 0 {
		opt.MaxIter = DefaultMaxIter
	}
	if opt.Tol == 0 {
		opt.Tol = DefaultTol
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	s := newState(x, n, d, k, opt.Workers)
	tolAbs := 0.0
	if opt.Tol > 0 {
		tolAbs = opt.Tol * meanVariance(x, n, d)
	}
	var best *Result
	for r := range opt.NInit {
		rng := rand.New(rand.NewPCG(opt.Seed, uint64(r)))
		res := s.lloyd(s.plusPlus(rng), opt.MaxIter, tolAbs)
		res.Restart = r
		if best == nil || res.Inertia < best.Inertia {
			best = res
		}
	}
	return best, nil
}

// state holds the data and scratch buffers shared by the restarts.
type state[T Float] struct {
	x          []T
	n, d, k    int
	workers    int
	xx         []float64 // ‖x_i‖²
	dots       []T       // n × max(k, trials) products
	centersT   []T       // centers in the input precision, for the products
	dist, cand []float64 // scratch per point
}

func newState[T Float](x []T, n, d, k, workers int) *state[T] {
	s := &state[T]{x: x, n: n, d: d, k: k, workers: workers}
	s.xx = make([]float64, n)
	s.parallel(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			s.xx[i] = sqNorm(x[i*d : (i+1)*d])
		}
	})
	s.dots = make([]T, n*max(k, trials(k)))
	s.centersT = make([]T, max(k, trials(k))*d)
	s.dist = make([]float64, n)
	s.cand = make([]float64, n*trials(k))
	return s
}

// trials is the number of candidates greedy k-means++ draws per center, 2 + ⌊ln k⌋.
func trials(k int) int { return 2 + int(math.Log(float64(k))) }

// parallel runs f(j, lo, hi) over [0, n) split into at most s.workers contiguous ranges; j is
// the range's index.
func (s *state[T]) parallel(n int, f func(j, lo, hi int)) {
	w := min(s.workers, max(1, n/64))
	if w <= 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for j := range w {
		lo, hi := j*n/w, (j+1)*n/w
		wg.Go(func() { f(j, lo, hi) })
	}
	wg.Wait()
}

// products sets dots[i·m + j] = x_i · c_j for the m centers in cs (m×d, row-major), as the
// matrix product X·Cᵀ in the input precision.
func (s *state[T]) products(cs []T, m int) {
	blas.Gemm(false, true, s.n, m, s.d, 1, s.x, s.d, cs, s.d, 0, s.dots[:s.n*m], m)
}

// plusPlus chooses k initial centers by greedy k-means++ (Arthur & Vassilvitskii 2007, with
// scikit-learn's local trials): the first center is a uniformly random point; each next one is
// the best, by resulting potential Σ_i min_c ‖x_i − c‖², of trials(k) points drawn with
// probability proportional to their squared distance to the nearest chosen center.
func (s *state[T]) plusPlus(rng *rand.Rand) []float64 {
	n, d, k := s.n, s.d, s.k
	centers := make([]float64, k*d)
	first := rng.IntN(n)
	s.setCenter(centers, 0, first)
	s.candidateDistances([]int{first})
	copy(s.dist, s.cand[:n])
	pot := sum(s.dist)
	nt := trials(k)
	ids := make([]int, nt)
	cum := make([]float64, n)
	for c := 1; c < k; c++ {
		var acc float64
		for i, v := range s.dist {
			acc += v
			cum[i] = acc
		}
		for t := range ids {
			if pot <= 0 {
				ids[t] = rng.IntN(n) // every point coincides with a center
				continue
			}
			r := rng.Float64() * acc
			i, _ := slices.BinarySearch(cum, r)
			ids[t] = min(i, n-1)
		}
		s.candidateDistances(ids)
		bestT, bestPot := 0, math.Inf(1)
		for t := range ids {
			row := s.cand[t*n : (t+1)*n]
			var p float64
			for i, v := range row {
				p += min(v, s.dist[i])
			}
			if p < bestPot {
				bestT, bestPot = t, p
			}
		}
		row := s.cand[bestT*n : (bestT+1)*n]
		for i, v := range row {
			s.dist[i] = min(v, s.dist[i])
		}
		pot = bestPot
		s.setCenter(centers, c, ids[bestT])
	}
	return centers
}

func (s *state[T]) setCenter(centers []float64, c, point int) {
	for t, v := range s.x[point*s.d : (point+1)*s.d] {
		centers[c*s.d+t] = float64(v)
	}
}

// candidateDistances sets cand[t·n + i] = ‖x_i − x_{ids[t]}‖² (clamped at 0).
func (s *state[T]) candidateDistances(ids []int) {
	m, d, n := len(ids), s.d, s.n
	for t, id := range ids {
		copy(s.centersT[t*d:(t+1)*d], s.x[id*d:(id+1)*d])
	}
	s.products(s.centersT[:m*d], m)
	s.parallel(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			for t, id := range ids {
				s.cand[t*n+i] = max(0, s.xx[i]+s.xx[id]-2*float64(s.dots[i*m+t]))
			}
		}
	})
}

// assign sets labels[i] to the nearest center and dist[i] to its squared distance, and returns
// Σ dist and whether any label changed.
func (s *state[T]) assign(centers []float64, labels []int) (float64, bool) {
	n, d, k := s.n, s.d, s.k
	cc := make([]float64, k)
	for c := range k {
		for t := range d {
			s.centersT[c*d+t] = T(centers[c*d+t])
		}
		cc[c] = sqNorm(s.centersT[c*d : (c+1)*d])
	}
	s.products(s.centersT[:k*d], k)
	changed := make([]bool, s.workers)
	s.parallel(n, func(j, lo, hi int) {
		for i := lo; i < hi; i++ {
			best, bd := 0, math.Inf(1)
			for c := range k {
				if v := cc[c] - 2*float64(s.dots[i*k+c]); v < bd {
					best, bd = c, v
				}
			}
			s.dist[i] = max(0, s.xx[i]+bd)
			if labels[i] != best {
				labels[i] = best
				changed[j] = true
			}
		}
	})
	// Summed in point order so that the value does not depend on the number of workers.
	return sum(s.dist), slices.Contains(changed, true)
}

// update moves each center to the mean of its points and returns Σ_k ‖c_k,new − c_k,old‖².
// A cluster left empty takes the point farthest from its center (among clusters with more
// than one point), which then leaves its old cluster, as scikit-learn does.
func (s *state[T]) update(centers []float64, labels []int) float64 {
	n, d, k := s.n, s.d, s.k
	counts := make([]int, k)
	for _, l := range labels {
		counts[l]++
	}
	if slices.Contains(counts, 0) {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return -cmpFloat(s.dist[a], s.dist[b]) })
		next := 0
		for c := range k {
			if counts[c] > 0 {
				continue
			}
			for next < n && counts[labels[order[next]]] <= 1 {
				next++
			}
			if next == n {
				break
			}
			i := order[next]
			next++
			counts[labels[i]]--
			labels[i] = c
			counts[c] = 1
			s.dist[i] = 0
		}
	}
	sums := make([]float64, k*d)
	// Parallel over feature ranges: each worker owns whole columns of sums, so the result does
	// not depend on the number of workers.
	w := min(s.workers, d)
	var wg sync.WaitGroup
	for j := range w {
		lo, hi := j*d/w, (j+1)*d/w
		wg.Go(func() {
			for i, l := range labels {
				row := s.x[i*d : (i+1)*d]
				dst := sums[l*d : (l+1)*d]
				for t := lo; t < hi; t++ {
					dst[t] += float64(row[t])
				}
			}
		})
	}
	wg.Wait()
	var shift float64
	for c := range k {
		if counts[c] == 0 {
			continue // only when every point sits on its center; keep the old center
		}
		inv := 1 / float64(counts[c])
		for t := range d {
			v := sums[c*d+t] * inv
			delta := v - centers[c*d+t]
			shift += delta * delta
			centers[c*d+t] = v
		}
	}
	return shift
}

// lloyd runs Lloyd iterations from the given centers.
func (s *state[T]) lloyd(centers []float64, maxIter int, tolAbs float64) *Result {
	labels := make([]int, s.n)
	for i := range labels {
		labels[i] = -1
	}
	res := &Result{Labels: labels, Centers: centers}
	stale := false // whether centers moved after the last assignment
	for it := range maxIter {
		inertia, changed := s.assign(centers, labels)
		res.History = append(res.History, inertia)
		res.Iters = it + 1
		stale = false
		if it > 0 && !changed {
			res.Converged = true
			break
		}
		shift := s.update(centers, labels)
		stale = true
		if shift <= tolAbs {
			res.Converged = true
			break
		}
	}
	if stale {
		inertia, _ := s.assign(centers, labels)
		res.History = append(res.History, inertia)
	}
	res.Inertia = Inertia(s.x, s.d, centers, labels)
	return res
}

// Inertia returns Σ_i ‖x_i − c_{labels[i]}‖² for row-major points x (n×d) and centers (K×d).
func Inertia[T Float](x []T, d int, centers []float64, labels []int) float64 {
	var tot float64
	for i, l := range labels {
		row, c := x[i*d:(i+1)*d], centers[l*d:(l+1)*d]
		for t, v := range row {
			e := float64(v) - c[t]
			tot += e * e
		}
	}
	return tot
}

// meanVariance returns (1/d) Σ_t Var(x_·t), the scale of scikit-learn's relative tolerance.
func meanVariance[T Float](x []T, n, d int) float64 {
	mean := make([]float64, d)
	for i := range n {
		for t, v := range x[i*d : (i+1)*d] {
			mean[t] += float64(v)
		}
	}
	for t := range mean {
		mean[t] /= float64(n)
	}
	var v float64
	for i := range n {
		for t, e := range x[i*d : (i+1)*d] {
			dv := float64(e) - mean[t]
			v += dv * dv
		}
	}
	return v / float64(n) / float64(d)
}

func sqNorm[T Float](v []T) float64 {
	var s float64
	for _, e := range v {
		s += float64(e) * float64(e)
	}
	return s
}

func sum(v []float64) float64 {
	var s float64
	for _, e := range v {
		s += e
	}
	return s
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
