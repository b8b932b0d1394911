package resnet50

import (
	"fmt"
	"sort"
	"sync"

	"github.com/cct-dev/cct/backend"
	"github.com/cct-dev/cct/data"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Options control a run over many images.
type Options struct {
	BatchSize int                   // images per forward pass; 0 means DefaultBatchSize
	Backend   string                // backend spec (see package backend): "" or "cpu" the project's CPU backend
	Progress  func(done, total int) // called after each batch with the images done so far; may be nil
}

// DefaultBatchSize is the batch size used when Options.BatchSize is 0.
const DefaultBatchSize = 8

// runner holds a backend and the compiled graph for one backend spec.
type runner struct {
	mu   sync.Mutex
	be   backends.Backend
	exec *context.Exec
	info string
}

func (m *Model) runner(spec string) (*runner, error) {
	if spec == "" {
		spec = "cpu"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.runners[spec]; ok {
		return r, nil
	}
	be, info, err := backend.Open(spec)
	if err != nil {
		return nil, fmt.Errorf("backend %s: %v", spec, err)
	}
	ctx := context.New()
	for _, c := range m.convs {
		cc := ctx.In(c.name)
		cc.VariableWithValue("kernel", tensors.FromFlatDataAndDimensions(c.kernel, c.k, c.k, c.in, c.out))
		cc.VariableWithValue("bias", tensors.FromFlatDataAndDimensions(c.bias, c.out))
	}
	fc := ctx.In("fc1000")
	fc.VariableWithValue("kernel", tensors.FromFlatDataAndDimensions(m.fcW, m.Arch.FeatureDim(), m.Arch.Classes))
	fc.VariableWithValue("bias", tensors.FromFlatDataAndDimensions(m.fcB, m.Arch.Classes))
	ctx = ctx.Reuse()
	exec, err := context.NewExec(be, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		f := m.featuresGraph(ctx, x)
		return []*graph.Node{f, m.logitsGraph(ctx, f)}
	})
	if err != nil {
		return nil, fmt.Errorf("backend %s: %v", spec, err)
	}
	exec.SetMaxCache(4)
	r := &runner{be: be, exec: exec, info: info.String()}
	m.runners[spec] = r
	return r, nil
}

// applyConv returns conv c (batch norm folded) of x: Convolve(x, W') + b'.
func applyConv(ctx *context.Context, c *conv, x *graph.Node) *graph.Node {
	cc := ctx.In(c.name)
	g := x.Graph()
	w := cc.GetVariable("kernel").ValueGraph(g)
	b := cc.GetVariable("bias").ValueGraph(g)
	y := graph.Convolve(x, w).Strides(c.stride).PaddingPerDim([][2]int{{c.pad, c.pad}, {c.pad, c.pad}}).Done()
	return graph.Add(y, graph.Reshape(b, 1, 1, 1, c.out))
}

func relu(x *graph.Node) *graph.Node { return graph.Max(x, graph.ScalarZero(x.Graph(), x.DType())) }

// featuresGraph maps preprocessed images [B, 224, 224, 3] (BGR, means subtracted) to the pooled
// features [B, FeatureDim].
func (m *Model) featuresGraph(ctx *context.Context, x *graph.Node) *graph.Node {
	cs := m.convs
	x = relu(applyConv(ctx, cs[0], x))
	// The zero padding before the max-pool equals −∞ padding: its input is a ReLU output (≥ 0).
	x = graph.MaxPool(x).Window(3).Strides(2).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
	i := 1
	for si := 0; si < 4; si++ {
		for b := 0; b < m.Arch.Blocks[si]; b++ {
			y := relu(applyConv(ctx, cs[i], x))
			y = relu(applyConv(ctx, cs[i+1], y))
			y = applyConv(ctx, cs[i+2], y)
			short := x
			i += 3
			if b == 0 {
				short = applyConv(ctx, cs[i], x)
				i++
			}
			x = relu(graph.Add(y, short))
		}
	}
	return graph.ReduceMean(x, 1, 2)
}

// logitsGraph maps features [B, D] to the logits [B, Classes] of fc1000 (before its softmax).
func (m *Model) logitsGraph(ctx *context.Context, f *graph.Node) *graph.Node {
	g := f.Graph()
	fc := ctx.In("fc1000")
	w := fc.GetVariable("kernel").ValueGraph(g)
	b := fc.GetVariable("bias").ValueGraph(g)
	return graph.Add(graph.MatMul(f, w), graph.Reshape(b, 1, m.Arch.Classes))
}

// Preprocess writes the network input of one h×w×c image (c = 1 or 3, RGB) into dst
// (224·224·3 values): resized to 224×224, grey copied to 3 channels, BGR, ImageNet means
// subtracted.
func Preprocess(img []uint8, h, w, c int, dst []float32) {
	src := img
	if h != InputSize || w != InputSize {
		src = data.Resize(img, h, w, c, InputSize, InputSize)
	}
	for p := 0; p < InputSize*InputSize; p++ {
		var r, g, b uint8
		if c == 1 {
			r, g, b = src[p], src[p], src[p]
		} else {
			r, g, b = src[3*p], src[3*p+1], src[3*p+2]
		}
		dst[3*p] = float32(float64(b) - MeanBGR[0])
		dst[3*p+1] = float32(float64(g) - MeanBGR[1])
		dst[3*p+2] = float32(float64(r) - MeanBGR[2])
	}
}

// Features returns the N×FeatureDim features (row-major) of n uint8 NHWC images of h×w×c
// (c = 1 grey or 3 RGB, any size: they are resized to 224×224).
func (m *Model) Features(images []uint8, n, h, w, c int, opt Options) ([]float32, error) {
	f, _, err := m.run(images, n, h, w, c, opt, true, false)
	return f, err
}

// Logits returns the N×Classes logits of fc1000 (before the softmax) of n images, as Features.
func (m *Model) Logits(images []uint8, n, h, w, c int, opt Options) ([]float32, error) {
	_, l, err := m.run(images, n, h, w, c, opt, false, true)
	return l, err
}

// FeaturesAndLogits returns both, from one pass.
func (m *Model) FeaturesAndLogits(images []uint8, n, h, w, c int, opt Options) (features, logits []float32, err error) {
	return m.run(images, n, h, w, c, opt, true, true)
}

// RunPreprocessed runs the network on x, n preprocessed images (n·224·224·3 values, see
// Preprocess), and returns the features and logits.
func (m *Model) RunPreprocessed(x []float32, n int, opt Options) (features, logits []float32, err error) {
	if len(x) != n*InputSize*InputSize*3 {
		return nil, nil, fmt.Errorf("resnet50: %d input values for %d images of 224×224×3", len(x), n)
	}
	r, err := m.runner(opt.Backend)
	if err != nil {
		return nil, nil, err
	}
	return r.forward(x, n, m.Arch.FeatureDim(), m.Arch.Classes)
}

// BackendInfo describes the backend that runs spec ("" for cpu), opening it if needed.
func (m *Model) BackendInfo(spec string) (string, error) {
	r, err := m.runner(spec)
	if err != nil {
		return "", err
	}
	return r.info, nil
}

func (m *Model) run(images []uint8, n, h, w, c int, opt Options, wantF, wantL bool) (features, logits []float32, err error) {
	if n < 0 || h <= 0 || w <= 0 || (c != 1 && c != 3) {
		return nil, nil, fmt.Errorf("resnet50: images %d×%d×%d×%d: want 1 (grey) or 3 (RGB) channels", n, h, w, c)
	}
	if len(images) != n*h*w*c {
		return nil, nil, fmt.Errorf("resnet50: %d bytes for %d images of %d×%d×%d", len(images), n, h, w, c)
	}
	bs := opt.BatchSize
	if bs <= 0 {
		bs = DefaultBatchSize
	}
	r, err := m.runner(opt.Backend)
	if err != nil {
		return nil, nil, err
	}
	d, k := m.Arch.FeatureDim(), m.Arch.Classes
	if wantF {
		features = make([]float32, n*d)
	}
	if wantL {
		logits = make([]float32, n*k)
	}
	const in = InputSize * InputSize * 3
	x := make([]float32, min(bs, n)*in)
	size := h * w * c
	for lo := 0; lo < n; lo += bs {
		b := min(bs, n-lo)
		xb := x[:b*in]
		parallelFor(b, func(i int) {
			Preprocess(images[(lo+i)*size:(lo+i+1)*size], h, w, c, xb[i*in:(i+1)*in])
		})
		f, l, err := r.forward(xb, b, d, k)
		if err != nil {
			return nil, nil, err
		}
		if wantF {
			copy(features[lo*d:], f)
		}
		if wantL {
			copy(logits[lo*k:], l)
		}
		if opt.Progress != nil {
			opt.Progress(lo+b, n)
		}
	}
	return features, logits, nil
}

// forward runs one batch, turning a backend panic into an error.
func (r *runner) forward(x []float32, b, d, k int) (f, l []float32, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("resnet50: backend failed: %v", p)
		}
	}()
	out, err := r.exec.Exec(tensors.FromFlatDataAndDimensions(x, b, InputSize, InputSize, 3))
	if err != nil {
		return nil, nil, fmt.Errorf("resnet50: %v", err)
	}
	defer func() {
		for _, t := range out {
			t.FinalizeAll()
		}
	}()
	if f, err = tensors.CopyFlatData[float32](out[0]); err != nil {
		return nil, nil, err
	}
	if l, err = tensors.CopyFlatData[float32](out[1]); err != nil {
		return nil, nil, err
	}
	if len(f) != b*d || len(l) != b*k {
		return nil, nil, fmt.Errorf("resnet50: outputs of %d and %d values for a batch of %d", len(f), len(l), b)
	}
	return f, l, nil
}

// Class is one entry of a top-k list.
type Class struct {
	Index int
	Name  string // from labels.json; "" when the model has none
	Prob  float64
}

// TopK returns, for each row of logits (N×K), the k most probable classes under the softmax.
func (m *Model) TopK(logits []float32, k int) [][]Class {
	K := m.Arch.Classes
	var out [][]Class
	for i := 0; i+K <= len(logits); i += K {
		row := logits[i : i+K]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		var z float64
		for _, v := range row {
			z += expf(float64(v - mx))
		}
		idx := make([]int, K)
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
		var top []Class
		for _, j := range idx[:min(k, K)] {
			c := Class{Index: j, Prob: expf(float64(row[j]-mx)) / z}
			if m.Labels != nil {
				c.Name = m.Labels[j]
			}
			top = append(top, c)
		}
		out = append(out, top)
	}
	return out
}

// Close releases the compiled programs and backends the model opened. The model can still be
// used afterwards: it opens them again.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for spec, r := range m.runners {
		r.mu.Lock()
		r.exec.Finalize()
		r.be.Finalize()
		r.mu.Unlock()
		delete(m.runners, spec)
	}
}
