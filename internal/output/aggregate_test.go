package output

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// aggregateReport has a rule that declares custom.aggregate by clientVersion firing for 23 devices
// in four causes (12 fail on 1.70.0, 3 fail on 1.72.0, 6 warn with an update available, 2 waived
// by one waiver), two fail findings whose evidence lacks the key, and a rule that does not declare it
// firing for 11 devices.
func aggregateReport() *finding.Report {
	outdated := finding.Rule{
		ID: "TA-DEV-005", Title: "Tailscale client out of date", Severity: finding.Medium, Builtin: true,
		Remediation: "Update the client.", Namespace: "tailaudit.tailnet.device_client_outdated",
		Controls:  map[string][]string{"soc2": {"CC7.1"}},
		Aggregate: &finding.Aggregate{By: []string{"clientVersion"}},
	}
	notSeen := finding.Rule{
		ID: "TA-DEV-004", Title: "Device not seen recently", Severity: finding.Medium, Builtin: true,
		Namespace: "tailaudit.tailnet.device_not_seen",
	}
	device := func(i int) *finding.Resource {
		return &finding.Resource{Type: "device", ID: fmt.Sprintf("n%03dCNTRL", i), Name: fmt.Sprintf("host-%03d", i)}
	}
	at := func(i int) *finding.Location {
		return &finding.Location{File: "snapshot.json", Path: fmt.Sprintf("/devices/%d", i)}
	}
	waiver := &finding.Waiver{Reason: "kiosks, replaced in Q1", By: "ops@example.com", Expires: "2027-03-31", Source: ".tailaudit.hujson:4"}
	var fs []finding.Finding
	add := func(rule finding.Rule, result finding.Result, sev finding.Severity, i int, version string, w *finding.Waiver) {
		f := finding.Finding{Rule: rule.Ref(), Result: result, Severity: sev, Location: at(i), Resource: device(i),
			Controls: rule.Controls, Fingerprint: fmt.Sprintf("sha256:%04x", i), Waiver: w}
		switch {
		case rule.ID == notSeen.ID:
			f.Message = fmt.Sprintf("device host-%03d was last seen 120 days ago (limit 90)", i)
			f.Evidence = map[string]any{"daysSinceSeen": 120, "limitDays": 90}
		case version == "":
			f.Message = fmt.Sprintf("device host-%03d runs an unknown Tailscale", i)
			f.Evidence = map[string]any{"updateAvailable": true}
		default:
			f.Message = fmt.Sprintf("device host-%03d runs Tailscale %s", i, version)
			f.Evidence = map[string]any{"clientVersion": version, "updateAvailable": true}
		}
		fs = append(fs, f)
	}
	// Interleaved, so that the members of one cause are not next to each other in report order.
	for i := range 12 {
		add(outdated, finding.Fail, finding.Medium, 2*i, "1.70.0", nil)
	}
	for i := range 3 {
		add(outdated, finding.Fail, finding.Medium, 2*i+1, "1.72.0", nil)
	}
	for i := range 2 {
		add(outdated, finding.Fail, finding.Medium, 30+i, "", nil)
	}
	for i := range 6 {
		add(outdated, finding.Warn, finding.Low, 40+i, "1.86.2", nil)
	}
	for i := range 2 {
		add(outdated, finding.Waived, finding.Medium, 50+i, "1.70.0", waiver)
	}
	for i := range 11 {
		add(notSeen, finding.Fail, finding.Medium, 60+i, "", nil)
	}
	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tailaudit", Version: "1.2.3"},
		GeneratedAt:   time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		FailOn:        finding.High,
		Rules:         []finding.Rule{outdated, notSeen},
		Findings:      fs,
	}
	finding.Sort(r.Findings)
	r.Summarize()
	return r
}

// TestAggregateEntries checks which findings are grouped: those of a rule that declares
// custom.aggregate, with one result, severity, waiver and cause, from the threshold on; each group
// where its first member is.
func TestAggregateEntries(t *testing.T) {
	for _, tt := range []struct {
		name string
		min  int
		want []string // per entry: rule id, and the member count for a group
	}{
		{"off", 0, nil},
		{"from_ten", 10, []string{"TA-DEV-005 ×12"}},
		{"from_two", 2, []string{"TA-DEV-005 ×12", "TA-DEV-005 ×3", "TA-DEV-005 ×2", "TA-DEV-005 ×2", "TA-DEV-005 ×6"}},
		{"from_one", 1, []string{"TA-DEV-005 ×12", "TA-DEV-005 ×3", "TA-DEV-005 ×2", "TA-DEV-005 ×2", "TA-DEV-005 ×6"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := aggregateReport()
			es := newAggregator(r, tt.min).entries(r.Findings)
			var got []string
			listed := 0
			for _, e := range es {
				if e.members != nil {
					got = append(got, fmt.Sprintf("%s ×%d", e.Rule.ID, len(e.members)))
					listed += len(e.members)
					continue
				}
				listed++
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("groups (-want +got):\n%s", d)
			}
			if listed != len(r.Findings) {
				t.Errorf("entries hold %d findings, want all %d", listed, len(r.Findings))
			}
			if d := cmp.Diff(aggregateReport(), r); d != "" {
				t.Errorf("grouping changed the report (-before +after):\n%s", d)
			}
		})
	}
}

