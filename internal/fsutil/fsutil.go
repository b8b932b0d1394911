// Package fsutil holds the file-system helpers that data/, eval/, train/, models/ and cmd/ share:
// atomic file writes and one-line error text.
package fsutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteAtomic creates path with the bytes that fill writes: see WriteAtomicVerified.
func WriteAtomic(path string, fill func(io.Writer) error) error {
	return WriteAtomicVerified(path, fill, nil)
}

// WriteAtomicVerified writes through fill into a temporary file in path's folder, syncs it, makes
// it readable by all (0644), runs verify on the temporary file's name when verify is not nil, and
// only then renames it over path. On any error the temporary file is removed and path is left as
// it was, so readers see either the old file or the complete new one. Errors start with
// "file PATH: ".
func WriteAtomicVerified(path string, fill func(io.Writer) error, verify func(tmp string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	fail := func(e error) error { return fmt.Errorf("file %s: %w", path, e) }
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return fail(err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		return fail(err)
	}
	if err = f.Sync(); err != nil {
		return fail(err)
	}
	if err = f.Close(); err != nil {
		return fail(err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fail(err)
	}
	if verify != nil {
		if err = verify(tmp); err != nil {
			return fail(err)
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return nil
}

// FirstLine returns s up to its first newline, so that an error prints as one line.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
