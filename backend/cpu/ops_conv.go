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
// to N×H×W×C and the kernel to KH×KW×C×O when needed, calling kernels.Conv2D, and
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

func init() {
	register(opConvBackFilter, execConvGrad(kernels.Conv2DBackwardFilter[float32], kernels.Conv2DBackwardFilter[float64]))
	register(opConvBackInput, execConvGrad(kernels.Conv2DBackwardInput[float32], kernels.Conv2DBackwardInput[float64]))
}

func intsEqual(a []int, b ...int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func allOnes(v []int) bool {
	for _, x := range v {
		if x != 1 {
			return false
		}
	}
	return true
}

// rewriteConvGradients recognizes the two convolutions GoMLX emits for the gradient of an NHWC/HWIO
// 2-D convolution and replaces them with direct gradient kernels, avoiding transpositions (filter
// gradient) and products with the zeros of input dilation (input gradient):
//
//   - filter gradient: ConvGeneral(x, dy) with x read as [C,H,W,N] (batch axis 3, channels 0), dy as
//     the kernel [N,OH,OW,O] (input channels 0, output channels 3, spatial 1,2), output laid out as
//     [KH,KW,C,O] (batch 2, channels 3, spatial 0,1), no input dilation; its strides are the forward
//     kernel dilations and its kernel dilations the forward strides;
//   - input gradient: ConvGeneral(dy, Reverse(w, 0, 1)) in NHWC with the kernel's input and output
//     channel axes swapped (3 and 2), unit strides; its input dilations are the forward strides.
func rewriteConvGradients(pc *compilation) {
	reach := pc.reach
	for n := range reach {
		if n.op != backends.OpTypeConvGeneral || !n.shape.DType.IsFloat() || n.shape.Rank() != 4 {
			continue
		}
		p := n.params.(convParams)
		ax := p.axes
		x, k := n.inputs[0], n.inputs[1]
		if ax.InputBatch == 3 && ax.InputChannels == 0 && intsEqual(ax.InputSpatial, 1, 2) &&
			ax.KernelInputChannels == 0 && ax.KernelOutputChannels == 3 && intsEqual(ax.KernelSpatial, 1, 2) &&
			ax.OutputBatch == 2 && ax.OutputChannels == 3 && intsEqual(ax.OutputSpatial, 0, 1) && allOnes(p.inDilation) {
			xd, dyd, od := x.shape.Dimensions, k.shape.Dimensions, n.shape.Dimensions
			cp := kernels.ConvParams{N: xd[0], H: xd[1], W: xd[2], C: xd[3], KH: od[0], KW: od[1], O: od[3],
				StrideH: p.kerDilation[0], StrideW: p.kerDilation[1], KDilH: p.strides[0], KDilW: p.strides[1],
				PadTop: p.paddings[0][0], PadLeft: p.paddings[1][0], InDilH: 1, InDilW: 1}
			cp.PadBottom = (dyd[1]-1)*cp.StrideH + (cp.KH-1)*cp.KDilH + 1 - cp.H - cp.PadTop
			cp.PadRight = (dyd[2]-1)*cp.StrideW + (cp.KW-1)*cp.KDilW + 1 - cp.W - cp.PadLeft
			if dyd[0] == cp.N && dyd[3] == cp.O && od[2] == cp.C && cp.OutH() == dyd[1] && cp.OutW() == dyd[2] && cp.Validate() == nil {
				n.op, n.params = opConvBackFilter, cp
				pc.stats.ConvGradients++
			}
			continue
		}
		if k.op == backends.OpTypeReverse && intsEqual(k.params.([]int), 0, 1) &&
			ax.InputBatch == 0 && ax.InputChannels == 3 && intsEqual(ax.InputSpatial, 1, 2) &&
			ax.KernelInputChannels == 3 && ax.KernelOutputChannels == 2 && intsEqual(ax.KernelSpatial, 0, 1) &&
			ax.OutputBatch == 0 && ax.OutputChannels == 3 && intsEqual(ax.OutputSpatial, 1, 2) && allOnes(p.strides) {
			w := k.inputs[0]
			dyd, wd, od := x.shape.Dimensions, w.shape.Dimensions, n.shape.Dimensions
			cp := kernels.ConvParams{N: od[0], H: od[1], W: od[2], C: od[3], KH: wd[0], KW: wd[1], O: wd[3],
				StrideH: p.inDilation[0], StrideW: p.inDilation[1], KDilH: p.kerDilation[0], KDilW: p.kerDilation[1],
				InDilH: 1, InDilW: 1}
			effH, effW := (cp.KH-1)*cp.KDilH+1, (cp.KW-1)*cp.KDilW+1
			cp.PadTop = effH - 1 - p.paddings[0][0]
			cp.PadLeft = effW - 1 - p.paddings[1][0]
			cp.PadBottom = (dyd[1]-1)*cp.StrideH + effH - cp.H - cp.PadTop
			cp.PadRight = (dyd[2]-1)*cp.StrideW + effW - cp.W - cp.PadLeft
			if dyd[0] == cp.N && dyd[3] == cp.O && wd[2] == cp.C && cp.OutH() == dyd[1] && cp.OutW() == dyd[2] && cp.Validate() == nil {
				n.op, n.params = opConvBackInput, cp
				pc.stats.ConvGradients++
				n.inputs = []*node{x, w}
			}
		}
	}
}

// execConvGrad returns the executor of a convolution gradient kernel, given as its float32 and
// float64 instances.
func execConvGrad(k32 func(kernels.ConvParams, []float32, []float32, []float32),
	k64 func(kernels.ConvParams, []float64, []float64, []float64)) execFn {
	return func(b *Backend, n *node, ins []*Buffer, owned []bool) (*Buffer, error) {
		cp := n.params.(kernels.ConvParams)
		out := b.newBuf(n.shape)
		switch o := out.flat.(type) {
		case []float32:
			k32(cp, ins[0].flat.([]float32), ins[1].flat.([]float32), o)
		case []float64:
			k64(cp, ins[0].flat.([]float64), ins[1].flat.([]float64), o)
		default:
			b.release(out)
			return nil, unsupported(n, n.shape.DType)
		}
		return out, nil
	}
}
