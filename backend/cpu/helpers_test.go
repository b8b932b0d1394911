package cpu_test

import (
	"time"

	"github.com/cct-dev/cct/backend/cpu"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// randTensor returns a float64 tensor with standard normal entries.
func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// execOn evaluates fn on the backend with copies of args and returns its outputs.
func execOn(t testing.TB, b backends.Backend, fn func([]*Node) []*Node, args ...*tensors.Tensor) []*tensors.Tensor {
	t.Helper()
	exec, err := NewExec(b, fn)
	if err != nil {
		t.Fatal(err)
	}
	anyArgs := make([]any, len(args))
	for i, a := range args {
		c, err := a.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		anyArgs[i] = c
	}
	outs, err := exec.Exec(anyArgs...)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// run evaluates fn on the backend and returns its outputs as float64 slices.
func run(t testing.TB, b backends.Backend, fn func([]*Node) []*Node, args ...*tensors.Tensor) [][]float64 {
	t.Helper()
	outs := execOn(t, b, fn, args...)
	res := make([][]float64, len(outs))
	for i, o := range outs {
		res[i] = toFloat64s(t, o)
	}
	return res
}

func toFloat64s(t testing.TB, o *tensors.Tensor) []float64 {
	var r []float64
	o.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float64:
			r = append(r, f...)
		case []float32:
			for _, v := range f {
				r = append(r, float64(v))
			}
		case []int32:
			for _, v := range f {
				r = append(r, float64(v))
			}
		case []int64:
			for _, v := range f {
				r = append(r, float64(v))
			}
		case []bool:
			for _, v := range f {
				if v {
					r = append(r, 1)
				} else {
					r = append(r, 0)
				}
			}
		default:
			t.Fatalf("unexpected output type %T", flat)
		}
	})
	return r
}

// maxRelDiff returns max|a−b| / max(1, max|b|) over the positions where neither is NaN, or +Inf
// if a and b are NaN at different positions.
func maxRelDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	scale, d := 1.0, 0.0
	for i := range a {
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
			return math.Inf(1)
		}
		if !math.IsNaN(a[i]) {
			scale = math.Max(scale, math.Abs(b[i]))
			d = math.Max(d, math.Abs(a[i]-b[i]))
		}
	}
	return d / scale
}

func simpleGo(t testing.TB) backends.Backend {
	b, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flat64 returns a copy of a float64 tensor's data.
func flat64(x *tensors.Tensor) []float64 {
	v, err := tensors.CopyFlatData[float64](x)
	if err != nil {
		panic(err)
	}
	return v
}

// profileOps runs f with the op profile on and returns the time spent per operation.
func profileOps(f func()) map[string]time.Duration {
	cpu.SetOpProfile(true)
	defer cpu.SetOpProfile(false)
	cpu.OpProfile()
	f()
	return cpu.OpProfile()
}
