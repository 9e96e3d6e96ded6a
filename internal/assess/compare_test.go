package assess_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/assess"
)

func TestCompare(t *testing.T) {
	report := func(status finding.ControlStatus, pop finding.Population) *finding.AssessmentReport {
		return &finding.AssessmentReport{GeneratedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Assessments: []finding.Assessment{{
			Framework: finding.FrameworkRef{ID: "soc2"},
			Controls: []finding.ControlResult{
				{ID: "CC6.1", Title: "Access", Status: status, Checks: []finding.CheckResult{{Rule: finding.RuleRef{ID: "TA-1"}, Population: &pop}}},
				{ID: "CC7.4", Title: "Incidents", Status: finding.ControlManual},
			},
		}}}
	}
	prev := report(finding.ControlFail, finding.Population{Type: "device", Size: 3, Passed: []string{"a"}, Failed: []string{"b", "c"}})
	cur := report(finding.ControlFail, finding.Population{Type: "device", Size: 3, Passed: []string{"b"}, Failed: []string{"a"}, Errored: []string{"d"}})
	cur.Assessments[0].Controls[1].Status = finding.ControlAttested
	got := assess.Compare("old/", prev, cur)
	want := &finding.Changes{
		Previous: "old/", PreviousGeneratedAt: prev.GeneratedAt,
		Controls:     []finding.ControlChange{{Framework: "soc2", Control: "CC7.4", Title: "Incidents", From: finding.ControlManual, To: finding.ControlAttested}},
		NewlyFailing: []finding.ResourceChange{{Rule: "TA-1", Type: "device", Resource: "a"}, {Rule: "TA-1", Type: "device", Resource: "d"}},
		Fixed:        []finding.ResourceChange{{Rule: "TA-1", Type: "device", Resource: "b", Now: "pass"}, {Rule: "TA-1", Type: "device", Resource: "c", Now: "absent"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Compare (-want +got):\n%s", d)
	}
	// a framework the earlier pack did not cover: every control changed from nothing
	prev.Assessments[0].Framework.ID = "iso27001"
	if got := assess.Compare("old/", prev, cur); len(got.Controls) != 2 || got.Controls[0].From != "" {
		t.Errorf("Compare with another framework: %+v, want both controls changed from nothing", got.Controls)
	}
}
