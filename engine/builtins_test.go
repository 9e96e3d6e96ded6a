package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

const reachPolicy = `{
	"groups": {"group:finance": ["fay@example.com"], "group:eng": ["erik@example.com"]},
	"tagOwners": {"tag:db": ["group:eng"], "tag:web": ["group:eng"]},
	"hosts": {"ledger": "100.64.0.10"},
	"acls": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["group:finance"], "dst": ["tag:db:5432", "ledger:443"]},
	],
	"tests": [
		{"src": "fay@example.com", "accept": ["tag:db:5432"], "deny": ["tag:web:443"]},
		{"src": "erik@example.com", "accept": ["tag:db:5432"]},
	],
}`

// TestReachWithSnapshot checks that with a snapshot, selectors can name devices and resolve to real
// nodes, and that a rule's result points at the rule that allows the connection.
func TestReachWithSnapshot(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/reach"))
	if err != nil {
		t.Fatal(err)
	}
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{
		"users": []any{map[string]any{"id": "u1", "loginName": "fay@example.com", "role": "member"}},
		"devices": []any{
			map[string]any{"id": "1", "nodeId": "n1", "name": "db-1.tail.ts.net", "hostname": "db-1", "tags": []any{"tag:db"}, "addresses": []any{"100.64.0.1", "fd7a:115c:a1e0::1"}},
			map[string]any{"id": "2", "nodeId": "n2", "name": "fay-laptop.tail.ts.net", "user": "fay@example.com", "addresses": []any{"100.64.0.2"}},
		},
	}}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, reachPolicy), Tailnet: snap, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{"T-REACH-001", "fail", "group:finance reaches db-1:5432", "policy.hujson:7:3"},
		{"T-REACH-001", "warn", "tag:db resolves to [\"db-1.tail.ts.net\"]", ""},
	}
	if d := cmp.Diff(want, briefs(rep)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
