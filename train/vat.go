package train

import (
	"container/heap"
	"fmt"
	"math"

	"github.com/cct-dev/cct/backend/blas"
)

// knnDistance returns, for each of the n rows of x (n×d, row-major), the Euclidean distance to its
// k-th nearest other row. Squared distances are ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j, with the products
// taken in blocks of rows by one matrix product each; the k smallest per row are kept in a heap.
// Rows that coincide count as neighbours at distance 0.
func knnDistance(x []float32, n, d, k int) ([]float32, error) {
	if k < 1 || k >= n {
		return nil, fmt.Errorf("the %d-th nearest neighbour needs more than %d examples", k, k)
	}
	sq := make([]float32, n)
	for i := range n {
		var s float32
		for _, v := range x[i*d : (i+1)*d] {
			s += v * v
		}
		sq[i] = s
	}
	const block = 256
	out := make([]float32, n)
	dots := make([]float32, block*n)
	for start := 0; start < n; start += block {
		m := min(block, n-start)
		blas.Sgemm(false, true, m, n, d, 1, x[start*d:], d, x, d, 0, dots, n)
		h := make(maxHeap, 0, k)
		for r := range m {
			i := start + r
			h = h[:0]
			for j, dot := range dots[r*n : (r+1)*n] {
				if j == i {
					continue
				}
				dist := max(sq[i]+sq[j]-2*dot, 0)
				if len(h) < k {
					heap.Push(&h, dist)
				} else if dist < h[0] {
					h[0] = dist
					heap.Fix(&h, 0)
				}
			}
			out[i] = float32(math.Sqrt(float64(h[0])))
		}
	}
	return out, nil
}

// maxHeap is a max-heap of float32 (the k smallest values seen, largest on top).
type maxHeap []float32

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(v any)        { *h = append(*h, v.(float32)) }
func (h *maxHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// vatRadii returns IMSAT's per-example VAT radius ε_i = scale × (distance from input i to its
// k-th nearest neighbour among the training inputs), computed once on the inputs the network sees
// (normalised, not augmented).
func vatRadii(in *inputs, scale float64, k int) ([]float32, error) {
	n := in.ds.N
	x := make([]float32, 0, n*in.size)
	err := in.forEachBatch(identity(n), 1000, false, false, 0, 0, func(_ []int, xb, _ []float32) error {
		x = append(x, xb...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	eps, err := knnDistance(x, n, in.size, k)
	if err != nil {
		return nil, fmt.Errorf("key imsat.eps_neighbor: %v", err)
	}
	for i := range eps {
		eps[i] *= float32(scale)
	}
	return eps, nil
}
