package augment

import (
	"math"
	"strings"
	"testing"
)

func TestNormalizerPresets(t *testing.T) {
	tests := []struct {
		preset string
		img    Image
		want   []float64
	}{
		{"none", grey(1, 2, 0, 255), []float64{0, 1}},
		{"mnist", grey(1, 2, 0, 255), []float64{-0.1307 / 0.3081, (1 - 0.1307) / 0.3081}},
		{"cifar10", Image{1, 1, 3, []uint8{255, 0, 51}},
			[]float64{(1 - 0.4914) / 0.2023, -0.4822 / 0.1994, (0.2 - 0.4465) / 0.2010}},
		{"cifar100-20", Image{1, 1, 3, []uint8{0, 0, 0}},
			[]float64{-0.5071 / 0.2675, -0.4867 / 0.2565, -0.4408 / 0.2761}},
		{"stl10", Image{1, 1, 3, []uint8{255, 255, 255}},
			[]float64{(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225}},
		{"none", Image{1, 1, 3, []uint8{51, 102, 255}}, []float64{0.2, 0.4, 1}},
	}
	for _, tc := range tests {
		n, err := NormalizerPreset(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		got, err := n.Apply(tc.img)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range tc.want {
			if math.Abs(float64(got[i])-w) > 1e-6 {
				t.Errorf("%s value %d: got %g want %g", tc.preset, i, got[i], w)
			}
		}
	}
}

func TestNormalizerErrors(t *testing.T) {
	if _, err := NormalizerPreset("cifar30"); err == nil || !strings.Contains(err.Error(), "imagenet") {
		t.Errorf("unknown preset error should list the valid ones: %v", err)
	}
	n, _ := NormalizerPreset("cifar10")
	if _, err := n.Apply(grey(1, 1, 3)); err == nil || !strings.Contains(err.Error(), "3 channels") {
		t.Errorf("channel mismatch not reported: %v", err)
	}
	if err := n.Into(make([]float32, 2), Image{1, 1, 3, []uint8{1, 2, 3}}); err == nil {
		t.Error("short output not reported")
	}
	if _, err := NewNormalizer([]float64{0.5}, []float64{0}); err == nil {
		t.Error("zero std accepted")
	}
	if _, err := NewNormalizer([]float64{0.5, 0.5}, []float64{1}); err == nil {
		t.Error("length mismatch accepted")
	}
}
