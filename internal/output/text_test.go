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
