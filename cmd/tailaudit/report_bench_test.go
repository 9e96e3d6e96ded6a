package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// BenchmarkReport times 'tailaudit report' on a generated 50,000-device tailnet (5,000 users, 2,000
// keys) as a user runs it, from start to exit, for SOC 2 and for all four frameworks: each
// iteration writes a new pack. It reports the median time in ms, the peak resident set size, and
// the size in MB of each file of the pack (evidence/ counted as one).
func BenchmarkReport(b *testing.B) {
	dir := b.TempDir()
	bin := buildBinary(b)
	snap, err := json.Marshal(synth.Snapshot(1, 50000, 5000, 2000))
	if err != nil {
		b.Fatal(err)
	}
	snapPath := writeInput(b, dir, "snapshot.json", snap)
	for _, fw := range []string{"soc2", "all"} {
		b.Run("devices=50000/framework="+fw, func(b *testing.B) {
			runDir := b.TempDir()
			var times []time.Duration
			var peak int64
			var out string
			n := 0
			for b.Loop() {
				n++
				out = filepath.Join(runDir, fmt.Sprintf("pack%d", n))
				start := time.Now()
				rss := checkOnce(b, runDir, bin, []string{"report", "--framework", fw, "--snapshot", snapPath, "-o", out})
				times = append(times, time.Since(start))
				peak = max(peak, rss)
				if n > 1 {
					os.RemoveAll(filepath.Join(runDir, fmt.Sprintf("pack%d", n-1)))
				}
			}
			reportRuns(b, times, peak)
			entries, err := os.ReadDir(out)
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range entries {
				size := dirSize(b, filepath.Join(out, e.Name()))
				b.ReportMetric(float64(size)/(1<<20), strings.ReplaceAll(e.Name(), ".", "_")+"-MB")
			}
		})
	}
}

func dirSize(b *testing.B, path string) int64 {
	b.Helper()
	var total int64
	err := filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			total += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}
