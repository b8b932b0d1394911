//go:build unix

// Package cputime reads the CPU time of the process, for benchmarks that report it next to wall
// time.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the CPU time (user + system) of the process so far, or 0 if it cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
