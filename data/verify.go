package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Verified is one file of a dataset that Verify checked, with what was checked.
type Verified struct {
	Path  string // the file
	Check string // what matched, e.g. "MD5 f68b3c2d… of the published file"
}

// Verify checks the files of built-in dataset name in the dataset's folder under dataDir in full:
// each downloaded file against its published MD5 (a gzipped file may instead match the MD5 of the
// published content, an uncompressed copy that MD5 directly), each file extracted from an archive
// against its published size. A bad file gives a one-line error naming it and saying how to
// replace it; a missing file a *NotFoundError. Datasets that are read where they lie (image
// folders, feature files) have no published checksums: Verify returns nothing for them.
func Verify(name, dataDir string) ([]Verified, error) {
	spec, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	set, ok := catalog(spec.Kind)
	if !ok {
		return nil, nil
	}
	dir := filepath.Join(dataDir, set.folder)
	fix := fmt.Sprintf("run `cct data get %s` to move it aside and fetch it again", spec.Kind)
	var out []Verified
	if set.archive {
		for _, m := range set.members {
			p := filepath.Join(dir, m.path)
			st, err := os.Stat(p)
			if err != nil {
				return nil, &NotFoundError{Name: name, Dir: dataDir, Missing: p}
			}
			if st.Size() != m.size {
				return nil, fmt.Errorf("%s: %s has %d bytes, expected %d: truncated or not the published file; %s", name, p, st.Size(), m.size, fix)
			}
			out = append(out, Verified{p, fmt.Sprintf("size %d bytes", m.size)})
		}
		return out, nil
	}
	for _, f := range set.files {
		p := filepath.Join(dir, f.name)
		if _, err := os.Stat(p); err == nil {
			if err := verify(p, f); err != nil {
				return nil, fmt.Errorf("%s: %s %v; %s", name, p, err, fix)
			}
			out = append(out, Verified{p, "MD5 of the published file"})
			continue
		}
		raw := strings.TrimSuffix(p, ".gz")
		if _, err := os.Stat(raw); raw == p || err != nil || f.contentMD5 == "" {
			return nil, &NotFoundError{Name: name, Dir: dataDir, Missing: p}
		}
		sum, err := md5File(raw, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %v", name, raw, err)
		}
		if sum != f.contentMD5 {
			return nil, fmt.Errorf("%s: %s has MD5 %s, expected %s: corrupt or not the published file; %s", name, raw, sum, f.contentMD5, fix)
		}
		out = append(out, Verified{raw, "MD5 of the published content"})
	}
	return out, nil
}
