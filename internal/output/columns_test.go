package output

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestSourcesColumn(t *testing.T) {
	var s Sources
	s.Add("p.hujson", []byte("{\n\t/* 인턴 */ \"a\": 1, // 🔒\n\t\"b\": \"🔒 x\", \"c\": 2\n}"))
	for _, tt := range []struct {
		name               string
		file               string
		line, col          int
		wantChars, wantU16 int
	}{
		{"ascii_line", "p.hujson", 1, 1, 1, 1},
		// `"a"` after "\t/* 인턴 */ ": 14 bytes, 10 characters, 10 UTF-16 units.
		{"hangul_before", "p.hujson", 2, 15, 11, 11},
		// `"c"` after "\t\"b\": \"🔒 x\", ": 16 bytes, 13 characters, 14 UTF-16 units (🔒 is two).
		{"astral_before", "p.hujson", 3, 17, 14, 15},
		{"unknown_file", "other.hujson", 2, 12, 12, 12},
		{"line_past_the_end", "p.hujson", 9, 5, 5, 5},
		{"column_past_the_line", "p.hujson", 1, 40, 40, 40},
		{"no_column", "p.hujson", 2, 0, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.column(tt.file, tt.line, tt.col, characters); got != tt.wantChars {
				t.Errorf("column(%s:%d:%d) in characters = %d, want %d", tt.file, tt.line, tt.col, got, tt.wantChars)
			}
			if got := s.column(tt.file, tt.line, tt.col, utf16Units); got != tt.wantU16 {
				t.Errorf("column(%s:%d:%d) in UTF-16 units = %d, want %d", tt.file, tt.line, tt.col, got, tt.wantU16)
			}
		})
	}
	var none *Sources
	if got := none.column("p.hujson", 2, 12, characters); got != 12 {
		t.Errorf("nil Sources: column = %d, want the byte column 12", got)
	}
}

// TestColumnsInOutputs checks that SARIF counts a column in UTF-16 code units and GitHub in
// characters, on a line with Korean text and an emoji before the value.
func TestColumnsInOutputs(t *testing.T) {
	line := "\t\"group:인턴\": [], // 🔒 \"tag:x\": 1,"
	var src Sources
	src.Add("policy.hujson", []byte("{\n"+line+"\n}\n"))
	byteCol := strings.Index(line, `"tag:x"`) + 1
	r := &finding.Report{FailOn: finding.High, Findings: []finding.Finding{{
		Rule: finding.RuleRef{ID: "TA-X-001", Title: "X"}, Result: finding.Fail, Severity: finding.High, Message: "m",
		Location: &finding.Location{File: "policy.hujson", Line: 2, Column: byteCol},
	}}}
	r.Summarize()
	s := Settings{Sources: &src}
	chars := len([]rune(line[:byteCol-1])) + 1
	if got, want := renderString(t, "github", s, r), "line=2,col="+strconv.Itoa(chars)+","; !strings.Contains(got, want) {
		t.Errorf("github: want %q (characters) in:\n%s", want, got)
	}
	if got, want := renderString(t, "sarif", s, r), `"startColumn": `+strconv.Itoa(chars+1); !strings.Contains(got, want) {
		t.Errorf("sarif: want %q (UTF-16 code units: the emoji is two) in:\n%s", want, got)
	}
	if got, want := renderString(t, "text", s, r), "policy.hujson:2:"+strconv.Itoa(byteCol)+" "; !strings.Contains(got, want) {
		t.Errorf("text: want the location as the finding has it, %q, in:\n%s", want, got)
	}
}
