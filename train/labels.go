package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Every random choice of the trainer is a function of the run's seed and of a purpose-specific
// stream number (and the epoch where it changes per epoch), never of the order work happened in, so
// that a resumed run repeats an uninterrupted one.
const (
	streamSubset = 2 // data.subset
	streamSeeds  = 3 // labelled examples of weak supervision
	streamNoise  = 4 // noisy soft labels
	streamAug    = 5 // data order and augmentation (mixed with the epoch by package augment)
)

// newRand returns the generator of one stream of a run.
func newRand(seed int64, stream, epoch int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(stream)<<40|uint64(epoch)))
}

// batchCount is the number of optimiser steps of an epoch: the last, incomplete batch is dropped
// when there is more than one batch, so that every training step has the same shape.
func batchCount(n, batch int) int {
	if n <= batch {
		return 1
	}
	return n / batch
}

// randomSubset returns m distinct indices of 0..n-1 in increasing order, chosen by the seed.
func randomSubset(seed int64, n, m int) []int {
	perm := newRand(seed, streamSubset, 0).Perm(n)[:m]
	mark := make([]bool, n)
	for _, i := range perm {
		mark[i] = true
	}
	out := make([]int, 0, m)
	for i, ok := range mark {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// seedMask marks round(fraction·n) examples, chosen by the seed among those with a known label,
// as labelled (weak supervision, Table 5).
func seedMask(seed int64, labels []int, fraction float64) ([]bool, int, error) {
	var known []int
	for i, l := range labels {
		if l >= 0 {
			known = append(known, i)
		}
	}
	m := int(math.Round(fraction * float64(len(labels))))
	if m > len(known) {
		return nil, 0, fmt.Errorf("key seeds.fraction: %g of %d examples needs %d labels, only %d are known", fraction, len(labels), m, len(known))
	}
	r := newRand(seed, streamSeeds, 0)
	r.Shuffle(len(known), func(i, j int) { known[i], known[j] = known[j], known[i] })
	mask := make([]bool, len(labels))
	for _, i := range known[:m] {
		mask[i] = true
	}
	return mask, m, nil
}

// noisyLabels returns the N×K soft labels of Figure 2's noise model (the paper does not state it;
// this is the project's choice): example i keeps its one-hot label e_{label_i} with probability
// 1−η, and otherwise gets
//
//	uniform false (labels.replace_with: dirichlet): y ~ Dirichlet(1_K), drawn as normalised
//	                    independent Exp(1) variables;
//	uniform true  (labels.replace_with: uniform):   y = 1_K/K, the label that carries no class
//	                    information (the collision CE's gradient σ − σ⊙y/(σᵀy) is then exactly 0,
//	                    Shannon CE's is σ − y).
//
// Which examples are replaced depends only on the seed and η, not on uniform. It also returns how
// many labels were replaced.
func noisyLabels(seed int64, labels []int, k int, eta float64, uniform bool) ([]float64, int, error) {
	r := newRand(seed, streamNoise, 0)
	y := make([]float64, len(labels)*k)
	replaced := 0
	for i, l := range labels {
		if l < 0 || l >= k {
			return nil, 0, fmt.Errorf("example %d has label %d; supervised training needs labels in 0..%d", i, l, k-1)
		}
		row := y[i*k : (i+1)*k]
		if r.Float64() >= eta {
			row[l] = 1
			continue
		}
		replaced++
		// The Dirichlet draw is made for both models so that the same examples are replaced.
		var sum float64
		for j := range row {
			row[j] = r.ExpFloat64()
			sum += row[j]
		}
		if uniform {
			sum = float64(k)
			for j := range row {
				row[j] = 1
			}
		}
		for j := range row {
			row[j] /= sum
		}
	}
	return y, replaced, nil
}

// selaSchedule returns the global steps, increasing and distinct, at which SeLa recomputes its
// labels: t_j = ⌊T·(j/R)²⌋ for j = 0..R−1 with T total steps and R refreshes, a quadratic
// schedule that refreshes often early and rarely late. Collisions at the start (when R² > T) are
// dropped, so fewer than R refreshes happen on short runs.
func selaSchedule(totalSteps, refreshes int) []int {
	var out []int
	for j := 0; j < refreshes; j++ {
		f := float64(j) / float64(refreshes)
		t := int(math.Floor(float64(totalSteps) * f * f))
		if len(out) == 0 || t > out[len(out)-1] {
			out = append(out, t)
		}
	}
	return out
}
