package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data"
)

// TestDataInfoBadFile: `cct data info` on MNIST with a truncated file fails with one line that
// names the file, and succeeds, listing the verified files, once `cct data get` has replaced it.
func TestDataInfoBadFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := data.Get("mnist", data.GetOptions{Dir: dir}); err != nil {
		t.Skipf("MNIST not obtainable here: %v", err)
	}
	bad := filepath.Join(dir, "mnist", "t10k-images-idx3-ubyte.gz")
	b, _ := os.ReadFile(bad)
	if err := os.WriteFile(bad, b[:100000], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := execute("data", "info", "mnist", "--data-dir", dir)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("error %v: want one line naming %s", err, bad)
	}
	if _, err := execute("data", "get", "mnist", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	out, err := execute("data", "info", "mnist", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "t10k-images-idx3-ubyte.gz: MD5 of the published file") {
		t.Fatalf("%v\n%s", err, out)
	}
}
