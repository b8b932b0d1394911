package featcache

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/models/resnet50"
)

// cache is one backbone's folder of shards.
type cache struct {
	dir string
	log io.Writer
}

func (c *cache) say(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, format, args...)
	}
}

const keysExt, rowsExt = ".keys.npy", ".npy"

// lookup reads the shards of the folder and returns the rows of the keys in want that are cached,
// and their dimension (0 when none is). A shard that cannot be read is reported and ignored.
func (c *cache) lookup(want []key) (map[key][]float32, int, error) {
	need := make(map[key]bool, len(want))
	for _, k := range want {
		need[k] = true
	}
	rows := map[key][]float32{}
	files, _ := filepath.Glob(filepath.Join(c.dir, "*"+keysExt))
	sort.Strings(files)
	d := 0
	for _, kf := range files {
		ka, err := npy.ReadFile(kf)
		if err == nil && (ka.DType != npy.Int64 || len(ka.Shape) != 2 || ka.Shape[1] != 2) {
			err = fmt.Errorf("shape %v of %v, want M×2 int64", ka.Shape, ka.DType)
		}
		if err != nil {
			c.say("features cache: ignoring %s (%v)\n", kf, err)
			continue
		}
		var idx []int
		for r := 0; r < ka.Shape[0]; r++ {
			if k := keyOf(ka.Ints[2*r:]); need[k] && rows[k] == nil {
				idx = append(idx, r)
			}
		}
		if len(idx) == 0 {
			continue
		}
		rf := strings.TrimSuffix(kf, keysExt) + rowsExt
		ra, err := npy.ReadFile(rf)
		if err == nil && (ra.DType != npy.Float32 || len(ra.Shape) != 2 || ra.Shape[0] != ka.Shape[0] || (d > 0 && ra.Shape[1] != d)) {
			err = fmt.Errorf("shape %v of %v, want %d×D float32", ra.Shape, ra.DType, ka.Shape[0])
		}
		if err != nil {
			c.say("features cache: ignoring %s (%v)\n", rf, err)
			continue
		}
		d = ra.Shape[1]
		for _, r := range idx {
			rows[keyOf(ka.Ints[2*r:])] = ra.F32[r*d : (r+1)*d : (r+1)*d]
		}
	}
	return rows, d, nil
}

// keyOf reads a key from two int64 (little-endian halves).
func keyOf(v []int64) key {
	var k key
	binary.LittleEndian.PutUint64(k[:8], uint64(v[0]))
	binary.LittleEndian.PutUint64(k[8:], uint64(v[1]))
	return k
}

// compute runs the backbone on the images missing (indices into ds, one per key), adds their
// rows to rows, and saves them: a shard every opt.SaveEvery while running, merged into one shard
// at the end.
func (c *cache) compute(m *resnet50.Model, ds *data.Dataset, keys []key, missing []int, rows map[key][]float32, opt Options) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("features cache: %v", err)
	}
	bs := opt.Batch
	if bs <= 0 {
		bs = resnet50.DefaultBatchSize
	}
	every := opt.SaveEvery
	if every <= 0 {
		every = 2 * time.Minute
	}
	info, err := m.BackendInfo(opt.Backend)
	if err != nil {
		return err
	}
	c.say("computing the features of %d distinct images at 224×224 (backend %s, batch %d); rows are saved every %s, so an interrupted run continues where it stopped\n",
		len(missing), info, bs, every)
	progress, finish := resnet50.ProgressBar(c.log, "features")
	d, size := m.Arch.FeatureDim(), ds.ImageSize()
	// Unique among runs, also those of one process within a second.
	run := fmt.Sprintf("%s-%d-%08x", time.Now().Format("20060102-150405"), os.Getpid(), rand.Uint32())
	var parts []string
	var pend []key
	var pendRows []float32
	flush := func(name string) error {
		if len(pend) == 0 {
			return nil
		}
		if err := c.save(name, pend, pendRows, d); err != nil {
			return err
		}
		parts = append(parts, name)
		pend, pendRows = nil, nil
		return nil
	}
	buf := make([]uint8, bs*size)
	last := time.Now()
	for lo := 0; lo < len(missing); lo += bs {
		b := min(bs, len(missing)-lo)
		for j := 0; j < b; j++ {
			copy(buf[j*size:], ds.Image(missing[lo+j]))
		}
		f, err := m.Features(buf[:b*size], b, ds.H, ds.W, ds.C, resnet50.Options{BatchSize: bs, Backend: opt.Backend})
		if err != nil {
			return err
		}
		for j := 0; j < b; j++ {
			k := keys[missing[lo+j]]
			rows[k] = f[j*d : (j+1)*d : (j+1)*d]
			pend = append(pend, k)
		}
		pendRows = append(pendRows, f...)
		progress(lo+b, len(missing))
		if time.Since(last) >= every {
			if err := flush(fmt.Sprintf("%s-%04d", run, len(parts))); err != nil {
				return err
			}
			last = time.Now()
		}
	}
	finish()
	if len(parts) == 0 {
		return flush(run)
	}
	if err := flush(fmt.Sprintf("%s-%04d", run, len(parts))); err != nil {
		return err
	}
	// Merge this run's shards into one.
	all := make([]key, len(missing))
	allRows := make([]float32, 0, len(missing)*d)
	for i, j := range missing {
		all[i] = keys[j]
		allRows = append(allRows, rows[keys[j]]...)
	}
	if err := c.save(run, all, allRows, d); err != nil {
		return err
	}
	for _, p := range parts {
		os.Remove(filepath.Join(c.dir, p+keysExt))
		os.Remove(filepath.Join(c.dir, p+rowsExt))
	}
	return nil
}

// save writes one shard: its rows, then its keys (a shard counts once its keys file exists; both
// are written atomically).
func (c *cache) save(name string, keys []key, rows []float32, d int) error {
	base := filepath.Join(c.dir, name)
	if err := npy.WriteFloat32(base+rowsExt, []int{len(keys), d}, rows); err != nil {
		return fmt.Errorf("features cache: %v", err)
	}
	ints := make([]int64, 2*len(keys))
	for i, k := range keys {
		ints[2*i] = int64(binary.LittleEndian.Uint64(k[:8]))
		ints[2*i+1] = int64(binary.LittleEndian.Uint64(k[8:]))
	}
	if err := npy.WriteInt64(base+keysExt, []int{len(keys), 2}, ints); err != nil {
		return fmt.Errorf("features cache: %v", err)
	}
	return nil
}
