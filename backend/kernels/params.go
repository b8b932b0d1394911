package kernels

import "fmt"

// ConvParams describes a 2-D convolution in the general form used by XLA's ConvGeneral:
//
//	y[n,oh,ow,o] = Σ_{i,j,c} xd[n, oh·StrideH + i·KDilH − PadTop, ow·StrideW + j·KDilW − PadLeft, c] · w[i,j,c,o]
//
// where xd is the input dilated by (InDilH, InDilW): xd[n, a, b, c] = x[n, a/InDilH, b/InDilW, c] when
// both divisions are exact and in range, and 0 otherwise (that is, outside the input and in the
// padding). The output has OutH() × OutW() positions:
//
//	OutH = ⌊((H−1)·InDilH + 1 + PadTop + PadBottom − ((KH−1)·KDilH + 1)) / StrideH⌋ + 1
//
// (0 when the numerator is negative), and likewise OutW. Padding may be negative (it crops). Zero
// strides and dilations mean 1.
type ConvParams struct {
	N, H, W, C int // input batch, height, width, channels (NHWC)
	KH, KW, O  int // kernel height, width and output channels (kernel is KH×KW×C×O, HWIO)

	StrideH, StrideW                     int
	PadTop, PadBottom, PadLeft, PadRight int
	InDilH, InDilW                       int // input (lhs) dilation
	KDilH, KDilW                         int // kernel (rhs) dilation
}

func one(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// norm returns p with zero strides and dilations replaced by 1.
func (p ConvParams) norm() ConvParams {
	p.StrideH, p.StrideW = one(p.StrideH), one(p.StrideW)
	p.InDilH, p.InDilW = one(p.InDilH), one(p.InDilW)
	p.KDilH, p.KDilW = one(p.KDilH), one(p.KDilW)
	return p
}

// outSize is ⌊(dilated input + pads − dilated window)/stride⌋ + 1, or 0 if the window does not fit.
func outSize(in, inDil, padLo, padHi, win, winDil, stride int) int {
	span := (in-1)*inDil + 1 + padLo + padHi - ((win-1)*winDil + 1)
	if in == 0 || span < 0 {
		return 0
	}
	return span/stride + 1
}

// OutH is the output height.
func (p ConvParams) OutH() int {
	q := p.norm()
	return outSize(q.H, q.InDilH, q.PadTop, q.PadBottom, q.KH, q.KDilH, q.StrideH)
}

// OutW is the output width.
func (p ConvParams) OutW() int {
	q := p.norm()
	return outSize(q.W, q.InDilW, q.PadLeft, q.PadRight, q.KW, q.KDilW, q.StrideW)
}

// InputSize, KernelSize and OutputSize are the element counts of x, w and y.
func (p ConvParams) InputSize() int  { return p.N * p.H * p.W * p.C }
func (p ConvParams) KernelSize() int { return p.KH * p.KW * p.C * p.O }
func (p ConvParams) OutputSize() int { return p.N * p.OutH() * p.OutW() * p.O }

// FLOPs is the number of floating-point operations of the forward pass, 2·N·OutH·OutW·KH·KW·C·O
// (each gradient costs the same).
func (p ConvParams) FLOPs() float64 {
	return 2 * float64(p.N) * float64(p.OutH()) * float64(p.OutW()) * float64(p.KH*p.KW) * float64(p.C) * float64(p.O)
}

// Validate reports whether the parameters describe a convolution.
func (p ConvParams) Validate() error {
	if p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 {
		return fmt.Errorf("kernels: bad input shape N=%d H=%d W=%d C=%d", p.N, p.H, p.W, p.C)
	}
	if p.KH < 1 || p.KW < 1 || p.O < 1 {
		return fmt.Errorf("kernels: bad kernel shape KH=%d KW=%d O=%d", p.KH, p.KW, p.O)
	}
	if p.StrideH < 0 || p.StrideW < 0 || p.InDilH < 0 || p.InDilW < 0 || p.KDilH < 0 || p.KDilW < 0 {
		return fmt.Errorf("kernels: negative stride or dilation in %+v", p)
	}
	return nil
}

func (p ConvParams) mustValidate(lx, lw, ly int, xName, wName, yName string) ConvParams {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if lx != p.InputSize() || lw != p.KernelSize() || ly != p.OutputSize() {
		panic(fmt.Sprintf("kernels: slice lengths %s=%d %s=%d %s=%d, want %d, %d, %d for %+v",
			xName, lx, wName, lw, yName, ly, p.InputSize(), p.KernelSize(), p.OutputSize(), p))
	}
	return p.norm()
}

// PoolParams describes a 2-D pooling window over NHWC activations:
//
//	y[n,oh,ow,c] = reduce over 0≤i<WinH, 0≤j<WinW of x[n, oh·StrideH + i − PadTop, ow·StrideW + j − PadLeft, c]
//
// where positions outside the input are padding (ignored by max pooling; zeros for average pooling).
// OutH = ⌊(H + PadTop + PadBottom − WinH)/StrideH⌋ + 1, likewise OutW. Zero strides mean 1.
type PoolParams struct {
	N, H, W, C                           int
	WinH, WinW                           int
	StrideH, StrideW                     int
	PadTop, PadBottom, PadLeft, PadRight int
	// CountIncludePad selects the average-pooling divisor: WinH·WinW when true, otherwise the number
	// of window positions inside the input.
	CountIncludePad bool
}

func (p PoolParams) norm() PoolParams {
	p.StrideH, p.StrideW = one(p.StrideH), one(p.StrideW)
	return p
}

// OutH is the output height.
func (p PoolParams) OutH() int {
	q := p.norm()
	return outSize(q.H, 1, q.PadTop, q.PadBottom, q.WinH, 1, q.StrideH)
}

// OutW is the output width.
func (p PoolParams) OutW() int {
	q := p.norm()
	return outSize(q.W, 1, q.PadLeft, q.PadRight, q.WinW, 1, q.StrideW)
}

// InputSize and OutputSize are the element counts of x and y.
func (p PoolParams) InputSize() int  { return p.N * p.H * p.W * p.C }
func (p PoolParams) OutputSize() int { return p.N * p.OutH() * p.OutW() * p.C }

// Validate reports whether the parameters describe a pooling.
func (p PoolParams) Validate() error {
	if p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 || p.WinH < 1 || p.WinW < 1 {
		return fmt.Errorf("kernels: bad pooling shape %+v", p)
	}
	if p.StrideH < 0 || p.StrideW < 0 || p.PadTop < 0 || p.PadBottom < 0 || p.PadLeft < 0 || p.PadRight < 0 {
		return fmt.Errorf("kernels: negative stride or padding in %+v", p)
	}
	return nil
}

func (p PoolParams) mustValidate(lx, ly int, xName, yName string) PoolParams {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if lx != p.InputSize() || ly != p.OutputSize() {
		panic(fmt.Sprintf("kernels: slice lengths %s=%d %s=%d, want %d, %d for %+v",
			xName, lx, yName, ly, p.InputSize(), p.OutputSize(), p))
	}
	return p.norm()
}
