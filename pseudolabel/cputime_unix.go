//go:build unix

package pseudolabel

import (
	"syscall"
	"time"
)

// ProcessCPUTime returns the user plus system CPU time the process has used so far (0 where the
// platform does not report it). On a machine shared with other work, CPU time divided by the
// number of busy threads estimates the wall time the same work takes on idle cores.
func ProcessCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
