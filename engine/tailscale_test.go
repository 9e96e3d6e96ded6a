package engine_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/internal/tailnet"
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

// TestTailscaleBuiltins evaluates each built-in through a query, as a rule author would call it.
func TestTailscaleBuiltins(t *testing.T) {
	pol := mustPolicy(t, reachPolicy)
	for _, tt := range []struct {
		name, query string
		want        any
	}{
		{"reachable_tcp", `tailscale.reachable(input.policy, "group:finance", "tag:db", 5432)`, true},
		{"reachable_wrong_port", `tailscale.reachable(input.policy, "group:finance", "tag:db", 22)`, false},
		{"reachable_proto_string", `tailscale.reachable(input.policy, "fay@example.com", "tag:db", "tcp:5432")`, true},
		{"reachable_through_host", `tailscale.reachable(input.policy, "group:finance", "ledger", 443)`, true},
		{"reachable_other_group", `tailscale.reachable(input.policy, "group:eng", "tag:db", 5432)`, false},
		{"reach_names_the_rule", `tailscale.reach(input.policy, "group:finance", "tag:db", 5432)`, map[string]any{"allowed": true, "because": []any{[]any{"policy", "acls", json1}}}},
		{"validate_clean", `tailscale.validate(input.policy)`, []any{}},
		{"failing_test", `[r.path | some r in tailscale.test_results(input.policy); not r.passed]`, []any{[]any{"policy", "tests", json1, "accept", json0}}},
		{"resolve_host", `tailscale.resolve(input.policy, "ledger").prefixes`, []any{"100.64.0.10/32"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := evalBuiltin(t, tt.query, map[string]any{"policy": pol.Doc})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

var (
	json0 = engine.JSONNumber("0")
	json1 = engine.JSONNumber("1")
)

func evalBuiltin(t *testing.T, query string, input map[string]any) any {
	t.Helper()
	var opts []func(*rego.Rego)
	for _, f := range engine.TailscaleFunctions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	rs, err := rego.New(append(opts, rego.Query(query), rego.Input(input))...).Eval(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rs) == 0 {
		t.Fatalf("%s: undefined", query)
	}
	return rs[0].Expressions[0].Value
}

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
