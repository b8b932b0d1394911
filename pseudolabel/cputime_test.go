package pseudolabel

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user+system CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimer reports the process CPU time per operation as "cpu-ns/op": on a machine shared with
// other work it estimates the single-goroutine time without the waits for a core.
type cpuTimer struct{ start time.Duration }

func startCPU() cpuTimer { return cpuTimer{processCPU()} }

func (c cpuTimer) report(b *testing.B, div float64, unit string) {
	b.ReportMetric(float64(processCPU()-c.start)/div, unit)
}
