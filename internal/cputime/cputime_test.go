package cputime

import (
	"runtime"
	"testing"
)

// TestProcessGrows checks that busy work adds CPU time (on unix, where it is measured).
func TestProcessGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("not measured here")
	}
	t0 := Process()
	x := 0.0
	for i := 0; i < 50_000_000; i++ {
		x += float64(i) * 1e-9
	}
	if t1 := Process(); !(t1 > t0) || x == 0 {
		t.Fatalf("CPU time %v -> %v after busy work", t0, t1)
	}
}
