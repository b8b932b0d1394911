package resnet50

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/cct-dev/cct/data/npy"
)

// ExtractOptions control FeaturesResumable.
type ExtractOptions struct {
	Options
	Key   string        // identifies the input (e.g. "cifar10 all 60000"); a checkpoint of another key is ignored
	Every time.Duration // how often the rows done so far are saved; 0 means 2 minutes
}

// checkpoint is the JSON record next to the rows saved so far.
type checkpoint struct {
	Key  string `json:"key"`
	N    int    `json:"n"`
	D    int    `json:"d"`
	Done int    `json:"done"`
}

// CheckpointFiles returns the files FeaturesResumable keeps beside out while it runs: the rows
// done so far (.npy) and their record (.json).
func CheckpointFiles(out string) (rows, record string) {
	return out + ".partial.npy", out + ".partial.json"
}

// FeaturesResumable is Features for long runs whose result goes to the file out: every
// opt.Every it saves the rows done so far beside out (see CheckpointFiles, written atomically),
// and a later call with the same out, opt.Key and image count starts after them. The caller
// writes out itself and then calls RemoveCheckpoint.
func (m *Model) FeaturesResumable(images []uint8, n, h, w, c int, out string, opt ExtractOptions) ([]float32, error) {
	d := m.Arch.FeatureDim()
	every := opt.Every
	if every <= 0 {
		every = 2 * time.Minute
	}
	feats := make([]float32, n*d)
	done := resumeFrom(out, opt.Key, n, d, feats)
	size := h * w * c
	if len(images) != n*size {
		return nil, fmt.Errorf("resnet50: %d bytes for %d images of %d×%d×%d", len(images), n, h, w, c)
	}
	bs := opt.BatchSize
	if bs <= 0 {
		bs = DefaultBatchSize
	}
	last := time.Now()
	for done < n {
		// Batch by batch, so that a checkpoint can be taken between any two.
		start, b := done, min(bs, n-done)
		inner := opt.Options
		inner.Progress = func(k, _ int) {
			if opt.Progress != nil {
				opt.Progress(start+k, n)
			}
		}
		f, err := m.Features(images[start*size:(start+b)*size], b, h, w, c, inner)
		if err != nil {
			return nil, err
		}
		copy(feats[start*d:], f)
		done += b
		if done < n && time.Since(last) >= every {
			if err := saveCheckpoint(out, checkpoint{opt.Key, n, d, done}, feats[:done*d]); err != nil {
				return nil, err
			}
			last = time.Now()
		}
	}
	return feats, nil
}

// RemoveCheckpoint deletes the checkpoint files of out.
func RemoveCheckpoint(out string) {
	rows, rec := CheckpointFiles(out)
	os.Remove(rec)
	os.Remove(rows)
}

// resumeFrom fills feats with the rows of a matching checkpoint of out and returns their count
// (0 when there is none or it does not match).
func resumeFrom(out, key string, n, d int, feats []float32) int {
	rows, rec := CheckpointFiles(out)
	b, err := os.ReadFile(rec)
	if err != nil {
		return 0
	}
	var cp checkpoint
	if json.Unmarshal(b, &cp) != nil || cp.Key != key || cp.N != n || cp.D != d || cp.Done <= 0 || cp.Done > n {
		return 0
	}
	a, err := npy.ReadFile(rows)
	if err != nil || a.DType != npy.Float32 || len(a.Shape) != 2 || a.Shape[0] != cp.Done || a.Shape[1] != d {
		return 0
	}
	copy(feats, a.F32)
	return cp.Done
}

// saveCheckpoint writes the rows, then the record that points at them (both atomically).
func saveCheckpoint(out string, cp checkpoint, rows []float32) error {
	rp, rec := CheckpointFiles(out)
	os.Remove(rec) // a record never describes rows other than those on disk
	if err := npy.WriteFloat32(rp, []int{cp.Done, cp.D}, rows); err != nil {
		return err
	}
	b, _ := json.Marshal(cp)
	tmp := rec + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, rec)
}
