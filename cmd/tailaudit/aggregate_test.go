package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
