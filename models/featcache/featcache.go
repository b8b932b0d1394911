// Package featcache gives the fixed features of the images of a dataset under a pretrained
// backbone (the ImageNet ResNet-50 of package resnet50), computing each image's row once.
//
// Rows are kept under <data dir>/features/<backbone>-<weights id>/ in shards: a pair of .npy files,
// NAME.npy (M×D float32 rows) and NAME.keys.npy (M×2 int64, the first 16 bytes of the SHA-256 of
// each image's height, width, channels and pixels). A row is found by its image's content alone,
// so any dataset, split, subset, folder layout or order of images already seen reuses it, and a
// run interrupted part way keeps what it saved (a shard every Options.SaveEvery). The weights id
// is the start of the SHA-256 of the backbone's files, so other weights never share rows.
package featcache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/models/resnet50"
	"github.com/cct-dev/cct/models/tfjs"
	"github.com/cct-dev/cct/models/weights"
)

// Backbones lists the backbones Compute knows.
var Backbones = []string{"resnet50"}

// Options configures Compute.
type Options struct {
	Backbone  string        // "resnet50"
	DataDir   string        // data folder: weights under DataDir/weights, the cache under DataDir/features ("" : $CCT_DATA, else ~/.cache/cct)
	Model     string        // folder (or model.json) of the backbone; "" : the cached weights (cct weights get)
	Backend   string        // compute backend spec ("" : the project's CPU backend)
	Batch     int           // images per forward pass (0: resnet50.DefaultBatchSize)
	SaveEvery time.Duration // how often computed rows are saved while running (0: 2 minutes)
	Log       io.Writer     // what was reused and a progress line; nil: silent
}

// Compute returns ds with its images replaced by their features: a feature dataset of N×D rows
// with the labels, class names, files and paths of ds.
func Compute(ds *data.Dataset, opt Options) (*data.Dataset, error) {
	if !ds.IsImage() {
		return nil, fmt.Errorf("features %s: %s holds features already, not images", opt.Backbone, ds.Name)
	}
	if !slices.Contains(Backbones, opt.Backbone) {
		return nil, fmt.Errorf("features %q: unknown backbone (available: %s)", opt.Backbone, strings.Join(Backbones, ", "))
	}
	model, err := modelDir(opt)
	if err != nil {
		return nil, err
	}
	id, err := weightsID(model)
	if err != nil {
		return nil, err
	}
	root, err := data.Dir(opt.DataDir)
	if err != nil {
		return nil, err
	}
	c := &cache{dir: filepath.Join(root, "features", opt.Backbone+"-"+id), log: opt.Log}
	keys := imageKeys(ds)
	rows, d, err := c.lookup(keys)
	if err != nil {
		return nil, err
	}
	var missing []int // first example of each missing key
	seen := map[key]bool{}
	cached := 0
	for i, k := range keys {
		if _, ok := rows[k]; ok {
			cached++
		} else if !seen[k] {
			seen[k] = true
			missing = append(missing, i)
		}
	}
	c.say("features %s: %d images of %s, %d cached in %s\n", opt.Backbone, ds.N, ds.Name, cached, c.dir)
	if len(missing) > 0 {
		m, err := resnet50.Open(model)
		if err != nil {
			return nil, err
		}
		defer m.Close()
		d = m.Arch.FeatureDim()
		if err := c.compute(m, ds, keys, missing, rows, opt); err != nil {
			return nil, err
		}
	}
	out := &data.Dataset{Name: ds.Name, Split: ds.Split, N: ds.N, D: d, Features: make([]float32, ds.N*d),
		Labels: ds.Labels, ClassNames: ds.ClassNames, Files: ds.Files, Paths: ds.Paths, Skipped: ds.Skipped}
	for i, k := range keys {
		copy(out.Features[i*d:(i+1)*d], rows[k])
	}
	return out, nil
}

// modelDir returns the folder of the backbone's files.
func modelDir(opt Options) (string, error) {
	if opt.Model != "" {
		return opt.Model, nil
	}
	wdir, err := weights.Dir(opt.DataDir)
	if err != nil {
		return "", err
	}
	return weights.Path(wdir, opt.Backbone)
}

// weightsID is the first 12 hex digits of the SHA-256 over the backbone's model.json and the
// weight shards it lists, in order.
func weightsID(model string) (string, error) {
	file, err := resnet50.ModelFile(model)
	if err != nil {
		return "", err
	}
	files, err := tfjs.Files(file)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return "", fmt.Errorf("weights: %v; get them again with 'cct weights get %s --force'", err, filepath.Base(model))
		}
		_, err = io.Copy(h, r)
		r.Close()
		if err != nil {
			return "", fmt.Errorf("weights %s: %v", f, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// key identifies an image by content: the first 16 bytes of the SHA-256 of its height, width and
// channels (uint32 little-endian each) and its pixels.
type key [16]byte

// imageKeys returns the key of every image of ds.
func imageKeys(ds *data.Dataset) []key {
	keys := make([]key, ds.N)
	var dims [12]byte
	binary.LittleEndian.PutUint32(dims[0:], uint32(ds.H))
	binary.LittleEndian.PutUint32(dims[4:], uint32(ds.W))
	binary.LittleEndian.PutUint32(dims[8:], uint32(ds.C))
	h := sha256.New()
	for i := range keys {
		h.Reset()
		h.Write(dims[:])
		h.Write(ds.Image(i))
		copy(keys[i][:], h.Sum(nil))
	}
	return keys
}
