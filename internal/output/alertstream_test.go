package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// sortAlerts are event alerts and then drift alerts, as a run raises them: not in the order text
// lists them.
func sortAlerts() []finding.Alert {
	t0 := time.Date(2026, 11, 18, 14, 0, 0, 0, time.UTC)
	drift := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	a := func(rule string, sev finding.Severity, at time.Time, msg string) finding.Alert {
		return finding.Alert{Result: finding.AlertResult, ID: finding.AlertID(rule, msg, at), Rule: finding.RuleRef{ID: rule, Title: rule, Severity: sev},
			Severity: sev, Message: msg, Time: at}
	}
	return []finding.Alert{
		a("TA-ALERT-007", finding.Medium, t0, "eve created the key ci"),
		a("TA-ALERT-009", finding.Critical, t0.Add(5*time.Minute), "6 failed requests within 10 minutes"),
		a("TA-FLOW-004", finding.High, t0.Add(time.Minute), "dana sent traffic to tag:db"),
		a("TA-ALERT-023", finding.High, t0.Add(-time.Hour), "priya changed the routes of sam-homelab"),
		a("TA-DRIFT-006", finding.Medium, drift, "key expiry is now disabled on dana-mbp"),
		a("TA-DRIFT-001", finding.Medium, drift, "new device hana-iphone"),
		a("TA-DRIFT-007", finding.High, drift, "sam-homelab has newly approved routes"),
		a("TA-DRIFT-007", finding.High, drift, "router-aws-1 has newly approved routes"),
		a("TA-DRIFT-002", finding.Low, drift, "device old-mac-mini was removed"),
		a("TA-DRIFT-005", finding.High, drift, "the policy changed in acls"),
	}
}

// TestAlertTextSorted checks that text lists alerts most severe first, then by time, rule id and
// the order raised, drift alerts among the others; and that the sort gives the same bytes when
// the alerts are spilled to the spool in runs of one, two or three and merged.
func TestAlertTextSorted(t *testing.T) {
	alerts := sortAlerts()
	want := renderAlerts(t, "text", alerts)
	golden(t, "alerts_text_sorted.golden", want)
	for _, run := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("run=%d", run), func(t *testing.T) {
			var buf bytes.Buffer
			enc := newAlertText(&buf).(*alertText)
			enc.runBlocks = run
			defer enc.close()
			for i := range alerts {
				if err := enc.alert(&alerts[i]); err != nil {
					t.Fatal(err)
				}
			}
			if len(enc.runs) != len(alerts)/run {
				t.Errorf("%d runs in the spool, want %d", len(enc.runs), len(alerts)/run)
			}
			if err := enc.end(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("merged runs of %d differ from the sort in memory:\n%s", run, buf.String())
			}
		})
	}
}

// TestAlertJSONAsEncoder checks that the json document, written an alert at a time, is byte for
// byte what a json.Encoder gives for the whole document, with and without alerts and with
// characters it escapes.
func TestAlertJSONAsEncoder(t *testing.T) {
	html := testAlerts()[:1]
	html[0].Message = `<script>&"quoted"</script> ` + "\u2028"
	for name, alerts := range map[string][]finding.Alert{"none": nil, "one": testAlerts()[:1], "three": testAlerts(), "html": html, "sorted": sortAlerts()} {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			list := alerts
			if list == nil {
				list = []finding.Alert{}
			}
			if err := enc.Encode(struct {
				Version string          `json:"version"`
				Alerts  []finding.Alert `json:"alerts"`
			}{AlertsSchemaVersion, list}); err != nil {
				t.Fatal(err)
			}
			if got := renderAlerts(t, "json", alerts); string(got) != want.String() {
				t.Errorf("streamed document differs from json.Encoder's:\n%s\nwant\n%s", got, want.String())
			}
		})
	}
}

// TestAlertWriterHalfDone checks that an AlertWriter puts nothing in place before Commit: files
// keep their content and stdout gets nothing while alerts are written and after Discard.
func TestAlertWriterHalfDone(t *testing.T) {
	dir := t.TempDir()
	paths := map[string]string{}
	for _, f := range []string{"json", "jsonl", "ecs", "markdown"} {
		paths[f] = filepath.Join(dir, "alerts."+f)
		if err := os.WriteFile(paths[f], []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	targets := []Target{{Format: "text"}}
	for f, p := range paths {
		targets = append(targets, Target{Format: f, Path: p})
	}
	unchanged := func(stdout *bytes.Buffer) {
		t.Helper()
		for f, p := range paths {
			if b, _ := os.ReadFile(p); string(b) != "old" {
				t.Errorf("%s output changed before Commit: %q", f, b)
			}
		}
		if stdout.Len() > 0 {
			t.Errorf("stdout got %q before Commit", stdout.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != len(paths) {
			t.Errorf("%d entries in the directory, want %d", len(entries), len(paths))
		}
	}
	alerts := sortAlerts()
	for _, commit := range []bool{false, true} {
		var stdout bytes.Buffer
		w, err := NewAlertWriter(context.Background(), targets, &stdout)
		if err != nil {
			t.Fatal(err)
		}
		for i := range alerts {
			if err := w.Write(&alerts[i]); err != nil {
				t.Fatal(err)
			}
			unchanged(&stdout)
		}
		if !commit {
			w.Discard()
			unchanged(&stdout)
			continue
		}
		if err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		unchanged(&stdout)
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		for f, p := range paths {
			got, _ := os.ReadFile(p)
			if want := renderAlerts(t, f, alerts); !bytes.Equal(got, want) {
				t.Errorf("%s output %q, want %q", f, got, want)
			}
		}
		if want := renderAlerts(t, "text", alerts); stdout.String() != string(want) {
			t.Errorf("stdout %q, want %q", stdout.String(), want)
		}
	}
}

// TestAlertWriterCancelled checks that a run cancelled while writing leaves every output as it
// was.
func TestAlertWriterCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.jsonl")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout bytes.Buffer
	w, err := NewAlertWriter(ctx, []Target{{Format: "jsonl", Path: path}, {Format: "markdown"}}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Discard()
	alerts := testAlerts()
	for i := range alerts {
		if err := w.Write(&alerts[i]); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := w.Finish(); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "left unchanged") {
		t.Errorf("Finish after cancel: %v", err)
	}
	w.Discard()
	if b, _ := os.ReadFile(path); string(b) != "old" || stdout.Len() > 0 {
		t.Errorf("after a cancelled run: file %q, stdout %q", b, stdout.String())
	}
}
