package output

import (
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestTextNeverPassesControlCharactersThrough(t *testing.T) {
	r := &finding.Report{FailOn: finding.High, Findings: []finding.Finding{{
		Rule: finding.RuleRef{ID: "TA-X-001", Title: "X\x07"}, Result: finding.Fail, Severity: finding.High,
		Message: "group \x1b[2Jfake\r\nsecond line\ttab",
	}}}
	r.Summarize()
	for _, color := range []bool{false, true} {
		out := renderString(t, "text", Settings{Color: color}, r)
		if !strings.Contains(out, `group \x1b[2Jfake\r`) || !strings.Contains(out, `X\a`) {
			t.Errorf("color %v: control characters not shown escaped:\n%s", color, out)
		}
		if strings.ContainsAny(out, "\a\r") || strings.Contains(out, "\x1b[2J") {
			t.Errorf("color %v: output holds raw control characters: %q", color, out)
		}
		if got := strings.Contains(out, "\x1b["); got != color {
			t.Errorf("color %v: ANSI escapes present = %v", color, got)
		}
		if !strings.Contains(out, "\n      second line\ttab\n") {
			t.Errorf("color %v: second message line not indented under the first:\n%s", color, out)
		}
	}
}

// TestTextSummaryCountsWhatItLists checks that the summary line counts the warnings the WARNINGS
// section lists: warn results and the diagnostics about the inputs, such as an unused waiver.
func TestTextSummaryCountsWhatItLists(t *testing.T) {
	warn := finding.Finding{Rule: finding.RuleRef{ID: "TA-X-001", Title: "X"}, Result: finding.Warn, Severity: finding.Low, Message: "advisory"}
	unused := finding.Diagnostic{Level: "warning", Message: "waiver for TA-Y-001 matches no finding", Location: &finding.Location{File: "policy.hujson", Line: 4, Column: 3}}
	for _, tt := range []struct {
		name        string
		findings    []finding.Finding
		diagnostics []finding.Diagnostic
		want        string // "" when neither the section nor the count may appear
	}{
		{"warn_results_only", []finding.Finding{warn}, nil, "1 warning"},
		{"diagnostics_only", nil, []finding.Diagnostic{unused, unused}, "2 warnings"},
		{"both", []finding.Finding{warn}, []finding.Diagnostic{unused}, "2 warnings"},
		{"none", nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &finding.Report{FailOn: finding.High, Findings: tt.findings, Diagnostics: tt.diagnostics}
			r.Summarize()
			out := renderString(t, "text", Settings{}, r)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			summary := lines[len(lines)-1]
			if tt.want == "" {
				if strings.Contains(out, "WARNINGS") || strings.Contains(summary, "warning") {
					t.Errorf("no warnings, but the output mentions some:\n%s", out)
				}
				return
			}
			n, _, _ := strings.Cut(tt.want, " ")
			if !strings.Contains(out, "WARNINGS · "+n+"\n") {
				t.Errorf("no WARNINGS · %s section:\n%s", n, out)
			}
			if !strings.Contains(summary, " · "+tt.want) {
				t.Errorf("summary line = %q, want it to count %q as the section lists", summary, tt.want)
			}
		})
	}
}
