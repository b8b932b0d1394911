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

// channelSums returns Σ f(offset, channel) per channel, accumulated in float64 in parallel over pre.
func channelSums(pre, c, post int, f func(off, ch int) float64) []float64 {
	total := make([]float64, c)
	var mu sync.Mutex
	parallelFor(pre, max(1, elemGrain/max(1, c*post)), func(lo, hi int) {
		s := make([]float64, c)
		for p := lo; p < hi; p++ {
			for k := 0; k < c; k++ {
				base := (p*c + k) * post
				acc := 0.0
				for q := 0; q < post; q++ {
					acc += f(base+q, k)
				}
				s[k] += acc
			}
		}
		mu.Lock()
		for k := range total {
			total[k] += s[k]
		}
		mu.Unlock()
	})
	return total
}

// bnTrainingT computes mean_c = E[x], var_c = E[(x−mean)²] over all axes but the feature axis and
// y = (x−mean)/sqrt(var+eps)·scale + offset.
func bnTrainingT[T floatT](x, scale, offset, y, mean, variance []T, pre, c, post int, eps float64) {
	n := float64(pre * post)
	s := channelSums(pre, c, post, func(off, k int) float64 { return float64(x[off]) })
	m := make([]float64, c)
	for k := range m {
		m[k] = s[k] / n
	}
	v := channelSums(pre, c, post, func(off, k int) float64 { d := float64(x[off]) - m[k]; return d * d })
	for k := range v {
		v[k] /= n
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
	p := n.params.(bnParams)
	xs := ins[0].shape
	pre, c, post := bnLayout(xs.Dimensions, p.axis)
	y := b.newBuf(n.multiShapes[0])
	mean := b.newBuf(n.multiShapes[1])
	variance := b.newBuf(n.multiShapes[2])
	switch yf := y.flat.(type) {
	case []float32:
		bnTrainingT(ins[0].flat.([]float32), ins[1].flat.([]float32), ins[2].flat.([]float32), yf,
			mean.flat.([]float32), variance.flat.([]float32), pre, c, post, float64(p.epsilon))
	case []float64:
		bnTrainingT(ins[0].flat.([]float64), ins[1].flat.([]float64), ins[2].flat.([]float64), yf,
			mean.flat.([]float64), variance.flat.([]float64), pre, c, post, float64(p.epsilon))
	default:
		return nil, unsupported(n, xs.DType)
	}
	return []*Buffer{y, mean, variance}, nil
}

// bnGradientT computes, with x̂ = (x−mean)·r, r = 1/sqrt(var+eps) and N elements per channel:
// dOffset = Σ g, dScale = Σ g·x̂, dx = scale·r·(g − dOffset/N − x̂·dScale/N).
func bnGradientT[T floatT](x, scale, mean, variance, g, dx, dScale, dOffset []T, pre, c, post int, eps float64) {
	n := float64(pre * post)
	r := make([]float64, c)
	for k := range r {
		r[k] = 1 / math.Sqrt(float64(variance[k])+eps)
	}
	so := channelSums(pre, c, post, func(off, k int) float64 { return float64(g[off]) })
	ss := channelSums(pre, c, post, func(off, k int) float64 {
		return float64(g[off]) * (float64(x[off]) - float64(mean[k])) * r[k]
	})
	for k := 0; k < c; k++ {
		dOffset[k], dScale[k] = T(so[k]), T(ss[k])
	}
	parallelFor(pre, max(1, elemGrain/max(1, c*post)), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			for k := 0; k < c; k++ {
				base := (p*c + k) * post
				sr := float64(scale[k]) * r[k]
				mo, ms, mk := so[k]/n, ss[k]/n, float64(mean[k])
				for q := base; q < base+post; q++ {
					xh := (float64(x[q]) - mk) * r[k]
					dx[q] = T(sr * (float64(g[q]) - mo - xh*ms))
				}
			}
		}
	})
}

func execBatchNormGradient(b *Backend, n *node, ins []*Buffer, owned []bool) ([]*Buffer, error) {
	p := n.params.(bnParams)
	xs := ins[0].shape
	pre, c, post := bnLayout(xs.Dimensions, p.axis)
	dx := b.newBuf(n.multiShapes[0])
	dScale := b.newBuf(n.multiShapes[1])
	dOffset := b.newBuf(n.multiShapes[2])
	switch d := dx.flat.(type) {
	case []float32:
		bnGradientT(ins[0].flat.([]float32), ins[1].flat.([]float32), ins[2].flat.([]float32),
			ins[3].flat.([]float32), ins[4].flat.([]float32), d, dScale.flat.([]float32),
			dOffset.flat.([]float32), pre, c, post, float64(p.epsilon))
	case []float64:
		bnGradientT(ins[0].flat.([]float64), ins[1].flat.([]float64), ins[2].flat.([]float64),
			ins[3].flat.([]float64), ins[4].flat.([]float64), d, dScale.flat.([]float64),
			dOffset.flat.([]float64), pre, c, post, float64(p.epsilon))
	default:
		return nil, unsupported(n, xs.DType)
	}
	return []*Buffer{dx, dScale, dOffset}, nil
}