// TestAggregateGroupFinding checks what a group says of itself and of its cause.
func TestAggregateGroupFinding(t *testing.T) {
	r := aggregateReport()
	var groups []entry
	for _, e := range newAggregator(r, 2).entries(r.Findings) {
		if e.members != nil {
			groups = append(groups, e)
		}
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s %s %s | %s | %s", g.Result, g.Severity, g.Location, g.Message, memberNames(g.members)))
	}
	want := []string{
		"fail medium snapshot.json | 12 devices: Tailscale client out of date (clientVersion 1.70.0) | host-000, host-002, host-004, host-006, host-008 and 7 more",
		"fail medium snapshot.json | 3 devices: Tailscale client out of date (clientVersion 1.72.0) | host-001, host-003, host-005",
		"fail medium snapshot.json | 2 devices: Tailscale client out of date (no clientVersion) | host-030, host-031",
		"waived medium snapshot.json | 2 devices: Tailscale client out of date (clientVersion 1.70.0) | host-050, host-051",
		"warn low snapshot.json | 6 devices: Tailscale client out of date (clientVersion 1.86.2) | host-040, host-041, host-042, host-043, host-044 and 1 more",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
	// The cause's fingerprint is its own: another resource in the group leaves it as it was.
	fps := map[string]bool{}
	for _, g := range groups {
		fps[g.fingerprint()] = true
	}
	if len(fps) != len(groups) {
		t.Errorf("%d groups share %d fingerprints, want one each", len(groups), len(fps))
	}
	fewer := aggregateReport()
	fewer.Findings = slices.DeleteFunc(fewer.Findings, func(f finding.Finding) bool { return f.Resource.ID == "n000CNTRL" })
	for _, e := range newAggregator(fewer, 2).entries(fewer.Findings) {
		if e.members != nil && e.Result == finding.Fail && len(e.members) == 11 && e.fingerprint() != groups[0].fingerprint() {
			t.Errorf("fingerprint of the 1.70.0 group changed with its members: %s, was %s", e.fingerprint(), groups[0].fingerprint())
		}
	}
}

// TestAggregateGolden renders the aggregated report in every format.
func TestAggregateGolden(t *testing.T) {
	verbose := shipped()
	verbose.Verbose = true
	for _, format := range Formats() {
		for _, s := range []struct {
			suffix   string
			settings Settings
		}{{"", shipped()}, {"_verbose", verbose}} {
			if s.suffix != "" && format != "text" {
				continue
			}
			name := "aggregate_" + strings.ReplaceAll(format, "-", "_") + s.suffix + ".golden"
			t.Run(name, func(t *testing.T) {
				r := aggregateReport()
				s.settings.Aggregate = 2 // every cause of the test report a group, to show each kind
				golden(t, name, []byte(renderString(t, format, s.settings, r)))
				if d := cmp.Diff(aggregateReport(), r); d != "" {
					t.Errorf("rendering changed the report (-before +after):\n%s", d)
				}
			})
		}
	}
}

// TestAggregateOffIsEachFinding checks that with Aggregate 0 every format writes what it writes for
// rules that declare nothing, byte for byte: --no-aggregate is the output of before aggregation.
func TestAggregateOffIsEachFinding(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			declared := aggregateReport()
			plain := aggregateReport()
			for i := range plain.Rules {
				plain.Rules[i].Aggregate = nil
			}
			want := renderString(t, format, shipped(), plain)
			if got := renderString(t, format, shipped(), declared); got != want {
				t.Errorf("Aggregate 0 renders a declaring rule differently:\n%s", cmp.Diff(want, got))
			}
			on := shipped()
			on.Aggregate = AggregateMin
			if got := renderString(t, format, on, plain); got != want {
				t.Errorf("Aggregate on renders rules that declare nothing differently:\n%s", cmp.Diff(want, got))
			}
			if format != "github-summary" && renderString(t, format, on, declared) == want {
				t.Errorf("Aggregate on renders the declaring rule's findings as they were, one by one")
			}
		})
	}
}

// TestAggregatedJSONExpandsToTheFindings checks that aggregated JSON loses nothing: each group's
// findings, with what the group holds for all of them, are the findings the JSON lists without
// aggregation, member for member, in the same order once sorted.
func TestAggregatedJSONExpandsToTheFindings(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprint("compact=", compact), func(t *testing.T) {
			r := aggregateReport()
			s := Settings{Compact: compact}
			var plain, grouped struct {
				Findings []json.RawMessage `json:"findings"`
				Summary  json.RawMessage   `json:"summary"`
			}
			if err := json.Unmarshal([]byte(renderString(t, "json", s, r)), &plain); err != nil {
				t.Fatal(err)
			}
			s.Aggregate = 2
			if err := json.Unmarshal([]byte(renderString(t, "json", s, r)), &grouped); err != nil {
				t.Fatal(err)
			}
			if len(grouped.Findings) >= len(plain.Findings) {
				t.Fatalf("aggregated JSON lists %d findings, not fewer than %d", len(grouped.Findings), len(plain.Findings))
			}
			expanded, err := ExpandFindings(grouped.Findings)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []finding.Finding
			for _, raw := range plain.Findings {
				var f finding.Finding
				if err := json.Unmarshal(raw, &f); err != nil {
					t.Fatal(err)
				}
				want = append(want, f)
			}
			for _, raw := range expanded {
				var f finding.Finding
				if err := json.Unmarshal(raw, &f); err != nil {
					t.Fatal(err)
				}
				got = append(got, f)
			}
			finding.Sort(got)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("expanded findings (-want +got):\n%s", d)
			}
			if string(plain.Summary) != string(grouped.Summary) {
				t.Errorf("summary %s, want %s", grouped.Summary, plain.Summary)
			}
		})
	}
}

// BenchmarkAggregateEntries times the grouping alone on 46,000 findings of one declaring rule, as
// many as check gives on the 50,000-device snapshot.
func BenchmarkAggregateEntries(b *testing.B) {
	r := manyOutdated(46000)
	agg := newAggregator(r, AggregateMin)
	for b.Loop() {
		if es := agg.entries(r.Findings); len(es) != 1 {
			b.Fatalf("%d entries, want 1", len(es))
		}
	}
}
