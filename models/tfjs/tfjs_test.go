package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const topo = `{"keras_version":"2.2.4","model_config":{"class_name":"Model","config":{"name":"tiny","layers":[
{"name":"input_1","class_name":"InputLayer","config":{"batch_input_shape":[null,4,4,3]},"inbound_nodes":[]},
{"name":"conv","class_name":"Conv2D","config":{"filters":2,"strides":[1,1]},"inbound_nodes":[[["input_1",0,0,{}]]]},
{"name":"add","class_name":"Add","config":{},"inbound_nodes":[[["conv",0,0,{}],["input_1",0,0,{}]]]}]}}}`

// TestReadHandBuilt reads a model.json and two shards laid out byte by byte here, independently of
// Write: a 2×3 tensor split across the shards, then a 1-value tensor.
func TestReadHandBuilt(t *testing.T) {
	dir := t.TempDir()
	vals := []float32{1, -2, 3.5, 4, 5, -6e-7, 7}
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	os.WriteFile(filepath.Join(dir, "a.bin"), b[:12], 0o644)
	os.WriteFile(filepath.Join(dir, "b.bin"), b[12:], 0o644)
	mj := `{"format":"layers-model","generatedBy":"hand","modelTopology":` + topo + `,
	"weightsManifest":[{"paths":["a.bin","b.bin"],"weights":[
	{"name":"conv/kernel","shape":[2,3],"dtype":"float32"},{"name":"conv/bias","shape":[1],"dtype":"float32"}]}]}`
	os.WriteFile(filepath.Join(dir, "model.json"), []byte(mj), 0o644)
	m, err := Read(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := m.Tensor("conv/kernel", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vals[:6] {
		if k.Data[i] != v {
			t.Errorf("kernel[%d] = %v, want %v", i, k.Data[i], v)
		}
	}
	bias, err := m.Tensor("conv/bias", 1)
	if err != nil || bias.Data[0] != 7 {
		t.Errorf("bias = %v, %v; want [7]", bias, err)
	}
	if _, err := m.Tensor("conv/kernel", 3, 2); err == nil {
		t.Error("wrong shape accepted")
	}
	if m.Name != "tiny" || len(m.Layers) != 3 {
		t.Fatalf("name %q, %d layers", m.Name, len(m.Layers))
	}
	add, ok := m.Layer("add")
	if !ok || add.ClassName != "Add" || strings.Join(add.Inbound, ",") != "conv,input_1" {
		t.Errorf("layer add = %+v", add)
	}
	var cfg struct{ Filters int }
	conv, _ := m.Layer("conv")
	if err := conv.DecodeConfig(&cfg); err != nil || cfg.Filters != 2 {
		t.Errorf("conv config %+v %v", cfg, err)
	}
}

func randTensors(r *rand.Rand) []*Tensor {
	shapes := [][]int{{3, 3, 2, 5}, {5}, {7}, {1, 1, 5, 9}, {9}, {}}
	var ts []*Tensor
	for i, s := range shapes {
		t := &Tensor{Name: "t" + string(rune('a'+i)) + "/w", Shape: s}
		t.Data = make([]float32, t.Size())
		for j := range t.Data {
			t.Data[j] = float32(r.NormFloat64())
		}
		ts = append(ts, t)
	}
	return ts
}

func TestWriteReadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ts := randTensors(r)
	for _, shard := range []int{4, 40, 1 << 20} {
		dir := t.TempDir()
		if err := Write(dir, json.RawMessage(topo), ts, shard); err != nil {
			t.Fatal(err)
		}
		m, err := Read(filepath.Join(dir, "model.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Tensors) != len(ts) {
			t.Fatalf("%d tensors, want %d", len(m.Tensors), len(ts))
		}
		for _, want := range ts {
			got, err := m.Tensor(want.Name, want.Shape...)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("shard %d: %s[%d] = %v, want %v", shard, want.Name, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

func TestReadErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ts := randTensors(r)
	write := func(t *testing.T) string {
		dir := t.TempDir()
		if err := Write(dir, json.RawMessage(topo), ts, 40); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cases := []struct {
		name   string
		damage func(dir string)
		want   func(dir string) string // a text the message must hold
	}{
		{"truncated last shard", func(dir string) {
			p := filepath.Join(dir, lastShard(dir))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-4], 0o644)
		}, lastShard},
		{"short middle shard", func(dir string) {
			p := filepath.Join(dir, "group1-shard2of"+shardCount(dir)+".bin")
			os.WriteFile(p, make([]byte, 36), 0o644)
		}, func(dir string) string { return "group1-shard2of" }},
		{"missing shard", func(dir string) { os.Remove(filepath.Join(dir, "group1-shard3of"+shardCount(dir)+".bin")) },
			func(string) string { return "group1-shard3of" }},
		{"not json", func(dir string) { os.WriteFile(filepath.Join(dir, "model.json"), []byte("<html>"), 0o644) },
			func(string) string { return "model.json: not a TensorFlow.js model.json" }},
		{"int32 weights", func(dir string) { edit(dir, `"dtype":"float32"`, `"dtype":"int32"`) },
			func(string) string { return "only float32" }},
		{"graph model", func(dir string) { edit(dir, `"format":"layers-model"`, `"format":"graph-model"`) },
			func(string) string { return "layers model" }},
		{"path escape", func(dir string) { edit(dir, `"group1-shard1of`, `"../group1-shard1of`) },
			func(string) string { return "leaves the model folder" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := write(t)
			want := c.want(dir)
			c.damage(dir)
			_, err := Read(filepath.Join(dir, "model.json"))
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q does not name %q on one line", msg, want)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "model.json")); err == nil || !strings.Contains(err.Error(), "model.json") {
		t.Errorf("missing model.json: %v", err)
	}
}

func shardCount(dir string) string {
	m, _ := filepath.Glob(filepath.Join(dir, "group1-shard1of*.bin"))
	s := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m[0]), "group1-shard1of"), ".bin")
	return s
}

func lastShard(dir string) string {
	n := shardCount(dir)
	return "group1-shard" + n + "of" + n + ".bin"
}

func edit(dir, old, new string) {
	p := filepath.Join(dir, "model.json")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
}
