package cpu

import (
	"slices"

	"github.com/cct-dev/cct/backend/blas"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	register(backends.OpTypeDotGeneral, execDotGeneral)
	register(opFusedDot, execFusedDot)
}

// GemmName describes the matrix-product implementation in use, e.g. "openblas (libopenblas.so.0)".
func GemmName() string { return blas.Name() }

func execDotGeneral(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(dotParams)
	return dotGeneral(b, n, ins[0], ins[1], p)
}

// dotGeneral computes out[batch..., lhsFree..., rhsFree...] = Σ_contract lhs·rhs as one GEMM per batch
// element, transposing an operand only when its axes are not already in a GEMM-compatible order.
func dotGeneral(b *Backend, n *node, lhs, rhs *Buffer, p dotParams) (*Buffer, error) {
	lFree := freeAxes(lhs.shape.Rank(), p.lhsBatch, p.lhsContract)
	rFree := freeAxes(rhs.shape.Rank(), p.rhsBatch, p.rhsContract)
	prod := func(dims []int, axes []int) int {
		s := 1
		for _, a := range axes {
			s *= dims[a]
		}
		return s
	}
	B := prod(lhs.shape.Dimensions, p.lhsBatch)
	M := prod(lhs.shape.Dimensions, lFree)
	K := prod(lhs.shape.Dimensions, p.lhsContract)
	N := prod(rhs.shape.Dimensions, rFree)
	outShape := shapes.Make(lhs.shape.DType, B*M*N)

	// lhs as [B, M, K] (no transpose) or [B, K, M] (transA).
	var transA, transB bool
	a := lhs
	if isIdentityPerm(concatInts(p.lhsBatch, lFree, p.lhsContract)) {
	} else if isIdentityPerm(concatInts(p.lhsBatch, p.lhsContract, lFree)) {
		transA = true
	} else {
		a = transposeFlat(b, lhs, concatInts(p.lhsBatch, lFree, p.lhsContract))
		defer b.release(a)
	}
	c := rhs
	if isIdentityPerm(concatInts(p.rhsBatch, p.rhsContract, rFree)) {
	} else if isIdentityPerm(concatInts(p.rhsBatch, rFree, p.rhsContract)) {
		transB = true
	} else {
		c = transposeFlat(b, rhs, concatInts(p.rhsBatch, p.rhsContract, rFree))
		defer b.release(c)
	}
	lda, ldb := K, N
	if transA {
		lda = M
	}
	if transB {
		ldb = K
	}
	out := b.newBuf(outShape)
	if n != nil {
		out.shape = n.shape
	}
	switch o := out.flat.(type) {
	case []float32:
		batchedGemm(transA, transB, B, M, N, K, a.flat.([]float32), lda, c.flat.([]float32), ldb, o)
	case []float64:
		batchedGemm(transA, transB, B, M, N, K, a.flat.([]float64), lda, c.flat.([]float64), ldb, o)
	case []int32:
		naiveBatchedDot(transA, transB, B, M, N, K, a.flat.([]int32), c.flat.([]int32), o)
	case []int64:
		naiveBatchedDot(transA, transB, B, M, N, K, a.flat.([]int64), c.flat.([]int64), o)
	default:
		b.release(out)
		return nil, unsupported(&node{op: backends.OpTypeDotGeneral}, lhs.shape.DType)
	}
	return out, nil
}

func batchedGemm[T blas.Float](transA, transB bool, B, M, N, K int, a []T, lda int, c []T, ldb int, o []T) {
	if M*N == 0 {
		return
	}
	if K == 0 {
		clear(o)
		return
	}
	for bi := 0; bi < B; bi++ {
		blas.Gemm(transA, transB, M, N, K, 1, a[bi*M*K:(bi+1)*M*K], lda, c[bi*K*N:(bi+1)*K*N], ldb, 0,
			o[bi*M*N:(bi+1)*M*N], N)
	}
}

func naiveBatchedDot[T numberT](transA, transB bool, B, M, N, K int, a, c, o []T) {
	for bi := 0; bi < B; bi++ {
		ab, cb, ob := a[bi*M*K:], c[bi*K*N:], o[bi*M*N:]
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var s T
				for k := 0; k < K; k++ {
					var x, y T
					if transA {
						x = ab[k*M+i]
					} else {
						x = ab[i*K+k]
					}
					if transB {
						y = cb[j*K+k]
					} else {
						y = cb[k*N+j]
					}
					s += x * y
				}
				ob[i*N+j] = s
			}
		}
	}
}

func freeAxes(rank int, lists ...[]int) []int {
	used := make([]bool, rank)
	for _, l := range lists {
		for _, a := range l {
			used[a] = true
		}
	}
	var free []int
	for a := 0; a < rank; a++ {
		if !used[a] {
			free = append(free, a)
		}
	}
	return free
}

