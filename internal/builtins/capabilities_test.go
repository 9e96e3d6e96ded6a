package builtins_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/policyfile"
)

const capsPolicy = `{
	"groups": {"group:all": ["ana@example.com", "bo@example.com"]},
	"tagOwners": {"tag:web": ["ana@example.com"]},
	"nodeAttrs": [
		{"target": ["tag:web"], "attr": ["funnel"]},
		{"target": [" group:all "], "attr": ["drive:access"]},
		{"target": ["tag:web"], "app": {"example.com/cap/x": [{"v": 1}]}},
	],
}`

var capsSnapshot = map[string]any{
	"tailnet":  "example.com",
	"settings": map[string]any{"httpsEnabled": true},
	"users": []any{
		map[string]any{"loginName": "ana@example.com", "role": "owner"},
		map[string]any{"loginName": "bo@example.com", "role": "member"},
	},
	"devices": []any{
		map[string]any{"name": "a.example.ts.net", "user": "ana@example.com", "addresses": []any{"100.64.0.1"}},
		map[string]any{"name": "b.example.ts.net", "user": "bo@example.com", "addresses": []any{"100.64.0.2"}},
		map[string]any{"name": "web.example.ts.net", "tags": []any{"tag:web"}, "addresses": []any{"100.64.0.3"}},
	},
}

// TestCapabilityBuiltins evaluates the capability built-ins with a snapshot, as a rule passes input.
func TestCapabilityBuiltins(t *testing.T) {
	pol, err := policyfile.Parse("policy.hujson", []byte(capsPolicy))
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"policy": pol.Doc, "tailnet": capsSnapshot}
	for _, tt := range []struct {
		name, query string
		want        any
	}{
		{"funnel_nodes", `tailscale.nodes_with_capability(input, "funnel")`, []any{"web.example.ts.net"}},
		{"funnel_ports_come_with_funnel", `tailscale.nodes_with_capability(input, "https://tailscale.com/cap/funnel-ports?ports=443,8443,10000")`, []any{"web.example.ts.net"}},
		{"no_https_warning_with_https", `tailscale.nodes_with_capability(input, "https://tailscale.com/cap/warn-funnel-no-https")`, []any{}},
		{"trimmed_target", `tailscale.nodes_with_capability(input, "drive:access")`, []any{"a.example.ts.net", "b.example.ts.net"}},
		{"admin_by_role", `tailscale.nodes_with_capability(input, "https://tailscale.com/cap/is-admin")`, []any{"a.example.ts.net"}},
		{"app_values", `tailscale.node_capabilities(input)["web.example.ts.net"]["example.com/cap/x"]`, []any{map[string]any{"v": json1}}},
		{"display_name", `tailscale.node_capabilities(input)["b.example.ts.net"]["tailnet-display-name"]`, []any{"example.com"}},
		{"attr_grants", `tailscale.attr_grants(input, "drive:access")`, []any{map[string]any{
			"path": []any{"policy", "nodeAttrs", json1, "target", json0}, "target": "group:all",
			"nodes": []any{"a.example.ts.net", "b.example.ts.net"}, "everyMember": true,
		}}},
		{"attr_grants_tag", `[g.everyMember | some g in tailscale.attr_grants(input, "funnel")]`, []any{false}},
		{"no_snapshot_no_nodes", `tailscale.nodes_with_capability(input.policy, "funnel")`, []any{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := evalBuiltin(t, tt.query, input)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, d)
			}
		})
	}
}

// TestReferencesBuiltin checks tailscale.references: refs with input paths, and named per section.
func TestReferencesBuiltin(t *testing.T) {
	pol, err := policyfile.Parse("policy.hujson", []byte(`{
		"tagOwners": {"tag:web": ["group:ops"]},
		"ssh": [{"action": "accept", "src": ["group:ops"], "dst": ["tag:web"], "users": ["root"], "recorder": ["tag:rec"]}],
	}`))
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"policy": pol.Doc}
	got := evalBuiltin(t, `[r | some r in tailscale.references(input).refs; r.field == "recorder"]`, input)
	want := []any{map[string]any{"path": []any{"policy", "ssh", json0, "recorder", json0}, "alias": "tag:rec", "section": "ssh", "field": "recorder", "kind": "selector"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("recorder refs (-want +got):\n%s", d)
	}
	// at is refs by alias, in the order of refs, for every alias and only those.
	got = evalBuiltin(t, `{a: refs | some a, refs in tailscale.references(input).at} == {a: refs | some a in {r.alias | some r in tailscale.references(input).refs}; refs := [r | some r in tailscale.references(input).refs; r.alias == a]}`, input)
	if got != true {
		t.Errorf("at is not refs grouped by alias in their order")
	}
	got = evalBuiltin(t, `[r.path | some r in tailscale.references(input).at["group:ops"]]`, input)
	want3 := []any{[]any{"policy", "ssh", json0, "src", json0}, []any{"policy", "tagOwners", "tag:web", json0}}
	if d := cmp.Diff(want3, got); d != "" {
		t.Errorf("at[group:ops] (-want +got):\n%s", d)
	}
	got = evalBuiltin(t, `tailscale.references(input).named`, input)
	want2 := map[string]any{"ssh": []any{"group:ops", "root", "tag:rec", "tag:web"}, "tagOwners": []any{"group:ops"}}
	if d := cmp.Diff(want2, got); d != "" {
		t.Errorf("named (-want +got):\n%s", d)
	}
}
