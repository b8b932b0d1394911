// Package torchckpt reads PyTorch checkpoint files, as written by torch.save, without Python.
//
// Two layouts are read: the zip archive of torch.save since PyTorch 1.6 (archive/data.pkl, one
// record archive/data/<key> per storage, optional archive/byteorder) and the legacy layout used
// before it, which files named *.pth.tar usually have: five pickles in a row (magic number
// 0x1950a86a20f9469cfc6c, protocol version 1001, system info, the object, the storage keys) followed
// by each storage as an int64 element count and its raw little-endian elements. The much older tar
// layout of PyTorch 0.1 is refused.
//
// The object pickle is decoded with github.com/nlpodyssey/gopickle after a scan of its opcodes that
// refuses anything beyond rebuilding tensors and plain containers: the opcodes that instantiate
// arbitrary classes or use extension registries, and every Python global outside a short
// allow-list (tensor and parameter rebuilds, the torch storage classes, OrderedDict, dict, list, and
// the inert parts of a numpy scalar). A tensor is kept as PyTorch has it: storage, offset, shape and
// strides; Tensor.Float32 returns its elements in row-major order.
package torchckpt

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// Checkpoint is the object a checkpoint file holds, converted to Go values: *Dict (a Python dict or
// OrderedDict, keys as strings), []any (a list or tuple), *Tensor, int, float64, string, bool, []byte
// and nil.
type Checkpoint struct {
	Format string // "zip" or "legacy"
	Root   any
}

// Dict is a Python dict with its insertion order kept.
type Dict struct {
	Keys   []string
	Values []any
}

// Get returns the value under key.
func (d *Dict) Get(key string) (any, bool) {
	for i, k := range d.Keys {
		if k == key {
			return d.Values[i], true
		}
	}
	return nil, false
}

// Named is a tensor with its key.
type Named struct {
	Key    string
	Tensor *Tensor
}

// Open reads the checkpoint file at path. Errors are one line and start with the path.
func Open(filePath string) (*Checkpoint, error) {
	data, err := os.ReadFile(filePath)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", filePath, err)
	}
	return c, nil
}

// Parse decodes a checkpoint held in memory. It never panics: a malformed file gives an error.
func Parse(data []byte) (c *Checkpoint, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("malformed checkpoint: %v", oneLine(fmt.Sprint(r)))
		}
		if err != nil {
			// Values quoted from the file may hold line breaks: keep the message on one line.
			err = errors.New(strings.Join(strings.Fields(err.Error()), " "))
		}
	}()
	switch {
	case bytes.HasPrefix(data, []byte("PK")):
		return parseZip(data)
	case len(data) > 262 && string(data[257:262]) == "ustar":
		return nil, errors.New("a tar archive (the layout of PyTorch 0.1) is not supported: load it with PyTorch and save it again with torch.save")
	case len(data) > 2 && data[0] == 0x80:
		return parseLegacy(data)
	case len(data) == 0:
		return nil, errors.New("empty file")
	}
	return nil, errors.New("not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy pickle)")
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// maxPickle bounds the size of the object pickle of a zip checkpoint.
const maxPickle = 1 << 30

func parseZip(data []byte) (*Checkpoint, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("damaged or truncated zip archive: %v", err)
	}
	records := map[string]*zip.File{}
	var prefix string
	found := false
	for _, f := range zr.File {
		records[f.Name] = f
		dir, base := path.Split(f.Name)
		switch base {
		case "data.pkl":
			if !found || len(dir) < len(prefix) {
				prefix, found = dir, true
			}
		}
	}
	if !found {
		return nil, errors.New("zip archive without data.pkl: not a torch.save checkpoint")
	}
	if _, ok := records[prefix+"constants.pkl"]; ok {
		return nil, errors.New("a TorchScript archive, not a checkpoint: save the weights with torch.save(model.state_dict(), FILE)")
	}
	if f, ok := records[prefix+"byteorder"]; ok {
		b, err := readRecord(f, 16, len(data))
		if err != nil {
			return nil, err
		}
		if s := strings.TrimSpace(string(b)); s != "little" {
			return nil, fmt.Errorf("byte order %q not supported (little-endian only)", s)
		}
	}
	pkl, err := readRecord(records[prefix+"data.pkl"], maxPickle, len(data))
	if err != nil {
		return nil, err
	}
	if _, err := scanPickle(pkl, 0); err != nil {
		return nil, fmt.Errorf("data.pkl: %v", err)
	}
	storages := map[string]*storage{}
	load := func(id any) (any, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() != 5 {
			return nil, fmt.Errorf("unexpected persistent id %v", id)
		}
		st, err := newStorage(t)
		if err != nil {
			return nil, err
		}
		if old, ok := storages[st.key]; ok {
			if old.dtype != st.dtype || old.numel != st.numel {
				return nil, fmt.Errorf("storage %q declared twice with different types", st.key)
			}
			return old, nil
		}
		f, ok := records[prefix+"data/"+st.key]
		if !ok {
			return nil, fmt.Errorf("storage record data/%s missing from the archive", st.key)
		}
		want := st.numel * st.dtype.Size()
		if f.UncompressedSize64 < uint64(want) {
			return nil, fmt.Errorf("storage record data/%s holds %d bytes, want %d", st.key, f.UncompressedSize64, want)
		}
		b, err := readRecord(f, want, len(data))
		if err != nil {
			return nil, err
		}
		st.data = b[:want]
		storages[st.key] = st
		return st, nil
	}
	root, err := unpickle(pkl, load)
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %v", err)
	}
	return &Checkpoint{Format: "zip", Root: root}, nil
}

