//go:build !unix

package pseudolabel

import "time"

// ProcessCPUTime returns 0: the platform's CPU time is not read.
func ProcessCPUTime() time.Duration { return 0 }
