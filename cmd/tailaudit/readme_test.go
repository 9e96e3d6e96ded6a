package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/config"
)

// readmeExample returns the fenced block that follows the line <!-- example:NAME ... --> in the
// README, so that the examples tested here are the ones users read.
func readmeExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- example:"+name+" ")
	if !ok {
		t.Fatalf("README.md has no <!-- example:%s --> marker", name)
	}
	_, rest, ok = strings.Cut(rest, "```jsonc\n")
	if !ok {
		t.Fatalf("README.md: no ```jsonc block after the example:%s marker", name)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("README.md: the example:%s block is not closed", name)
	}
	return block
}

// checkJSON runs check with args in dir and returns the report.
func checkJSON(t *testing.T, dir string, args ...string) *finding.Report {
	t.Helper()
	stdout, stderr, code := tailaudit(t, dir, nil, append(append([]string{"check"}, args...), "-f", "json")...)
	if code == 2 {
		t.Fatalf("check %v: exit code 2; stderr: %s", args, stderr)
	}
	var rep finding.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("check output is not a report: %v\n%.500s", err, stdout)
	}
	return &rep
}

// TestReadmeConfigExample checks the README's config file against the demo: every waiver in it
// waives a finding, and none is reported as matching nothing.
func TestReadmeConfigExample(t *testing.T) {
	dir := t.TempDir()
	cfgPath := write(t, dir, config.FileName, readmeExample(t, "config"))
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil { // the example names ./rules
		t.Fatal(err)
	}
	cfg, err := config.Find(cfgPath, dir)
	if err != nil {
		t.Fatalf("the README's config does not load: %v", err)
	}
	if len(cfg.Waivers) == 0 {
		t.Fatal("the README's config has no waivers")
	}
	rep := checkJSON(t, dir, abs(t, demoPolicy), "--snapshot", abs(t, demoSnapshot))
	for _, w := range cfg.Waivers {
		var waived []string
		for _, f := range rep.Findings {
			if f.Result == finding.Waived && f.Waiver != nil && f.Waiver.Source == w.Source {
				waived = append(waived, f.Rule.ID+" "+f.Message)
			}
		}
		if len(waived) == 0 {
			t.Errorf("the README's waiver of %s at %s waives no finding of the demo", strings.Join(w.Rules, ","), w.Source)
		}
	}
	for _, d := range rep.Diagnostics {
		if strings.Contains(d.Message, "waiver") {
			t.Errorf("diagnostic about the README's waivers: %s %s", d.Location, d.Message)
		}
	}
}

// TestReadmeInlineExample checks that the README's inline waiver, in a policy of its own, waives the
// finding it is written for.
func TestReadmeInlineExample(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "policy.hujson", "{\n"+readmeExample(t, "inline")+"}\n")
	rep := checkJSON(t, dir, p)
	waived := 0
	for _, f := range rep.Findings {
		if f.Result == finding.Waived && f.Waiver != nil && strings.HasPrefix(f.Waiver.Source, p+":") {
			waived++
		}
	}
	if waived == 0 {
		t.Errorf("the README's inline waiver waives nothing; findings:\n%v", rep.Findings)
	}
	for _, d := range rep.Diagnostics {
		if strings.Contains(d.Message, "waiver") {
			t.Errorf("diagnostic about the README's inline waiver: %s %s", d.Location, d.Message)
		}
	}
}
