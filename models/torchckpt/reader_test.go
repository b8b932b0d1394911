package torchckpt

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

type expected struct {
	DType  string    `json:"dtype"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

// TestTensorsAgainstPyTorch reads the same object saved by PyTorch in both layouts and compares each
// tensor's dtype, shape and values with the JSON dump the generator wrote from PyTorch itself.
func TestTensorsAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/tensors.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]expected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"tensors_zip.pt", "tensors_legacy.pt"} {
		c, err := Open("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*Tensor{}
		for _, n := range c.Tensors() {
			got[n.Key] = n.Tensor
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d tensors, want %d", file, len(got), len(want))
		}
		for key, w := range want {
			g := got[key]
			if g == nil {
				t.Errorf("%s: tensor %s missing", file, key)
				continue
			}
			if string(g.DType) != w.DType || !equalInts(g.Shape, w.Shape) {
				t.Errorf("%s %s: %s %v, want %s %v", file, key, g.DType, g.Shape, w.DType, w.Shape)
				continue
			}
			vals, err := g.Float32()
			if err != nil {
				t.Fatalf("%s %s: %v", file, key, err)
			}
			for i, v := range w.Values {
				if float64(vals[i]) != float64(float32(v)) {
					t.Errorf("%s %s[%d] = %v, want %v", file, key, i, vals[i], float32(v))
				}
			}
		}
		// Plain values next to the tensors.
		nested, _ := c.Root.(*Dict).Get("nested")
		if e, _ := nested.(*Dict).Get("epoch"); e != 12 {
			t.Errorf("%s: nested.epoch = %v, want 12", file, e)
		}
		l, _ := nested.(*Dict).Get("list")
		if s := l.([]any)[2]; s != "text" {
			t.Errorf("%s: nested.list[2] = %v, want text", file, s)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStateDict finds SCAN's state dicts: the pretext file is one, the clustering-stage file holds
// it under "model" next to a numpy integer.
func TestStateDict(t *testing.T) {
	for _, tc := range []struct {
		file, where, first string
		n                  int
	}{
		{"scan_simclr_cifar_w4.pth.tar", "", "backbone.conv1.weight", 124},
		{"scan_stl_w4.pth", "model", "backbone.conv1.weight", 122},
		{"torchvision_w4.pth", "", "conv1.weight", 122},
	} {
		c, err := Open("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		sd, where, err := c.StateDict()
		if err != nil {
			t.Fatal(err)
		}
		if where != tc.where || len(sd) != tc.n || sd[0].Key != tc.first {
			t.Errorf("%s: state dict under %q with %d tensors, first %s; want %q, %d, %s", tc.file, where, len(sd), sd[0].Key, tc.where, tc.n, tc.first)
		}
	}
	c, _ := Open("testdata/scan_stl_w4.pth")
	if h, _ := c.Root.(*Dict).Get("head"); h != 0 {
		t.Errorf("head = %v (%T), want the numpy integer 0", h, h)
	}
}

// TestBadInput checks that damaged and hostile files give one-line errors that say what is wrong.
func TestBadInput(t *testing.T) {
	zipData, err := os.ReadFile("testdata/torchvision_w4.pth")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := os.ReadFile("testdata/scan_simclr_cifar_w4.pth.tar")
	if err != nil {
		t.Fatal(err)
	}
	// A zip checkpoint whose data.pkl is the given pickle.
	zipWith := func(pkl string, records ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("archive/data.pkl")
		w.Write([]byte(pkl))
		for i := 0; i+1 < len(records); i += 2 {
			w, _ := zw.Create("archive/" + records[i])
			w.Write([]byte(records[i+1]))
		}
		zw.Close()
		return buf.Bytes()
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"text", []byte("hello world"), "not a PyTorch checkpoint"},
		{"truncated zip", zipData[:len(zipData)/2], "damaged or truncated zip"},
		{"truncated zip end", zipData[:len(zipData)-10], "damaged or truncated zip"},
		{"truncated legacy pickle", legacy[:200], "truncated"},
		{"truncated legacy storage", legacy[:len(legacy)-100], "truncated"},
		{"global os.system", []byte("\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03."), `"posix.system"`},
		{"global in zip", zipWith("\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R."), `"builtins.eval"`},
		{"stack global in zip", zipWith("\x80\x04\x8c\x08builtins\x8c\x04exec\x93X\x01\x00\x00\x001\x85R."), `"builtins.exec"`},
		{"newobj", zipWith("\x80\x02ccollections\nOrderedDict\n)\x81."), "NEWOBJ"},
		{"inst", zipWith("(i__main__\nX\n."), "INST"},
		{"ext", zipWith("\x80\x02\x82\x01."), "EXT1"},
		{"huge bytes", zipWith("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f."), "runs past the end"},
		{"recursive list", zipWith("\x80\x02]q\x00h\x00a."), "nested too deeply"},
		{"no data.pkl", func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("x/other")
			w.Write([]byte("x"))
			zw.Close()
			return buf.Bytes()
		}(), "without data.pkl"},
		{"storage missing", zipWith("\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR."), "data/0 missing"},
		{"tensor past storage", zipWith("\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x01K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.", "data/0", "0123456789abcdef"), "runs past its storage"},
		{"expanded view", zipWith("\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x09\x85K\x00\x85\x89ccollections\nOrderedDict\n)RtR.", "data/0", "0123456789abcdef"), "more elements than its storage"},
		{"short storage", zipWith("\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR.", "data/0", "0123"), "holds 4 bytes, want 16"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.data)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q, want one line containing %q", tc.name, msg, tc.want)
		}
	}
	if _, err := Open("testdata/module_linear.pt"); err == nil || !strings.Contains(err.Error(), "torch.nn.modules.linear.Linear") ||
		!strings.HasPrefix(err.Error(), "testdata/module_linear.pt: ") {
		t.Errorf("pickled module: error %v, want the file and the refused global", err)
	}
}

// TestFloat16Decoding compares the float16 and bfloat16 decoders with values computed by hand.
func TestFloat16Decoding(t *testing.T) {
	for _, tc := range []struct {
		d    DType
		bits uint16
		want float64
	}{
		{Float16, 0x3c00, 1}, {Float16, 0xc000, -2}, {Float16, 0x7bff, 65504}, {Float16, 0x0001, math.Pow(2, -24)},
		{Float16, 0x3555, 0.333251953125}, {BFloat16, 0x3fc0, 1.5}, {BFloat16, 0xbc00, -0.0078125},
	} {
		got := decodeFloat(tc.d, []byte{byte(tc.bits), byte(tc.bits >> 8)})
		if got != tc.want {
			t.Errorf("%s 0x%04x = %v, want %v", tc.d, tc.bits, got, tc.want)
		}
	}
}

func TestAllowList(t *testing.T) {
	names := allowedNames()
	for _, n := range names {
		i := strings.LastIndexByte(n, '.')
		if err := allowedGlobal(n[:i], n[i+1:]); err != nil {
			t.Errorf("%s listed but refused: %v", n, err)
		}
	}
	for _, n := range []string{"os.system", "builtins.eval", "torch.load", "numpy.load", "torch.nn.Module", "subprocess.Popen"} {
		i := strings.LastIndexByte(n, '.')
		if allowedGlobal(n[:i], n[i+1:]) == nil {
			t.Errorf("%s allowed", n)
		}
	}
}
