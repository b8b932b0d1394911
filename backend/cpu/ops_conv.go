package cpu

import (
	"github.com/cct-dev/cct/backend/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/pkg/errors"
)

func init() {
	register(backends.OpTypeConvGeneral, execConvGeneral)
}

// permuted returns buf transposed by perm (output axis a = input axis perm[a]) and whether the
// result is a new buffer to release.
func permuted(b *Backend, buf *Buffer, perm []int) (*Buffer, bool) {
	if isIdentityPerm(perm) {
		return buf, false
	}
	return transposeFlat(b, buf, perm), true
}

// execConvGeneral computes a 1-D or 2-D convolution with any axes layout by transposing the input
// to N×H×W×C and the kernel to KH×KW×C×O when needed, calling kernels.Conv2D (im2col + GEMM), and
// transposing the N×OH×OW×O result to the requested output layout.
func execConvGeneral(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
	p := n.params.(convParams)
	ax := p.axes
	x, w := ins[0], ins[1]
	nsd := len(ax.InputSpatial)
	if nsd < 1 || nsd > 2 {
		return nil, errors.Errorf("cpu backend: ConvGeneral with %d spatial axes not implemented", nsd)
	}
	xc, relX := permuted(b, x, concatInts([]int{ax.InputBatch}, ax.InputSpatial, []int{ax.InputChannels}))
	if relX {
		defer b.release(xc)
	}
	wc, relW := permuted(b, w, concatInts(ax.KernelSpatial, []int{ax.KernelInputChannels, ax.KernelOutputChannels}))
	if relW {
		defer b.release(wc)
	}
	xd, wd := xc.shape.Dimensions, wc.shape.Dimensions
	cp := kernels.ConvParams{N: xd[0], H: xd[1], C: xd[nsd+1], KH: wd[0], O: wd[nsd+1],
		StrideH: p.strides[0], PadTop: p.paddings[0][0], PadBottom: p.paddings[0][1],
		InDilH: p.inDilation[0], KDilH: p.kerDilation[0], W: 1, KW: 1, StrideW: 1, InDilW: 1, KDilW: 1}
	if nsd == 2 {
		cp.W, cp.KW = xd[2], wd[1]
		cp.StrideW, cp.PadLeft, cp.PadRight = p.strides[1], p.paddings[1][0], p.paddings[1][1]
		cp.InDilW, cp.KDilW = p.inDilation[1], p.kerDilation[1]
	}
	if wd[nsd] != cp.C {
		return nil, errors.Errorf("cpu backend: ConvGeneral: kernel input channels %d != input channels %d", wd[nsd], cp.C)
	}
	canonDims := []int{cp.N, cp.OutH()}
	if nsd == 2 {
		canonDims = append(canonDims, cp.OutW())
	}
	canonDims = append(canonDims, cp.O)
	outC := b.newBuf(shapes.Make(n.shape.DType, canonDims...))
	switch o := outC.flat.(type) {
	case []float32:
		kernels.Conv2D(cp, xc.flat.([]float32), wc.flat.([]float32), o)
	case []float64:
		kernels.Conv2D(cp, xc.flat.([]float64), wc.flat.([]float64), o)
	default:
		b.release(outC)
		return nil, unsupported(n, n.shape.DType)
	}
	perm := make([]int, nsd+2)
	perm[ax.OutputBatch] = 0
	for i, a := range ax.OutputSpatial {
		perm[a] = 1 + i
	}
	perm[ax.OutputChannels] = nsd + 1
	out, rel := permuted(b, outC, perm)
	if rel {
		b.release(outC)
	}
	out.shape = n.shape
	return out, nil
}
