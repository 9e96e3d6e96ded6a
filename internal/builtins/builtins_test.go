package builtins_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/builtins"
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
	pol, err := policyfile.Parse("policy.hujson", []byte(reachPolicy))
	if err != nil {
		t.Fatal(err)
	}
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
		{"reach_every_set", `tailscale.reach_every(input.policy, {"group:finance", "group:eng", "tag:web"}, {"tag:db", "tag:web"}, [5432])`, map[string]any{"tag:db": map[string]any{"group:finance": []any{[]any{"policy", "acls", json1}}}}},
		{"reach_every_all_ports", `tailscale.reach_every(input.policy, ["group:finance", "group:eng"], ["ledger"], [443, 5432])`, map[string]any{}},
		{"reach_every_as_reach", `{src: r.because | some src in ["group:finance", "group:eng", "fay@example.com"]; r := tailscale.reach(input.policy, src, "tag:web", 443); r.allowed} == tailscale.reach_every(input.policy, ["group:finance", "group:eng", "fay@example.com"], ["tag:web"], [443])["tag:web"]`, true},
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
	json0 = json.Number("0")
	json1 = json.Number("1")
)

// evalBuiltin evaluates query with the built-ins over input and returns its value; undefined
// fails the test.
func evalBuiltin(t *testing.T, query string, input map[string]any) any {
	t.Helper()
	v, ok := queryBuiltin(t, query, input)
	if !ok {
		t.Fatalf("%s: undefined", query)
	}
	return v
}

// queryBuiltin evaluates query with the built-ins over input: its value, and whether it is defined.
func queryBuiltin(t *testing.T, query string, input map[string]any) (any, bool) {
	t.Helper()
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	rs, err := rego.New(append(opts, rego.Query(query), rego.Input(input))...).Eval(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rs) == 0 {
		return nil, false
	}
	return rs[0].Expressions[0].Value, true
}

