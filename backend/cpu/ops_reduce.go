package cpu

import (
	"runtime"
	"slices"
)

// sumGrain is the minimum number of summed values per goroutine.
const sumGrain = 1 << 16

// sumBlockRows is the number of rows summed in the element type before the block's sum is added to
// the float64 accumulators.
const sumBlockRows = 32

// isLeadingAxes reports whether axes (in any order) are exactly 0, 1, …, len(axes)−1.
func isLeadingAxes(axes []int) bool {
	s := slices.Clone(axes)
	slices.Sort(s)
	for i, a := range s {
		if a != i {
			return false
		}
	}
	return true
}

// sumLeading writes o[k] = Σ_r x[r·C + k] for k < C = len(o) and r < len(x)/C: the sum of a
// row-major tensor over its leading axes.
//
// The rows are viewed as super-rows of L = C·m values (m = ⌈64/C⌉ rows each, so that the inner
// loops are long even for small C) and split into contiguous ranges, one per goroutine. Each
// goroutine adds its super-rows four at a time into a block accumulator of the element type,
// which is added to float64 accumulators every sumBlockRows super-rows. The per-goroutine float64
// sums are folded onto the C outputs and combined in range order, so the result does not depend on
// scheduling.
func sumLeading[T floatT](o, x []T) {
	c := len(o)
	if c == 0 {
		return
	}
	rows := len(x) / c
	m := max(1, (sumRowLen+c-1)/c)
	l := c * m
	super := rows / m
	parts := make([][]float64, runtime.GOMAXPROCS(0))
	used := parallelParts(super, max(1, sumGrain/l), func(w, lo, hi int) {
		acc := make([]float64, l)
		blk := make([]T, l)
		for s := lo; s < hi; s += sumBlockRows {
			e := min(hi, s+sumBlockRows)
			clear(blk)
			addRows(blk, x[s*l:e*l])
			for k, v := range blk {
				acc[k] += float64(v)
			}
		}
		parts[w] = acc
	})
	res := make([]float64, c)
	for w := 0; w < used; w++ {
		for j, v := range parts[w] {
			res[j%c] += v
		}
	}
	for r := super * m; r < rows; r++ {
		for k, v := range x[r*c : (r+1)*c] {
			res[k] += float64(v)
		}
	}
	for k, v := range res {
		o[k] = T(v)
	}
}

// addRows adds the consecutive rows of x (each len(acc) long) into acc, four rows per pass.
func addRows[T floatT](acc, x []T) {
	l := len(acc)
	n := len(x) / l
	r := 0
	for ; r+4 <= n; r += 4 {
		a := x[r*l : (r+1)*l]
		b := x[(r+1)*l : (r+2)*l]
		c := x[(r+2)*l : (r+3)*l]
		d := x[(r+3)*l : (r+4)*l]
		a, b, c, d = a[:len(acc)], b[:len(acc)], c[:len(acc)], d[:len(acc)]
		if acc32, ok := any(acc).([]float32); ok {
			if k := simdLen(l); k == l {
				addRows4F32(p32(acc32), p32(any(a).([]float32)), p32(any(b).([]float32)), p32(any(c).([]float32)),
					p32(any(d).([]float32)), k)
				continue
			}
		}
		for k := range acc {
			acc[k] += (a[k] + b[k]) + (c[k] + d[k])
		}
	}
	for ; r < n; r++ {
		a := x[r*l : (r+1)*l]
		a = a[:len(acc)]
		for k := range acc {
			acc[k] += a[k]
		}
	}
}

// sumRowLen is the minimum super-row length of sumLeading.
var sumRowLen = 64
