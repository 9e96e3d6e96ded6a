package output

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// TestRenderPackJSON_Streamed checks that the streamed report.json is the model as encoding/json
// writes it, whitespace aside, even when text in it spells the markers the stream splices at.
func TestRenderPackJSON_Streamed(t *testing.T) {
	pop := &finding.Population{Type: "device", Size: 2, Passed: []string{"a"}, Failed: []string{"b"}}
	r := &finding.AssessmentReport{
		SchemaVersion: finding.AssessmentSchemaVersion, Tool: finding.Tool{Name: "tailaudit", Version: "test"},
		GeneratedAt: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Tailnet: `odd "assessments":[] name`,
		Assessments: []finding.Assessment{
			{Framework: finding.FrameworkRef{ID: "soc2"}, Controls: []finding.ControlResult{
				{ID: "CC6.1", Status: finding.ControlFail, Title: `"controls":[] <b>`, Checks: []finding.CheckResult{{Rule: finding.RuleRef{ID: "TA-1"}, Population: pop}}},
				{ID: "CC7.4", Status: finding.ControlManual},
			}},
			{Framework: finding.FrameworkRef{ID: "hipaa"}, Controls: []finding.ControlResult{}},
		},
		Changes: &finding.Changes{Previous: "old"},
	}
	var got bytes.Buffer
	if err := RenderPackJSON(&got, &Pack{Report: r}); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := encodeCompact(&want, r); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, got.Bytes()); err != nil {
		t.Fatalf("report.json is not JSON: %v\n%s", err, got.String())
	}
	if compact.String() != want.String() {
		t.Errorf("streamed report.json:\n%s\nwant:\n%s", compact.String(), want.String())
	}
}
