package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const firstRule = `# METADATA
# title: First console action
# custom:
#   id: T-FIRST
#   severity: medium
#   match: {"origin": ["ADMIN_CONSOLE"]}
package tailaudit.alerts.first_console

alert contains {"msg": sprintf("first console use by %s", [input.event.actor.loginName])} if input.first.actor
`

// runIDs judges evs in a new stream after remembering history, and returns the alerts' rule ids and
// times with the stream.
func runIDs(t *testing.T, e *Engine, in AlertInput, history, evs []*Event) ([]string, *AlertStream) {
	t.Helper()
	in.Now = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	s, err := e.Alerts(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range history {
		if err := s.Remember(ev); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, ev := range evs {
		as, err := s.Add(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			got = append(got, a.Rule.ID+" "+a.Time.Format("15:04"))
		}
	}
	return got, s
}

// TestAlertMemoryAcrossRuns splits one stream of events in two runs, the second given what the
// first held (windows, suppression, actors seen), and expects the alerts of one run over them all.
func TestAlertMemoryAcrossRuns(t *testing.T) {
	e := alertEngine(t, failedRule, deleteRule, firstRule)
	fail := `{"action":"CREATE","actor":{"loginName":"eve@x"},"target":{"type":"FAILED_REQUEST"}}`
	del := `{"action":"DELETE","actor":{"loginName":"bob@x"},"target":{"type":"NODE","id":"%s"}}`
	console := `{"action":"UPDATE","origin":"ADMIN_CONSOLE","actor":{"loginName":"%s"},"target":{"type":"TAILNET"}}`
	evs := []*Event{
		event(t, "2026-11-17T10:00:00Z", fail),
		event(t, "2026-11-17T10:01:00Z", strings.Replace(del, "%s", "n1", 1)),
		event(t, "2026-11-17T10:02:00Z", strings.Replace(console, "%s", "ann@x", 1)),
		event(t, "2026-11-17T10:03:00Z", fail),
		// the second run starts here
		event(t, "2026-11-17T10:05:00Z", fail),                                       // third within 10m: fires only with the first run's two
		event(t, "2026-11-17T10:30:00Z", strings.Replace(del, "%s", "n2", 1)),        // suppressed by the first run's alert
		event(t, "2026-11-17T10:40:00Z", strings.Replace(console, "%s", "ann@x", 1)), // ann was seen in the first run
		event(t, "2026-11-17T10:41:00Z", strings.Replace(console, "%s", "cy@x", 1)),  // cy was not
		event(t, "2026-11-17T10:42:00Z", strings.Replace(console, "%s", "cy@x", 1)),  // but is now
	}
	known := map[string]bool{}
	seen := func(a string) bool { return known[a] }
	whole, _ := runIDs(t, e, AlertInput{Seen: seen}, nil, evs)
	want := []string{"T-DEL 10:01", "T-FIRST 10:02", "T-FAIL 10:05", "T-FIRST 10:41"}
	if d := cmp.Diff(want, whole); d != "" {
		t.Fatalf("one run (-want +got):\n%s", d)
	}

	first, s1 := runIDs(t, e, AlertInput{Seen: seen}, nil, evs[:4])
	held := s1.Held()
	if len(held) != 2 {
		t.Errorf("the first run holds %d events for later windows, want the 2 failed requests", len(held))
	}
	for _, a := range s1.NewActors() {
		known[a] = true
	}
	second, s2 := runIDs(t, e, AlertInput{Seen: seen, Suppressed: s1.Suppressions()}, held, evs[4:])
	if d := cmp.Diff(want, append(first, second...)); d != "" {
		t.Errorf("two runs with memory (-want +got):\n%s", d)
	}
	if got := s2.NewActors(); !cmp.Equal(got, []string{"cy@x"}) {
		t.Errorf("second run's new actors %v, want [cy@x]", got)
	}
	sup := s2.Suppressions()
	if len(sup) != 1 || sup[0].Rule != "T-DEL" || sup[0].Dedup != "bob@x" || !sup[0].Until.Equal(evs[1].Time.Add(time.Hour)) {
		t.Errorf("suppression memory %+v, want T-DEL bob@x until 11:01", sup)
	}

	// Without memory, the second run misses the threshold and the suppression, and without Seen
	// input.first is absent, so the first-seen rule stays silent.
	alone, _ := runIDs(t, e, AlertInput{}, nil, evs[4:])
	if d := cmp.Diff([]string{"T-DEL 10:30"}, alone); d != "" {
		t.Errorf("second run without memory (-want +got):\n%s", d)
	}
}

// TestAlertMemoryBaseline: a baseline run records the actors it sees and raises no first-seen
// alert; the run after it raises one for an actor the baseline did not see, and only that one.
func TestAlertMemoryBaseline(t *testing.T) {
	e := alertEngine(t, firstRule)
	console := `{"action":"UPDATE","origin":"ADMIN_CONSOLE","actor":{"loginName":"%s"},"target":{"type":"TAILNET"}}`
	at := func(ts, who string) *Event { return event(t, ts, strings.Replace(console, "%s", who, 1)) }
	known := map[string]bool{}
	seen := func(a string) bool { return known[a] }

	got, s1 := runIDs(t, e, AlertInput{Seen: seen, Baseline: true}, nil, []*Event{at("2026-11-17T10:00:00Z", "ann@x"), at("2026-11-17T10:01:00Z", "bob@x")})
	if len(got) != 0 {
		t.Errorf("baseline run raised %v, want nothing", got)
	}
	if d := cmp.Diff([]string{"ann@x", "bob@x"}, s1.NewActors()); d != "" {
		t.Errorf("baseline run's actors (-want +got):\n%s", d)
	}
	for _, a := range s1.NewActors() {
		known[a] = true
	}
	got, _ = runIDs(t, e, AlertInput{Seen: seen}, nil, []*Event{at("2026-11-18T10:00:00Z", "ann@x"), at("2026-11-18T10:01:00Z", "cy@x")})
	if d := cmp.Diff([]string{"T-FIRST 10:01"}, got); d != "" {
		t.Errorf("run after the baseline (-want +got):\n%s", d)
	}
}
