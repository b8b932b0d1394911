package train

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// A run's checkpoint folder holds one complete checkpoint per saved epoch, epoch-NNNN/, made of the
// GoMLX checkpoint of the context (every variable: weights, batch-norm statistics, optimiser state,
// global step, RNG state) and the trainer's own state (state.json; y.bin with the dataset-level y
// of pseudolabel.scope epoch; labels.bin with SeLa's hard labels). A checkpoint is built in a
// temporary folder and renamed into place, then the file "latest" (written atomically) names it; a
// run killed at any moment therefore resumes from the last complete checkpoint.

const (
	latestFile = "latest"
	stateFile  = "state.json"
	yFile      = "y.bin"
	labelsFile = "labels.bin"
)

// trainerState is the trainer's part of a checkpoint.
type trainerState struct {
	Epoch    int            `json:"epoch"`     // completed epochs
	Step     int64          `json:"step"`      // optimiser steps taken
	Seed     int64          `json:"seed"`      // seed of this run
	SeLaNext int            `json:"sela_next"` // index of the next SeLa label refresh
	History  []EpochMetrics `json:"history"`   // one entry per completed epoch
	Input    []int          `json:"input"`     // dimensions of one network input: H, W, C or D
	Clusters int            `json:"clusters"`  // K, the network's outputs
	YRows    int            `json:"y_rows,omitempty"`
	YCols    int            `json:"y_cols,omitempty"`
	NLabels  int            `json:"n_labels,omitempty"`

	y      []float64 // dataset-level soft labels, YRows×YCols (scope epoch), or nil
	labels []int     // SeLa hard labels, or nil
}

// saveCheckpoint writes a complete checkpoint of ctx and st under dir (the run's checkpoint folder)
// and removes older ones.
func saveCheckpoint(dir string, ctx *context.Context, st *trainerState) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	name := fmt.Sprintf("epoch-%04d", st.Epoch)
	tmp, err := os.MkdirTemp(dir, ".tmp-"+name+"-")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	defer os.RemoveAll(tmp) // no-op after the rename
	h, err := checkpoints.Build(ctx).Dir(tmp).Done()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	if err := h.Save(); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	st.YRows, st.NLabels = 0, len(st.labels)
	if st.y != nil {
		if st.YCols < 1 || len(st.y)%st.YCols != 0 {
			return fmt.Errorf("checkpoint %s: dataset-level y has %d values, not a multiple of %d columns", dir, len(st.y), st.YCols)
		}
		st.YRows = len(st.y) / st.YCols
		if err := writeFileAtomic(filepath.Join(tmp, yFile), float64sToBytes(st.y)); err != nil {
			return err
		}
	}
	if st.labels != nil {
		if err := writeFileAtomic(filepath.Join(tmp, labelsFile), intsToBytes(st.labels)); err != nil {
			return err
		}
	}
	if err := writeJSONAtomic(filepath.Join(tmp, stateFile), st); err != nil {
		return err
	}
	final := filepath.Join(dir, name)
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, latestFile), []byte(name+"\n")); err != nil {
		return err
	}
	// Drop every other checkpoint and any leftover temporary folder.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && e.Name() != name && (strings.HasPrefix(e.Name(), "epoch-") || strings.HasPrefix(e.Name(), ".tmp-")) {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// errNoCheckpoint is returned by loadCheckpoint when the folder has no complete checkpoint.
var errNoCheckpoint = errors.New("no checkpoint")

// loadCheckpoint reads the last complete checkpoint under dir: the trainer state is returned and
// the context variables are attached to ctx, which takes them as the model and optimiser create
// their variables. Call it before building any graph on ctx.
func loadCheckpoint(dir string, ctx *context.Context) (*trainerState, error) {
	raw, err := os.ReadFile(filepath.Join(dir, latestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %v", dir, err)
	}
	epochDir := filepath.Join(dir, strings.TrimSpace(string(raw)))
	var st trainerState
	data, err := os.ReadFile(filepath.Join(epochDir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %v", epochDir, err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("checkpoint %s: bad %s: %v", epochDir, stateFile, err)
	}
	if st.YRows > 0 {
		b, err := os.ReadFile(filepath.Join(epochDir, yFile))
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %v", epochDir, err)
		}
		if len(b) != 8*st.YRows*st.YCols {
			return nil, fmt.Errorf("checkpoint %s: %s has %d bytes, want %d×%d float64", epochDir, yFile, len(b), st.YRows, st.YCols)
		}
		st.y = bytesToFloat64s(b)
	}
	if st.NLabels > 0 {
		b, err := os.ReadFile(filepath.Join(epochDir, labelsFile))
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %v", epochDir, err)
		}
		if len(b) != 4*st.NLabels {
			return nil, fmt.Errorf("checkpoint %s: %s has %d bytes, want %d int32", epochDir, labelsFile, len(b), st.NLabels)
		}
		st.labels = bytesToInts(b)
	}
	if ctx != nil {
		if _, err := checkpoints.Build(ctx).Dir(epochDir).Done(); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %v", epochDir, err)
		}
	}
	return &st, nil
}

func float64sToBytes(xs []float64) []byte {
	b := make([]byte, 8*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func bytesToFloat64s(b []byte) []float64 {
	xs := make([]float64, len(b)/8)
	for i := range xs {
		xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return xs
}

func intsToBytes(xs []int) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(x)))
	}
	return b
}

func bytesToInts(b []byte) []int {
	xs := make([]int, len(b)/4)
	for i := range xs {
		xs[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return xs
}
