package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestNewLoadErrors(t *testing.T) {
	for _, tt := range []struct {
		name    string
		dir     string
		want    string // substring; the message must start with a file:line
		located bool   // every problem is a *source.Error at a file and line
	}{
		{"syntax_error", "testdata/bad_syntax", "testdata/bad_syntax/broken.rego:11:", true},
		{"duplicate_id", "testdata/dup_ids", "rule id T-SSH-001 is already used by tailaudit.policy.ssh_root", true},
		{"missing_metadata", "testdata/no_meta", "testdata/no_meta/anon.rego:1: rule package tailaudit.policy.anonymous has no METADATA", true},
		{"unknown_severity", "testdata/bad_severity", `sev.rego:1: METADATA of tailaudit.policy.sev: custom.severity: unknown severity "severe"`, true},
		{"network_builtin", "testdata/network", "undefined function http.send (network built-ins are off for rules; pass --allow-network-builtins", true},
		{"missing_dir", "testdata/nope", "rule directory: stat testdata/nope: no such file or directory", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engine.New(context.Background(), engine.WithRuleDirs(tt.dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to contain %q", err, tt.want)
			}
			errs := source.All(err)
			if !tt.located {
				if len(errs) != 0 {
					t.Errorf("source.All(%v) = %v, want none", err, errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("New() error %v (%T) holds no *source.Error", err, err)
			}
			for _, e := range errs {
				if !strings.HasPrefix(e.File, tt.dir) || e.Line == 0 {
					t.Errorf("load error %q at %s:%d, want a file under %s and a line", e, e.File, e.Line, tt.dir)
				}
			}
		})
	}
}

func TestNetworkBuiltinsOptIn(t *testing.T) {
	if _, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/network"), engine.WithNetworkBuiltins(true)); err != nil {
		t.Fatalf("New() with network built-ins allowed: %v", err)
	}
}

func TestControlsAreChecked(t *testing.T) {
	known := func(fw, id string) bool { return fw == "soc2" && id == "CC6.2" }
	_, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"), engine.WithControls(nil, known))
	if err == nil || !strings.Contains(err.Error(), `custom.controls.soc2 names unknown control "CC6.1"`) {
		t.Fatalf("New() error = %v, want an unknown control error", err)
	}
}

func mustPolicy(t *testing.T, src string) *policyfile.File {
	t.Helper()
	f, err := policyfile.Parse("policy.hujson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// brief is what a test compares of a finding.
type brief struct {
	Rule, Result, Message, Where string
}

func briefs(r *finding.Report) []brief {
	var out []brief
	for _, f := range r.Findings {
		out = append(out, brief{f.Rule.ID, string(f.Result), f.Message, f.Location.String()})
	}
	return out
}

func TestEvaluate(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	pol := mustPolicy(t, `{
	"ssh": [
		{"action": "check", "src": ["group:a"], "dst": ["tag:x"], "users": ["root"]},
		{"action": "accept", "src": ["group:b"], "dst": ["tag:x"], "users": ["root"]},
	],
}`)
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{
		map[string]any{"nodeId": "n1", "name": "db-1", "stale": true},
		map[string]any{"nodeId": "n2", "name": "web-1", "stale": false},
		map[string]any{"nodeId": "n3", "name": "web-2"},
	}}}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: pol, Tailnet: snap, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{"T-SSH-001", "fail", "ssh[1] accepts root without check", "policy.hujson:4:71"},
		{"T-DEV-001", "fail", "db-1 is stale", "snap.json"},
		{"T-DEV-001", "pass", "2 of 3 devices passed", ""},
		{"T-TEST-001", "warn", "the policy has no tests (reported as a warning until the rule takes effect on 2099-01-01)", ""},
	}
	if d := cmp.Diff(want, briefs(rep)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if !rep.Failed() || rep.Summary.Gate != "failed" {
		t.Errorf("gate = %q, want failed at high", rep.Summary.Gate)
	}
	if got := rep.Findings[0].Controls["soc2"]; !cmp.Equal(got, []string{"CC6.1"}) {
		t.Errorf("controls = %v, want soc2 CC6.1", got)
	}
}

func TestNotAssessed(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		in   engine.Input
		want string
	}{
		{"no_snapshot", engine.Input{Policy: mustPolicy(t, `{}`)}, "no tailnet snapshot was given (--snapshot)"},
		{"collection_error", engine.Input{Policy: mustPolicy(t, `{}`), Tailnet: &tailnet.Snapshot{Raw: map[string]any{"collection": map[string]any{"errors": []any{
			map[string]any{"endpoint": "devices", "status": 403, "message": "missing scope devices:core:read"},
		}}}}}, "the snapshot could not collect devices: HTTP 403: missing scope devices:core:read"},
		{"endpoint_absent", engine.Input{Policy: mustPolicy(t, `{}`), Tailnet: &tailnet.Snapshot{Raw: map[string]any{}}}, "the snapshot has no devices"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Now = now
			rep, err := eng.Evaluate(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Rule.ID == "T-DEV-001" {
					if f.Result != finding.NotAssessed || f.Message != tt.want {
						t.Errorf("T-DEV-001 = %s %q, want not_assessed %q", f.Result, f.Message, tt.want)
					}
					return
				}
			}
			t.Error("no finding for T-DEV-001")
		})
	}
}

