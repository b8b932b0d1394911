package resnet50

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/models/tfjs"
)

var tinyArch = TinyArch

func (k *keras) write(t *testing.T) string {
	dir := t.TempDir()
	if err := writeKeras(k, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ---- An independent, unfused float64 evaluation of the Keras graph, layer by layer. ----

type act struct {
	h, w, c int
	v       []float64
}

func (a act) at(y, x, ch int) float64 { return a.v[(y*a.w+x)*a.c+ch] }

func zeroPad(a act, p int) act {
	o := act{a.h + 2*p, a.w + 2*p, a.c, make([]float64, (a.h+2*p)*(a.w+2*p)*a.c)}
	for y := 0; y < a.h; y++ {
		for x := 0; x < a.w; x++ {
			for ch := 0; ch < a.c; ch++ {
				o.v[((y+p)*o.w+x+p)*o.c+ch] = a.at(y, x, ch)
			}
		}
	}
	return o
}

// conv2D is a valid convolution with bias (Keras Conv2D, padding "valid").
func (k *keras) conv2D(a act, name string, stride int) act {
	w, b := k.byName[name+"/kernel"], k.byName[name+"/bias"]
	kh, kw, cin, cout := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	oh, ow := (a.h-kh)/stride+1, (a.w-kw)/stride+1
	o := act{oh, ow, cout, make([]float64, oh*ow*cout)}
	k.macs += int64(oh * ow * cout * kh * kw * cin)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			for co := 0; co < cout; co++ {
				s := float64(b.Data[co])
				for i := 0; i < kh; i++ {
					for j := 0; j < kw; j++ {
						for ci := 0; ci < cin; ci++ {
							s += a.at(y*stride+i, x*stride+j, ci) * float64(w.Data[((i*kw+j)*cin+ci)*cout+co])
						}
					}
				}
				o.v[(y*ow+x)*cout+co] = s
			}
		}
	}
	return o
}

func (k *keras) batchNorm(a act, name string) act {
	g, b, m, v := k.byName[name+"/gamma"], k.byName[name+"/beta"], k.byName[name+"/moving_mean"], k.byName[name+"/moving_variance"]
	o := act{a.h, a.w, a.c, make([]float64, len(a.v))}
	for i, x := range a.v {
		c := i % a.c
		o.v[i] = (x-float64(m.Data[c]))/math.Sqrt(float64(v.Data[c])+1e-3)*float64(g.Data[c]) + float64(b.Data[c])
	}
	return o
}

func reluAct(a act) act {
	o := act{a.h, a.w, a.c, make([]float64, len(a.v))}
	for i, x := range a.v {
		o.v[i] = math.Max(x, 0)
	}
	return o
}

func maxPool3s2(a act) act {
	oh, ow := (a.h-3)/2+1, (a.w-3)/2+1
	o := act{oh, ow, a.c, make([]float64, oh*ow*a.c)}
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			for ch := 0; ch < a.c; ch++ {
				m := math.Inf(-1)
				for i := 0; i < 3; i++ {
					for j := 0; j < 3; j++ {
						m = math.Max(m, a.at(2*y+i, 2*x+j, ch))
					}
				}
				o.v[(y*ow+x)*a.c+ch] = m
			}
		}
	}
	return o
}

// forward evaluates the Keras ResNet50 graph on one preprocessed 224×224×3 input.
func (k *keras) forward(in []float32) (features, logits []float64) {
	a := act{InputSize, InputSize, 3, make([]float64, len(in))}
	for i, v := range in {
		a.v[i] = float64(v)
	}
	a = reluAct(k.batchNorm(k.conv2D(zeroPad(a, 3), "conv1", 2), "bn_conv1"))
	a = maxPool3s2(zeroPad(a, 1))
	for si := 0; si < 4; si++ {
		for b := 0; b < k.arch.Blocks[si]; b++ {
			n := blockName(si+2, b)
			t := 1
			if b == 0 && si > 0 {
				t = 2
			}
			y := reluAct(k.batchNorm(k.conv2D(a, "res"+n+"_branch2a", t), "bn"+n+"_branch2a"))
			y = reluAct(k.batchNorm(k.conv2D(zeroPad(y, 1), "res"+n+"_branch2b", 1), "bn"+n+"_branch2b"))
			y = k.batchNorm(k.conv2D(y, "res"+n+"_branch2c", 1), "bn"+n+"_branch2c")
			short := a
			if b == 0 {
				short = k.batchNorm(k.conv2D(a, "res"+n+"_branch1", t), "bn"+n+"_branch1")
			}
			for i := range y.v {
				y.v[i] += short.v[i]
			}
			a = reluAct(y)
		}
	}
	features = make([]float64, a.c)
	for i, v := range a.v {
		features[i%a.c] += v / float64(a.h*a.w)
	}
	w, b := k.byName["fc1000/kernel"], k.byName["fc1000/bias"]
	logits = make([]float64, k.arch.Classes)
	for j := range logits {
		s := float64(b.Data[j])
		for i, f := range features {
			s += f * float64(w.Data[i*k.arch.Classes+j])
		}
		logits[j] = s
	}
	return features, logits
}

