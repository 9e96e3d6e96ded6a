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

	"github.com/google/go-cmp/cmp"
)

// demoIncidents are the alerts planted in the demo week, audit log and flow logs, by rule: nothing
// else may fire.
var demoIncidents = []string{
	"TA-ALERT-001", "TA-ALERT-007", "TA-ALERT-007", "TA-ALERT-008", "TA-ALERT-009", "TA-ALERT-010", "TA-ALERT-011",
	"TA-ALERT-012", "TA-ALERT-013", "TA-ALERT-016", "TA-ALERT-017", "TA-ALERT-018", "TA-ALERT-022", "TA-ALERT-023",
	"TA-ALERT-023", "TA-ALERT-024", "TA-ALERT-025", "TA-ALERT-028", "TA-FLOW-002", "TA-FLOW-004", "TA-FLOW-004",
	"TA-FLOW-005", "TA-FLOW-006",
}

// demoLogs are the demo week's two streams: the configuration audit log and the network flow logs.
var demoLogs = []string{"audit.jsonl", "flows.jsonl"}

// demoShapes writes the demo week's logs in every wire shape the decoder reads: for each shape, one
// file per stream.
func demoShapes(t *testing.T) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string][]string{}
	for _, name := range demoLogs {
		src := filepath.Join("..", "..", "fixtures", "demo", name)
		for shape, path := range convertLog(t, src, filepath.Join(dir, strings.TrimSuffix(name, ".jsonl"))) {
			out[shape] = append(out[shape], path)
		}
	}
	return out
}

// convertLog writes the JSONL log at src as the API's response, the log-streaming envelope and
// Datadog's attributes, into files named prefix-*; the JSONL file itself is the fourth shape.
func convertLog(t *testing.T, src, prefix string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
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
		p := prefix + "-" + name
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
		"jsonl":         src,
		"api_response":  write("response.json", map[string]any{"version": "1.1", "tailnet": "acme.example", "logs": all}, false),
		"log_streaming": write("stream.jsonl", envelope, true),
		"datadog":       write("datadog.jsonl", datadog, true),
	}
}

// TestAlertsDemoWeek checks that the demo week raises every planted incident and nothing from the
// noise, with the same ids whatever wire shape the events come in.
func TestAlertsDemoWeek(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	shapes := demoShapes(t)
	var first []string
	for _, shape := range []string{"jsonl", "api_response", "log_streaming", "datadog"} {
		t.Run(shape, func(t *testing.T) {
			args := []string{"alerts", "--snapshot", filepath.Join(demo, "snapshot.json"), "--config", filepath.Join(demo, "tailaudit.hujson"), "-f", "jsonl", "--fail-on", "critical"}
			for _, path := range shapes[shape] {
				args = append(args, "--events", path)
			}
			stdout, stderr, code := tailaudit(t, "", nil, args...)
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

// TestAlertsDemoDrift checks the drift rules between the demo's two snapshots: what changed in the
// week, and nothing else.
func TestAlertsDemoDrift(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	stdout, stderr, code := tailaudit(t, "", nil, "alerts", "--before", filepath.Join(demo, "snapshot-before.json"), "--after", filepath.Join(demo, "snapshot.json"), "-f", "jsonl")
	if code != 1 {
		t.Fatalf("exit code %d, want 1 (the policy change and the new routes are high); stderr %s", code, stderr)
	}
	var got []string
	for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
		var a struct {
			Message string
			Rule    struct{ ID string }
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, a.Rule.ID+" "+a.Message)
	}
	slices.Sort(got)
	want := []string{
		"TA-DRIFT-001 new device hana-iphone.tail4f2a.ts.net (neeba33b59fCNTRL) since the last snapshot",
		"TA-DRIFT-002 device old-mac-mini.tail4f2a.ts.net (nOldMacMiniCNTRL) was removed since the last snapshot",
		"TA-DRIFT-005 the policy changed in acls: 0 access entries added, 4 removed",
		"TA-DRIFT-006 key expiry is now disabled on dana-mbp.tail4f2a.ts.net",
		"TA-DRIFT-007 router-aws-1.tail4f2a.ts.net has newly approved routes 172.31.16.0/20",
		"TA-DRIFT-007 sam-homelab.tail4f2a.ts.net has newly approved routes 192.168.50.0/24",
		"TA-DRIFT-008 new auth key kd2b17a707fCNTRL (ci runners (ephemeral))",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("drift alerts (-want +got):\n%s", d)
	}
}
