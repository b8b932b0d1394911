package cpu_test

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestDonatedInputs checks results when inputs are donated (Go values are donated by graph.Exec),
// including a donated input returned as two outputs and consumed in place by an op.
func TestDonatedInputs(t *testing.T) {
	b := newBackend(t)
	exec, err := NewExec(b, func(x, y *Node) []*Node {
		return []*Node{x, x, Add(MulScalar(y, 2), x), Neg(y)}
	})
	if err != nil {
		t.Fatal(err)
	}
	for rep := 0; rep < 3; rep++ {
		outs, err := exec.Exec([]float32{1, 2, 3}, []float32{10, 20, 30})
		if err != nil {
			t.Fatal(err)
		}
		want := [][]float32{{1, 2, 3}, {1, 2, 3}, {21, 42, 63}, {-10, -20, -30}}
		for i, o := range outs {
			got := tensors.MustCopyFlatData[float32](o)
			for j := range got {
				if got[j] != want[i][j] {
					t.Fatalf("rep %d output %d = %v, want %v", rep, i, got, want[i])
				}
			}
		}
		// Modifying one output must not change another.
		outs[0].MutableFlatData(func(flat any) { flat.([]float32)[0] = 99 })
		if v := tensors.MustCopyFlatData[float32](outs[1])[0]; v != 1 {
			t.Fatalf("outputs 0 and 1 share memory")
		}
	}
}
