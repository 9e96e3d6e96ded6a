package assess_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/assess"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func checks(ids ...string) []frameworks.Check {
	out := make([]frameworks.Check, len(ids))
	for i, id := range ids {
		rule, cov, found := strings.Cut(id, "=")
		if !found {
			cov = "full"
		}
		out[i] = frameworks.Check{Rule: rule, Coverage: finding.Coverage(cov)}
	}
	return out
}

func testCatalog() frameworks.Catalog {
	return frameworks.Catalog{ID: "x", Name: "X", Version: "1",
		Retention: frameworks.Retention{Description: "d", Basis: "b", Scope: "logs", MinimumMonths: 12, Configurable: false},
		Controls: []frameworks.Control{
			{ID: "C1", Title: "full", Checks: checks("R1", "R2=partial")},
			{ID: "C2", Title: "partial only", Checks: checks("R1=partial", "R2=supporting")},
			{ID: "C3", Title: "manual", Manual: true, Guidance: "ask"},
			{ID: "C4", Title: "asks attestation", Checks: checks("R3")},
			{ID: "C5.1", Title: "limited", Checks: []frameworks.Check{{Rule: "R1", Coverage: "full", Limits: map[string]float64{"inactiveUserDays": 90}}}},
		}}
}

// report builds a report whose rules each have the given results, one finding per result.
func report(results map[string][]finding.Result) *finding.Report {
	r := &finding.Report{GeneratedAt: now}
	for _, id := range []string{"R1", "R2", "R3"} {
		r.Rules = append(r.Rules, finding.Rule{ID: id, Title: "rule " + id, Severity: finding.High, Namespace: "tailaudit.tailnet.x"})
		for i, res := range results[id] {
			f := finding.Finding{Rule: finding.RuleRef{ID: id, Title: "rule " + id, Severity: finding.High}, Result: res, Message: string(res)}
			f.Resource = &finding.Resource{Type: "device", ID: id + "-" + string(res) + "-" + string(rune('a'+i))}
			if res == finding.Pass {
				f.Resource = &finding.Resource{Type: "device"}
				f.Evidence = map[string]any{"examined": 10, "passedIds": []string{"p1", "p2"}}
			}
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

func TestAssessStatus(t *testing.T) {
	P, F, W, N, E, M, V := finding.Pass, finding.Fail, finding.Waived, finding.NotAssessed, finding.Error, finding.Manual, finding.Warn
	valid := func(control string) finding.Attestation {
		return finding.Attestation{Framework: "x", Control: control, Statement: "s", By: "ciso", Date: "2026-10-01", Expires: "2027-09-30", Evidence: "e"}
	}
	expired := func(control string) finding.Attestation {
		a := valid(control)
		a.Expires = "2026-11-23"
		return a
	}
	for _, tt := range []struct {
		name    string
		results map[string][]finding.Result
		atts    []finding.Attestation
		params  map[string]any
		want    map[string]finding.ControlStatus
	}{
		{
			name:    "all_pass",
			results: map[string][]finding.Result{"R1": {P}, "R2": {P}, "R3": {P}},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "partial", "C3": "manual", "C4": "pass", "C5.1": "pass"},
		},
		{
			name:    "warnings_count_as_passing",
			results: map[string][]finding.Result{"R1": {P, V}, "R2": {V}, "R3": {P}},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "partial", "C3": "manual", "C4": "pass", "C5.1": "pass"},
		},
		{
			name:    "fail_beats_everything",
			results: map[string][]finding.Result{"R1": {P, F}, "R2": {N}, "R3": {M}},
			atts:    []finding.Attestation{valid("C2")},
			want:    map[string]finding.ControlStatus{"C1": "fail", "C2": "fail", "C3": "manual", "C4": "manual", "C5.1": "fail"},
		},
		{
			name:    "not_assessed_and_error",
			results: map[string][]finding.Result{"R1": {P}, "R2": {E}},
			// C2's R2 only supports it: what could not run corroborates nothing, and is named.
			want: map[string]finding.ControlStatus{"C1": "not_assessed", "C2": "partial", "C3": "manual", "C4": "not_assessed", "C5.1": "pass"},
		},
		{
			name:    "waived_only",
			results: map[string][]finding.Result{"R1": {P, W}, "R2": {P}, "R3": {P}},
			want:    map[string]finding.ControlStatus{"C1": "waived", "C2": "waived", "C3": "manual", "C4": "pass", "C5.1": "waived"},
		},
		{
			name:    "attested",
			results: map[string][]finding.Result{"R1": {P}, "R2": {P}, "R3": {M}},
			atts:    []finding.Attestation{valid("C2"), valid("C3"), valid("C4"), valid("C1")},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "attested", "C3": "attested", "C4": "attested", "C5.1": "pass"},
		},
		{
			name:    "expired_attestation_does_not_count",
			results: map[string][]finding.Result{"R1": {P}, "R2": {P}, "R3": {P}},
			atts:    []finding.Attestation{expired("C2"), expired("C3")},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "partial", "C3": "manual", "C4": "pass", "C5.1": "pass"},
		},
		{
			name:    "threshold_looser_than_the_framework",
			results: map[string][]finding.Result{"R1": {P}, "R2": {P}, "R3": {P}},
			params:  map[string]any{"inactiveUserDays": 180},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "partial", "C3": "manual", "C4": "pass", "C5.1": "not_assessed"},
		},
		{
			name:    "threshold_within_the_framework",
			results: map[string][]finding.Result{"R1": {P}, "R2": {P}, "R3": {P}},
			params:  map[string]any{"inactiveUserDays": 60},
			want:    map[string]finding.ControlStatus{"C1": "pass", "C2": "partial", "C3": "manual", "C4": "pass", "C5.1": "pass"},
		},
		{
			name:    "a_failure_stays_a_failure_at_a_looser_threshold",
			results: map[string][]finding.Result{"R1": {P, F}, "R2": {P}, "R3": {P}},
			params:  map[string]any{"inactiveUserDays": 180},
			want:    map[string]finding.ControlStatus{"C1": "fail", "C2": "fail", "C3": "manual", "C4": "pass", "C5.1": "fail"},
		},
		{
			name:    "no_findings_is_not_assessed",
			results: map[string][]finding.Result{},
			want:    map[string]finding.ControlStatus{"C1": "not_assessed", "C2": "not_assessed", "C3": "manual", "C4": "not_assessed", "C5.1": "not_assessed"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := assess.Assess(report(tt.results), []frameworks.Catalog{testCatalog()}, tt.atts, assess.Options{Now: now, Params: tt.params})
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[string]finding.ControlStatus{}
			for _, c := range got.Assessments[0].Controls {
				statuses[c.ID] = c.Status
				if c.Reason == "" {
					t.Errorf("%s: no reason", c.ID)
				}
			}
			if d := cmp.Diff(tt.want, statuses); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			sum := got.Assessments[0].Summary
			total := 0
			for _, n := range sum.Status {
				total += n
			}
			if total != 5 || sum.Controls != 5 || sum.Automated != 3 || sum.Partial != 1 || sum.Manual != 1 {
				t.Errorf("summary = %+v, want 5 controls: 3 automated, 1 partial, 1 manual", sum)
			}
		})
	}
}

