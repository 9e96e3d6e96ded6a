package output

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func testAlerts() []finding.Alert {
	t0 := time.Date(2026, 11, 18, 14, 2, 0, 0, time.UTC)
	ev := map[string]any{"action": "UPDATE", "eventTime": t0.Format(time.RFC3339)}
	return []finding.Alert{
		{Result: finding.AlertResult, ID: finding.AlertID("TA-ALERT-001", "TA-ALERT-001|eve@acme.example|acme.example/MACHINE_APPROVAL_NEEDED", t0),
			Rule: finding.RuleRef{ID: "TA-ALERT-001", Title: "Device approval turned off", Severity: finding.Critical}, Severity: finding.Critical,
			Message: "eve@acme.example turned off device approval | via the API", Time: t0,
			Actor:  &finding.Actor{ID: "u1", Type: "USER", LoginName: "eve@acme.example", DisplayName: "Eve"},
			Target: &finding.Target{ID: "acme.example", Type: "TAILNET", Property: "MACHINE_APPROVAL_NEEDED"},
			Dedup:  "TA-ALERT-001|eve@acme.example|acme.example/MACHINE_APPROVAL_NEEDED", Events: []map[string]any{ev},
			Evidence: map[string]any{"origin": "API"}, Runbook: "Turn device approval back on; ask the actor why.",
			Controls: map[string][]string{"soc2": {"CC6.1"}}, Location: &finding.Location{File: "audit.jsonl", Line: 12}},
		{Result: finding.AlertResult, ID: finding.AlertID("TA-ALERT-004", "k", t0.Add(-5*time.Minute)),
			Rule: finding.RuleRef{ID: "TA-ALERT-004", Title: "Repeated failed requests", Severity: finding.Critical}, Severity: finding.High,
			Message: "6 failed requests in 10m", Time: t0.Add(time.Minute),
			Actor: &finding.Actor{ID: "k1", Type: "API_KEY"}, Dedup: "k",
			Window: &finding.AlertWindow{Start: t0.Add(-5 * time.Minute), End: t0.Add(time.Minute), Count: 6},
			Events: []map[string]any{ev, ev}},
		{Result: finding.AlertResult, ID: finding.AlertID("TA-FLOW-002", "n9", t0), Rule: finding.RuleRef{ID: "TA-FLOW-002", Title: "Unknown node in flow logs", Severity: finding.Medium},
			Severity: finding.Medium, Message: "node n9 is not in the snapshot", Time: t0.Add(2 * time.Minute), Target: &finding.Target{ID: "n9", Type: "NODE"}, Dedup: "n9",
			Events: []map[string]any{{"nodeId": "n9"}}},
	}
}

// renderAlerts writes alerts in format through its encoder, as AlertWriter does.
func renderAlerts(t *testing.T, format string, alerts []finding.Alert) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := newAlertEncoder(format, &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.close()
	for i := range alerts {
		if err := enc.alert(&alerts[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.end(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAlertGolden(t *testing.T) {
	for _, format := range AlertFormats() {
		t.Run(format, func(t *testing.T) {
			golden(t, "alerts_"+format+".golden", renderAlerts(t, format, testAlerts()))
			renderAlerts(t, format, nil)
		})
	}
}

// TestECSFields checks the fields the issue names in every ECS document.
func TestECSFields(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(renderAlerts(t, "ecs", testAlerts()))), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d documents, want 3", len(lines))
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatal(err)
	}
	ev := doc["event"].(map[string]any)
	rule := doc["rule"].(map[string]any)
	user := doc["user"].(map[string]any)
	if ev["kind"] != "alert" || ev["severity"] != 5.0 || rule["id"] != "TA-ALERT-001" || rule["name"] != "Device approval turned off" ||
		doc["@timestamp"] != "2026-11-18T14:02:00Z" || user["email"] != "eve@acme.example" {
		t.Errorf("ECS document lacks a required field: %s", lines[0])
	}
}

func TestWriteAlertsTargets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.ndjson")
	var out bytes.Buffer
	if err := WriteAlerts(context.Background(), []Target{{Format: "text"}, {Format: "ecs", Path: path}}, testAlerts(), &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || bytes.Count(b, []byte("\n")) != 3 || !strings.Contains(out.String(), "3 alerts") {
		t.Errorf("file %q (%v), stdout %q", b, err, out.String())
	}
	if err := WriteAlerts(context.Background(), []Target{{Format: "text"}, {Format: "json"}}, nil, &out); err == nil {
		t.Error("two outputs on stdout were accepted")
	}
	for _, bad := range []string{"sarif", "json=", ""} {
		if _, err := ParseAlertTarget(bad); err == nil {
			t.Errorf("ParseAlertTarget(%q) accepted", bad)
		}
	}
}
