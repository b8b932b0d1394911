package torchfeat

import (
	"math"
	"strings"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/data/npy"
)

const fixtures = "../torchckpt/testdata/"

func load(t *testing.T, name string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestResNet18MatchesPyTorch extracts features of 8-bit images with SCAN's CIFAR pretext checkpoint
// (reduced width) and compares them with PyTorch's, for pixel/255 input and for SCAN's CIFAR-10
// normalisation; a batch of 2 makes the last batch a padded one.
func TestResNet18MatchesPyTorch(t *testing.T) {
	be, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	img := load(t, "images_u8.npy")
	pix := make([]uint8, img.Len())
	for i, v := range img.Float64s() {
		pix[i] = uint8(v)
	}
	ds := &data.Dataset{Name: "cifar10", Split: "test", N: img.Shape[0], H: 32, W: 32, C: 3, Images: pix, Labels: make([]int, img.Shape[0])}
	for _, norm := range []string{"none", "dataset"} {
		calls := 0
		res, err := ResNet18(be, ds, Options{Backbone: "resnet18-cifar", Init: fixtures + "scan_simclr_cifar_w4.pth.tar",
			Normalize: norm, Batch: 2, Progress: func(done, total int) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		ref := "none"
		if norm == "dataset" {
			ref = "cifar10"
		}
		want := load(t, "scan_simclr_cifar_w4_images_"+ref+".npy").Float64s()
		if res.Dim != 32 || len(res.Features) != len(want) || calls != 3 || res.Norm != ref {
			t.Fatalf("%s: dim %d, %d values, %d progress calls, norm %s; want 32, %d, 3, %s", norm, res.Dim, len(res.Features), calls, res.Norm, len(want), ref)
		}
		var d, m float64
		for i := range want {
			d = math.Max(d, math.Abs(float64(res.Features[i])-want[i]))
			m = math.Max(m, math.Abs(want[i]))
		}
		if d/m > 1e-4 {
			t.Errorf("%s: features differ from PyTorch's by a relative %.2g", norm, d/m)
		}
		if !strings.Contains(res.Init, "contrastive_head.* (4)") {
			t.Errorf("init summary %q", res.Init)
		}
	}
	if _, err := ResNet18(be, ds, Options{Backbone: "resnet18-torchvision", Init: fixtures + "scan_simclr_cifar_w4.pth.tar"}); err == nil ||
		!strings.Contains(err.Error(), "does not fit resnet18-torchvision") {
		t.Errorf("wrong backbone: error %v", err)
	}
	if _, err := ResNet18(be, ds, Options{Backbone: "resnet18-cifar", Init: fixtures + "module_linear.pt"}); err == nil ||
		!strings.Contains(err.Error(), "module_linear.pt") {
		t.Errorf("pickled module: error %v", err)
	}
}
