package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// TestCheckAggregates runs check on a 1,000-device snapshot, where built-in device rules fire for
// tens of devices with one cause, in each format with and without --no-aggregate: aggregated, the
// formats for people are less than half as long, those for programs (which keep every finding's
// identity) shorter; the JSON's groups expand to exactly the findings --no-aggregate lists; the
// exit code and stderr are the same.
func TestCheckAggregates(t *testing.T) {
	dir := t.TempDir()
	for name, content := range snapshotFiles(t, 1000, 100, 40)() {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(dir, "snapshot.json")
	for _, tt := range []struct {
		format string
		under  float64 // the aggregated output is shorter than this share of the other
	}{{"json", 0.8}, {"sarif", 0.9}, {"junit", 0.6}, {"markdown", 0.5}, {"text", 0.5}, {"github", 0.5}} {
		format := tt.format
		t.Run(format, func(t *testing.T) {
			grouped, stderr, code := tailaudit(t, dir, nil, "check", "--snapshot", snap, "-f", format)
			each, stderrEach, codeEach := tailaudit(t, dir, nil, "check", "--snapshot", snap, "-f", format, "--no-aggregate")
			if code != codeEach || stderr != stderrEach {
				t.Fatalf("exit %d, stderr %q aggregated; exit %d, stderr %q with --no-aggregate", code, stderr, codeEach, stderrEach)
			}
			if float64(len(grouped)) >= tt.under*float64(len(each)) {
				t.Errorf("aggregated %s is %d bytes, not under %.0f%% of the %d --no-aggregate writes", format, len(grouped), 100*tt.under, len(each))
			}
			if strings.Contains(each, `"aggregate"`) {
				t.Errorf("--no-aggregate %s output holds a group", format)
			}
			if format != "json" {
				return
			}
			if !strings.Contains(grouped, `"aggregate"`) {
				t.Fatalf("aggregated JSON holds no group")
			}
			gotFindings, gotSummary := expandedFindings(t, grouped)
			wantFindings, wantSummary := expandedFindings(t, each)
			if d := cmp.Diff(wantFindings, gotFindings); d != "" {
				t.Errorf("findings of the aggregated JSON (-want --no-aggregate +got):\n%s", d)
			}
			if d := cmp.Diff(wantSummary, gotSummary); d != "" {
				t.Errorf("summary (-want +got):\n%s", d)
			}
		})
	}
}

// TestReportKeepsEveryFinding checks that the evidence pack is not aggregated: for a rule whose
// findings check lists as groups, report.json holds each finding, the same fingerprints as check's
// findings, and its population names every failing device.
func TestReportKeepsEveryFinding(t *testing.T) {
	dir := t.TempDir()
	for name, content := range snapshotFiles(t, 1000, 100, 40)() {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(dir, "snapshot.json")
	out, _, _ := tailaudit(t, dir, nil, "check", "--snapshot", snap, "-f", "json")
	if !strings.Contains(out, `"aggregate"`) {
		t.Fatal("check lists no group: the test checks nothing")
	}
	findings, _ := expandedFindings(t, out)
	want := map[string]bool{}
	for _, f := range findings {
		m := f.(map[string]any)
		if m["rule"].(map[string]any)["id"] == "TA-DEV-005" && m["result"] != "pass" {
			want[m["fingerprint"].(string)] = true
		}
	}
	pack := filepath.Join(t.TempDir(), "pack")
	if _, stderr, code := tailaudit(t, dir, nil, "report", "--framework", "soc2", "--snapshot", snap, "-o", pack); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	rep := readJSON[finding.AssessmentReport](t, filepath.Join(pack, "report.json"))
	found := false
	for _, c := range rep.Assessments[0].Controls {
		for _, ch := range c.Checks {
			if ch.Rule.ID != "TA-DEV-005" {
				continue
			}
			found = true
			got := map[string]bool{}
			for _, f := range ch.Findings {
				if f.Result != finding.Pass {
					got[f.Fingerprint] = true
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: TA-DEV-005 findings in the pack (-want check's +got):\n%s", c.ID, d)
			}
			if p := ch.Population; p == nil || len(p.Failed) == 0 {
				t.Errorf("%s: TA-DEV-005 population names no failing device", c.ID)
			}
		}
	}
	if !found {
		t.Fatal("no soc2 control checks TA-DEV-005")
	}
}
