package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// noTemps fails if a temporary file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestFetchFileSources(t *testing.T) {
	content := []byte("the file content")
	var hits []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.URL.Path)
		switch r.URL.Path {
		case "/good":
			w.Write(content)
		case "/wrong":
			w.Write([]byte("something else"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	local := filepath.Join(t.TempDir(), "copy")
	writeFile(t, local, []byte("corrupt local copy"))

	dir := t.TempDir()
	f := remoteFile{name: "f.bin", md5: md5hex(content), local: []string{"/does/not/exist", local},
		urls: []string{srv.URL + "/missing", srv.URL + "/wrong", srv.URL + "/good"}}
	var out bytes.Buffer
	p, err := fetchFile("ds", dir, f, srv.Client(), &out)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
		t.Fatalf("content %q", b)
	}
	if strings.Join(hits, ",") != "/missing,/wrong,/good" || !strings.Contains(out.String(), "downloaded from") {
		t.Fatalf("hits %v, output %q", hits, out.String())
	}
	noTemps(t, dir)

	// Present and valid: nothing fetched.
	hits = nil
	if _, err := fetchFile("ds", dir, f, srv.Client(), nil); err != nil || len(hits) != 0 {
		t.Fatalf("%v, hits %v", err, hits)
	}
	// A good local copy wins over the web.
	writeFile(t, local, content)
	os.Remove(p)
	if _, err := fetchFile("ds", dir, f, srv.Client(), nil); err != nil || len(hits) != 0 {
		t.Fatalf("%v, hits %v", err, hits)
	}
}

func TestFetchFileFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.tar.gz"), []byte("truncated"))
	f := remoteFile{name: "a.tar.gz", md5: md5hex([]byte("x")), urls: []string{srv.URL + "/a.tar.gz"}}
	_, err := fetchFile("cifar10", dir, f, srv.Client(), nil)
	msg := err.Error()
	for _, want := range []string{filepath.Join(dir, "a.tar.gz") + " is bad (has MD5", "moved aside to a.tar.gz.bad-", "404", "put it at " + filepath.Join(dir, "a.tar.gz"), "cct data get cifar10", f.md5} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.tar.gz")); err == nil {
		t.Error("the bad file is still in place")
	}
	if aside, _ := filepath.Glob(filepath.Join(dir, "a.tar.gz.bad-*")); len(aside) != 1 {
		t.Errorf("moved-aside copies %v, want one", aside)
	} else if b, _ := os.ReadFile(aside[0]); string(b) != "truncated" {
		t.Error("the moved-aside copy differs from the bad file")
	}
	noTemps(t, dir)
}

func TestVerifyContentMD5(t *testing.T) {
	// A recompressed .gz fails the published MD5 but passes on its content.
	content := []byte("idx bytes")
	var a, b bytes.Buffer
	wa, _ := gzip.NewWriterLevel(&a, gzip.BestSpeed)
	wa.Write(content)
	wa.Close()
	wb, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	wb.Name = "other"
	wb.Write(content)
	wb.Close()
	path := filepath.Join(t.TempDir(), "f.gz")
	writeFile(t, path, b.Bytes())
	f := remoteFile{name: "f.gz", md5: md5hex(a.Bytes())}
	if verify(path, f) == nil {
		t.Fatal("different gzip bytes passed the file MD5")
	}
	f.contentMD5 = md5hex(content)
	if err := verify(path, f); err != nil {
		t.Fatal(err)
	}
}

// tarGz builds a .tar.gz of the named files (a name ending in / is a folder).
func tarGz(t *testing.T, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeysB(files) {
		if strings.HasSuffix(name, "/") {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[name]))})
		tw.Write(files[name])
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func sortedKeysB(m map[string][]byte) []string {
	s := map[string]string{}
	for k := range m {
		s[k] = ""
	}
	return sortedKeys(s)
}

func TestGetArchive(t *testing.T) {
	arch := tarGz(t, map[string][]byte{"top/": nil, "top/a.bin": []byte("aaaa"), "top/sub/b.bin": []byte("bb"), "top/readme": []byte("hi")})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(arch) }))
	defer srv.Close()
	set := remoteSet{folder: "ds", archive: true, topDir: "top",
		members: []member{{"top/a.bin", 4}, {"top/sub/b.bin", 2}},
		files:   []remoteFile{{name: "ds.tar.gz", md5: md5hex(arch), urls: []string{srv.URL + "/ds.tar.gz"}}}}
	dir := t.TempDir()
	files, err := getSet("ds", set, GetOptions{Dir: dir, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(files[1]); string(b) != "bb" {
		t.Fatalf("files %v: %q", files, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "ds", "ds.tar.gz")); err == nil {
		t.Error("downloaded archive kept")
	}
	noTemps(t, filepath.Join(dir, "ds"))
	// Second call: already present, no download (the server is gone).
	srv.Close()
	var out bytes.Buffer
	if _, err := getSet("ds", set, GetOptions{Dir: dir, Out: &out}); err != nil || !strings.Contains(out.String(), "already present") {
		t.Fatalf("%v %q", err, out.String())
	}
	// A user-placed archive is used and kept; a member of the wrong size is an error.
	dir2 := t.TempDir()
	writeFile(t, filepath.Join(dir2, "ds", "ds.tar.gz"), arch)
	if _, err := getSet("ds", set, GetOptions{Dir: dir2}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir2, "ds", "ds.tar.gz")); err != nil {
		t.Error("user-placed archive removed")
	}
	set.members[0].size = 5
	os.RemoveAll(filepath.Join(dir2, "ds", "top"))
	if _, err := getSet("ds", set, GetOptions{Dir: dir2}); err == nil || !strings.Contains(err.Error(), "top/a.bin has 4 bytes, expected 5") {
		t.Fatalf("error %v", err)
	}
	noTemps(t, filepath.Join(dir2, "ds"))
}

func TestExtractRefusesEscapes(t *testing.T) {
	for _, name := range []string{"../evil", "top/../../evil", "/abs/evil"} {
		arch := tarGz(t, map[string][]byte{name: []byte("x")})
		dir := t.TempDir()
		p := filepath.Join(dir, "a.tar.gz")
		writeFile(t, p, arch)
		err := extractArchive(p, dir, remoteSet{topDir: "top"}, nil)
		if err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

func TestGetNames(t *testing.T) {
	for _, name := range Names() {
		set, ok := catalog(name)
		if !ok || len(set.files) == 0 {
			t.Errorf("%s: no catalog entry", name)
		}
		for _, f := range set.files {
			if len(f.md5) != 32 || len(f.urls) == 0 {
				t.Errorf("%s: %s lacks an MD5 or URL", name, f.name)
			}
		}
	}
	if _, err := Get("imagefolder:x", GetOptions{Dir: t.TempDir()}); err == nil {
		t.Error("imagefolder: no error")
	}
}

func TestLineProgress(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, "copy x", 100)
	for range 20 {
		p.Write(make([]byte, 5))
	}
	p.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 || !strings.Contains(lines[0], "10%") || !strings.Contains(lines[9], "done") {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
}
