//go:build !unix

package engine

import "time"

// cpuTime is 0 where the platform has no rusage: the CPU figures are left out.
func cpuTime() time.Duration { return 0 }