// TestCacheServesTheEvaluatedInput checks that a query handed the evaluation's Cache reads the
// compiled policy from it, instead of compiling the Rego value again: the cache is given a policy
// document that differs from the input's, and the answer follows the cache.
func TestCacheServesTheEvaluatedInput(t *testing.T) {
	input, err := ast.InterfaceToValue(map[string]any{"policy": map[string]any{"acls": []any{}}})
	if err != nil {
		t.Fatal(err)
	}
	allowAll := map[string]any{"acls": []any{map[string]any{"action": "accept", "src": []any{"*"}, "dst": []any{"*:*"}}}}
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	pq, err := rego.New(append(opts, rego.Query(`x := tailscale.reachable(input.policy, "a@example.com", "100.64.0.1", 22)`))...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		cache *builtins.Cache
		want  bool
	}{
		{"no_cache_compiles_the_input", nil, false},
		{"cache_is_used", builtins.NewCache(input, allowAll, nil), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			evalOpts := []rego.EvalOption{rego.EvalParsedInput(input)}
			if tt.cache != nil {
				evalOpts = append(evalOpts, rego.EvalInterQueryBuiltinValueCache(tt.cache))
			}
			rs, err := pq.Eval(context.Background(), evalOpts...)
			if err != nil {
				t.Fatal(err)
			}
			if got := rs[0].Bindings["x"]; got != tt.want {
				t.Errorf("reachable = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCacheServesInputsAroundTheSamePolicy checks what an alert run relies on: it builds a new
// input per event around the same policy, snapshot and params terms, and a rule that passes the
// whole input reads the compiled policy from the Cache instead of compiling it for every event.
// An input around another policy value is compiled on its own.
func TestCacheServesInputsAroundTheSamePolicy(t *testing.T) {
	term := func(v any) *ast.Term {
		val, err := ast.InterfaceToValue(v)
		if err != nil {
			t.Fatal(err)
		}
		return ast.NewTerm(val)
	}
	denyAll := term(map[string]any{"acls": []any{}})
	snapshot := map[string]any{"devices": []any{}}
	tailnetTerm := term(snapshot)
	base := [][2]*ast.Term{{ast.StringTerm("policy"), denyAll}, {ast.StringTerm("tailnet"), tailnetTerm}}
	allowAll := map[string]any{"acls": []any{map[string]any{"action": "accept", "src": []any{"*"}, "dst": []any{"*:*"}}}}
	cache := builtins.NewCache(ast.NewObject(base...), allowAll, snapshot)
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	pq, err := rego.New(append(opts, rego.Query(`x := tailscale.reachable(input, "100.64.0.2", "100.64.0.1", 22)`))...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		policy *ast.Term
		want   bool
	}{
		{"same_policy_term_uses_the_cache", denyAll, true},
		{"other_policy_value_is_compiled", term(map[string]any{"acls": []any{}}), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			event := ast.NewObject(append([][2]*ast.Term{{ast.StringTerm("event"), term(map[string]any{"nodeId": "n1"})}},
				[2]*ast.Term{ast.StringTerm("policy"), tt.policy}, base[1])...)
			rs, err := pq.Eval(context.Background(), rego.EvalParsedInput(event), rego.EvalInterQueryBuiltinValueCache(cache))
			if err != nil {
				t.Fatal(err)
			}
			if got := rs[0].Bindings["x"]; got != tt.want {
				t.Errorf("reachable = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTailnetDomains checks where the tailnet's domains come from: the tailnetDomains parameter,
// else the snapshot's tailnet name and members; without either the check is reported as not made.
func TestTailnetDomains(t *testing.T) {
	pol := map[string]any{"acls": []any{map[string]any{"action": "accept", "src": []any{"user:*@example.com"}, "dst": []any{"*:*"}}}}
	snap := func(tailnet string) map[string]any {
		return map[string]any{"tailnet": tailnet, "users": []any{map[string]any{"id": "u1", "loginName": "odin@" + tailnet, "type": "member"}}}
	}
	const validate = `[e.message | some e in tailscale.validate(input)]`
	const unchecked = `[e.path | some e in tailscale.unchecked(input)]`
	rejected := []any{"example.com is not associated with this Tailnet and cannot be used in user:*@<domain> expressions"}
	for _, tt := range []struct {
		name, query string
		input       map[string]any
		want        any
	}{
		{"param_names_it", validate, map[string]any{"policy": pol, "params": map[string]any{"tailnetDomains": []any{"example.com"}}}, []any{}},
		{"param_names_another", validate, map[string]any{"policy": pol, "params": map[string]any{"tailnetDomains": "example.org"}}, rejected},
		{"param_beats_snapshot", validate, map[string]any{"policy": pol, "tailnet": snap("example.com"), "params": map[string]any{"tailnetDomains": []any{"example.org"}}}, rejected},
		{"snapshot_names_it", validate, map[string]any{"policy": pol, "tailnet": snap("example.com")}, []any{}},
		{"snapshot_names_another", validate, map[string]any{"policy": pol, "tailnet": snap("example.org")}, rejected},
		{"neither_not_checked", validate, map[string]any{"policy": pol}, []any{}},
		{"neither_says_so", unchecked, map[string]any{"policy": pol}, []any{[]any{"policy", "acls", json0, "src", json0}}},
		{"known_nothing_unchecked", unchecked, map[string]any{"policy": pol, "tailnet": snap("example.com")}, []any{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, evalBuiltin(t, tt.query, tt.input)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

// TestNotModelledFailsClosed checks that a policy using IP sets, which tailaudit does not model, is
// not answered on the part of it that compiled: every built-in about what the policy allows fails
// with an error naming the feature and where it is used, tailscale.validate reports nothing
// Tailscale would reject, and tailscale.unchecked names the feature.
func TestNotModelledFailsClosed(t *testing.T) {
	pol, err := policyfile.Parse("policy.hujson", []byte(`{
		"tagOwners": {"tag:db": ["autogroup:admin"]},
		"ipsets": {"ipset:office": ["10.0.0.0/8"]},
		"grants": [{"src": ["ipset:office"], "dst": ["tag:db"], "ip": ["*"]}],
	}`))
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"policy": pol.Doc}
	if got := evalBuiltin(t, `tailscale.validate(input.policy)`, input); len(got.([]any)) != 0 {
		t.Errorf("tailscale.validate = %v, want nothing Tailscale would reject", got)
	}
	if got := evalBuiltin(t, `[e.notModelled | some e in tailscale.unchecked(input.policy); e.notModelled]`, input); cmp.Diff([]any{"IP sets"}, got) != "" {
		t.Errorf("tailscale.unchecked notModelled = %v, want [IP sets]", got)
	}
	const want = `tailaudit cannot evaluate what the policy allows: IP sets are not modelled, used at /grants/0/src/0`
	for _, q := range []string{
		`tailscale.reachable(input.policy, "10.0.0.1", "tag:db", 22)`,
		`tailscale.reach(input.policy, "10.0.0.1", "tag:db", 22)`,
		`tailscale.reach_every(input.policy, ["10.0.0.1"], ["tag:db"], [22])`,
		`tailscale.test_results(input.policy)`,
		`tailscale.peers(input, "db")`,
		`tailscale.approved_routes(input.policy)`,
		`tailscale.exit_nodes(input.policy)`,
		`tailscale.internet_rules(input.policy)`,
	} {
		if err := evalStrict(q, input); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", q, err, want)
		}
	}
	// Capabilities come from nodeAttrs alone, route approvers from autoApprovers alone: an IP set
	// elsewhere leaves them exact, one in a nodeAttrs target does not.
	for _, q := range []string{
		`tailscale.route_approvers(input.policy)`,
		`tailscale.node_capabilities(input.policy)`,
		`tailscale.nodes_with_capability(input.policy, "funnel")`,
		`tailscale.attr_grants(input.policy, "funnel")`,
	} {
		if err := evalStrict(q, input); err != nil {
			t.Errorf("%s: %v, want an answer: the IP set is in grants", q, err)
		}
	}
	pol.Doc["nodeAttrs"] = []any{map[string]any{"target": []any{"ipset:office"}, "attr": []any{"funnel"}}}
	const wantAttrs = `tailaudit cannot evaluate what the policy allows: IP sets are not modelled, used at /nodeAttrs/0/target/0`
	if err := evalStrict(`tailscale.node_capabilities(input.policy)`, input); err == nil || !strings.Contains(err.Error(), wantAttrs) {
		t.Errorf("node_capabilities with an IP set target: error %v, want one containing %q", err, wantAttrs)
	}
}

// evalStrict evaluates query with the built-ins, returning a built-in's error as the engine does.
func evalStrict(query string, input map[string]any) error {
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	_, err := rego.New(append(opts, rego.Query(query), rego.Input(input), rego.StrictBuiltinErrors(true))...).Eval(context.Background())
	return err
}