func TestAssessPopulationAndReasons(t *testing.T) {
	rep := report(map[string][]finding.Result{"R1": {finding.Pass, finding.Fail, finding.Fail, finding.Waived}, "R2": {finding.NotAssessed}})
	// A second finding on the same device counts once, under its worst result.
	dup := rep.Findings[1]
	dup.Result = finding.Warn
	rep.Findings = append(rep.Findings, dup)
	atts := []finding.Attestation{{Framework: "x", Control: "C3", By: "ciso", Date: "2026-01-01", Expires: "2026-06-30", Source: "a.hujson:3"}}
	got, err := assess.Assess(rep, []frameworks.Catalog{testCatalog()}, atts, assess.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c1 := got.Assessments[0].Controls[0]
	r1 := c1.Checks[0]
	if r1.Population == nil {
		t.Fatal("R1 has no population")
	}
	if got, want := r1.Population.String(), "10 devices: 2 pass, 2 fail, 1 waived"; got != want {
		t.Errorf("R1 population = %q, want %q", got, want)
	}
	if d := cmp.Diff([]string{"R1-fail-b", "R1-fail-c"}, r1.Population.Failed); d != "" {
		t.Errorf("failed ids (-want +got):\n%s", d)
	}
	if len(r1.Findings) != 4 || r1.Rule.Title != "rule R1" || r1.Result != finding.Fail {
		t.Errorf("R1 check = %+v, want 4 findings, the rule's title and fail", r1)
	}
	r2 := c1.Checks[1]
	if r2.Result != finding.NotAssessed || r2.Reason != "not_assessed" || r2.Population != nil {
		t.Errorf("R2 check = %+v, want not assessed with the finding's message and no population", r2)
	}
	c3 := got.Assessments[0].Controls[2]
	if c3.Status != finding.ControlManual || c3.Attestation == nil || c3.Attestation.Status != finding.AttestationExpired || !strings.Contains(c3.Reason, "expired") {
		t.Errorf("C3 = %+v, want manual with the expired attestation named", c3)
	}
	if len(got.Assessments[0].Attestations) != 1 || got.Assessments[0].Attestations[0].Status != finding.AttestationExpired {
		t.Errorf("attestations = %+v, want the expired one listed", got.Assessments[0].Attestations)
	}
	if c1.Family != "C1" || got.Assessments[0].Controls[4].Family != "C5" {
		t.Errorf("families %q, %q", c1.Family, got.Assessments[0].Controls[4].Family)
	}
}

func TestAssessSupportingNotAssessed(t *testing.T) {
	cat := testCatalog()
	cat.Controls = []frameworks.Control{
		{ID: "S1", Title: "partial and supporting", Checks: checks("R1=partial", "R2=supporting")},
		{ID: "S2", Title: "supporting only", Checks: checks("R2=supporting")},
		{ID: "S3", Title: "manual, supporting", Manual: true, Guidance: "ask", Checks: checks("R2=supporting")},
	}
	got, err := assess.Assess(report(map[string][]finding.Result{"R1": {finding.Pass}, "R2": {finding.NotAssessed}}), []frameworks.Catalog{cat}, nil, assess.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	cat.Controls = append(cat.Controls, frameworks.Control{ID: "S4", Title: "many supporting", Checks: checks("R1=partial", "R2=supporting", "R4=supporting", "R5=supporting", "R6=supporting")})
	got, err = assess.Assess(report(map[string][]finding.Result{"R1": {finding.Pass}, "R2": {finding.NotAssessed}}), []frameworks.Catalog{cat}, nil, assess.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		status finding.ControlStatus
		reason string
	}{
		{"partial", "supporting checks not assessed: R2"},
		{"not_assessed", "no check could run (R2)"},
		{"manual", "supporting checks not assessed: R2"},
		{"partial", "supporting checks not assessed: R2, R4, R5 and 1 more"},
	} {
		c := got.Assessments[0].Controls[i]
		if c.Status != want.status || !strings.Contains(c.Reason, want.reason) {
			t.Errorf("%s = %s %q, want %s with %q", c.ID, c.Status, c.Reason, want.status, want.reason)
		}
	}
}

func TestAssessRetentionMonths(t *testing.T) {
	got, err := assess.Assess(report(nil), []frameworks.Catalog{testCatalog()}, nil, assess.Options{Now: now, RetentionMonths: map[string]int{"X": 24}})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Assessments[0].Retention.Requirement; r.MinimumMonths != 24 || r.Configured != 24 {
		t.Errorf("requirement = %+v, want 24 months configured", r)
	}
	if _, err := assess.Assess(report(nil), []frameworks.Catalog{testCatalog()}, nil, assess.Options{Now: now, RetentionMonths: map[string]int{"sox": 24}}); err == nil || !strings.Contains(err.Error(), `retention for "sox": no such framework (known: x)`) {
		t.Errorf("Assess with retention for an unknown framework: %v", err)
	}
}

func TestAssessRejectsUnknownAttestation(t *testing.T) {
	for _, a := range []finding.Attestation{{Framework: "nope", Control: "C1"}, {Framework: "x", Control: "C9"}} {
		if _, err := assess.Assess(report(nil), []frameworks.Catalog{testCatalog()}, []finding.Attestation{a}, assess.Options{Now: now}); err == nil {
			t.Errorf("Assess with attestation %+v succeeded", a)
		}
	}
}

// TestAssessRealCatalogues runs the embedded catalogues over a report with no findings: every
// control is manual or not assessed, never pass.
func TestAssessRealCatalogues(t *testing.T) {
	cats, err := frameworks.Load()
	if err != nil {
		t.Fatal(err)
	}
	got, err := assess.Assess(&finding.Report{GeneratedAt: now}, cats, nil, assess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Assessments) != len(cats) || got.SchemaVersion != finding.AssessmentSchemaVersion {
		t.Fatalf("got %d assessments, schema %q", len(got.Assessments), got.SchemaVersion)
	}
	for _, a := range got.Assessments {
		for _, c := range a.Controls {
			if c.Status != finding.ControlManual && c.Status != finding.ControlNotAssessed {
				t.Errorf("%s %s: %s with no findings", a.Framework.ID, c.ID, c.Status)
			}
		}
		if a.Retention.Status != finding.ControlNotAssessed && a.Retention.Status != finding.ControlManual {
			t.Errorf("%s retention without a snapshot: %s", a.Framework.ID, a.Retention.Status)
		}
	}
}