// refPreprocess is Keras' caffe preprocessing written out: resize, grey to RGB, BGR, minus means.
func refPreprocess(img []uint8, h, w, c int) []float32 {
	r := data.Resize(img, h, w, c, InputSize, InputSize)
	means := []float64{103.939, 116.779, 123.68}
	out := make([]float32, InputSize*InputSize*3)
	for p := 0; p < InputSize*InputSize; p++ {
		for bgr := 0; bgr < 3; bgr++ {
			src := p*c + (2 - bgr)
			if c == 1 {
				src = p
			}
			out[3*p+bgr] = float32(float64(r[src]) - means[bgr])
		}
	}
	return out
}

func maxRelErr(got []float32, want []float64) float64 {
	var scale, worst float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i])-want[i])/scale)
	}
	return worst
}

func TestTinyAgainstReference(t *testing.T) {
	k := randomKeras(tinyArch, 1)
	m, err := Open(k.write(t))
	if err != nil {
		t.Fatal(err)
	}
	if m.Arch != tinyArch {
		t.Fatalf("arch %+v, want %+v", m.Arch, tinyArch)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []int{3, 1} {
		n, h, w := 3, 37, 50
		img := make([]uint8, n*h*w*c)
		for i := range img {
			img[i] = uint8(r.IntN(256))
		}
		var calls []string
		feats, logits, err := m.FeaturesAndLogits(img, n, h, w, c, Options{BatchSize: 2,
			Progress: func(done, total int) { calls = append(calls, fmt.Sprintf("%d/%d", done, total)) }})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(calls, " ") != "2/3 3/3" {
			t.Errorf("progress calls %v", calls)
		}
		m.Close() // the next run opens the backend again
		d, K := tinyArch.FeatureDim(), tinyArch.Classes
		for i := 0; i < n; i++ {
			wf, wl := k.forward(refPreprocess(img[i*h*w*c:(i+1)*h*w*c], h, w, c))
			if e := maxRelErr(feats[i*d:(i+1)*d], wf); e > 1e-5 {
				t.Errorf("c=%d image %d: features max rel error %.2g", c, i, e)
			}
			if e := maxRelErr(logits[i*K:(i+1)*K], wl); e > 1e-5 {
				t.Errorf("c=%d image %d: logits max rel error %.2g", c, i, e)
			}
		}
	}
}

func TestPreprocess(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, c := range []int{1, 3} {
		for _, size := range [][2]int{{224, 224}, {100, 300}} {
			img := make([]uint8, size[0]*size[1]*c)
			for i := range img {
				img[i] = uint8(r.IntN(256))
			}
			got := make([]float32, InputSize*InputSize*3)
			Preprocess(img, size[0], size[1], c, got)
			want := refPreprocess(img, size[0], size[1], c)
			for i := range want {
				if math.Abs(float64(got[i]-want[i])) > 1e-6*math.Max(1, math.Abs(float64(want[i]))) {
					t.Fatalf("c=%d %v: value %d = %v, want %v", c, size, i, got[i], want[i])
				}
			}
		}
	}
	// One pixel by hand: RGB (10, 20, 30) → BGR minus means.
	img := make([]uint8, 224*224*3)
	img[0], img[1], img[2] = 10, 20, 30
	got := make([]float32, 224*224*3)
	Preprocess(img, 224, 224, 3, got)
	if math.Abs(float64(got[0])-(30-103.939)) > 1e-5 || math.Abs(float64(got[1])-(20-116.779)) > 1e-5 || math.Abs(float64(got[2])-(10-123.68)) > 1e-5 {
		t.Errorf("pixel 0 = %v", got[:3])
	}
}

func TestOpenErrors(t *testing.T) {
	// Another architecture: the stride of res3a_branch2a moved to the 3×3 (torchvision's v1.5).
	k := randomKeras(tinyArch, 2)
	for _, l := range k.layers {
		cfg := l["config"].(map[string]any)
		switch l["name"] {
		case "res3a_branch2a":
			cfg["strides"] = []int{1, 1}
		case "res3a_branch2b":
			cfg["strides"] = []int{2, 2}
		}
	}
	dir := k.write(t)
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "model.json")) || !strings.Contains(err.Error(), "res3a_branch2a") {
		t.Errorf("v1.5 strides: %v", err)
	}
	// A model without ResNet layers.
	other := t.TempDir()
	tfjs.Write(other, json.RawMessage(`{"model_config":{"config":{"layers":[]}}}`),
		[]*tfjs.Tensor{{Name: "dense/kernel", Shape: []int{2, 2}, Data: make([]float32, 4)}}, 64)
	if _, err := Open(other); err == nil || !strings.Contains(err.Error(), "not a Keras ResNet50") || !strings.Contains(err.Error(), "model.json") {
		t.Errorf("other model: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "cct weights get resnet50") {
		t.Errorf("empty folder: %v", err)
	}
	// Bad inputs to Features.
	m, err := Open(randomKeras(tinyArch, 3).write(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Features(make([]uint8, 10), 1, 2, 5, 2, Options{}); err == nil {
		t.Error("2 channels accepted")
	}
	if _, err := m.Features(make([]uint8, 10), 1, 2, 2, 3, Options{}); err == nil {
		t.Error("short buffer accepted")
	}
}

func TestMACs(t *testing.T) {
	k := randomKeras(tinyArch, 4)
	k.macs = 0
	k.forward(make([]float32, InputSize*InputSize*3))
	if got, want := tinyArch.MACs(), k.macs+int64(tinyArch.FeatureDim()*tinyArch.Classes); got != want {
		t.Errorf("tiny MACs = %d, the reference counts %d", got, want)
	}
	t.Logf("ResNet-50: %.4g MAC per image", float64(ResNet50.MACs()))
}
