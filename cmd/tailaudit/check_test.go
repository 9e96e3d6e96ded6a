package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// TestWrongKindOfInput checks that a snapshot given as the policy, or a policy file given as the
// snapshot, is reported as such by check and explain, with exit code 2 and nothing on stdout.
func TestWrongKindOfInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"snapshot_as_policy", []string{"check", abs(t, demoSnapshot)}, "snapshot.json: this looks like a tailnet snapshot, not a policy file; pass it with --snapshot"},
		{"policy_as_snapshot", []string{"check", "--snapshot", abs(t, demoPolicy)}, "policy.hujson: this looks like a policy file, not a tailnet snapshot"},
		{"both_swapped", []string{"check", abs(t, demoSnapshot), "--snapshot", abs(t, demoPolicy)}, "policy.hujson: this looks like a policy file"},
		{"explain_snapshot_as_policy", []string{"explain", abs(t, demoSnapshot), "--src", "group:ops"}, "snapshot.json: this looks like a tailnet snapshot"},
		{"explain_policy_as_snapshot", []string{"explain", abs(t, demoPolicy), "--snapshot", abs(t, demoPolicy), "--node", "db-1"}, "policy.hujson: this looks like a policy file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, "", nil, tt.args...)
			if code != 2 || stdout != "" {
				t.Errorf("exit code = %d, stdout %q; want 2 and nothing", code, stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
		})
	}
}

// TestCheckRecordsInputs checks that the report names every file the run read, with the SHA-256 of
// its bytes: the config file, the snapshot and the policy file.
func TestCheckRecordsInputs(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, dir, ".tailaudit.hujson", `{"failOn": "critical"}`)
	rep := checkJSON(t, dir, abs(t, demoPolicy), "--snapshot", abs(t, demoSnapshot))
	hash := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		return hex.EncodeToString(sum[:])
	}
	want := []finding.Input{
		{Kind: "config", Path: cfg, SHA256: hash(cfg)},
		{Kind: "snapshot", Path: abs(t, demoSnapshot), SHA256: hash(demoSnapshot)},
		{Kind: "policy", Path: abs(t, demoPolicy), SHA256: hash(demoPolicy)},
	}
	if d := cmp.Diff(want, rep.Inputs); d != "" {
		t.Errorf("report inputs (-want +got):\n%s", d)
	}
}

// TestCheckErrorPrecedence checks that when both the rules and the input are bad, the rule error is
// the one reported, though the input is read while the rules compile: as when one came after the
// other.
func TestCheckErrorPrecedence(t *testing.T) {
	dir := t.TempDir()
	rules := write(t, dir, "rules/broken.rego", "package tailaudit.policy.broken\n\ndeny contains x if {\n")
	pol := write(t, dir, "policy.hujson", "{\"acls\": [\n")
	for range 5 {
		_, stderr, code := tailaudit(t, dir, nil, "check", pol, "--rules", rules)
		if code != 2 || !strings.Contains(stderr, "broken.rego") || strings.Contains(stderr, "policy.hujson") {
			t.Fatalf("exit code %d, stderr %q; want 2 and the rule error only", code, stderr)
		}
	}
}
