// Package tfjs reads models saved in the TensorFlow.js layers format: a model.json file holding the
// Keras topology ("modelTopology") and a weights manifest ("weightsManifest"), and the binary weight
// shards it lists.
//
// The weights of one manifest group are the concatenation of its shard files, in the order listed;
// tensor i of the group occupies the bytes that follow tensor i−1, Π(shape)·4 bytes for float32,
// little-endian. Only unquantized float32 weights are read.
package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Tensor is one named weight tensor.
type Tensor struct {
	Name  string    // the manifest name, e.g. "conv1/kernel"
	Shape []int     // dimensions, row-major
	Data  []float32 // Π(Shape) values
}

// Size returns the number of values, Π(Shape).
func (t *Tensor) Size() int { return shapeSize(t.Shape) }

func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Layer is one layer of the Keras functional topology.
type Layer struct {
	Name      string          // e.g. "res2a_branch2a"
	ClassName string          // e.g. "Conv2D"
	Config    json.RawMessage // the layer's config object, as stored
	Inbound   []string        // names of the layers whose outputs it takes (first call only)
}

// DecodeConfig unmarshals the layer's config into v.
func (l *Layer) DecodeConfig(v any) error { return json.Unmarshal(l.Config, v) }

// Model is a model.json with its weights.
type Model struct {
	File        string // the model.json path
	Format      string // "layers-model"
	GeneratedBy string // e.g. "keras v2.2.4-tf"
	Name        string // the Keras model name, e.g. "resnet50"
	Layers      []Layer
	Tensors     []*Tensor // in manifest order
	byName      map[string]*Tensor
	layerByName map[string]int
}

// Layer returns the layer named name.
func (m *Model) Layer(name string) (*Layer, bool) {
	i, ok := m.layerByName[name]
	if !ok {
		return nil, false
	}
	return &m.Layers[i], true
}

// Tensor returns the tensor named name, checking its shape when shape is given.
func (m *Model) Tensor(name string, shape ...int) (*Tensor, error) {
	t, ok := m.byName[name]
	if !ok {
		return nil, fmt.Errorf("%s: no weight tensor %q (not the expected model?)", m.File, name)
	}
	if shape != nil && !equalInts(t.Shape, shape) {
		return nil, fmt.Errorf("%s: weight tensor %q has shape %v, want %v (not the expected model?)", m.File, name, t.Shape, shape)
	}
	return t, nil
}

func equalInts(a, b []int) bool {
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

type manifestGroup struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string          `json:"name"`
		Shape        []int           `json:"shape"`
		DType        string          `json:"dtype"`
		Quantization json.RawMessage `json:"quantization"`
	} `json:"weights"`
}

type modelFile struct {
	Format        string          `json:"format"`
	GeneratedBy   string          `json:"generatedBy"`
	ModelTopology json.RawMessage `json:"modelTopology"`
	Manifest      []manifestGroup `json:"weightsManifest"`
}

type topology struct {
	ModelConfig struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name   string `json:"name"`
			Layers []struct {
				Name         string          `json:"name"`
				ClassName    string          `json:"class_name"`
				Config       json.RawMessage `json:"config"`
				InboundNodes json.RawMessage `json:"inbound_nodes"`
			} `json:"layers"`
		} `json:"config"`
	} `json:"model_config"`
}

// Files returns the model.json at path followed by the weight shards its manifest lists, in
// manifest order (the files Read reads).
func Files(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %v", path, unwrap(err))
	}
	var mf modelFile
	if err := json.Unmarshal(raw, &mf); err != nil {
		return nil, fmt.Errorf("%s: not a TensorFlow.js model.json: %v", path, err)
	}
	files := []string{path}
	for _, g := range mf.Manifest {
		for _, p := range g.Paths {
			files = append(files, filepath.Join(filepath.Dir(path), p))
		}
	}
	return files, nil
}

// maxTensorValues bounds a single tensor (2^31 values) so that a corrupt shape cannot ask for
// more memory than any real layer uses.
const maxTensorValues = 1 << 31

