package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// BenchmarkAlertsPeakRSS runs the built binary's 'tailaudit alerts --snapshot SNAP -f jsonl' on
// generated logs written to a temporary directory: 1,000,000 audit log entries, 1,000,000 flow log
// records, an audit log of about 1 GB, and the same gzipped. For each it reports the peak resident
// set size (from the process's rusage), the wall and CPU time, events per second of each, and how
// many alerts were written (the output is counted, not kept). Memory should not depend on the size
// of the input: the events are streamed and the windows bounded. One run per input.
func BenchmarkAlertsPeakRSS(b *testing.B) {
	bin := buildBinary(b)
	dir := b.TempDir()
	snap := synth.Snapshot(1, 300, 80, 25)
	snap["settings"].(map[string]any)["devicesApprovalOn"] = true
	raw, err := json.Marshal(snap)
	if err != nil {
		b.Fatal(err)
	}
	snapPath := writeInput(b, dir, "snapshot.json", raw)
	gen := func(name string, n int, gz bool, write func(io.Writer, int) error) func() string {
		return func() string {
			p := filepath.Join(dir, name)
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			w := io.Writer(f)
			var zw *gzip.Writer
			if gz {
				zw = gzip.NewWriter(f)
				w = zw
			}
			if err := write(w, n); err != nil {
				b.Fatal(err)
			}
			if zw != nil {
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			return p
		}
	}
	audit := func(w io.Writer, n int) error { return synth.AuditLog(w, 1, n) }
	flow := func(w io.Writer, n int) error { return synth.FlowLog(w, 1, n, snap) }
	// How many audit entries make a gigabyte: the mean size of the first 20,000.
	var sample countingWriter
	if err := synth.AuditLog(&sample, 1, 20_000); err != nil {
		b.Fatal(err)
	}
	gigabyte := int(float64(1<<30) / (float64(sample.n) / 20_000))
	for _, c := range []struct {
		name  string
		n     int
		input func() string
	}{
		{"audit=1000000", 1_000_000, gen("audit.jsonl", 1_000_000, false, audit)},
		{"flow=1000000", 1_000_000, gen("flow.jsonl", 1_000_000, false, flow)},
		{"audit=1GB", gigabyte, gen("audit-1g.jsonl", gigabyte, false, audit)},
		{"audit=1GB.gz", gigabyte, gen("audit-1g.jsonl.gz", gigabyte, true, audit)},
	} {
		b.Run(c.name, func(b *testing.B) {
			path := c.input()
			if st, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(st.Size())/(1<<20), "input-MB")
			}
			for b.Loop() {
				cmd := exec.Command(bin, "alerts", "--events", path, "--snapshot", snapPath, "-f", "jsonl")
				cmd.Dir = dir
				var lines lineCounter
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &lines, &stderr
				start := time.Now()
				err := cmd.Run()
				wall := time.Since(start)
				if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
					err = nil
				}
				if err != nil {
					b.Fatalf("tailaudit alerts %s: %v\n%s", path, err, stderr.Bytes())
				}
				cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				if rss := maxRSS(cmd.ProcessState); rss > 0 {
					b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
				}
				b.ReportMetric(wall.Seconds(), "wall-s")
				b.ReportMetric(cpu.Seconds(), "CPU-s")
				b.ReportMetric(float64(c.n)/wall.Seconds(), "events/s")
				b.ReportMetric(float64(c.n)/cpu.Seconds(), "events/CPU-s")
				b.ReportMetric(float64(lines.n), "alerts")
			}
			os.Remove(path)
		})
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// lineCounter counts the lines written to it, one alert a line in jsonl, holding none of them.
type lineCounter struct{ n int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
