package finding

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPopulationString(t *testing.T) {
	tests := []struct {
		p    Population
		want string
	}{
		{Population{Type: "device", Size: 60, Passed: make([]string, 57), Failed: []string{"a", "b", "c"}}, "60 devices: 57 pass, 3 fail"},
		{Population{Type: "policy", Size: 1, Passed: []string{""}}, "1 policy: 1 pass"},
		{Population{Type: "user", Size: 2, Waived: []string{"u1"}, Warned: []string{"u2"}}, "2 users: 1 waived, 1 warn"},
		{Population{Type: "key", Size: 0}, "0 keys"},
		{Population{Type: "settings", Size: 1, Manual: []string{"s"}}, "1 settings: 1 manual"},
		{Population{Size: 3}, "3 items"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestAssessmentJSON pins the field names of report.json that the evidence pack documents.
func TestAssessmentJSON(t *testing.T) {
	r := AssessmentReport{
		SchemaVersion: AssessmentSchemaVersion,
		GeneratedAt:   time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		Period:        &Period{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		Assessments: []Assessment{{
			Framework: FrameworkRef{ID: "soc2"},
			Retention: RetentionResult{Status: ControlPartial},
			Controls: []ControlResult{{ID: "CC6.1", Status: ControlPartial, Checks: []CheckResult{{
				Rule: RuleRef{ID: "TA-ACL-001"}, Coverage: CoveragePartial, Result: Pass,
				Population: &Population{Type: "policy", Size: 1, Passed: []string{"policy.hujson"}},
			}}}},
		}},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"schemaVersion":"tailaudit.assessment/v1"`, `"coverage":"partial"`, `"population":{"type":"policy","size":1,"passed":["policy.hujson"]}`, `"period":{"from":"2026-01-01T00:00:00Z"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "collectedAt") {
		t.Errorf("a zero collectedAt is written:\n%s", b)
	}
}
