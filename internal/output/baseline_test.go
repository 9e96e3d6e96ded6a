package output

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// baselineReport is testReport compared with a base: two findings new, the others unchanged, one of
// the base's fixed, gating on new findings only.
func baselineReport() *finding.Report {
	r := testReport()
	for i, f := range r.Findings {
		switch {
		case f.Fingerprint == "sha256:5f1a" || f.Fingerprint == "sha256:0b0b":
			r.Findings[i].Baseline = finding.BaselineNew
		case f.Fingerprint != "":
			r.Findings[i].Baseline = finding.BaselineUnchanged
		}
	}
	fixed := finding.Finding{Rule: r.Findings[1].Rule, Result: finding.Fail, Severity: finding.High,
		Message: "ssh[0] accepts root from [group:eng] without check", Location: &finding.Location{File: "main:policy.hujson", Line: 30, Column: 5, Path: "/ssh/0"},
		Fingerprint: "sha256:f1x0", Baseline: finding.BaselineFixed}
	r.Baseline = &finding.Baseline{Base: "main:policy.hujson", NewOnly: true,
		Counts: map[finding.BaselineState]int{finding.BaselineNew: 2, finding.BaselineUnchanged: 7, finding.BaselineFixed: 1},
		Fixed:  []finding.Finding{fixed}}
	r.Summarize()
	return r
}

func TestGoldenBaseline(t *testing.T) {
	for _, tt := range []struct{ name, format string }{
		{"text_baseline.golden", "text"},
		{"markdown_baseline.golden", "markdown"},
		{"sarif_baseline.golden", "sarif"},
		{"github_baseline.golden", "github"},
		{"json_baseline.golden", "json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := baselineReport()
			golden(t, tt.name, []byte(renderString(t, tt.format, shipped(), r)))
			if d := cmp.Diff(baselineReport(), r); d != "" {
				t.Errorf("rendering changed the report (-before +after):\n%s", d)
			}
		})
	}
}

// TestNewOnlyGate checks the gate of a compared report: an unchanged high failure does not fail it
// with new-only, a new one does, and a rule error always does.
func TestNewOnlyGate(t *testing.T) {
	r := baselineReport()
	if !r.Failed() {
		t.Fatal("the report has a new high failure (ssh[2]) and an error; want it failed")
	}
	var kept []finding.Finding
	for _, f := range r.Findings {
		if f.Baseline != finding.BaselineNew && f.Result != finding.Error {
			kept = append(kept, f)
		}
	}
	r.Findings = kept
	if r.Failed() {
		t.Error("only unchanged failures are left; with new-only the gate should pass")
	}
	r.Baseline.NewOnly = false
	if !r.Failed() {
		t.Error("without new-only, unchanged high failures fail the gate")
	}
}