// readRecord reads at most limit bytes of a zip record, refusing records whose stated size is
// implausible for an archive of fileSize bytes.
func readRecord(f *zip.File, limit, fileSize int) ([]byte, error) {
	n := f.UncompressedSize64
	if f.Method == zip.Store && n > uint64(fileSize) || n > 1100*uint64(fileSize) {
		return nil, fmt.Errorf("record %s: size %d larger than the archive allows (damaged?)", f.Name, n)
	}
	if n > uint64(limit) {
		n = uint64(limit)
	}
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("record %s: %v", f.Name, err)
	}
	defer r.Close()
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("record %s: %v (truncated?)", f.Name, err)
	}
	return buf, nil
}

// newStorage builds a storage from a persistent id ('storage', class, key, location, numel, …).
func newStorage(t *types.Tuple) (*storage, error) {
	if s, _ := t.Get(0).(string); s != "storage" {
		return nil, fmt.Errorf("persistent id of kind %v not supported", t.Get(0))
	}
	cls, ok1 := t.Get(1).(storageClass)
	key, ok2 := t.Get(2).(string)
	_, ok3 := t.Get(3).(string)
	numel, ok4 := t.Get(4).(int)
	if !ok1 || !ok2 || !ok3 || !ok4 || numel < 0 {
		return nil, fmt.Errorf("malformed storage id %v", t)
	}
	return &storage{dtype: cls.dtype, key: key, numel: numel}, nil
}

const legacyMagic = "1950a86a20f9469cfc6c"

func parseLegacy(data []byte) (*Checkpoint, error) {
	pos := 0
	next := func(what string, load func(any) (any, error)) (any, error) {
		n, err := scanPickle(data[pos:], int64(pos))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		v, err := unpickle(data[pos:pos+n], load)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		pos += n
		return v, nil
	}
	magic, err := next("magic number", nil)
	if err != nil {
		return nil, err
	}
	if m, ok := magic.(*big.Int); !ok || m.Text(16) != legacyMagic {
		return nil, errors.New("a pickle, but not a PyTorch checkpoint (no torch.save magic number)")
	}
	proto, err := next("protocol version", nil)
	if err != nil {
		return nil, err
	}
	if p, ok := proto.(int); !ok || p != 1001 {
		return nil, fmt.Errorf("legacy protocol version %v not supported (want 1001)", proto)
	}
	sys, err := next("system info", nil)
	if err != nil {
		return nil, err
	}
	if d, ok := sys.(*Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le != true {
			return nil, errors.New("written on a big-endian machine: not supported")
		}
	}
	storages := map[string]*storage{}
	var order []*storage
	load := func(id any) (any, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() != 6 {
			return nil, fmt.Errorf("unexpected persistent id %v", id)
		}
		if t.Get(5) != nil {
			return nil, errors.New("storage views (PyTorch < 0.4) not supported")
		}
		st, err := newStorage(t)
		if err != nil {
			return nil, err
		}
		if old, ok := storages[st.key]; ok {
			if old.dtype != st.dtype || old.numel != st.numel {
				return nil, fmt.Errorf("storage %q declared twice with different types", st.key)
			}
			return old, nil
		}
		storages[st.key] = st
		order = append(order, st)
		return st, nil
	}
	root, err := next("object", load)
	if err != nil {
		return nil, err
	}
	keysV, err := next("storage keys", nil)
	if err != nil {
		return nil, err
	}
	keys, ok := keysV.([]any)
	if !ok {
		return nil, fmt.Errorf("storage keys: want a list, got %T", keysV)
	}
	for _, kv := range keys {
		key, ok := kv.(string)
		st := storages[key]
		if !ok || st == nil {
			return nil, fmt.Errorf("storage key %v not used by the object", kv)
		}
		if len(data)-pos < 8 {
			return nil, fmt.Errorf("storage %s: file ends before its data (truncated?)", key)
		}
		numel := int64(leUint64(data[pos:]))
		pos += 8
		if numel != int64(st.numel) {
			return nil, fmt.Errorf("storage %s: %d elements in the file, %d declared", key, numel, st.numel)
		}
		n := st.numel * st.dtype.Size()
		if len(data)-pos < n {
			return nil, fmt.Errorf("storage %s: file ends before its %d bytes (truncated?)", key, n)
		}
		st.data = data[pos : pos+n]
		pos += n
	}
	for _, st := range order {
		if st.data == nil {
			return nil, fmt.Errorf("storage %s has no data in the file", st.key)
		}
	}
	return &Checkpoint{Format: "legacy", Root: root}, nil
}

