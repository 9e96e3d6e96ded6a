package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/policies"
)

const failedRule = `# METADATA
# title: Failed requests
# custom:
#   id: T-FAIL
#   severity: critical
#   window: 10m
#   match: {"target.type": ["FAILED_REQUEST"]}
#   threshold: 3
#   group_by: [actor.loginName]
#   runbook: Find out who keeps failing.
package tailaudit.alerts.failed

alert contains {"msg": sprintf("%d failed requests", [count(input.window) + 1]), "evidence": {"window": count(input.window)}}
`

const deleteRule = `# METADATA
# title: Node deleted
# custom:
#   id: T-DEL
#   severity: low
#   match: {"action": ["DELETE"], "target.type": ["NODE"]}
#   suppress: 1h
package tailaudit.alerts.deleted

alert contains {"msg": "deleted", "dedup": input.event.actor.loginName, "severity": "medium"}
`

const everyRule = `# METADATA
# title: Every event
# custom:
#   id: T-ALL
#   severity: info
package tailaudit.alerts.all_events

alert contains "seen" if input.event.action == "CREATE"
`

func alertEngine(t *testing.T, rules ...string) *Engine {
	t.Helper()
	dir := t.TempDir()
	for i, r := range rules {
		if err := os.WriteFile(filepath.Join(dir, "r"+string(rune('a'+i))+".rego"), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, err := New(context.Background(), WithRuleDirs(dir))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func event(t *testing.T, at string, doc string) *Event {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m["eventTime"] = at
	tm, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	return &Event{Time: tm, Doc: m, File: "audit.jsonl", Line: 1}
}

func TestAlertThresholdSuppressAndIDs(t *testing.T) {
	e := alertEngine(t, failedRule, deleteRule, everyRule)
	if len(e.alerts) != 3 || len(e.rules) != 0 {
		t.Fatalf("%d alert rules and %d others, want 3 and 0", len(e.alerts), len(e.rules))
	}
	run := func() []string {
		s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		fail := `{"action":"CREATE","actor":{"loginName":"%s"},"target":{"type":"FAILED_REQUEST"}}`
		del := `{"action":"DELETE","actor":{"loginName":"bob@x"},"target":{"type":"NODE","id":"%s"}}`
		evs := []*Event{
			event(t, "2026-11-17T10:00:00Z", strings.Replace(fail, "%s", "eve@x", 1)),
			event(t, "2026-11-17T10:01:00Z", strings.Replace(fail, "%s", "ann@x", 1)),
			event(t, "2026-11-17T10:02:00Z", strings.Replace(fail, "%s", "eve@x", 1)),
			event(t, "2026-11-17T10:20:00Z", strings.Replace(fail, "%s", "eve@x", 1)), // the first two eve events are out of the window
			event(t, "2026-11-17T10:21:00Z", strings.Replace(fail, "%s", "eve@x", 1)),
			event(t, "2026-11-17T10:22:00Z", strings.Replace(fail, "%s", "eve@x", 1)), // third within 10m: fires
			event(t, "2026-11-17T10:23:00Z", strings.Replace(fail, "%s", "eve@x", 1)), // same window start: no repeat
			event(t, "2026-11-17T11:00:00Z", strings.Replace(del, "%s", "n1", 1)),
			event(t, "2026-11-17T11:30:00Z", strings.Replace(del, "%s", "n2", 1)), // suppressed: same dedup key within 1h
			event(t, "2026-11-17T12:01:00Z", strings.Replace(del, "%s", "n3", 1)),
		}
		var got []string
		for _, ev := range evs {
			as, err := s.Add(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if a.ID == "" || a.Result != "alert" {
					t.Errorf("alert %+v has no id or result", a)
				}
				got = append(got, a.Rule.ID+" "+string(a.Severity)+" "+a.Time.Format("15:04")+" "+a.Message+" "+a.ID[:15])
			}
		}
		if len(s.queries) > 4 {
			t.Errorf("%d prepared queries for 3 rules; want one per set of admitted rules", len(s.queries))
		}
		return got
	}
	got := run()
	var ids []string
	for _, g := range got {
		ids = append(ids, strings.Fields(g)[0])
	}
	// Every fail event is a CREATE (T-ALL); eve's third in ten minutes passes T-FAIL's threshold
	// once; the second deletion within the hour is suppressed.
	want := "T-ALL,T-ALL,T-ALL,T-ALL,T-ALL,T-ALL,T-FAIL,T-ALL,T-DEL,T-DEL"
	if joined := strings.Join(ids, ","); joined != want {
		t.Errorf("alerts %s, want %s\n%s", joined, want, strings.Join(got, "\n"))
	}
	for _, g := range got {
		if strings.HasPrefix(g, "T-FAIL") && !strings.Contains(g, "critical 10:22 3 failed requests") {
			t.Errorf("threshold alert %q, want it at 10:22 with 3 events", g)
		}
		if strings.HasPrefix(g, "T-DEL") && !strings.Contains(g, "medium") {
			t.Errorf("severity override lost: %q", g)
		}
	}
	if d := cmp.Diff(got, run()); d != "" {
		t.Errorf("a second run gives other alerts or ids (-first +second):\n%s", d)
	}
}

func TestAlertMetadataErrors(t *testing.T) {
	for _, tt := range []struct {
		name, meta, want string
		line             int
	}{
		{"bad_window", "#   window: ten minutes\n", `custom.window: "ten minutes" is not a positive duration`, 6},
		{"bad_suppress", "#   suppress: -1h\n", "custom.suppress:", 6},
		{"threshold_without_window", "#   threshold: 3\n", "custom.threshold: needs custom.window", 6},
		{"group_by_without_threshold", "#   window: 1h\n#   group_by: [actor.id]\n", "custom.group_by: needs custom.threshold", 7},
		{"bad_match", "#   match: [DELETE]\n", "custom.match: must map event fields", 6},
		{"window_match_without_window", "#   window_match: {\"action\": [ENABLE]}\n", "custom.window_match: needs custom.window", 6},
		{"bad_window_match", "#   window: 1h\n#   window_match: []\n", "custom.window_match: is an empty list", 7},
		{"bad_exclusion", "#   match: {\"actor.type\": {\"nope\": [AUTOMATED_WORKER]}}\n", `custom.match: actor.type: an object excludes values, as {"not": ["AUTOMATED_WORKER"]}`, 6},
		{"exclusion_with_more", "#   match: {\"actor.type\": {\"not\": [X], \"also\": [Y]}}\n", "custom.match: actor.type: an object excludes values", 6},
		{"empty_exclusion", "#   window: 1h\n#   match: {\"action\": [DELETE], \"actor.type\": {\"not\": []}}\n", `custom.match: actor.type: {"not": [...]} lists no value to exclude`, 7},
		{"exclude_any", "#   match: {\"actor.type\": {\"not\": [\"*\"]}}\n", `custom.match: actor.type: "*" cannot be excluded`, 6},
		{"exclusion_bad_value", "#   window: 1h\n#   window_match: {\"actor.type\": {\"not\": [[X]]}}\n", "custom.window_match: actor.type: values must be strings, numbers or booleans", 7},
		{"unknown_key", "#   windows: 1h\n", "unknown key custom.windows", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rule := "# METADATA\n# title: X\n# custom:\n#   id: T-X\n#   severity: low\n" + tt.meta + "package tailaudit.alerts.x\n\nalert contains \"x\"\n"
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "x.rego"), []byte(rule), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(context.Background(), WithRuleDirs(dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			errs := source.All(err)
			if len(errs) != 1 || errs[0].Line != tt.line {
				t.Errorf("error at %v, want line %d", errs, tt.line)
			}
		})
	}
}

func TestAlertSetOutsideAlertNamespace(t *testing.T) {
	dir := t.TempDir()
	rule := "# METADATA\n# title: X\n# custom:\n#   id: T-X\n#   severity: low\npackage tailaudit.tailnet.x\n\nalert contains \"x\"\n"
	if err := os.WriteFile(filepath.Join(dir, "x.rego"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), WithRuleDirs(dir)); err == nil || !strings.Contains(err.Error(), "tailaudit.alerts.<name>") {
		t.Errorf("error %v, want alert results outside tailaudit.alerts.* refused", err)
	}
}

func TestAlertMatchAnyOf(t *testing.T) {
	spec, _, err := readAlertSpec(map[string]any{"match": []any{
		map[string]any{"target.type": []any{"FAILED_REQUEST"}},
		map[string]any{"error": "*"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		doc  map[string]any
		want bool
	}{
		{map[string]any{"target": map[string]any{"type": "FAILED_REQUEST"}}, true},
		{map[string]any{"target": map[string]any{"type": "NODE"}, "error": "not allowed"}, true},
		{map[string]any{"target": map[string]any{"type": "NODE"}, "error": nil}, false},
		{map[string]any{"target": map[string]any{"type": "NODE"}}, false},
	} {
		if got := spec.admits(tt.doc); got != tt.want {
			t.Errorf("admits(%v) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}

// TestAlertMatchExcludes checks a field's exclusion, {"not": [...]}: it admits any value but
// those listed, null and absence included, beside the fields that list the values they admit.
func TestAlertMatchExcludes(t *testing.T) {
	spec, _, err := readAlertSpec(map[string]any{"match": map[string]any{
		"action":     []any{"DELETE"},
		"actor.type": map[string]any{"not": []any{"AUTOMATED_WORKER", true}},
		"target.id":  map[string]any{"not": "n0"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		doc  string
		want bool
	}{
		{`{"action":"DELETE","actor":{"type":"USER"}}`, true},
		{`{"action":"DELETE","actor":{"type":"AUTOMATED_WORKER"}}`, false},
		{`{"action":"DELETE","actor":{"type":"automated_worker"}}`, true},
		{`{"action":"DELETE","actor":{"type":true}}`, false},
		{`{"action":"DELETE","actor":{"type":"true"}}`, true},
		{`{"action":"DELETE","actor":{"type":null}}`, true},
		{`{"action":"DELETE","actor":{}}`, true},
		{`{"action":"DELETE"}`, true},
		{`{"action":"DELETE","actor":{"type":"USER"},"target":{"id":"n0"}}`, false},
		{`{"action":"DELETE","actor":{"type":"USER"},"target":{"id":"n1"}}`, true},
		{`{"action":"CREATE","actor":{"type":"USER"}}`, false},
	} {
		if got := spec.admits(event(t, "2026-11-17T10:00:00Z", tt.doc).Doc); got != tt.want {
			t.Errorf("admits(%s) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}

// TestAlertWindowMatch checks that a window holds the events custom.window_match names, not the
// ones the rule judges, and that rules with the same window and match but another window_match
// do not share it.
func TestAlertWindowMatch(t *testing.T) {
	const switched = `# METADATA
# title: Created while off
# custom:
#   id: T-OFF
#   severity: high
#   match: {"action": ["CREATE"]}
#   window: 1h
#   window_match: {"action": ["DISABLE", "ENABLE"]}
package tailaudit.alerts.off

alert contains sprintf("%d switches, last %s", [count(input.window), input.window[count(input.window) - 1].action]) if count(input.window) > 0
`
	const creates = `# METADATA
# title: Creates
# custom:
#   id: T-CREATES
#   severity: low
#   match: {"action": ["CREATE"]}
#   window: 1h
package tailaudit.alerts.creates

alert contains sprintf("%d earlier creates", [count(input.window)])
`
	e := alertEngine(t, switched, creates)
	s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, tt := range []struct{ at, action string }{
		{"10:00", "CREATE"}, {"10:01", "DISABLE"}, {"10:02", "CREATE"}, {"10:03", "CREATE"}, {"10:04", "ENABLE"}, {"10:05", "CREATE"}, {"11:30", "CREATE"},
	} {
		ev := event(t, "2026-11-17T"+tt.at+":00Z", fmt.Sprintf(`{"action":%q,"actor":{"id":"u1"},"target":{"id":"n%d","type":"NODE"}}`, tt.action, i))
		as, err := s.Add(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			got = append(got, tt.at+" "+a.Rule.ID+" "+a.Message)
		}
	}
	want := []string{
		"10:00 T-CREATES 0 earlier creates",
		"10:02 T-CREATES 1 earlier creates", "10:02 T-OFF 1 switches, last DISABLE",
		"10:03 T-CREATES 2 earlier creates", "10:03 T-OFF 1 switches, last DISABLE",
		"10:05 T-CREATES 3 earlier creates", "10:05 T-OFF 2 switches, last ENABLE",
		"11:30 T-CREATES 0 earlier creates",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("alerts (-want +got):\n%s", d)
	}
}

// TestAlertIndex checks that the index by target.type and action admits exactly the events the
// filters admit, for filters that name neither, "*", several values, or values that are not strings.
func TestAlertIndex(t *testing.T) {
	rules := map[string]string{
		"T-NODE-DEL": `{"target.type": ["NODE", "USER"], "action": ["DELETE"]}`,
		"T-ANY-TYPE": `{"target.type": "*", "action": ["APPROVE"]}`,
		"T-ERROR":    `[{"target.type": ["FAILED_REQUEST"]}, {"error": ["*"]}]`,
		"T-NUMBER":   `{"action": [7, true]}`,
		"T-PROP":     `{"target.type": ["TAILNET"], "target.property": ["ACL"]}`,
		"T-NOT-NODE": `{"target.type": {"not": ["NODE", "USER"]}, "action": ["REVOKE"]}`,
	}
	var srcs []string
	for id, match := range rules {
		srcs = append(srcs, fmt.Sprintf("# METADATA\n# title: %s\n# custom:\n#   id: %s\n#   severity: low\n#   match: %s\npackage tailaudit.alerts.%s\n\nalert contains \"x\"\n",
			id, id, match, strings.ToLower(strings.ReplaceAll(id, "-", "_"))))
	}
	e := alertEngine(t, srcs...)
	s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		doc  string
		want string
	}{
		{`{"action":"DELETE","target":{"type":"NODE"}}`, "T-NODE-DEL"},
		{`{"action":"DELETE","target":{"type":"USER"}}`, "T-NODE-DEL"},
		{`{"action":"DELETE","target":{"type":"TAILNET"}}`, ""},
		{`{"action":"APPROVE","target":{"type":"NODE"}}`, "T-ANY-TYPE"},
		{`{"action":"APPROVE","target":{"type":3}}`, "T-ANY-TYPE"},
		{`{"action":"APPROVE"}`, ""},
		{`{"action":"UPDATE","target":{"type":"FAILED_REQUEST"}}`, "T-ERROR"},
		{`{"action":"UPDATE","target":{"type":"NODE"},"error":"denied"}`, "T-ERROR"},
		{`{"action":"DELETE","target":{"type":"NODE"},"error":"denied"}`, "T-ERROR T-NODE-DEL"},
		{`{"action":7,"target":{"type":"NODE"}}`, "T-NUMBER"},
		{`{"action":true}`, "T-NUMBER"},
		{`{"action":"7"}`, ""},
		{`{"action":"UPDATE","target":{"type":"TAILNET","property":"ACL"}}`, "T-PROP"},
		{`{"action":"UPDATE","target":{"type":"TAILNET","property":"DNS"}}`, ""},
		{`{"target":"TAILNET"}`, ""},
		{`{"action":"REVOKE","target":{"type":"API_KEY"}}`, "T-NOT-NODE"},
		{`{"action":"REVOKE"}`, "T-NOT-NODE"},
		{`{"action":"REVOKE","target":{"type":"USER"}}`, ""},
	} {
		as, err := s.Add(context.Background(), event(t, "2026-11-17T10:00:00Z", tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.Rule.ID)
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("%s raised %q, want %q", tt.doc, got, tt.want)
		}
	}
}

// TestAlertMemoryBounded checks that windows forget events past their span and hold at most
// maxWindowEvents, and that the ids and suppressions a stream remembers are forgotten once past.
func TestAlertMemoryBounded(t *testing.T) {
	e := alertEngine(t, failedRule, deleteRule)
	s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	dense := maxWindowEvents + 2000
	n := dense + 3000
	for i := range n {
		at := t0.Add(time.Duration(i) * 50 * time.Millisecond) // 12,000 in the 10-minute window
		if i >= dense {
			at = t0.Add(time.Duration(i) * 10 * time.Second) // then 60 in it
		}
		doc := map[string]any{"action": "CREATE", "actor": map[string]any{"loginName": fmt.Sprintf("u%d", i%7000)}, "target": map[string]any{"type": "FAILED_REQUEST"}}
		if i%2 == 1 {
			doc = map[string]any{"action": "DELETE", "actor": map[string]any{"loginName": fmt.Sprintf("u%d", i)}, "target": map[string]any{"type": "NODE", "id": "n"}}
		}
		doc["eventTime"] = at.Format(time.RFC3339Nano)
		if _, err := s.Add(context.Background(), &Event{Time: at, Doc: doc}); err != nil {
			t.Fatal(err)
		}
		if w := s.kept[0]; len(w.events)-w.head > maxWindowEvents || w.terms != nil && len(w.events) != w.terms.Len() {
			t.Fatalf("event %d: the window holds %d events (%d terms), more than %d", i, len(w.events)-w.head, w.terms.Len(), maxWindowEvents)
		}
	}
	w := s.kept[0]
	if live := len(w.events) - w.head; live > 61 || cap(w.events) > 4*maxWindowEvents {
		t.Errorf("after the dense stretch the window holds %d events in a slice of %d; want at most 61", live, cap(w.events))
	}
	if len(s.until) > maxRemembered || len(s.emitted) > maxRemembered {
		t.Errorf("the stream remembers %d suppressions and %d alert ids; want at most %d each", len(s.until), len(s.emitted), maxRemembered)
	}
}

// TestAlertWindowsApartByMatch: two rules with the same window and different match filters keep
// separate windows, so neither sees the other's events in input.window, within a run or after
// Remember (their windows once shared a key, the filters marshalling as {}).
func TestAlertWindowsApartByMatch(t *testing.T) {
	rule := func(id, pkg, match string) string {
		return "# METADATA\n# title: " + id + "\n# custom:\n#   id: " + id + "\n#   severity: low\n#   window: 1h\n#   match: " + match +
			"\npackage tailaudit.alerts." + pkg + "\n\nalert contains {\"msg\": sprintf(\"%d earlier\", [count(input.window)])}\n"
	}
	e := alertEngine(t, rule("T-DEL", "del", `{"action": ["DELETE"]}`), rule("T-NEW", "new", `{"action": ["CREATE"]}`))
	evs := []*Event{
		event(t, "2026-11-19T18:10:00Z", `{"action": "CREATE", "actor": {"loginName": "a"}}`),
		event(t, "2026-11-19T18:20:00Z", `{"action": "DELETE", "actor": {"loginName": "a"}}`),
		event(t, "2026-11-19T18:30:00Z", `{"action": "CREATE", "actor": {"loginName": "a"}}`),
		event(t, "2026-11-19T18:40:00Z", `{"action": "DELETE", "actor": {"loginName": "a"}}`),
	}
	judge := func(s *AlertStream, evs []*Event) []string {
		var got []string
		for _, ev := range evs {
			as, err := s.Add(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				got = append(got, a.Rule.ID+" "+a.Message)
			}
		}
		return got
	}
	want := []string{"T-NEW 0 earlier", "T-DEL 0 earlier", "T-NEW 1 earlier", "T-DEL 1 earlier"}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	one, err := e.Alerts(AlertInput{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, judge(one, evs)); d != "" {
		t.Errorf("one run (-want +got):\n%s", d)
	}
	first, _ := e.Alerts(AlertInput{Now: now})
	judge(first, evs[:2])
	second, _ := e.Alerts(AlertInput{Now: now})
	for _, ev := range first.Held() {
		if err := second.Remember(ev); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff(want[2:], judge(second, evs[2:])); d != "" {
		t.Errorf("the second of two runs (-want +got):\n%s", d)
	}
}

// TestMassDeletionWindowLeavesOutCleanup checks that TA-ALERT-018 (mass deletion) keeps none of
// the control plane's ephemeral-node cleanups (actor type AUTOMATED_WORKER) in its window, its
// custom.match excluding them, and still alerts on a user's five deletions among them.
func TestMassDeletionWindowLeavesOutCleanup(t *testing.T) {
	e, err := New(context.Background(), WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var w *window
	for i, r := range s.rules {
		if r.meta.ID == "TA-ALERT-018" {
			w = s.windows[i]
		}
	}
	if w == nil {
		t.Fatal("TA-ALERT-018 has no window")
	}
	var got []string
	for i := range 30 {
		actor := `{"id":"","type":"AUTOMATED_WORKER"}`
		if i%6 == 5 {
			actor = `{"id":"u1","type":"USER","loginName":"eve@example.com"}`
		}
		ev := event(t, fmt.Sprintf("2026-11-17T10:%02d:00Z", i), fmt.Sprintf(`{"action":"DELETE","actor":%s,"target":{"id":"n%d","type":"NODE"}}`, actor, i))
		as, err := s.Add(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Rule.ID == "TA-ALERT-018" {
				got = append(got, a.Message)
			}
		}
	}
	if want := []string{"eve@example.com deleted 5 node targets within an hour"}; !slices.Equal(got, want) {
		t.Errorf("alerts %q, want %q", got, want)
	}
	if held := len(w.events) - w.head; held != 5 {
		t.Errorf("the window holds %d events, want the user's 5 deletions and no cleanup", held)
	}
}

const spinAlertRule = `# METADATA
# title: Never finishes
# custom:
#   id: T-SPIN
#   severity: low
package tailaudit.alerts.spin

alert contains "a product is negative" if {
	some i in numbers.range(1, 50000)
	some j in numbers.range(1, 50000)
	i * j < 0
}
`

// TestAlertRuleBudget checks that an alert rule spinning past the rule budget stops with an
// error at the event, and that a cancelled context stops it too, with the context's error.
func TestAlertRuleBudget(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "spin.rego"), []byte(spinAlertRule), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), WithRuleDirs(dir), WithRuleTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Add(context.Background(), event(t, "2026-11-17T10:00:00Z", `{"action":"CREATE"}`))
	if err == nil || !strings.Contains(err.Error(), "audit.jsonl:1: alert rules:") || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("error %v, want the evaluation cancelled at audit.jsonl:1", err)
	}

	e, err = New(context.Background(), WithRuleDirs(dir), WithRuleTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s, err = e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := s.Add(ctx, event(t, "2026-11-17T10:00:00Z", `{"action":"CREATE"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestConverterAsInterfaceToValue checks that the converter gives the values ast.InterfaceToValue
// gives, on generated audit and flow log entries and on documents with every kind of value, and
// that the terms of repeated short strings are shared.
func TestConverterAsInterfaceToValue(t *testing.T) {
	docs := []map[string]any{
		{"a": "x", "b": []any{"x", json.Number("1"), json.Number("-2.5e3"), true, false, nil, map[string]any{}}, "c": map[string]any{"x": []any{}}},
		{"long": strings.Repeat("long ", 20), "n": 3, "f": 1.5, "m": map[string]string{"k": "v"}, "": ""},
	}
	for _, kind := range []string{"audit", "flow"} {
		for _, ev := range generated(t, kind, 500) {
			docs = append(docs, ev.Doc)
		}
	}
	var c converter
	for _, doc := range docs {
		got, err := c.value(doc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ast.InterfaceToValue(doc)
		if err != nil {
			t.Fatal(err)
		}
		if got.Compare(want) != 0 {
			t.Fatalf("converter gave %v, InterfaceToValue %v", got, want)
		}
	}
	if c.str("NODE") != c.str("NODE") || c.str(strings.Repeat("x", 100)) == c.str(strings.Repeat("x", 100)) {
		t.Error("short strings should share their term, long ones not")
	}
	if _, err := c.value(map[string]any{"bad": make(chan int)}); err == nil {
		t.Error("a value that is not JSON converted")
	}
}

// TestAlertRulesNeedingFirst checks which alert rules the engine leaves out when there is no
// input.first (no AlertInput.Seen): those whose every body needs it, and no other; with Seen they
// are judged.
func TestAlertRulesNeedingFirst(t *testing.T) {
	rule := func(id, body string) string {
		return "# METADATA\n# title: " + id + "\n# custom:\n#   id: " + id + "\n#   severity: low\npackage tailaudit.alerts." + strings.ToLower(strings.ReplaceAll(id, "-", "_")) + "\n\n" + body + "\n"
	}
	e := alertEngine(t,
		rule("T-EQ", `alert contains "new" if input.first.actor == true`),
		rule("T-BARE", `alert contains "new" if {
	input.event.action == "CREATE"
	input.first.actor
}`),
		rule("T-CALL", `alert contains "new" if startswith(input.first.actor, "x")`),
		rule("T-NOT", `alert contains "not new" if not input.first.actor`),
		rule("T-ONE-OF-TWO", `alert contains "new" if input.first.actor == true

alert contains "create" if input.event.action == "CREATE"`),
		rule("T-WITH", `alert contains "new" if input.first.actor == true with input.first as {"actor": true}`),
		rule("T-GET", `alert contains "new" if object.get(input, ["first", "actor"], true) == true`),
	)
	judged := func(in AlertInput) []string {
		s, err := e.Alerts(in)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range s.rules {
			ids = append(ids, r.meta.ID)
		}
		slices.Sort(ids)
		return ids
	}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	if got, want := judged(AlertInput{Now: now}), []string{"T-GET", "T-NOT", "T-ONE-OF-TWO", "T-WITH"}; !slices.Equal(got, want) {
		t.Errorf("without Seen the engine judges %v, want %v", got, want)
	}
	withSeen := AlertInput{Now: now, Seen: func(string) bool { return false }}
	if got, want := judged(withSeen), []string{"T-BARE", "T-CALL", "T-EQ", "T-GET", "T-NOT", "T-ONE-OF-TWO", "T-WITH"}; !slices.Equal(got, want) {
		t.Errorf("with Seen the engine judges %v, want %v", got, want)
	}
	// Each rule left out raises nothing without input.first when judged anyway (as the naive way
	// and a rule's own test do).
	c, err := e.alertCompiler()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"T-EQ", "T-BARE", "T-CALL"} {
		pkg := "tailaudit.alerts." + strings.ToLower(strings.ReplaceAll(id, "-", "_"))
		rs, err := rego.New(append(e.regoOptions(c), rego.Query("r = data."+pkg+".alert"), rego.Input(map[string]any{"event": map[string]any{"action": "CREATE"}}))...).Eval(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if set, _ := rs[0].Bindings["r"].([]any); len(set) != 0 {
			t.Errorf("%s raised %v without input.first", id, set)
		}
	}
}

// TestChangeWindowUnparsableHoursError checks that TA-ALERT-010 fails closed on a change window
// whose hours do not parse: the policy change on a day the window names is an error at the event,
// not a silent pass, and a change on a day it does not name still raises its alert.
func TestChangeWindowUnparsableHoursError(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{"changeWindows": []any{"mon-fri xx:00-18:00"}}
	const acl = `{"origin": "ADMIN_CONSOLE", "action": "UPDATE", "actor": {"loginName": "tom@acme.example", "type": "USER"}, "target": {"type": "TAILNET", "name": "acme.example", "property": "ACL"}}`
	for _, tt := range []struct {
		at, err, rule string
	}{
		{"2026-11-17T10:12:44Z", "parsing", ""},      // a Tuesday
		{"2026-11-21T10:12:44Z", "", "TA-ALERT-010"}, // a Saturday
	} {
		s, err := e.Alerts(AlertInput{Now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Params: params})
		if err != nil {
			t.Fatal(err)
		}
		ev := event(t, tt.at, acl)
		ev.File, ev.Line = "audit.jsonl", 7
		as, err := s.Add(ctx, ev)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "audit.jsonl:7") {
				t.Errorf("%s: error %v, want one at audit.jsonl:7 containing %q", tt.at, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.at, err)
		}
		if len(as) != 1 || as[0].Rule.ID != tt.rule {
			t.Errorf("%s: alerts %v, want one of %s", tt.at, as, tt.rule)
		}
	}
}
