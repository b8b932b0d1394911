package models

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/models/torchckpt"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

const fixtures = "torchckpt/testdata/"

func readNpy(t *testing.T, name string) ([]float32, []int) {
	t.Helper()
	a, err := npy.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Float64s()
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out, a.Shape
}

// maxRelDiff returns max|got − want| / max|want|.
func maxRelDiff(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

// loadFixture loads a fixture checkpoint into a new context with width 4.
func loadFixture(t *testing.T, file, variant string) (*context.Context, *TorchInit) {
	t.Helper()
	ck, err := torchckpt.Open(fixtures + file)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	rep, err := LoadTorchResNet18(ctx, ck, variant, 4, 3, "", true)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, rep
}

// TestTorchFeaturesMatchPyTorch loads reduced-width ResNet-18 checkpoints written by PyTorch (SCAN's
// CIFAR pretext model in the legacy layout, SCAN's STL clustering model in float16, a torchvision
// layout in float64) and compares cct's pooled features, in inference mode, with the ones PyTorch
// computed on the same inputs (scripts/torch_fixtures.py).
func TestTorchFeaturesMatchPyTorch(t *testing.T) {
	for _, tc := range []struct {
		name, file, variant string
		stem                resnetStem
		ignored             string
		h, w                int
	}{
		{"scan_simclr_cifar_w4", "scan_simclr_cifar_w4.pth.tar", ResNet18CIFAR, stemCIFAR, "contrastive_head.* (4)", 32, 32},
		{"scan_stl_w4", "scan_stl_w4.pth", ResNet18STL, stemSTL, "cluster_head.* (2)", 96, 96},
		{"torchvision_w4", "torchvision_w4.pth", ResNet18Torchvision, stemTorchvision, "fc.* (2)", 45, 38},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rep := loadFixture(t, tc.file, tc.variant)
			if rep.Loaded != 100 || !strings.Contains(rep.Summary(), tc.ignored) {
				t.Errorf("loaded %d tensors (want 100): %s; want ignored %s", rep.Loaded, rep.Summary(), tc.ignored)
			}
			x, xs := readNpy(t, tc.name+"_input.npy")
			xs = []int{xs[0], tc.h, tc.w, 3}
			want, ws := readNpy(t, tc.name+"_features.npy")
			exec, err := context.NewExec(cpuBackend(t), ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
				ctx.SetTraining(x.Graph(), false)
				return resnet18Backbone(ctx.Checked(false).In(BackboneScope), x, tc.stem, 4)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, xs...))
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out[0])
			if fmt.Sprint(out[0].Shape().Dimensions) != fmt.Sprint(ws) {
				t.Fatalf("features shape %v, want %v", out[0].Shape().Dimensions, ws)
			}
			if d := maxRelDiff(got, want); d > 1e-4 {
				t.Errorf("features differ from PyTorch's by a relative %.2g (> 1e-4)", d)
			} else {
				t.Logf("relative difference to PyTorch %.2g", d)
			}
			if tc.variant != ResNet18Torchvision {
				return
			}
			// torchvision's logits: fc applied to cct's features, z = f·Wᵀ + b.
			ck, _ := torchckpt.Open(fixtures + tc.file)
			sd, _, _ := ck.StateDict()
			var fw, fb []float32
			for _, n := range sd {
				switch n.Key {
				case "fc.weight":
					fw, _ = n.Tensor.Float32()
				case "fc.bias":
					fb, _ = n.Tensor.Float32()
				}
			}
			wantZ, _ := readNpy(t, tc.name+"_logits.npy")
			D, K := ws[1], len(fb)
			z := make([]float32, ws[0]*K)
			for i := range ws[0] {
				for k := range K {
					s := float64(fb[k])
					for j := range D {
						s += float64(got[i*D+j]) * float64(fw[k*D+j])
					}
					z[i*K+k] = float32(s)
				}
			}
			if d := maxRelDiff(z, wantZ); d > 1e-4 {
				t.Errorf("logits differ from PyTorch's by a relative %.2g (> 1e-4)", d)
			}
		})
	}
}

