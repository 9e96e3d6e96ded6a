package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestColumnsOnNonASCIILines checks the columns of SARIF and GitHub output on a policy file whose
// lines have Korean comments and emoji before the values findings point at: SARIF counts UTF-16 code
// units (its default columnKind), GitHub annotations count characters, and the JSON report keeps the
// byte column every location has.
func TestColumnsOnNonASCIILines(t *testing.T) {
	dir := abs(t, "testdata")
	out := t.TempDir()
	sarifPath, jsonPath := filepath.Join(out, "out.sarif"), filepath.Join(out, "out.json")
	stdout, stderr, code := tailaudit(t, dir, nil, "check", filepath.Join(dir, "korean.hujson"), "-f", "github", "-f", "sarif="+sarifPath, "-f", "json="+jsonPath)
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", code, stderr)
	}
	golden(t, "korean_github", stdout)

	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	var report struct {
		Findings []struct {
			Rule     struct{ ID string }
			Location *struct{ Line, Column int }
		}
	}
	for path, v := range map[string]any{sarifPath: &sarif, jsonPath: &report} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var regions strings.Builder
	for _, r := range sarif.Runs[0].Results {
		reg := r.Locations[0].PhysicalLocation.Region
		fmt.Fprintf(&regions, "%s %d:%d\n", r.RuleID, reg.StartLine, reg.StartColumn)
	}
	golden(t, "korean_sarif_regions", regions.String())

	// The same, worked out here from the file's bytes and the byte columns of the JSON report.
	src, err := os.ReadFile(filepath.Join(dir, "korean.hujson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	converted := 0
	for _, f := range report.Findings {
		if f.Location == nil || f.Location.Column == 0 {
			continue
		}
		before := lines[f.Location.Line-1][:f.Location.Column-1]
		chars, units := len([]rune(before))+1, len(utf16.Encode([]rune(before)))+1
		if chars != f.Location.Column {
			converted++
		}
		want := fmt.Sprintf("line=%d,col=%d,title=%s ", f.Location.Line, chars, f.Rule.ID)
		if !strings.Contains(stdout, want) {
			t.Errorf("%s at byte column %d: no GitHub annotation with %q", f.Rule.ID, f.Location.Column, want)
		}
		if want := fmt.Sprintf("%s %d:%d\n", f.Rule.ID, f.Location.Line, units); !strings.Contains(regions.String(), want) {
			t.Errorf("%s at byte column %d: no SARIF region %q", f.Rule.ID, f.Location.Column, want)
		}
	}
	if converted < 2 {
		t.Errorf("only %d findings point after non-ASCII text; the test policy should have several", converted)
	}
}
