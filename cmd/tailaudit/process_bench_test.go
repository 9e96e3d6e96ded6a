package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// BenchmarkProcess times 'tailaudit check … -f json' as a user runs it, from start to exit: the
// binary is built once with go build, then each iteration executes it on one input, output
// discarded. Exit codes 0 and 1 (findings) are both normal. Besides ns/op (the mean), it reports
// the min, median and max in ms over the timed runs, and the peak resident set size of any run
// (from the process's rusage). One untimed run comes first. The inputs are the demo policy, a
// generated 10,000-rule policy and a generated 50,000-device snapshot; run with -benchtime Nx for N
// timed runs per input.
func BenchmarkProcess(b *testing.B) {
	bin := buildBinary(b)
	demo, err := filepath.Abs(demoPolicy)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		input func(dir string) string // writes the input, returns its path
		flag  string                  // "" for a policy file
		extra []string                // more arguments, after the input
	}{
		{"demo_policy", func(string) string { return demo }, "", nil},
		{"rules=10000", func(dir string) string {
			return writeInput(b, dir, "policy.hujson", synth.Policy(1, 10000))
		}, "", nil},
		{"devices=50000", func(dir string) string {
			snap, err := json.Marshal(synth.Snapshot(1, 50000, 5000, 2000))
			if err != nil {
				b.Fatal(err)
			}
			return writeInput(b, dir, "snapshot.json", snap)
		}, "--snapshot", nil},
		// A pull request as the action sees it: the demo policy with one more SSH rule, checked against
		// its base commit, read with git (check --base HEAD, both versions evaluated, the access diff).
		{"demo_check_base", func(dir string) string {
			gitCommit(b, dir, map[string]string{"policy.hujson": demoEdit(b)})
			return write(b, dir, "policy.hujson", demoEdit(b, lastSSHRule, lastSSHRule+"\n\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:staging\"], \"users\": [\"root\"]},"))
		}, "", []string{"--base", "HEAD", "--new-only"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := append([]string{"check", c.input(b.TempDir()), "-f", "json"}, c.extra...)
			if c.flag != "" {
				args = slices.Insert(args, 1, c.flag)
			}
			// The working directory holds no .tailaudit.hujson, so no config is read.
			runDir := b.TempDir()
			peak := checkOnce(b, runDir, bin, args)
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				rss := checkOnce(b, runDir, bin, args)
				times = append(times, time.Since(start))
				peak = max(peak, rss)
			}
			reportRuns(b, times, peak)
		})
	}
}

// buildBinary builds tailaudit once into a temporary directory and returns its path.
func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "tailaudit")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// reportRuns reports the min, median and max of the timed runs in ms, and the peak resident set
// size of any run.
func reportRuns(b *testing.B, times []time.Duration, peak int64) {
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	b.ReportMetric(ms(times[0]), "min-ms")
	b.ReportMetric(ms(median), "median-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
	if peak > 0 {
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	}
}

// checkOnce runs bin with args in dir and returns the run's peak RSS in bytes (0 where the
// platform does not report it).
func checkOnce(b *testing.B, dir, bin string, args []string) int64 {
	b.Helper()
	return maxRSS(runBinary(b, dir, bin, args))
}

// runBinary runs bin with args in dir, output discarded, and returns its process state. Exit codes
// 0 and 1 (findings or alerts) are normal; any other stops the benchmark with the run's stderr.
func runBinary(b *testing.B, dir, bin string, args []string) *os.ProcessState {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Dir, cmd.Stderr = dir, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		b.Fatalf("tailaudit %v: %v\n%s", args, err, stderr.Bytes())
	}
	return cmd.ProcessState
}

func writeInput(b *testing.B, dir, name string, content []byte) string {
	b.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}
