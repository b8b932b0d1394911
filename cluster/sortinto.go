package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cct-dev/cct/eval/gallery"
)

// SortInto puts every item with a path into out/cluster-NN/ (NN the cluster, zero-padded to the
// width of the largest cluster number, at least 2 digits) as a symbolic link to the original file
// (its absolute path), or as a copy when copyFiles is set. The original files are only read,
// never moved or changed. out must not exist or be an empty folder; two files of the same name in
// one cluster (from different sub-folders) get their index appended ("a-1234.jpg"). It returns
// the number of files placed.
func SortInto(items []gallery.Item, out string, copyFiles bool) (int, error) {
	if err := emptyOrMissing(out); err != nil {
		return 0, err
	}
	maxCluster := 0
	any := false
	for _, it := range items {
		maxCluster = max(maxCluster, it.Cluster)
		any = any || it.Path != ""
	}
	if !any {
		return 0, fmt.Errorf("--sort-into %s: the assignments have no file paths (only image-folder datasets do)", out)
	}
	width := max(2, len(fmt.Sprint(maxCluster)))
	used := map[string]bool{}
	n := 0
	for _, it := range items {
		if it.Path == "" {
			continue
		}
		dir := filepath.Join(out, fmt.Sprintf("cluster-%0*d", width, it.Cluster))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return n, fmt.Errorf("--sort-into: %v", err)
		}
		base := filepath.Base(it.Path)
		dst := filepath.Join(dir, base)
		if used[dst] {
			ext := filepath.Ext(base)
			dst = filepath.Join(dir, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(base, ext), it.Index, ext))
		}
		used[dst] = true
		src, err := filepath.Abs(it.Path)
		if err != nil {
			return n, err
		}
		if copyFiles {
			err = copyFile(src, dst)
		} else {
			err = os.Symlink(src, dst)
		}
		if err != nil {
			return n, fmt.Errorf("--sort-into: %v", err)
		}
		n++
	}
	return n, nil
}

// emptyOrMissing checks that dir does not exist or is an empty folder.
func emptyOrMissing(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("--sort-into %s: %v", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("--sort-into %s: the folder exists and is not empty; give a new folder", dir)
	}
	return nil
}

// copyFile copies src to a new file dst (never overwriting one), through a temporary file in
// dst's folder.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s exists", dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".copy-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
