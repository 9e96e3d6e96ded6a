//go:build !unix

package main

import "os"

// maxRSS is 0 where the process's rusage does not report a peak resident set size.
func maxRSS(*os.ProcessState) int64 { return 0 }
