package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file in the same folder, synced and then
// renamed over path, so that a reader (or a run killed at any moment) sees the old or the new
// content, never a part.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomicWith(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// writeAtomicWith is writeFileAtomic for content produced by a writer function.
func writeAtomicWith(path string, write func(f *os.File) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	ok = true
	return syncDir(dir)
}

// writeJSONAtomic writes v as indented JSON, atomically.
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %v", path, err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// syncDir flushes a folder's entries (renames) to disk; best effort where unsupported.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}
