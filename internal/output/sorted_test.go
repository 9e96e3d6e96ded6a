package output

import (
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// TestSortedNeitherCopiesNorChanges checks that a report whose findings are already in
// finding.Sort order is rendered from its own slice, and that one out of order is rendered from a
// sorted copy, the report left as it was.
func TestSortedNeitherCopiesNorChanges(t *testing.T) {
	low := finding.Finding{Rule: finding.RuleRef{ID: "TA-B"}, Severity: finding.Low, Result: finding.Fail, Message: "b"}
	high := finding.Finding{Rule: finding.RuleRef{ID: "TA-A"}, Severity: finding.High, Result: finding.Fail, Message: "a"}
	for _, tt := range []struct {
		name     string
		in       []finding.Finding
		sameArgs bool
	}{
		{"in_order", []finding.Finding{high, low}, true},
		{"out_of_order", []finding.Finding{low, high}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &finding.Report{Findings: tt.in}
			got := sorted(r)
			if got[0].Message != "a" || got[1].Message != "b" {
				t.Errorf("order = %s, %s; want a, b", got[0].Message, got[1].Message)
			}
			if same := &got[0] == &r.Findings[0]; same != tt.sameArgs {
				t.Errorf("returned the report's own slice = %v, want %v", same, tt.sameArgs)
			}
			if !tt.sameArgs && r.Findings[0].Message != "b" {
				t.Error("the report's findings were reordered")
			}
		})
	}
}