func TestWaivers(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	pol := mustPolicy(t, `{
	"ssh": [
		// tailaudit:ignore T-SSH-001 until=2027-01-31 reason="break-glass account" by=sec@example.com
		{"action": "accept", "src": ["group:a"], "dst": ["tag:x"], "users": ["root"]},
		// tailaudit:ignore T-SSH-001 until=2026-01-31 reason="old exception" by=sec@example.com
		{"action": "accept", "src": ["group:b"], "dst": ["tag:x"], "users": ["root"]},
		{"action": "accept", "src": ["group:c"], "dst": ["tag:x"], "users": ["root"]},
	],
	"tests": [],
}`)
	in := engine.Input{Policy: pol, Now: now, Waivers: []finding.Waiver{
		{Rules: []string{"T-SSH-001"}, Path: "/ssh/2", Reason: "migration", By: "sec", Expires: "2027-06-01",
			Source: ".tailaudit.hujson:4", Written: finding.Location{File: ".tailaudit.hujson", Line: 4, Column: 3}},
		{Rules: []string{"T-DEV-001"}, Resource: "db-9", Reason: "decommissioned", By: "ops", Expires: "2027-01-01",
			Source: ".tailaudit.hujson:9", Written: finding.Location{File: ".tailaudit.hujson", Line: 9, Column: 3}},
	}}
	rep, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Rule.ID != "T-SSH-001" {
			continue
		}
		s := string(f.Result) + " " + f.Location.String()
		if f.Waiver != nil {
			s += " waiver=" + f.Waiver.Source
			if f.Waiver.Expired {
				s += " expired"
			}
		}
		got = append(got, s)
	}
	want := []string{
		"fail policy.hujson:6:71 waiver=policy.hujson:5 expired",
		"waived policy.hujson:4:71 waiver=policy.hujson:3",
		"waived policy.hujson:7:71 waiver=.tailaudit.hujson:4",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("SSH findings (-want +got):\n%s", d)
	}
	var diags []string
	for _, d := range rep.Diagnostics {
		diags = append(diags, d.Location.String()+" "+d.Message)
	}
	wantDiags := []string{
		".tailaudit.hujson:9:3 waiver for T-DEV-001 matches no finding",
		"policy.hujson:5:6 waiver for T-SSH-001 expired on 2026-01-31 and no longer applies",
	}
	if d := cmp.Diff(wantDiags, diags); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
}

