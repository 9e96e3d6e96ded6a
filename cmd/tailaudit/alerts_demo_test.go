package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// demoIncidents are the alerts planted in the demo week, by rule: nothing else may fire.
var demoIncidents = []string{
	"TA-ALERT-001", "TA-ALERT-007", "TA-ALERT-007", "TA-ALERT-008", "TA-ALERT-009", "TA-ALERT-010", "TA-ALERT-011",
	"TA-ALERT-012", "TA-ALERT-013", "TA-ALERT-016", "TA-ALERT-017", "TA-ALERT-018", "TA-ALERT-022", "TA-ALERT-023",
	"TA-ALERT-023", "TA-ALERT-024", "TA-ALERT-025", "TA-ALERT-028", "TA-FLOW-002",
}

// demoShapes writes the demo week in every wire shape the decoder reads.
func demoShapes(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "demo", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	dir := t.TempDir()
	write := func(name string, v any, lines bool) string {
		var b bytes.Buffer
		if lines {
			for _, x := range v.([]any) {
				line, _ := json.Marshal(x)
				b.Write(append(line, '\n'))
			}
		} else {
			line, _ := json.MarshalIndent(v, "", "  ")
			b.Write(line)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var envelope, datadog []any
	for _, e := range entries {
		envelope = append(envelope, map[string]any{"time": 0, "event": e, "fields": map[string]any{"recorded": "2026-11-24T12:00:00Z"}})
		attrs := map[string]any{}
		for k, v := range e {
			switch k {
			case "actor":
				for ak, av := range v.(map[string]any) {
					attrs[map[string]string{"id": "usr.id", "type": "usr.type", "loginName": "usr.email", "displayName": "usr.name"}[ak]] = av
				}
			case "action":
				attrs["evt.name"] = v
			case "nodeId":
				attrs["host"] = v
			default:
				attrs[k] = v
			}
		}
		datadog = append(datadog, map[string]any{"attributes": attrs, "service": "tailscale"})
	}
	all := make([]any, len(entries))
	for i, e := range entries {
		all[i] = e
	}
	return map[string]string{
		"jsonl":         filepath.Join("..", "..", "fixtures", "demo", "audit.jsonl"),
		"api_response":  write("response.json", map[string]any{"version": "1.1", "tailnet": "acme.example", "logs": all}, false),
		"log_streaming": write("stream.jsonl", envelope, true),
		"datadog":       write("datadog.jsonl", datadog, true),
	}
}

// TestAlertsDemoWeek checks that the demo week raises every planted incident and nothing from the
// noise, with the same ids whatever wire shape the events come in.
func TestAlertsDemoWeek(t *testing.T) {
	snapshot := filepath.Join("..", "..", "fixtures", "demo", "snapshot.json")
	var first []string
	for _, shape := range []string{"jsonl", "api_response", "log_streaming", "datadog"} {
		path := demoShapes(t)[shape]
		t.Run(shape, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, "", nil, "alerts", "--events", path, "--snapshot", snapshot, "-f", "jsonl", "--fail-on", "critical")
			if code != 1 {
				t.Fatalf("exit code %d, want 1 (critical alerts); stderr %s", code, stderr)
			}
			var rules, ids []string
			for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
				var a struct {
					ID, Result string
					Rule       struct{ ID string }
				}
				if err := json.Unmarshal([]byte(line), &a); err != nil || a.Result != "alert" {
					t.Fatalf("line %q: %v", line, err)
				}
				rules, ids = append(rules, a.Rule.ID), append(ids, a.ID)
			}
			slices.Sort(rules)
			if !slices.Equal(rules, demoIncidents) {
				t.Errorf("alerts by rule %v, want the planted incidents %v", rules, demoIncidents)
			}
			slices.Sort(ids)
			if first == nil {
				first = ids
			} else if !slices.Equal(ids, first) {
				t.Errorf("ids differ from the JSONL run's")
			}
		})
	}
}

// TestAlertsDemoDrift checks the drift rules between the demo's two snapshots.
func TestAlertsDemoDrift(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	stdout, stderr, code := tailaudit(t, "", nil, "alerts", "--before", filepath.Join(demo, "snapshot-before.json"), "--after", filepath.Join(demo, "snapshot.json"), "-f", "jsonl")
	if code != 0 {
		t.Fatalf("exit code %d, want 0 (no drift alert is high); stderr %s", code, stderr)
	}
	for _, want := range []string{`"TA-DRIFT-001"`, `hana-iphone`, `"TA-DRIFT-002"`, `old-mac-mini`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("drift alerts lack %s:\n%s", want, stdout)
		}
	}
}
