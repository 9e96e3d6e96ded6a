package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/alertstate"
)

// paddedRule raises one high alert per PAD event, each carrying its event, so that an alert
// weighs what its event does.
const paddedRule = `# METADATA
# title: Padded event
# description: Fires on every PAD event.
# custom:
#   id: TEST-PAD-001
#   severity: high
#   match: {"action": ["PAD"]}
package tailaudit.alerts.padded

alert contains {"msg": sprintf("padded %s", [input.event.eventGroupID]), "dedup": input.event.eventGroupID} if input.event.action == "PAD"
`

// padLog writes n PAD events a minute apart, each with pad bytes of padding, then the extra lines.
func padLog(t *testing.T, path string, n, pad int, extra ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	padding := strings.Repeat("x", pad)
	t0 := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	for i := range n {
		line, _ := json.Marshal(map[string]any{"eventGroupID": fmt.Sprintf("g%d", i), "origin": "API", "type": "CONFIG", "action": "PAD",
			"eventTime": t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339), "actor": map[string]any{"id": "u1", "type": "USER", "loginName": "eve@acme.example"},
			"target": map[string]any{"id": fmt.Sprintf("n%d", i), "type": "NODE"}, "pad": padding})
		w.Write(append(line, '\n'))
	}
	for _, l := range extra {
		w.WriteString(l + "\n")
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

func padRules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "padded.rego"), []byte(paddedRule), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAlertsMemoryFlat checks that a run holds no alert for its outputs: the live heap once every
// alert is written, before the outputs end, is the same for 200 and for 1,000 alerts of 64 KiB
// each (collecting them would add 800 x 64 KiB, 50 MiB), with and without a state, in every format.
func TestAlertsMemoryFlat(t *testing.T) {
	rules := padRules(t)
	for _, withState := range []bool{false, true} {
		t.Run(fmt.Sprintf("state=%v", withState), func(t *testing.T) {
			heapAt := func(n int) uint64 {
				dir := t.TempDir()
				log := filepath.Join(dir, "audit.jsonl")
				padLog(t, log, n, 64<<10)
				var stdout lineCount
				s := &iostreams{In: strings.NewReader(""), Out: &stdout, Err: io.Discard, Dir: dir,
					Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
				var heap uint64
				opts := &alertsOptions{IO: s, Events: []string{log}, FailOn: "high", StateWait: time.Second,
					Formats: []string{"text", "jsonl=" + filepath.Join(dir, "a.jsonl"), "json=" + filepath.Join(dir, "a.json"),
						"ecs=" + filepath.Join(dir, "a.ecs"), "markdown=" + filepath.Join(dir, "a.md")},
					Rules: ruleSource{Dirs: []string{rules}, NoBuiltin: true},
					judged: func() {
						runtime.GC()
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						heap = m.HeapAlloc
					}}
				if withState {
					opts.State = filepath.Join(dir, "state")
				}
				err := runAlerts(context.Background(), opts)
				if ee, ok := errors.AsType[*exitError](err); !ok || ee.Code != 1 || ee.Err != nil {
					t.Fatalf("%d events: %v; want exit code 1 (high alerts)", n, err)
				}
				if b, err := os.ReadFile(filepath.Join(dir, "a.jsonl")); err != nil || bytes.Count(b, []byte("\n")) != n {
					t.Fatalf("%d events: jsonl output has %d lines (%v)", n, bytes.Count(b, []byte("\n")), err)
				}
				if stdout.n != 4*n+1 {
					t.Fatalf("%d events: text has %d lines, want %d", n, stdout.n, 4*n+1)
				}
				return heap
			}
			heapAt(20) // the first run pays for what stays loaded once
			small, large := heapAt(200), heapAt(1000)
			t.Logf("live heap once the alerts are written: %.1f MiB for 200, %.1f MiB for 1,000", float64(small)/(1<<20), float64(large)/(1<<20))
			if large > small+16<<20 {
				t.Errorf("the live heap grew by %.1f MiB for 800 more alerts of 64 KiB: the run holds its alerts", float64(large-small)/(1<<20))
			}
		})
	}
}

// lineCount counts the lines written to it and keeps none.
type lineCount struct{ n int }

func (c *lineCount) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

// TestAlertsFailedRunWritesNothing: a run over a state with a sink raises more alerts than a
// stage batch holds and then meets a bad entry (exit 2). Its output file keeps what it had, nothing
// is queued or remembered as raised, and the cursor has not moved; the run done again on the
// repaired log queues and writes every alert once, and delivers each once.
func TestAlertsFailedRunWritesNothing(t *testing.T) {
	rules := padRules(t)
	dir := t.TempDir()
	log, out, state := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "alerts.jsonl"), filepath.Join(dir, "state")
	n := 2*alertstate.StageBatch + 10
	padLog(t, log, n, 10, `{"eventTime": "not a time"}`)
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	rcv, srv := newReceiver(t, 0)
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	args := []string{"alerts", "--events", log, "--rules", rules, "--no-builtin", "--state", state, "--sink", "webhook=" + srv.URL, "-f", "jsonl=" + out}
	stdout, stderr, code := clockRun(t, at, args...)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (a bad entry); stderr %s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "old" || stdout != "" {
		t.Errorf("a failed run wrote: file %q, stdout %q", b, stdout)
	}
	st, err := alertstate.Open(state, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.Outbox()
	cursors, _ := st.Cursors()
	st.Close()
	if err != nil || len(items) != 0 || len(cursors) != 0 {
		t.Errorf("after a failed run: %d outbox items (%v), %d cursors; want none", len(items), err, len(cursors))
	}
	if got, _ := rcv.counts(); len(got) != 0 {
		t.Errorf("the sink got %d alerts of a failed run", len(got))
	}

	padLog(t, log, n, 10)
	if _, stderr, code = clockRun(t, at, args...); code != 1 {
		t.Fatalf("the run done again: exit %d, want 1; stderr %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	var ids []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		var a struct{ ID string }
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, a.ID)
	}
	got, acked := rcv.counts()
	slices.Sort(ids)
	slices.Sort(acked)
	if len(ids) != n || len(slices.Compact(slices.Clone(ids))) != n || len(got) != n || !slices.Equal(ids, acked) {
		t.Errorf("the run done again wrote %d alerts and the sink got %d (%d acknowledged); want %d, each once", len(ids), len(got), len(acked), n)
	}
	if _, stderr, code = clockRun(t, at, args...); code != 0 {
		t.Fatalf("a third run on the same log: exit %d, want 0; stderr %s", code, stderr)
	}
	if got, _ := rcv.counts(); len(got) != n {
		t.Errorf("the sink got %d alerts after a third run, want still %d", len(got), n)
	}
}
