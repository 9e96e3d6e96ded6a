package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/alertstate"
	"github.com/tailaudit/tailaudit/internal/events"
)

// stateRun runs alerts --state in process with rules from dirs and returns its alerts, what it
// read of the events and its error (exit code 1, alerts raised, is no error here).
func stateRun(t *testing.T, state, log string, dirs ...string) ([]finding.Alert, events.Stats, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &iostreams{In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: t.TempDir(),
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
	var read events.Stats
	opts := &alertsOptions{IO: s, Events: []string{log}, State: state, StateWait: time.Second, FailOn: "high",
		Formats: []string{"json"}, Rules: ruleSource{Dirs: dirs}, read: func(st events.Stats) { read = st }}
	err := runAlerts(context.Background(), opts)
	if ee, ok := errors.AsType[*exitError](err); ok && ee.Code == 1 && ee.Err == nil {
		err = nil
	}
	if err != nil {
		return nil, read, err
	}
	var doc struct{ Alerts []finding.Alert }
	if e := json.Unmarshal(out.Bytes(), &doc); e != nil {
		t.Fatalf("%v: %s", e, out.String())
	}
	return doc.Alerts, read, nil
}

// forgetMarks drops the file marks of every cursor, so that the next run reads every file whole.
func forgetMarks(t *testing.T, state string) {
	t.Helper()
	st, err := alertstate.Open(state, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cursors, err := st.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	for src, c := range cursors {
		c.Files = nil
		cursors[src] = c
	}
	if err := st.PutCursors(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), cursors); err != nil {
		t.Fatal(err)
	}
}

// TestAlertsStateReadsOnlyWhatIsNew: over a state, a second run decodes no event of an unchanged
// log, only the new lines of a grown one (raising exactly the alerts a whole read raises), and the
// whole of a log rewritten at the same size or rotated.
func TestAlertsStateReadsOnlyWhatIsNew(t *testing.T) {
	src, err := os.ReadFile(demoAudit)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(bytes.TrimSuffix(src, []byte("\n")), []byte("\n"))
	first := bytes.Join(lines[:len(lines)/2], nil)
	rest := len(lines) - len(lines)/2
	rewritten := bytes.Replace(src, []byte(`"actor"`), []byte(`"Actor"`), 1)
	for _, c := range []struct {
		name          string
		before, after []byte
		decoded       int // events the second run decodes
		unchanged     int
		resumed       int
	}{
		{"unchanged", src, src, 0, 1, 0},
		{"grown", first, src, rest, 0, 1},
		{"rewritten_same_size", src, rewritten, len(lines), 0, 0},
		{"rotated", first, bytes.Join(lines[len(lines)/2:], nil), rest, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "audit.jsonl")
			marked, whole := filepath.Join(dir, "marked"), filepath.Join(dir, "whole")
			os.WriteFile(log, c.before, 0o644)
			for _, state := range []string{marked, whole} {
				if _, _, err := stateRun(t, state, log); err != nil {
					t.Fatal(err)
				}
			}
			forgetMarks(t, whole)
			os.WriteFile(log, c.after, 0o644)
			got, read, err := stateRun(t, marked, log)
			if err != nil {
				t.Fatal(err)
			}
			if n := read.Audit + read.Flow; n != c.decoded || read.Unchanged != c.unchanged || read.Resumed != c.resumed {
				t.Errorf("decoded %d events, %d files unchanged, %d resumed; want %d, %d, %d", n, read.Unchanged, read.Resumed, c.decoded, c.unchanged, c.resumed)
			}
			want, wholeRead, err := stateRun(t, whole, log)
			if err != nil {
				t.Fatal(err)
			}
			if n := wholeRead.Audit + wholeRead.Flow; n != len(lines) && n != c.decoded {
				t.Errorf("the run without marks decoded %d events", n)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("alerts of the marked run against a whole read (-whole +marked):\n%s", d)
			}
			if _, again, err := stateRun(t, marked, log); err != nil || again.Audit+again.Flow != 0 || again.Unchanged != 1 {
				t.Errorf("a third run over the same log: %+v, %v; want nothing decoded", again, err)
			}
		})
	}
}

// TestAlertsStateUnchangedLoadsNoRules: a run with nothing new does not load the rules, so a
// broken rule goes unnoticed until a run has events to judge, which reports it.
func TestAlertsStateUnchangedLoadsNoRules(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	os.MkdirAll(rules, 0o755)
	os.WriteFile(filepath.Join(rules, "broken.rego"), []byte("package custom.broken\n\ndeny contains x if {\n"), 0o644)
	src, err := os.ReadFile(demoAudit)
	if err != nil {
		t.Fatal(err)
	}
	log, state := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "state")
	os.WriteFile(log, src[:bytes.IndexByte(src, '\n')+1], 0o644)
	if _, _, err := stateRun(t, state, log); err != nil {
		t.Fatal(err)
	}
	if _, _, err := stateRun(t, state, log, rules); err != nil {
		t.Errorf("an unchanged run with a broken rule: %v; want no error (no rules loaded)", err)
	}
	os.WriteFile(log, src, 0o644)
	if _, _, err := stateRun(t, state, log, rules); err == nil || !strings.Contains(err.Error(), "broken.rego") {
		t.Errorf("a run with new events and a broken rule: %v; want the rule's error", err)
	}
}
