package main

import (
	"strings"
	"testing"
)

// TestCheckWrongKindOfInput checks that a snapshot given as the policy, or a policy file given as
// the snapshot, is reported as such, with exit code 2 and nothing on stdout.
func TestCheckWrongKindOfInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"snapshot_as_policy", []string{"check", abs(t, demoSnapshot)}, "snapshot.json: this looks like a tailnet snapshot, not a policy file; pass it with --snapshot"},
		{"policy_as_snapshot", []string{"check", "--snapshot", abs(t, demoPolicy)}, "policy.hujson: this looks like a policy file, not a tailnet snapshot"},
		{"both_swapped", []string{"check", abs(t, demoSnapshot), "--snapshot", abs(t, demoPolicy)}, "policy.hujson: this looks like a policy file"},
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
