package output

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestGitHubEscaping(t *testing.T) {
	for _, tt := range []struct {
		in, wantData, wantProperty string
	}{
		{"plain text", "plain text", "plain text"},
		{"100%", "100%25", "100%25"},
		{"%0A is not a newline", "%250A is not a newline", "%250A is not a newline"},
		{"line 1\nline 2", "line 1%0Aline 2", "line 1%0Aline 2"},
		{"crlf\r\n", "crlf%0D%0A", "crlf%0D%0A"},
		{"tag:prod, tag:ci", "tag:prod, tag:ci", "tag%3Aprod%2C tag%3Aci"},
		{"::error::injected", "::error::injected", "%3A%3Aerror%3A%3Ainjected"},
		{"café <&> | ü", "café <&> | ü", "café <&> | ü"},
	} {
		if got := escapeData(tt.in); got != tt.wantData {
			t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.wantData)
		}
		if got := escapeProperty(tt.in); got != tt.wantProperty {
			t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.wantProperty)
		}
	}
}

func TestGitHubCommandStaysOnOneLine(t *testing.T) {
	r := &finding.Report{FailOn: finding.High, Findings: []finding.Finding{{
		Rule:     finding.RuleRef{ID: "TA-X-001", Title: "a: b, c"},
		Result:   finding.Fail,
		Severity: finding.High,
		Message:  "first\n::error file=x::forged",
		Location: &finding.Location{File: "dir,1/p:q.hujson", Line: 2, Column: 1},
	}}}
	r.Summarize()
	out := renderString(t, "github", Settings{}, r)
	want := "::error file=dir%2C1/p%3Aq.hujson,line=2,col=1,title=TA-X-001 a%3A b%2C c::first%0A::error file=x::forged%0A%0Aseverity: high\n"
	if first, _, _ := strings.Cut(out, "tailaudit:"); first != want {
		t.Errorf("annotation = %q, want %q", first, want)
	}
}

// TestGitHubAnnotationLimits checks that every finding is annotated, and that the job summary lists
// those GitHub will not show: over the per-step limit of each kind, or without a file location.
func TestGitHubAnnotationLimits(t *testing.T) {
	r := &finding.Report{FailOn: finding.High}
	for i := range 13 {
		r.Findings = append(r.Findings,
			finding.Finding{Rule: finding.RuleRef{ID: "TA-HIGH-001", Title: "High"}, Result: finding.Fail, Severity: finding.High,
				Message: fmt.Sprintf("high %02d", i), Location: &finding.Location{File: "policy.hujson", Line: 100 + i}},
			finding.Finding{Rule: finding.RuleRef{ID: "TA-MED-001", Title: "Medium"}, Result: finding.Fail, Severity: finding.Medium,
				Message: fmt.Sprintf("medium %02d", i), Location: &finding.Location{File: "policy.hujson", Line: 200 + i}})
	}
	r.Findings = append(r.Findings, finding.Finding{Rule: finding.RuleRef{ID: "TA-DEV-001", Title: "Device"}, Result: finding.Fail,
		Severity: finding.Critical, Message: "no file", Resource: &finding.Resource{Type: "device", ID: "n1", Name: "db-1"}})
	r.Summarize()

	out := renderString(t, "github", Settings{}, r)
	var summary strings.Builder
	summary.WriteString(renderString(t, "github-summary", Settings{}, r))
	if got := strings.Count(out, "::error "); got != 14 {
		t.Errorf("%d ::error commands, want all 14", got)
	}
	if got := strings.Count(out, "::warning "); got != 13 {
		t.Errorf("%d ::warning commands, want all 13", got)
	}
	if !strings.Contains(out, "::error title=TA-DEV-001 Device::device db-1 (n1): no file") {
		t.Errorf("the finding without a file is not annotated with its resource:\n%s", out)
	}
	if strings.Index(out, "no file") > strings.Index(out, "high 00") {
		t.Errorf("the critical finding is not annotated first:\n%s", out)
	}

	hidden, _, ok := strings.Cut(strings.SplitN(summary.String(), "## Not shown as annotations", 2)[1], "\n## ")
	if !ok {
		t.Fatalf("job summary has no section of findings beyond the annotation limits:\n%s", summary.String())
	}
	// The critical one and high 00–08 fill the ten error slots; medium 00–09 the ten warning slots.
	for _, want := range []string{"high 09", "high 12", "medium 10", "medium 12"} {
		if !strings.Contains(hidden, want) {
			t.Errorf("job summary does not list %q beyond the limits:\n%s", want, hidden)
		}
	}
	for _, notWant := range []string{"high 08", "medium 09", "no file"} {
		if strings.Contains(hidden, notWant) {
			t.Errorf("job summary lists %q beyond the limits, but it is annotated:\n%s", notWant, hidden)
		}
	}
	if !strings.Contains(summary.String(), "## Annotations without a file location") {
		t.Errorf("job summary has no section for findings without a file location:\n%s", summary.String())
	}
	if !strings.Contains(out, "7 annotations are over GitHub's per-step limit") {
		t.Errorf("plain output does not say how many annotations are over the limit:\n%s", out)
	}
}

func TestGitHubFileRelativeToRoot(t *testing.T) {
	r := &finding.Report{Findings: []finding.Finding{{
		Rule: finding.RuleRef{ID: "TA-X-001", Title: "X"}, Result: finding.Fail, Severity: finding.Medium, Message: "m",
		Location: &finding.Location{File: filepath.Join(string(filepath.Separator), "repo", "configs", "policy.hujson"), Line: 4},
	}}}
	r.Summarize()
	out := renderString(t, "github", Settings{Root: string(filepath.Separator) + "repo"}, r)
	if want := "::warning file=configs/policy.hujson,line=4,title=TA-X-001 X::"; !strings.HasPrefix(out, want) {
		t.Errorf("annotation = %q, want it to start %q", out, want)
	}
}