func concatInts(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// fusedDotParams describes ReduceSum(Mul(a, b), axes) as a DotGeneral of a and b viewed without
// their broadcast (size-1) axes, followed by a transposition to the reduction's output order.
type fusedDotParams struct {
	aDims, bDims []int // the operands' dims with dropped size-1 axes removed
	dot          dotParams
	perm         []int // output transposition of the DotGeneral result; nil if identity
	dotDims      []int // dims of the DotGeneral result
}

// fuseDots rewrites ReduceSum(Mul(a, b)) into opFusedDot when a and b broadcast against each other
// (so that the product would be larger than both operands) and the Mul has no other user.
func fuseDots(pc *compilation) {
	reach := pc.reach
	uses := pc.uses()
	for r := range reach {
		if r.op != backends.OpTypeReduceSum || !r.shape.DType.IsFloat() {
			continue
		}
		m := r.inputs[0]
		if m.op != backends.OpTypeMul || uses[m] != 1 {
			continue
		}
		a, as := unbroadcast(m.inputs[0])
		c, cs := unbroadcast(m.inputs[1])
		if p, ok := planFusedDot(as, cs, m.shape, r.params.([]int)); ok {
			pc.stats.FusedDots++
			r.op = opFusedDot
			r.inputs = []*node{a, c}
			r.params = p
		}
	}
}

// unbroadcast looks through a BroadcastInDim that keeps the operand's axis order: it returns the
// operand and its shape at the broadcast's rank, with size 1 on the broadcast axes (same data).
func unbroadcast(x *node) (*node, shapes.Shape) {
	if x.op != backends.OpTypeBroadcastInDim {
		return x, x.shape
	}
	axes := x.params.([]int)
	for i := 1; i < len(axes); i++ {
		if axes[i] <= axes[i-1] {
			return x, x.shape
		}
	}
	in := x.inputs[0]
	dims := make([]int, x.shape.Rank())
	for i := range dims {
		dims[i] = 1
	}
	for i, a := range axes {
		dims[a] = in.shape.Dimensions[i]
	}
	return in, shapes.Make(in.shape.DType, dims...)
}

func planFusedDot(as, bs, ms shapes.Shape, redAxes []int) (fusedDotParams, bool) {
	var p fusedDotParams
	rank := ms.Rank()
	if as.Rank() != rank || bs.Rank() != rank || rank == 0 || ms.Size() <= max(as.Size(), bs.Size()) {
		return p, false
	}
	red := make([]bool, rank)
	for _, a := range redAxes {
		red[a] = true
	}
	const (
		drop = iota
		batch
		contract
		aFree
		bFree
	)
	kind := make([]int, rank)
	for i := 0; i < rank; i++ {
		da, db := as.Dimensions[i], bs.Dimensions[i]
		switch {
		case da == db && da == 1:
			kind[i] = drop
		case da == db && red[i]:
			kind[i] = contract
		case da == db:
			kind[i] = batch
		case db == 1 && !red[i]:
			kind[i] = aFree
		case da == 1 && !red[i]:
			kind[i] = bFree
		default:
			return p, false
		}
	}
	// Positions of the kept axes in the operands' views.
	aPos := make([]int, rank)
	bPos := make([]int, rank)
	for i := 0; i < rank; i++ {
		aPos[i], bPos[i] = -1, -1
		switch kind[i] {
		case batch, contract:
			aPos[i] = len(p.aDims)
			p.aDims = append(p.aDims, as.Dimensions[i])
			bPos[i] = len(p.bDims)
			p.bDims = append(p.bDims, bs.Dimensions[i])
		case aFree:
			aPos[i] = len(p.aDims)
			p.aDims = append(p.aDims, as.Dimensions[i])
		case bFree:
			bPos[i] = len(p.bDims)
			p.bDims = append(p.bDims, bs.Dimensions[i])
		}
	}
	var dotOrder []int // original axis index of each DotGeneral output axis
	for i := 0; i < rank; i++ {
		switch kind[i] {
		case batch:
			p.dot.lhsBatch = append(p.dot.lhsBatch, aPos[i])
			p.dot.rhsBatch = append(p.dot.rhsBatch, bPos[i])
			dotOrder = append(dotOrder, i)
		case contract:
			p.dot.lhsContract = append(p.dot.lhsContract, aPos[i])
			p.dot.rhsContract = append(p.dot.rhsContract, bPos[i])
		}
	}
	for _, k := range []int{aFree, bFree} {
		for i := 0; i < rank; i++ {
			if kind[i] == k {
				dotOrder = append(dotOrder, i)
			}
		}
	}
	for _, i := range dotOrder {
		p.dotDims = append(p.dotDims, ms.Dimensions[i])
	}
	// Target: kept axes in ascending original order.
	sorted := slices.Clone(dotOrder)
	slices.Sort(sorted)
	p.perm = make([]int, len(sorted))
	for j, ax := range sorted {
		p.perm[j] = slices.Index(dotOrder, ax)
	}
	if isIdentityPerm(p.perm) {
		p.perm = nil
	}
	return p, true
}

func execFusedDot(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(fusedDotParams)
	a := &Buffer{shape: shapes.Make(ins[0].shape.DType, p.aDims...), flat: ins[0].flat}
	c := &Buffer{shape: shapes.Make(ins[1].shape.DType, p.bDims...), flat: ins[1].flat}
	out, err := dotGeneral(b, nil, a, c, p.dot)
	if err != nil {
		return nil, err
	}
	out.shape = shapes.Make(n.shape.DType, p.dotDims...)
	if p.perm != nil {
		t := transposeFlat(b, out, p.perm)
		b.release(out)
		out = t
	}
	out.shape = n.shape
	return out, nil
}
