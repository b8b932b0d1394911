package augment

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestRandOpsMatchPillow compares every RandAugment operation with Pillow's output on one
// image (testdata/pillow_ops.json, written by testdata/pillow_ops.py): all must match byte for
// byte.
func TestRandOpsMatchPillow(t *testing.T) {
	raw, err := os.ReadFile("testdata/pillow_ops.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		H, W, C int
		Input   string
		Ops     []struct {
			Name string
			V    float64
			Want string
		}
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	pix, err := hex.DecodeString(fx.Input)
	if err != nil {
		t.Fatal(err)
	}
	img := Image{fx.H, fx.W, fx.C, pix}
	if err := img.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range fx.Ops {
		want, err := hex.DecodeString(c.Want)
		if err != nil {
			t.Fatal(err)
		}
		got := mustOp(t, c.Name).Apply(img, c.V)
		if len(got.Pix) != len(want) {
			t.Fatalf("%s: %d bytes, want %d", c.Name, len(got.Pix), len(want))
		}
		diff := 0
		for i := range want {
			if got.Pix[i] != want[i] {
				diff++
			}
		}
		if diff > 0 {
			t.Errorf("%s(%g): %d of %d bytes differ from Pillow", c.Name, c.V, diff, len(want))
		}
		seen[c.Name] = true
	}
	for _, n := range RandOpNames() {
		if !seen[n] {
			t.Errorf("fixture lacks %s", n)
		}
	}
}
