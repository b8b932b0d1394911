package resnet50

import (
	"encoding/json"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/cct-dev/cct/models/weights"
)

var (
	pretrainedOnce  sync.Once
	pretrained      *Model
	pretrainedError error
)

// openPretrained opens the cached ImageNet weights (`cct weights get resnet50`, in $CCT_DATA or
// ~/.cache/cct), skipping the test when they are not there.
func openPretrained(t *testing.T) *Model {
	t.Helper()
	p, err := pretrainedPath()
	if err != nil {
		t.Skipf("ImageNet weights not cached (%v)", err)
	}
	pretrainedOnce.Do(func() { pretrained, pretrainedError = Open(p) })
	if pretrainedError != nil {
		t.Fatal(pretrainedError)
	}
	return pretrained
}

func TestPretrainedArch(t *testing.T) {
	m := openPretrained(t)
	if m.Arch != ResNet50 || m.Arch.FeatureDim() != FeatureDim || m.Arch.Classes != NumClasses {
		t.Errorf("arch %+v", m.Arch)
	}
	if m.Params != 25636712 {
		t.Errorf("%d parameters, want 25,636,712", m.Params)
	}
	if len(m.Labels) != NumClasses || m.Labels[285] != "Egyptian_cat" {
		t.Errorf("labels: %d, [285] = %q", len(m.Labels), m.Labels[285])
	}
}

// pretrainedPath returns the folder of the cached ImageNet weights.
func pretrainedPath() (string, error) {
	dir, err := weights.Dir("")
	if err != nil {
		return "", err
	}
	return weights.Path(dir, "resnet50")
}

// pattern is the synthetic input of scripts/resnet50-crosscheck:
// pixel (y, x, c) = (3y + 5x + 80c + (x·y mod 17)) mod 256, 224×224 RGB.
func pattern() []uint8 {
	img := make([]uint8, 224*224*3)
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			for c := 0; c < 3; c++ {
				img[(y*224+x)*3+c] = uint8((3*y + 5*x + 80*c + (x*y)%17) % 256)
			}
		}
	}
	return img
}

// TestTFJSReference compares features and logits with those of TensorFlow.js (pure-JS CPU backend)
// on the same weights and inputs, kept in testdata/tfjs_reference.json by
// scripts/resnet50-crosscheck/run.sh.
func TestTFJSReference(t *testing.T) {
	m := openPretrained(t)
	b, err := os.ReadFile("testdata/tfjs_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Inputs []struct {
			Name     string
			Features []float64
			Logits   []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	cat, h, w, err := ReadImage("testdata/chelsea.jpg")
	if err != nil {
		t.Fatal(err)
	}
	type image struct {
		pix  []uint8
		h, w int
	}
	imgs := map[string]image{"pattern": {pattern(), 224, 224}, "chelsea": {cat, h, w}}
	if len(ref.Inputs) != len(imgs) {
		t.Fatalf("%d reference inputs, want %d", len(ref.Inputs), len(imgs))
	}
	for _, r := range ref.Inputs {
		in, ok := imgs[r.Name]
		if !ok {
			t.Fatalf("unknown reference input %q", r.Name)
		}
		f, l, err := m.FeaturesAndLogits(in.pix, 1, in.h, in.w, 3, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ef, el := maxRelErr(f, r.Features), maxRelErr(l, r.Logits)
		t.Logf("%s: max relative error features %.2e, logits %.2e", r.Name, ef, el)
		if ef > 1e-4 || el > 1e-4 {
			t.Errorf("%s: max relative error features %.2e, logits %.2e, want ≤ 1e-4", r.Name, ef, el)
		}
		if argmax(l) != argmax64(r.Logits) {
			t.Errorf("%s: top-1 %d, TensorFlow.js %d", r.Name, argmax(l), argmax64(r.Logits))
		}
	}
}

func TestPretrainedClassifiesPhotos(t *testing.T) {
	m := openPretrained(t)
	for _, c := range []struct {
		file string
		want map[int]bool
	}{
		{"testdata/chelsea.jpg", map[int]bool{281: true, 282: true, 285: true}}, // tabby, tiger cat, Egyptian cat
		{"testdata/coffee.jpg", map[int]bool{967: true}},                        // espresso
	} {
		img, h, w, err := ReadImage(c.file)
		if err != nil {
			t.Fatal(err)
		}
		l, err := m.Logits(img, 1, h, w, 3, Options{})
		if err != nil {
			t.Fatal(err)
		}
		top := m.TopK(l, 5)[0]
		t.Logf("%s: %+v", c.file, top)
		if !c.want[top[0].Index] {
			t.Errorf("%s: top-1 %d %s", c.file, top[0].Index, top[0].Name)
		}
		// Probabilities sum to at most 1 and decrease.
		for i := 1; i < len(top); i++ {
			if top[i].Prob > top[i-1].Prob {
				t.Errorf("top-5 not sorted: %+v", top)
			}
		}
	}
}

func argmax(x []float32) int {
	j := 0
	for i, v := range x {
		if v > x[j] {
			j = i
		}
	}
	return j
}

func argmax64(x []float64) int {
	j := 0
	for i, v := range x {
		if v > x[j] || math.IsNaN(x[j]) {
			j = i
		}
	}
	return j
}
