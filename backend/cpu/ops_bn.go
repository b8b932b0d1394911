package cpu

import (
	"math"
	"sync"

	"github.com/gomlx/gomlx/backends"
)

func init() {
	register(backends.OpTypeBatchNormForInference, execBatchNormInference)
	registerMulti(backends.OpTypeBatchNormForTraining, execBatchNormTraining)
	registerMulti(backends.OpTypeBatchNormGradient, execBatchNormGradient)
}

// bnLayout views the operand as [pre, C, post] around the feature axis.
func bnLayout(dims []int, axis int) (pre, c, post int) {
	pre, post = 1, 1
	for a := 0; a < axis; a++ {
		pre *= dims[a]
	}
	for a := axis + 1; a < len(dims); a++ {
		post *= dims[a]
	}
	return pre, dims[axis], post
}

// channelSums returns per-channel sums over the [pre, c, post] layout: with y == nil,
// s1 = Σ (x−shift_k) and s2 = Σ (x−shift_k)²; with y != nil, s1 = Σ y and s2 = Σ y·(x−shift_k). Sums are accumulated in float64, in parallel over pre.
func channelSums[T floatT](x, y []T, shift []float64, pre, c, post int) (s1, s2 []float64) {
	s1, s2 = make([]float64, c), make([]float64, c)
	var mu sync.Mutex
	parallelFor(pre, max(1, elemGrain/max(1, c*post)), func(lo, hi int) {
		a, q := make([]float64, c), make([]float64, c)
		for p := lo; p < hi; p++ {
			if post == 1 {
				row := x[p*c : (p+1)*c]
				if y == nil {
					for k, v := range row {
						d := float64(v) - shift[k]
						a[k] += d
						q[k] += d * d
					}
				} else {
					yr := y[p*c : (p+1)*c]
					for k, v := range row {
						g := float64(yr[k])
						a[k] += g
						q[k] += g * (float64(v) - shift[k])
					}
				}
				continue
			}
			for k := 0; k < c; k++ {
				base := (p*c + k) * post
				sh := shift[k]
				var sa, sq float64
				if y == nil {
					for _, v := range x[base : base+post] {
						d := float64(v) - sh
						sa += d
						sq += d * d
					}
				} else {
					yr := y[base : base+post]
					for i, v := range x[base : base+post] {
						g := float64(yr[i])
						sa += g
						sq += g * (float64(v) - sh)
					}
				}
				a[k] += sa
				q[k] += sq
			}
		}
		mu.Lock()
		for k := range s1 {
			s1[k] += a[k]
			s2[k] += q[k]
		}
		mu.Unlock()
	})
	return s1, s2
}

// bnTrainingT computes mean_c = E[x], var_c = E[(x−mean)²] over all axes but the feature axis and
// y = (x−mean)/sqrt(var+eps)·scale + offset.
func bnTrainingT[T floatT](x, scale, offset, y, mean, variance []T, pre, c, post int, eps float64) {
	n := float64(pre * post)
	if n == 0 {
		return
	}
	// One pass over x with the statistics shifted by a sample of each channel, which keeps
	// E[(x−s)²] − E[x−s]² accurate when |mean| ≫ std.
	shift := make([]float64, c)
	for k := range shift {
		shift[k] = float64(x[k*post])
	}
	s1, s2 := channelSums[T](x, nil, shift, pre, c, post)
	m := make([]float64, c)
	v := make([]float64, c)
	for k := range m {
		d := s1[k] / n
		m[k] = shift[k] + d
		v[k] = max(s2[k]/n-d*d, 0)
		mean[k], variance[k] = T(m[k]), T(v[k])
	}
	bnApply(x, scale, offset, y, m, v, pre, c, post, eps)
}

func bnApply[T floatT](x, scale, offset, y []T, m, v []float64, pre, c, post int, eps float64) {
	a := make([]T, c)
	bb := make([]T, c)
	for k := 0; k < c; k++ {
		r := 1 / math.Sqrt(v[k]+eps)
		a[k] = T(float64(scale[k]) * r)
		bb[k] = T(float64(offset[k]) - m[k]*float64(scale[k])*r)
	}
	parallelFor(pre, max(1, elemGrain/max(1, c*post)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			if post == 1 {
				xr, yr := x[p*c:(p+1)*c], y[p*c:(p+1)*c]
				for k := range yr {
					yr[k] = xr[k]*a[k] + bb[k]
				}
				continue
			}
			for k := 0; k < c; k++ {
				base := (p*c + k) * post
				for q := base; q < base+post; q++ {
					y[q] = x[q]*a[k] + bb[k]
				}
			}
		}
	})
}

