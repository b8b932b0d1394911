package fsutil

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ExtractTarGz unpacks the gzip-compressed tar stream r (named archive in errors) into the folder
// dst. Only regular files (mode 0644) and folders are written. rename, when not nil, maps each
// entry's cleaned relative path to the one to write and may skip it (ok false). Entries whose
// path is absolute or leaves dst are refused. Errors are one line and name the archive.
func ExtractTarGz(r io.Reader, archive, dst string, rename func(name string) (string, bool)) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%s: not a gzip archive (%s)", archive, FirstLine(err.Error()))
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: corrupt archive (%s)", archive, FirstLine(err.Error()))
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s: refusing archive entry %q outside the extraction folder", archive, h.Name)
		}
		if rename != nil {
			var ok bool
			if name, ok = rename(name); !ok {
				continue
			}
		}
		target := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			w, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(w, tr)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%s: extracting %s: %s", archive, h.Name, FirstLine(err.Error()))
			}
		}
	}
}
