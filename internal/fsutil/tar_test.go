package fsutil

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tgz builds a gzip-compressed tar holding the given files (name → content; a name ending in
// "/" is a folder).
func tgz(t *testing.T, files [][2]string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		h := &tar.Header{Name: f[0], Mode: 0o600, Size: int64(len(f[1])), Typeflag: tar.TypeReg}
		if strings.HasSuffix(f[0], "/") {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o700
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f[1]))
	}
	tw.Close()
	zw.Close()
	return b.Bytes()
}

func TestExtractTarGz(t *testing.T) {
	dst := t.TempDir()
	arch := tgz(t, [][2]string{{"package/", ""}, {"package/a/b.txt", "bee"}, {"package/c.txt", "sea"}, {"skip.txt", "x"}})
	strip := func(name string) (string, bool) {
		rest, ok := strings.CutPrefix(name, "package"+string(filepath.Separator))
		return rest, ok
	}
	if err := ExtractTarGz(bytes.NewReader(arch), "p.tgz", dst, strip); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a/b.txt": "bee", "c.txt": "sea"} {
		if b, err := os.ReadFile(filepath.Join(dst, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "skip.txt")); err == nil {
		t.Error("skip.txt written although rename skipped it")
	}
	for _, bad := range []string{"../evil.txt", "/abs.txt"} {
		err := ExtractTarGz(bytes.NewReader(tgz(t, [][2]string{{bad, "x"}})), "bad.tgz", dst, nil)
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("entry %q: %v, want a refusal", bad, err)
		}
	}
	if err := ExtractTarGz(bytes.NewReader(arch[:len(arch)/2]), "cut.tgz", t.TempDir(), nil); err == nil ||
		!strings.HasPrefix(err.Error(), "cut.tgz: ") {
		t.Errorf("truncated archive: %v, want an error naming it", err)
	}
	if err := ExtractTarGz(strings.NewReader("not gzip"), "x.tgz", dst, nil); err == nil ||
		!strings.Contains(err.Error(), "not a gzip archive") {
		t.Errorf("plain text: %v, want 'not a gzip archive'", err)
	}
}