func execBatchNormInference(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(bnParams)
	pre, c, post := bnLayout(n.shape.Dimensions, p.axis)
	out := b.newBuf(n.shape)
	switch y := out.flat.(type) {
	case []float32:
		bnApply(ins[0].flat.([]float32), ins[1].flat.([]float32), ins[2].flat.([]float32), y,
			toF64(ins[3].flat.([]float32)), toF64(ins[4].flat.([]float32)), pre, c, post, float64(p.epsilon))
	case []float64:
		bnApply(ins[0].flat.([]float64), ins[1].flat.([]float64), ins[2].flat.([]float64), y,
			toF64(ins[3].flat.([]float64)), toF64(ins[4].flat.([]float64)), pre, c, post, float64(p.epsilon))
	default:
		return nil, unsupported(n, n.shape.DType)
	}
	return out, nil
}

func toF64[T floatT](v []T) []float64 {
	o := make([]float64, len(v))
	for i, x := range v {
		o[i] = float64(x)
	}
	return o
}

func execBatchNormTraining(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error) {
	eps, pre, c, post, outs := bnOutputs(b, n, ins)
	bufs := append(ins[:3:3], outs...) // x, scale, offset, y, mean, variance
	switch ins[0].flat.(type) {
	case []float32:
		f := flatsAs[float32](bufs)
		bnTrainingT(f[0], f[1], f[2], f[3], f[4], f[5], pre, c, post, eps)
	case []float64:
		f := flatsAs[float64](bufs)
		bnTrainingT(f[0], f[1], f[2], f[3], f[4], f[5], pre, c, post, eps)
	default:
		return nil, unsupported(n, ins[0].shape.DType)
	}
	return outs, nil
}

// bnOutputs allocates the three outputs of a batch-norm op and returns them with ε and the
// [pre, c, post] layout of its input.
func bnOutputs(b *Backend, n *node, ins []*Buffer) (eps float64, pre, c, post int, outs []*Buffer) {
	p := n.params.(bnParams)
	pre, c, post = bnLayout(ins[0].shape.Dimensions, p.axis)
	outs = []*Buffer{b.newBuf(n.multiShapes[0]), b.newBuf(n.multiShapes[1]), b.newBuf(n.multiShapes[2])}
	return float64(p.epsilon), pre, c, post, outs
}

// flatsAs returns the flat values of bufs as slices of T.
func flatsAs[T any](bufs []*Buffer) [][]T {
	f := make([][]T, len(bufs))
	for i, b := range bufs {
		f[i] = b.flat.([]T)
	}
	return f
}

// bnGradientT computes, with x̂ = (x−mean)·r, r = 1/sqrt(var+eps) and N elements per channel:
// dOffset = Σ g, dScale = Σ g·x̂, dx = scale·r·(g − dOffset/N − x̂·dScale/N).
func bnGradientT[T floatT](x, scale, mean, variance, g, dx, dScale, dOffset []T, pre, c, post int, eps float64) {
	n := float64(pre * post)
	r := make([]float64, c)
	m := make([]float64, c)
	for k := range r {
		r[k] = 1 / math.Sqrt(float64(variance[k])+eps)
		m[k] = float64(mean[k])
	}
	so, sxm := channelSums(x, g, m, pre, c, post)
	ss := make([]float64, c)
	for k := 0; k < c; k++ {
		ss[k] = sxm[k] * r[k]
		dOffset[k], dScale[k] = T(so[k]), T(ss[k])
	}
	// dx = scale·r·(g − so/n − (x−m)·r·ss/n) = A·g + B·x + C per channel.
	A, B, C := make([]T, c), make([]T, c), make([]T, c)
	for k := 0; k < c; k++ {
		sr := float64(scale[k]) * r[k]
		bk := -sr * r[k] * ss[k] / n
		A[k], B[k], C[k] = T(sr), T(bk), T(-sr*so[k]/n-bk*m[k])
	}
	parallelFor(pre, max(1, elemGrain/max(1, c*post)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			if post == 1 {
				xr, gr, dr := x[p*c:(p+1)*c], g[p*c:(p+1)*c], dx[p*c:(p+1)*c]
				for k := range dr {
					dr[k] = A[k]*gr[k] + B[k]*xr[k] + C[k]
				}
				continue
			}
			for k := 0; k < c; k++ {
				base := (p*c + k) * post
				a, bb, cc := A[k], B[k], C[k]
				for q := base; q < base+post; q++ {
					dx[q] = a*g[q] + bb*x[q] + cc
				}
			}
		}
	})
}

func execBatchNormGradient(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error) {
	eps, pre, c, post, outs := bnOutputs(b, n, ins)
	bufs := append(ins[:5:5], outs...) // x, scale, mean, variance, g, dx, dScale, dOffset
	switch ins[0].flat.(type) {
	case []float32:
		f := flatsAs[float32](bufs)
		bnGradientT(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], pre, c, post, eps)
	case []float64:
		f := flatsAs[float64](bufs)
		bnGradientT(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], pre, c, post, eps)
	default:
		return nil, unsupported(n, ins[0].shape.DType)
	}
	return outs, nil
}
