package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Write saves tensors in the layers format: dir/model.json with the given Keras topology (the
// "modelTopology" object) and one manifest group of float32 shards of at most shardBytes bytes
// each (group1-shardKofN.bin), creating dir if needed, as the TensorFlow.js converter lays them out. It is meant for tests
// and small converted models.
func Write(dir string, topology json.RawMessage, tensors []*Tensor, shardBytes int) error {
	if shardBytes <= 0 || shardBytes%4 != 0 {
		return fmt.Errorf("tfjs.Write: shard size %d is not a positive multiple of 4", shardBytes)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var all []byte
	type entry struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		DType string `json:"dtype"`
	}
	var entries []entry
	for _, t := range tensors {
		if len(t.Data) != t.Size() {
			return fmt.Errorf("tfjs.Write: tensor %q has %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		entries = append(entries, entry{t.Name, t.Shape, "float32"})
		for _, v := range t.Data {
			all = binary.LittleEndian.AppendUint32(all, math.Float32bits(v))
		}
	}
	nShards := max(1, (len(all)+shardBytes-1)/shardBytes)
	var paths []string
	for i := 0; i < nShards; i++ {
		name := fmt.Sprintf("group1-shard%dof%d.bin", i+1, nShards)
		paths = append(paths, name)
		lo, hi := i*shardBytes, min((i+1)*shardBytes, len(all))
		if err := os.WriteFile(filepath.Join(dir, name), all[lo:hi], 0o644); err != nil {
			return err
		}
	}
	mf := map[string]any{
		"format":          "layers-model",
		"generatedBy":     "cct tfjs.Write",
		"modelTopology":   topology,
		"weightsManifest": []any{map[string]any{"paths": paths, "weights": entries}},
	}
	b, err := json.Marshal(mf)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "model.json"), b, 0o644)
}
