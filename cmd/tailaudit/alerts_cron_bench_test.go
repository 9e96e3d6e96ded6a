package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// BenchmarkAlertsCron times the built binary's 'tailaudit alerts --state DIR --events LOG' when
// the cursor is already past every event of LOG: what a cron job pays every few minutes when
// nothing happened. One run first judges the log into a new state; each timed run then starts the
// process, opens the state, finds the log's size and digest as the cursor marked them (nothing new,
// so no rule is loaded and no event decoded) and exits. Besides the
// min, median and max wall time (noisy on a shared machine) it reports the CPU time (user and
// system, from the process's rusage) per run, which the machine's load does not inflate.
func BenchmarkAlertsCron(b *testing.B) {
	bin := buildBinary(b)
	demo, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "demo", "audit.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		log  func(dir string) string
	}{
		{"demo_week", func(string) string { return demo }},
		{"events=10000", func(dir string) string {
			var buf bytes.Buffer
			if err := synth.AuditLog(&buf, 1, 10_000); err != nil {
				b.Fatal(err)
			}
			return writeInput(b, dir, "audit.jsonl", buf.Bytes())
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			args := []string{"alerts", "--state", filepath.Join(dir, "state"), "--events", c.log(dir), "-f", "json=" + filepath.Join(dir, "alerts.json")}
			runBinary(b, dir, bin, args)
			var times []time.Duration
			var cpu time.Duration
			var peak int64
			for b.Loop() {
				start := time.Now()
				ps := runBinary(b, dir, bin, args)
				times = append(times, time.Since(start))
				cpu += ps.UserTime() + ps.SystemTime()
				peak = max(peak, maxRSS(ps))
			}
			if data, err := os.ReadFile(filepath.Join(dir, "alerts.json")); err != nil || !bytes.Contains(data, []byte(`"alerts": []`)) {
				b.Fatalf("a run with an unchanged cursor raised alerts: %s %v", data, err)
			}
			reportRuns(b, times, peak)
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(times)), "cpu-ms/run")
		})
	}
}
