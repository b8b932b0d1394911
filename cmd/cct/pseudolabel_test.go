package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cct-dev/cct/data/npy"
	"github.com/cct-dev/cct/pseudolabel"
)

// execute runs the root command with args and returns its output and error.
func execute(args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestPseudolabelCommand(t *testing.T) {
	dir := t.TempDir()
	n, k := 50, 4
	sigma := pseudolabel.RandomSigma(n, k, 3)
	f32 := make([]float32, n*k)
	for i, v := range sigma {
		f32[i] = float32(v)
	}
	in32 := filepath.Join(dir, "p32.npy")
	if err := npy.WriteFloat32(in32, []int{n, k}, f32); err != nil {
		t.Fatal(err)
	}
	in64 := filepath.Join(dir, "p64.npy")
	if err := npy.WriteFloat64(in64, []int{n, k}, sigma); err != nil {
		t.Fatal(err)
	}
	inCSV := filepath.Join(dir, "p.csv")
	if err := npy.WriteMatrix(inCSV, npy.Matrix{Rows: n, Cols: k, Rank: 2, Data: sigma}, npy.Float64); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		out   string
		dtype npy.DType
	}{
		{"em f32", []string{"--in", in32, "--lambda", "1.3"}, "y32.npy", npy.Float32},
		{"em f64", []string{"--in", in64}, "y64.npy", npy.Float64},
		{"pgd", []string{"--in", in64, "--method", "pgd", "--step", "20"}, "pgd.npy", npy.Float64},
		{"sinkhorn csv", []string{"--in", inCSV, "--method", "sinkhorn"}, "s.csv", npy.Float64},
		{"csv to npy", []string{"--in", inCSV}, "c.npy", npy.Float64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			msg, err := execute(append([]string{"pseudolabel", "--out", out}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg, "wrote 50×4") {
				t.Fatalf("output %q", msg)
			}
			m, err := npy.ReadMatrix(out)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != n || m.Cols != k || (strings.HasSuffix(out, ".npy") && m.DType != tc.dtype) {
				t.Fatalf("%d×%d %v", m.Rows, m.Cols, m.DType)
			}
			for i := 0; i < n; i++ {
				var s float64
				for _, v := range m.Data[i*k : (i+1)*k] {
					s += v
				}
				if math.Abs(s-1) > 1e-6 {
					t.Fatalf("row %d sums to %v", i, s)
				}
			}
		})
	}
	// The EM output is the library's EM on the same σ, with the package's default stop rule.
	res, err := pseudolabel.EM(sigma, n, k, pseudolabel.EMOptions{Lambda: 100, Tol: pseudolabel.DefaultEMTol, MaxIters: pseudolabel.DefaultMaxIters})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := npy.ReadMatrix(filepath.Join(dir, "y64.npy"))
	for i := range m.Data {
		if math.Abs(m.Data[i]-res.Y[i]) > 1e-12 {
			t.Fatalf("y[%d] = %v, EM gives %v", i, m.Data[i], res.Y[i])
		}
	}
	// --logits applies a softmax first: logits log σ + c give the same labels as σ.
	logits := make([]float64, n*k)
	for i, v := range sigma {
		logits[i] = math.Log(v) + 5
	}
	inLogits := filepath.Join(dir, "z.npy")
	npy.WriteFloat64(inLogits, []int{n, k}, logits)
	outLogits := filepath.Join(dir, "yz.npy")
	if _, err := execute("pseudolabel", "--in", inLogits, "--logits", "--out", outLogits); err != nil {
		t.Fatal(err)
	}
	mz, _ := npy.ReadMatrix(outLogits)
	for i := range mz.Data {
		if math.Abs(mz.Data[i]-res.Y[i]) > 1e-9 {
			t.Fatalf("logits: y[%d] = %v, want %v", i, mz.Data[i], res.Y[i])
		}
	}
}

func TestPseudolabelCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, a *npy.Array) string {
		p := filepath.Join(dir, name)
		if err := npy.WriteFile(p, a); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csv := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative", []string{"--in", write("neg.npy", &npy.Array{Shape: []int{2, 2}, DType: npy.Float64, F64: []float64{0.5, 0.5, 1.5, -0.5}})}, "row 1 column 1 is -0.5"},
		{"sum", []string{"--in", write("sum.npy", &npy.Array{Shape: []int{2, 2}, DType: npy.Float64, F64: []float64{0.5, 0.5, 0.5, 0.6}})}, "row 1 sums to 1.1"},
		{"nan", []string{"--in", write("nan.npy", &npy.Array{Shape: []int{1, 2}, DType: npy.Float32, F32: []float32{float32(math.NaN()), 1}})}, "row 0 column 0 is NaN"},
		{"inf logits", []string{"--logits", "--in", write("inf.npy", &npy.Array{Shape: []int{1, 2}, DType: npy.Float64, F64: []float64{1, math.Inf(1)}})}, "row 0 column 1 is +Inf"},
		{"rank", []string{"--in", write("vec.npy", &npy.Array{Shape: []int{4}, DType: npy.Float64, F64: []float64{0.25, 0.25, 0.25, 0.25}})}, "want an N×K matrix"},
		{"dtype", []string{"--in", write("int.npy", &npy.Array{Shape: []int{1, 2}, DType: npy.Int64, Ints: []int64{0, 1}})}, "dtype int64, want float32 or float64"},
		{"csv cell", []string{"--in", csv("bad.csv", "0.5,0.5\n0.5,x\n")}, "bad.csv line 2 column 5"},
		{"method", []string{"--method", "kmeans", "--in", csv("ok.csv", "0.5,0.5\n")}, `method "kmeans"`},
		{"missing", []string{"--in", filepath.Join(dir, "nope.npy")}, "nope.npy"},
		{"no in", []string{}, "--in and --out are required"},
		{"out ext", []string{"--in", csv("ok2.csv", "0.5,0.5\n"), "--out", filepath.Join(dir, "y.txt")}, `unknown extension ".txt"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "_")+".npy")
			_, err := execute(append([]string{"pseudolabel", "--out", out}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Fatal("an output file was left behind")
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
}

func TestBenchMStepCommand(t *testing.T) {
	out, err := execute("bench-mstep", "--n", "200", "--k", "5,12", "--steps", "0.1,1,10", "--max-iters", "300")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EM", "PGD(", "speed-up", "final loss"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n") < 2+2*4+3 {
		t.Fatalf("too few lines:\n%s", out)
	}
	js, err := execute("bench-mstep", "--n", "100", "--k", "3", "--json")
	if err != nil || !strings.Contains(js, `"speedups"`) {
		t.Fatalf("json: %v\n%s", err, js)
	}
	if _, err := execute("bench-mstep", "--k", "1"); err == nil || !strings.Contains(err.Error(), "k = 1") {
		t.Fatalf("error %v", err)
	}
}
