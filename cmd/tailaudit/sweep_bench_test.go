package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// BenchmarkSweep times the built binary's 'check -f json' on policies of 1,000 to 16,000 rules of
// both synth shapes (Policy, and PolicyWide's many distinct sources and wide ports), so that a rule
// whose cost grows faster than its input shows. Besides the median wall time it reports the median
// CPU time of the process (user + system, from its rusage: steadier than wall time on a loaded
// machine) and, from 2,000 rules on, cpu-x/doubling: that CPU time over the one at half the rules.
// Linear cost gives 2; the target is at most 2.2. Run with -benchtime Nx for N timed runs per size.
func BenchmarkSweep(b *testing.B) {
	bin := buildBinary(b)
	for _, shape := range []struct {
		name string
		gen  func(int64, int) []byte
	}{{"synth", synth.Policy}, {"wide", synth.PolicyWide}} {
		prev := map[int]time.Duration{}
		for _, n := range []int{1000, 2000, 4000, 8000, 16000} {
			b.Run(fmt.Sprintf("%s/rules=%d", shape.name, n), func(b *testing.B) {
				dir := b.TempDir()
				args := []string{"check", writeInput(b, dir, "policy.hujson", shape.gen(1, n)), "-f", "json"}
				runCPU(b, dir, bin, args) // untimed
				var walls, cpus []time.Duration
				for b.Loop() {
					start := time.Now()
					cpu := runCPU(b, dir, bin, args)
					walls, cpus = append(walls, time.Since(start)), append(cpus, cpu)
				}
				wall, cpu := median(walls), median(cpus)
				prev[n] = cpu
				b.ReportMetric(ms(wall), "median-wall-ms")
				b.ReportMetric(ms(cpu), "median-cpu-ms")
				if half, ok := prev[n/2]; ok && half > 0 {
					b.ReportMetric(float64(cpu)/float64(half), "cpu-x/doubling")
				}
			})
		}
	}
}

// runCPU runs bin with args in dir (runBinary) and returns the CPU time the process used.
func runCPU(b *testing.B, dir, bin string, args []string) time.Duration {
	b.Helper()
	ps := runBinary(b, dir, bin, args)
	return ps.UserTime() + ps.SystemTime()
}