// TestTorchKeyLayouts checks the full-width key lists against the state dicts the generator wrote
// from PyTorch: SCAN's pretext model (backbone.* plus contrastive_head.*) and torchvision's
// resnet18() (all but fc.*), with the same keys, order and shapes.
func TestTorchKeyLayouts(t *testing.T) {
	for _, tc := range []struct {
		file, variant, prefix, skip string
	}{
		{"keys_scan_cifar_resnet18.txt", ResNet18CIFAR, "backbone.", "contrastive_head."},
		{"keys_torchvision_resnet18.txt", ResNet18Torchvision, "", "fc."},
	} {
		f, err := os.Open(fixtures + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, tc.skip) || strings.Contains(line, "num_batches_tracked") {
				continue
			}
			want = append(want, line)
		}
		f.Close()
		params, err := TorchResNet18Params(tc.variant, 64, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range params {
			got = append(got, fmt.Sprintf("%s%s %s", tc.prefix, p.Key, strings.ReplaceAll(shapeStr(p.Shape), "×", "x")))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: key layout differs:\ngot  %v\nwant %v", tc.variant, got, want)
		}
	}
}

// TestTorchLoadErrors: another architecture, a wrong width and a wrong prefix fail with one line
// that names the first missing and the first unexpected key with their shapes.
func TestTorchLoadErrors(t *testing.T) {
	open := func(f string) *torchckpt.Checkpoint {
		ck, err := torchckpt.Open(fixtures + f)
		if err != nil {
			t.Fatal(err)
		}
		return ck
	}
	for _, tc := range []struct {
		file, variant string
		w             int
		prefix        string
		guess         bool
		want          []string
	}{
		{"other_arch.pt", ResNet18CIFAR, 64, "", true, []string{"missing key conv1.weight (shape 64×3×3×3)", "unexpected key 0.weight (shape 4×3×3×3)"}},
		{"scan_simclr_cifar_w4.pth.tar", ResNet18CIFAR, 64, "", true, []string{"key backbone.conv1.weight has shape 4×3×3×3, the model needs 64×3×3×3"}},
		{"scan_simclr_cifar_w4.pth.tar", ResNet18Torchvision, 4, "", true, []string{"backbone.conv1.weight has shape 4×3×3×3, the model needs 4×3×7×7", "unexpected key backbone.layer2.0.shortcut.0.weight (shape 8×4×1×1)"}},
		{"scan_simclr_cifar_w4.pth.tar", ResNet18CIFAR, 4, "", false, []string{"missing key conv1.weight", "unexpected key backbone.conv1.weight"}},
	} {
		ctx := context.New()
		_, err := LoadTorchResNet18(ctx, open(tc.file), tc.variant, tc.w, 3, tc.prefix, tc.guess)
		if err == nil {
			t.Errorf("%s into %s: no error", tc.file, tc.variant)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s into %s: error %q, want one line with %q", tc.file, tc.variant, err, w)
			}
		}
	}
	fits := FitResNet18(open("scan_simclr_cifar_w4.pth.tar"))
	if len(fits) != 2 || !strings.HasPrefix(fits[0], "resnet18-cifar (key prefix \"backbone.\", width 4") || !strings.HasPrefix(fits[1], "resnet18-stl") {
		t.Errorf("FitResNet18 = %q", fits)
	}
	if fits := FitResNet18(open("torchvision_w4.pth")); len(fits) != 1 || !strings.HasPrefix(fits[0], "resnet18-torchvision") {
		t.Errorf("FitResNet18 = %q", fits)
	}
}

// TestOIHWToHWIO checks the kernel transposition element by element.
func TestOIHWToHWIO(t *testing.T) {
	const o, in, kh, kw = 2, 3, 4, 5
	w := make([]float32, o*in*kh*kw)
	for i := range w {
		w[i] = float32(i)
	}
	got := OIHWToHWIO(w, o, in, kh, kw)
	for a := range o {
		for b := range in {
			for y := range kh {
				for x := range kw {
					if got[y*kw*in*o+x*in*o+b*o+a] != float32(((a*in+b)*kh+y)*kw+x) {
						t.Fatalf("element (%d,%d,%d,%d) misplaced", a, b, y, x)
					}
				}
			}
		}
	}
}

func cpuBackend(t *testing.T) *cpu.Backend {
	b, err := cpu.New("")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