// TestFingerprintStable checks that editing an unrelated part of the file, which moves the finding
// to another line and index, keeps its fingerprint.
func TestFingerprintStable(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	rule := `{"action": "accept", "src": ["group:b"], "dst": ["tag:x"], "users": ["root"]}`
	fp := func(src string) string {
		rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, src), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if f.Rule.ID == "T-SSH-001" {
				return f.Fingerprint
			}
		}
		t.Fatal("no T-SSH-001 finding")
		return ""
	}
	a := fp(`{"ssh": [` + rule + `]}`)
	b := fp("{\n\"groups\": {\"group:b\": []},\n\"ssh\": [\n{\"action\": \"check\", \"src\": [\"group:a\"], \"dst\": [\"tag:x\"], \"users\": [\"root\"]},\n" + rule + "]}")
	if a == "" || a != b {
		t.Errorf("fingerprint changed with an unrelated edit: %q → %q", a, b)
	}
	c := fp(`{"ssh": [` + strings.Replace(rule, "group:b", "group:c", 1) + `]}`)
	if c == a {
		t.Errorf("fingerprint did not change when the offending rule changed")
	}
}

func TestRuntimeErrorIsolated(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/conflict"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{"a": 1, "b": 2, "ssh": [{"action": "accept", "src": ["*"], "users": ["root"]}]}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]finding.Result{}
	for _, f := range rep.Findings {
		got[f.Rule.ID] = f.Result
	}
	if got["T-ERR-001"] != finding.Error || got["T-SSH-001"] != finding.Fail {
		t.Errorf("results = %v, want T-ERR-001 error and T-SSH-001 still evaluated", got)
	}
}

func TestEvaluateNeedsClock(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Evaluate(context.Background(), engine.Input{}); err == nil {
		t.Error("Evaluate() without Now succeeded")
	}
	var le engine.LoadErrors
	_, err = engine.New(context.Background(), engine.WithRuleDirs("testdata/bad_syntax"))
	if !errors.As(err, &le) || le[0].Line == 0 {
		t.Errorf("New() error = %#v, want LoadErrors with a line", err)
	}
}

// TestParallelismDoesNotChangeTheReport checks that splitting the rules into shards evaluated at
// once gives the same findings, in the same order, with the same fingerprints, as one query.
func TestParallelismDoesNotChangeTheReport(t *testing.T) {
	pol := mustPolicy(t, `{"ssh": [
		{"action": "accept", "src": ["group:a"], "dst": ["tag:x"], "users": ["root"]},
		{"action": "accept", "src": ["group:a"], "dst": ["tag:x"], "users": ["root"]},
	]}`)
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{
		map[string]any{"nodeId": "n1", "name": "db-1", "stale": true},
		map[string]any{"nodeId": "n2", "name": "db-2", "stale": true},
	}}}
	var reports []*finding.Report
	for _, n := range []int{1, 2, 7} {
		eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/rules"), engine.WithParallelism(n))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: pol, Tailnet: snap, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, rep)
	}
	for i, rep := range reports[1:] {
		if d := cmp.Diff(reports[0].Findings, rep.Findings); d != "" {
			t.Errorf("report %d differs from the single-query one (-want +got):\n%s", i+1, d)
		}
	}
}

// TestBundleHash checks that the bundle hash follows the rules' sources: the same rules give the
// same hash, one changed byte in one rule another.
func TestBundleHash(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadDir("testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range src {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata/rules", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hash := func(dir string) string {
		t.Helper()
		eng, err := engine.New(context.Background(), engine.WithRuleDirs(dir))
		if err != nil {
			t.Fatal(err)
		}
		return eng.BundleHash()
	}
	orig, copied := hash("testdata/rules"), hash(dir)
	if len(orig) != 64 {
		t.Fatalf("BundleHash() = %q, want 64 hex digits", orig)
	}
	if orig != copied {
		t.Errorf("the same rules in another directory hash %s, want %s", copied, orig)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.rego"))
	f, err := os.OpenFile(entries[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n")
	f.Close()
	if hash(dir) == orig {
		t.Error("a changed rule source left the bundle hash unchanged")
	}
}
