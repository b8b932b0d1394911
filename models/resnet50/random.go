package resnet50

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cct-dev/cct/models/tfjs"
)

// TinyArch is a small network of the same family, for tests without the ImageNet weights.
var TinyArch = Arch{
	Blocks:  [4]int{1, 2, 1, 1},
	Widths:  [4][3]int{{2, 2, 4}, {3, 3, 6}, {2, 2, 5}, {3, 3, 7}},
	Stem:    3,
	Classes: 4,
}

// keras holds a network's weights as Keras stores them (batch norm not folded).
type keras struct {
	arch    Arch
	tensors []*tfjs.Tensor
	byName  map[string]*tfjs.Tensor
	layers  []map[string]any
	macs    int64 // multiply-adds counted by conv2D
}

func (k *keras) add(r *rand.Rand, name string, shape []int, gen func() float64) {
	t := &tfjs.Tensor{Name: name, Shape: shape}
	t.Data = make([]float32, t.Size())
	for i := range t.Data {
		t.Data[i] = float32(gen())
	}
	k.tensors = append(k.tensors, t)
	k.byName[name] = t
}

// randomKeras draws random weights for arch and writes the Keras topology of its layers (what
// FromTFJS checks: convolutions, batch norms and the stem pads).
func randomKeras(arch Arch, seed uint64) *keras {
	r := rand.New(rand.NewPCG(seed, 7))
	k := &keras{arch: arch, byName: map[string]*tfjs.Tensor{}}
	layer := func(name, class string, cfg map[string]any, in ...string) {
		var nodes [][]any
		for _, s := range in {
			nodes = append(nodes, []any{s, 0, 0, map[string]any{}})
		}
		cfg["name"] = name
		k.layers = append(k.layers, map[string]any{"name": name, "class_name": class, "config": cfg, "inbound_nodes": [][][]any{nodes}})
	}
	layer("conv1_pad", "ZeroPadding2D", map[string]any{"padding": [][]int{{3, 3}, {3, 3}}})
	layer("pool1_pad", "ZeroPadding2D", map[string]any{"padding": [][]int{{1, 1}, {1, 1}}})
	for _, c := range arch.convs() {
		std := math.Sqrt(2 / float64(c.k*c.k*c.in))
		k.add(r, c.name+"/kernel", []int{c.k, c.k, c.in, c.out}, func() float64 { return r.NormFloat64() * std })
		k.add(r, c.name+"/bias", []int{c.out}, func() float64 { return 0.1 * r.NormFloat64() })
		k.add(r, c.bn+"/gamma", []int{c.out}, func() float64 { return 0.5 + r.Float64() })
		k.add(r, c.bn+"/beta", []int{c.out}, func() float64 { return 0.2 * r.NormFloat64() })
		k.add(r, c.bn+"/moving_mean", []int{c.out}, func() float64 { return 0.3 * r.NormFloat64() })
		k.add(r, c.bn+"/moving_variance", []int{c.out}, func() float64 { return 0.5 + r.Float64() })
		pad := "valid"
		if c.k == 3 {
			pad = "same"
		}
		layer(c.name, "Conv2D", map[string]any{"filters": c.out, "kernel_size": []int{c.k, c.k},
			"strides": []int{c.stride, c.stride}, "padding": pad, "dilation_rate": []int{1, 1}, "activation": "linear"})
		layer(c.bn, "BatchNormalization", map[string]any{"epsilon": 1e-3}, c.name)
	}
	d := arch.FeatureDim()
	k.add(r, "fc1000/kernel", []int{d, arch.Classes}, func() float64 { return r.NormFloat64() / math.Sqrt(float64(d)) })
	k.add(r, "fc1000/bias", []int{arch.Classes}, func() float64 { return 0.1 * r.NormFloat64() })
	return k
}

func (k *keras) topology() json.RawMessage {
	b, _ := json.Marshal(map[string]any{"keras_version": "2.2.4", "model_config": map[string]any{
		"class_name": "Model", "config": map[string]any{"name": "tiny", "layers": k.layers}}})
	return b
}

func writeKeras(k *keras, dir string) error { return tfjs.Write(dir, k.topology(), k.tensors, 4<<20) }

// WriteRandom writes a network of architecture arch with random weights (Keras layer names,
// batch-norm statistics included, and the topology FromTFJS checks) as a TensorFlow.js layers
// model in dir, with a labels.json naming the classes "class0", "class1", ... It stands in for
// the ImageNet weights in tests.
func WriteRandom(dir string, arch Arch, seed uint64) error {
	if err := writeKeras(randomKeras(arch, seed), dir); err != nil {
		return err
	}
	labels := map[string]string{}
	for i := 0; i < arch.Classes; i++ {
		labels[strconv.Itoa(i)] = "class" + strconv.Itoa(i)
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "labels.json"), b, 0o644)
}