// Read reads the model.json at path and the weight shards it lists (paths relative to its folder).
// Errors are one line naming the file at fault.
func Read(path string) (*Model, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %v", path, unwrap(err))
	}
	var mf modelFile
	if err := json.Unmarshal(raw, &mf); err != nil {
		return nil, fmt.Errorf("%s: not a TensorFlow.js model.json: %v", path, err)
	}
	if mf.Format != "" && mf.Format != "layers-model" {
		return nil, fmt.Errorf("%s: format %q, want a TensorFlow.js layers model (\"layers-model\")", path, mf.Format)
	}
	if len(mf.ModelTopology) == 0 || len(mf.Manifest) == 0 {
		return nil, fmt.Errorf("%s: not a TensorFlow.js layers model.json (no modelTopology or weightsManifest)", path)
	}
	m := &Model{File: path, Format: mf.Format, GeneratedBy: mf.GeneratedBy,
		byName: map[string]*Tensor{}, layerByName: map[string]int{}}
	if err := m.readTopology(mf.ModelTopology); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for gi, g := range mf.Manifest {
		if err := m.readGroup(dir, gi, g); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func (m *Model) readTopology(raw json.RawMessage) error {
	var t topology
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("%s: modelTopology: %v", m.File, err)
	}
	m.Name = t.ModelConfig.Config.Name
	for _, l := range t.ModelConfig.Config.Layers {
		if _, dup := m.layerByName[l.Name]; dup {
			return fmt.Errorf("%s: layer %q listed twice", m.File, l.Name)
		}
		m.layerByName[l.Name] = len(m.Layers)
		m.Layers = append(m.Layers, Layer{Name: l.Name, ClassName: l.ClassName, Config: l.Config,
			Inbound: inboundNames(l.InboundNodes)})
	}
	return nil
}

// inboundNames returns the source layer names of the first call of a layer. Keras 2 stores
// [[["name", node, tensor, {kwargs}], ...], ...]; Keras 3 style objects are not read.
func inboundNames(raw json.RawMessage) []string {
	var nodes [][][]any
	if json.Unmarshal(raw, &nodes) != nil || len(nodes) == 0 {
		return nil
	}
	var names []string
	for _, in := range nodes[0] {
		if len(in) > 0 {
			if s, ok := in[0].(string); ok {
				names = append(names, s)
			}
		}
	}
	return names
}

func (m *Model) readGroup(dir string, gi int, g manifestGroup) error {
	if len(g.Paths) == 0 {
		return fmt.Errorf("%s: weightsManifest group %d lists no shard files", m.File, gi)
	}
	// Expected byte count of the group.
	var need int64
	for _, w := range g.Weights {
		if w.DType != "float32" {
			return fmt.Errorf("%s: weight %q has dtype %q; only float32 weights are read", m.File, w.Name, w.DType)
		}
		if len(w.Quantization) > 0 && string(w.Quantization) != "null" {
			return fmt.Errorf("%s: weight %q is quantized; only unquantized float32 weights are read", m.File, w.Name)
		}
		n := 1
		for _, d := range w.Shape {
			if d < 0 || (d > 0 && n > maxTensorValues/d) {
				return fmt.Errorf("%s: weight %q has invalid shape %v", m.File, w.Name, w.Shape)
			}
			n *= d
		}
		need += int64(n) * 4
	}
	// Shard sizes.
	sizes := make([]int64, len(g.Paths))
	var have int64
	for i, p := range g.Paths {
		if strings.Contains(p, "..") || filepath.IsAbs(p) {
			return fmt.Errorf("%s: shard path %q leaves the model folder", m.File, p)
		}
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			return fmt.Errorf("%s: weight shard missing (%v)", filepath.Join(dir, p), unwrap(err))
		}
		sizes[i] = st.Size()
		have += st.Size()
	}
	if have != need {
		bad := suspectShard(sizes)
		return fmt.Errorf("%s: %d bytes in the %d shards of group %d, the manifest in %s needs %d (wrong or truncated shard)",
			filepath.Join(dir, g.Paths[bad]), have, len(g.Paths), gi+1, filepath.Base(m.File), need)
	}
	buf := make([]byte, 0, need)
	for _, p := range g.Paths {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return fmt.Errorf("%s: %v", filepath.Join(dir, p), unwrap(err))
		}
		buf = append(buf, b...)
	}
	if int64(len(buf)) != need {
		return fmt.Errorf("%s: shards changed while read (%d bytes, want %d)", m.File, len(buf), need)
	}
	off := 0
	for _, w := range g.Weights {
		if _, dup := m.byName[w.Name]; dup {
			return fmt.Errorf("%s: weight %q listed twice", m.File, w.Name)
		}
		t := &Tensor{Name: w.Name, Shape: append([]int(nil), w.Shape...)}
		n := t.Size()
		t.Data = make([]float32, n)
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[off+4*i:]))
		}
		off += 4 * n
		m.Tensors = append(m.Tensors, t)
		m.byName[w.Name] = t
	}
	return nil
}

// suspectShard returns the index of the shard most likely at fault when the sizes do not add up:
// the converter writes equal shards but the last, so the first one that differs from shard 0
// before the last, else the last.
func suspectShard(sizes []int64) int {
	for i := 1; i < len(sizes)-1; i++ {
		if sizes[i] != sizes[0] {
			return i
		}
	}
	return len(sizes) - 1
}
