package data

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corruptions damage a copy of a file in two ways: cut to a tenth of its size, and one bit flipped
// in its middle.
var corruptions = map[string]func([]byte) []byte{
	"truncated": func(b []byte) []byte { return b[:len(b)/10] },
	"bit-flipped": func(b []byte) []byte {
		c := append([]byte(nil), b...)
		c[len(c)/2] ^= 0x10
		return c
	},
}

// oneLine fails unless msg is a single line that names path.
func oneLine(t *testing.T, msg, path string) {
	t.Helper()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
		t.Errorf("error %q: want one line naming %s", msg, path)
	}
}

// TestBadMNISTFiles damages each MNIST file in turn: Verify (cct data info) and Get without a
// reachable source (cct data get offline) fail with one line naming the file, Get moves the bad
// file aside, and Get with a source puts a good copy back.
func TestBadMNISTFiles(t *testing.T) {
	good := realMNIST(t)
	set, _ := catalog("mnist")
	for _, f := range set.files {
		orig, err := os.ReadFile(filepath.Join(good, "mnist", f.name))
		if err != nil {
			t.Fatal(err)
		}
		for how, damage := range corruptions {
			t.Run(f.name+"/"+how, func(t *testing.T) {
				dir := t.TempDir()
				for _, g := range set.files {
					b, _ := os.ReadFile(filepath.Join(good, "mnist", g.name))
					if g.name == f.name {
						b = damage(orig)
					}
					writeFile(t, filepath.Join(dir, "mnist", g.name), b)
				}
				bad := filepath.Join(dir, "mnist", f.name)
				if _, err := Verify("mnist", dir); err == nil {
					t.Fatal("Verify accepted the damaged file")
				} else {
					oneLine(t, err.Error(), bad)
				}
				offline := set
				offline.files = make([]remoteFile, len(set.files))
				for i, g := range set.files {
					g.local, g.urls = nil, nil
					offline.files[i] = g
				}
				if _, err := getSet("mnist", offline, GetOptions{Dir: dir}); err == nil {
					t.Fatal("Get without a source accepted the damaged file")
				} else {
					oneLine(t, err.Error(), bad)
				}
				aside, _ := filepath.Glob(bad + ".bad-*")
				if _, err := os.Stat(bad); err == nil || len(aside) != 1 {
					t.Fatalf("bad file not moved aside: %v", aside)
				}
				if _, err := getSet("mnist", set, GetOptions{Dir: dir}); err != nil {
					t.Fatal(err)
				}
				if v, err := Verify("mnist", dir); err != nil || len(v) != 4 {
					t.Fatalf("after a new Get: %v, %d files verified", err, len(v))
				}
			})
		}
	}
}

// TestVerifyUncompressed accepts an uncompressed copy by the MD5 of the published content and
// reports a missing file as not found.
func TestVerifyUncompressed(t *testing.T) {
	good := realMNIST(t)
	set, _ := catalog("mnist")
	dir := t.TempDir()
	for i, f := range set.files {
		src := filepath.Join(good, "mnist", f.name)
		if i == 0 {
			r, err := os.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(zr)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "mnist", strings.TrimSuffix(f.name, ".gz")), b)
			continue
		}
		b, _ := os.ReadFile(src)
		writeFile(t, filepath.Join(dir, "mnist", f.name), b)
	}
	v, err := Verify("mnist", dir)
	if err != nil || len(v) != 4 || v[0].Check != "MD5 of the published content" {
		t.Fatalf("%v %v", v, err)
	}
	os.Remove(filepath.Join(dir, "mnist", set.files[1].name))
	if _, err := Verify("mnist", dir); err == nil {
		t.Fatal("missing file accepted")
	} else if _, ok := err.(*NotFoundError); !ok {
		t.Fatalf("want *NotFoundError, got %T %v", err, err)
	}
	if v, err := Verify("imagefolder:"+dir, dir); err != nil || v != nil {
		t.Fatalf("image folder: %v %v", v, err)
	}
}
