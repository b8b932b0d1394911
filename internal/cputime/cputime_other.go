//go:build !unix

// Package cputime reads the CPU time of the process, for benchmarks that report it next to wall
// time.
package cputime

import "time"

// Process returns 0: the CPU time is not measured on this platform.
func Process() time.Duration { return 0 }