func leUint64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// unpickle decodes one pickle (already scanned) and converts the result.
func unpickle(b []byte, load func(any) (any, error)) (any, error) {
	u := pickle.NewUnpickler(bytes.NewReader(b))
	u.FindClass = findClass
	if load != nil {
		u.PersistentLoad = load
	} else {
		u.PersistentLoad = func(any) (any, error) { return nil, errors.New("unexpected persistent id") }
	}
	v, err := u.Load()
	if err != nil {
		return nil, errors.New(oneLine(err.Error()))
	}
	budget := maxNodes
	return convert(v, 0, &budget)
}

const (
	maxDepth = 64
	maxNodes = 10_000_000
)

// convert turns gopickle's values into this package's.
func convert(v any, depth int, budget *int) (any, error) {
	*budget--
	if depth > maxDepth || *budget < 0 {
		return nil, errors.New("object nested too deeply or too large (recursive structure?)")
	}
	switch x := v.(type) {
	case nil, bool, int, float64, string, []byte, *Tensor:
		return x, nil
	case *big.Int:
		return x, nil
	case *types.OrderedDict:
		d := &Dict{}
		for e := x.List.Front(); e != nil; e = e.Next() {
			entry := e.Value.(*types.OrderedDictEntry)
			if err := d.add(entry.Key, entry.Value, depth, budget); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *types.Dict:
		d := &Dict{}
		for _, entry := range *x {
			if err := d.add(entry.Key, entry.Value, depth, budget); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *types.List:
		return convertSlice(*x, depth, budget)
	case *types.Tuple:
		return convertSlice(*x, depth, budget)
	case *storage:
		return nil, errors.New("a bare storage outside a tensor is not supported")
	}
	return nil, fmt.Errorf("unsupported value of Go type %T (only tensors and plain containers are read)", v)
}

func convertSlice(items []any, depth int, budget *int) ([]any, error) {
	out := make([]any, len(items))
	for i, e := range items {
		c, err := convert(e, depth+1, budget)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (d *Dict) add(key, value any, depth int, budget *int) error {
	var k string
	switch kk := key.(type) {
	case string:
		k = kk
	case int, bool, float64, *big.Int:
		k = fmt.Sprint(kk)
	default:
		return fmt.Errorf("dict key of type %T not supported", key)
	}
	v, err := convert(value, depth+1, budget)
	if err != nil {
		return err
	}
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// Tensors returns every tensor of the checkpoint, in file order, keyed by its path: dict keys and
// list indices joined with '.'.
func (c *Checkpoint) Tensors() []Named {
	var out []Named
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		join := func(k string) string {
			if prefix == "" {
				return k
			}
			return prefix + "." + k
		}
		switch x := v.(type) {
		case *Tensor:
			out = append(out, Named{prefix, x})
		case *Dict:
			for i, k := range x.Keys {
				walk(join(k), x.Values[i])
			}
		case []any:
			for i, e := range x {
				walk(join(fmt.Sprint(i)), e)
			}
		}
	}
	walk("", c.Root)
	return out
}

// StateDictKeys lists the top-level keys under which StateDict looks for a state dict when the
// checkpoint is not one itself.
var StateDictKeys = []string{"state_dict", "model", "model_state_dict", "net", "backbone"}

// StateDict returns the checkpoint's state dict: the top-level dict if its values are tensors, else
// the first tensor dict under one of StateDictKeys; where names the key ("" for the top level).
// Non-tensor entries of the chosen dict are skipped.
func (c *Checkpoint) StateDict() (sd []Named, where string, err error) {
	if d, ok := c.Root.(*Dict); ok {
		if t := tensorEntries(d); len(t) > 0 {
			return t, "", nil
		}
		for _, k := range StateDictKeys {
			if v, ok := d.Get(k); ok {
				if sub, ok := v.(*Dict); ok {
					if t := tensorEntries(sub); len(t) > 0 {
						return t, k, nil
					}
				}
			}
		}
		keys := append([]string(nil), d.Keys...)
		sort.Strings(keys)
		if len(keys) > 8 {
			keys = append(keys[:8], "…")
		}
		return nil, "", fmt.Errorf("no state dict found: the top-level keys are %s and none of %s holds tensors",
			strings.Join(keys, ", "), strings.Join(StateDictKeys, ", "))
	}
	return nil, "", fmt.Errorf("no state dict found: the checkpoint holds a %T, not a dict", c.Root)
}

func tensorEntries(d *Dict) []Named {
	var out []Named
	for i, k := range d.Keys {
		if t, ok := d.Values[i].(*Tensor); ok {
			out = append(out, Named{k, t})
		}
	}
	return out
}
