package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/internal/alertstate"
)

// auditLine is one audit log entry at minute m past 10:00 on 2026-11-24, told apart by id.
func auditLine(id string, m int) string {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
	return fmt.Sprintf(`{"eventGroupID":%q,"origin":"API","actor":{"id":"k1","type":"API_KEY","loginName":"key"},"target":{"id":"n1","name":"n1","type":"NODE"},"type":"CONFIG","action":"UPDATE","eventTime":%q}`+"\n",
		id, at.Format(time.RFC3339))
}

// inRun runs alerts in process with stdin and the arguments, at noon of 2026-11-24, and returns
// its stderr; any exit but 0 and 1 fails the test.
func inRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &iostreams{In: strings.NewReader(stdin), Out: &out, Err: &errOut, Dir: t.TempDir(),
		Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
	if code := run(context.Background(), append([]string{"alerts", "-f", "json"}, args...), s); code != 0 && code != 1 {
		t.Fatalf("alerts %v: exit %d\n%s", args, code, errOut.String())
	}
	return errOut.String()
}

func stateCursors(t *testing.T, state string) map[string]alertstate.Cursor {
	t.Helper()
	st, err := alertstate.Open(state, time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cursors, err := st.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	return cursors
}

// lateLines are the stderr lines that report late events.
func lateLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "older than the cursor") {
			out = append(out, l)
		}
	}
	return out
}

// TestAlertsStateCountsLateEvents: an event older than the cursor in what a file gained since the
// last run is not judged, and said so: a stderr line for the source, its count added to the
// cursor's total, which --status shows. Events the file held before, a repeat of the newest one,
// or a new one at the cursor's time are not late; a file read whole cannot tell its old events
// from late ones and counts none.
func TestAlertsStateCountsLateEvents(t *testing.T) {
	first := auditLine("a", 0) + auditLine("b", 10)
	type step struct {
		content string // the whole log for this run
		late    int64  // late events this run reports
		line    int    // the line of the first of them
		total   int64  // the cursor's total after it
		judged  int64  // the cursor's judged count after it
	}
	for _, c := range []struct {
		name  string
		steps []step
	}{
		{"in_order", []step{{first + auditLine("c", 20), 0, 0, 0, 3}}},
		{"late", []step{{first + auditLine("c", 5) + auditLine("d", 20), 1, 3, 1, 3}}},
		{"late_twice", []step{
			{first + auditLine("c", 5), 1, 3, 1, 2},
			{first + auditLine("c", 5) + auditLine("d", 1) + auditLine("e", 2) + auditLine("f", 30), 2, 4, 3, 3},
		}},
		{"repeat_of_newest", []step{{first + auditLine("b", 10), 0, 0, 0, 2}}},
		{"new_at_cursor_time", []step{{first + auditLine("c", 10), 0, 0, 0, 3}}},
		{"rewritten_whole", []step{{auditLine("x", 1) + first + auditLine("c", 20), 0, 0, 0, 3}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			log, state := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "state")
			os.WriteFile(log, []byte(first), 0o644)
			if got := lateLines(inRun(t, "", "--events", log, "--state", state)); len(got) != 0 {
				t.Fatalf("the first run reports %q", got)
			}
			for i, s := range c.steps {
				os.WriteFile(log, []byte(s.content), 0o644)
				got := lateLines(inRun(t, "", "--events", log, "--state", state))
				var want []string
				if s.late > 0 {
					want = []string{fmt.Sprintf("tailaudit: %s: %s older than the cursor (newest judged 2026-11-24T10:%02d:00Z)", log, plural(int(s.late), "event"), 10)}
				}
				if len(got) != len(want) || len(want) > 0 && !strings.HasPrefix(got[0], want[0]) {
					t.Errorf("run %d: stderr reports %q; want a line starting %q", i+2, got, want)
				}
				if len(want) > 0 && len(got) > 0 {
					for _, part := range []string{fmt.Sprintf("the first at %s:%d;", log, s.line), fmt.Sprintf("; %d late in all", s.total)} {
						if !strings.Contains(got[0], part) {
							t.Errorf("run %d: %q does not say %q", i+2, got[0], part)
						}
					}
				}
				cur := stateCursors(t, state)[log]
				if cur.Late != s.total || cur.Judged != s.judged {
					t.Errorf("run %d: the cursor counts %d late, %d judged; want %d, %d", i+2, cur.Late, cur.Judged, s.total, s.judged)
				}
			}
		})
	}
}

// TestAlertsStdinName: two pipelines feeding one state through stdin share the cursor "-", so the
// second one's older events are not judged; with --stdin-name each keeps its own cursor.
func TestAlertsStdinName(t *testing.T) {
	ci, cron := auditLine("ci", 30), auditLine("cron", 5)+auditLine("cron2", 6)
	for _, c := range []struct {
		name       string
		names      [2]string
		wantJudged map[string]int64 // by cursor
	}{
		{"unnamed_share_a_cursor", [2]string{"", ""}, map[string]int64{"-": 1}},
		{"named_keep_their_own", [2]string{"ci", "cron"}, map[string]int64{"-:ci": 1, "-:cron": 2}},
		{"one_named", [2]string{"ci", ""}, map[string]int64{"-:ci": 1, "-": 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			for i, in := range []string{ci, cron} {
				args := []string{"--events", "-", "--state", state}
				if c.names[i] != "" {
					args = append(args, "--stdin-name", c.names[i])
				}
				if got := lateLines(inRun(t, in, args...)); len(got) != 0 {
					t.Errorf("pipeline %d reports %q: stdin cannot tell late events from repeats", i+1, got)
				}
			}
			got := map[string]int64{}
			for src, cur := range stateCursors(t, state) {
				got[src] = cur.Judged
			}
			if d := cmp.Diff(c.wantJudged, got); d != "" {
				t.Errorf("events judged by cursor (-want +got):\n%s", d)
			}
		})
	}
}
