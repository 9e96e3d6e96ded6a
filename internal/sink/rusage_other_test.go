//go:build !unix

package sink

import "time"

// cpuTime is 0 where the process's rusage is not available.
func cpuTime() time.Duration { return 0 }
