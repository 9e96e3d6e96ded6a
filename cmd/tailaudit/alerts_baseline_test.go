package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAlertsFirstSeenBaseline: the first run over a fresh state records the actors it sees as the
// baseline of the first-seen memory, raises no TA-ALERT-029 and says so once on stderr; a later run
// raises it for a console user the baseline did not see, and is silent about the others.
func TestAlertsFirstSeenBaseline(t *testing.T) {
	b, err := os.ReadFile(demoAudit)
	if err != nil {
		t.Fatal(err)
	}
	// The demo week split on Saturday: the first part is the baseline, the second a later run.
	dir := t.TempDir()
	var early, late strings.Builder
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if strings.Contains(line, `"eventTime":"2026-11-2`) && !strings.Contains(line, `"eventTime":"2026-11-20`) {
			late.WriteString(line + "\n")
		} else {
			early.WriteString(line + "\n")
		}
	}
	first, second := filepath.Join(dir, "early.jsonl"), filepath.Join(dir, "late.jsonl")
	for path, text := range map[string]string{first: early.String(), second: late.String()} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(dir, "state")
	firstSeen := func(stdout string) []string {
		var out []string
		for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
			var a struct {
				Message string
				Rule    struct{ ID string }
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if a.Rule.ID == "TA-ALERT-029" {
				out = append(out, a.Message)
			}
		}
		slices.Sort(out)
		return out
	}
	const baseline = "this run recorded"

	stdout, stderr, code := tailaudit(t, "", nil, "alerts", "--events", first, "--state", state, "-f", "jsonl")
	if code != 1 {
		t.Fatalf("baseline run: exit %d: %s", code, stderr)
	}
	if got := firstSeen(stdout); len(got) != 0 {
		t.Errorf("baseline run raised first-seen alerts %v, want none", got)
	}
	if n := strings.Count(stderr, baseline); n != 1 || !strings.Contains(stderr, "tailaudit: the first-seen memory in "+state+" was empty: this run recorded 17 actors as its baseline") {
		t.Errorf("baseline run's stderr says %d times that it is the baseline, want once with the 17 actors (sixteen people and tokens, and the control plane's cleanup):\n%s", n, stderr)
	}

	stdout, stderr, code = tailaudit(t, "", nil, "alerts", "--events", second, "--state", state, "-f", "jsonl")
	if code != 1 {
		t.Fatalf("later run: exit %d: %s", code, stderr)
	}
	want := []string{"sam.patel@acme.example used the admin console for the first time (CREATE on sam-homelab.tail4f2a.ts.net)"}
	if d := cmp.Diff(want, firstSeen(stdout)); d != "" {
		t.Errorf("later run's first-seen alerts (-want +got):\n%s", d)
	}
	if strings.Contains(stderr, baseline) {
		t.Errorf("later run calls itself a baseline:\n%s", stderr)
	}
}
