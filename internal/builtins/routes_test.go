package builtins_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/policyfile"
)

const routesPolicy = `{
	"groups": {"group:all": ["ana@example.com", "bo@example.com"]},
	"tagOwners": {"tag:router": ["ana@example.com"], "tag:exit": ["ana@example.com"]},
	"acls": [
		{"action": "accept", "src": ["ana@example.com"], "dst": ["autogroup:internet:*", "10.1.0.0/16:443"]},
	],
	"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:router"]}, "exitNode": ["group:all"]},
}`

var routesSnapshot = map[string]any{
	"users": []any{
		map[string]any{"loginName": "ana@example.com", "role": "owner"},
		map[string]any{"loginName": "bo@example.com", "role": "member"},
	},
	"devices": []any{
		map[string]any{"name": "a.example.ts.net", "user": "ana@example.com", "addresses": []any{"100.64.0.1"}},
		map[string]any{"name": "b.example.ts.net", "user": "bo@example.com", "addresses": []any{"100.64.0.2"}, "advertisedRoutes": []any{"0.0.0.0/0"}},
		map[string]any{"name": "r.example.ts.net", "tags": []any{"tag:router"}, "addresses": []any{"100.64.0.3"},
			"advertisedRoutes": []any{"10.1.0.0/16", "192.168.0.0/24"}, "enabledRoutes": []any{"192.168.0.0/24"}},
	},
}

// TestRouteBuiltins evaluates the route and peer built-ins with a snapshot, as a rule passes input.
func TestRouteBuiltins(t *testing.T) {
	pol, err := policyfile.Parse("policy.hujson", []byte(routesPolicy))
	if err != nil {
		t.Fatal(err)
	}
	input := map[string]any{"policy": pol.Doc, "tailnet": routesSnapshot}
	for _, tt := range []struct {
		name, query string
		want        any
	}{
		{"approved_routes", `[[r.node, r.route, r.primary, r.exitNode, r.path] | some r in tailscale.approved_routes(input)]`, []any{
			[]any{"b.example.ts.net", "0.0.0.0/0", false, true, []any{"policy", "autoApprovers", "exitNode"}},
			[]any{"r.example.ts.net", "10.1.0.0/16", true, false, []any{"policy", "autoApprovers", "routes", "10.0.0.0/8"}},
			[]any{"r.example.ts.net", "192.168.0.0/24", true, false, nil},
		}},
		{"exit_nodes", `tailscale.exit_nodes(input)`, []any{map[string]any{"node": "b.example.ts.net", "users": []any{"a.example.ts.net"}}}},
		{"peers", `[[p.name, p.allowedIPs, p.primaryRoutes] | some p in tailscale.peers(input, "a.example.ts.net")]`, []any{
			[]any{"b.example.ts.net", []any{"100.64.0.2/32", "0.0.0.0/0"}, []any{}},
			[]any{"r.example.ts.net", []any{"100.64.0.3/32", "10.1.0.0/16"}, []any{"10.1.0.0/16"}},
		}},
		{"peers_of_unknown_node", `tailscale.peers(input, "nobody")`, []any{}},
		{"route_approvers", `[[a.path, a.kind, a.approver, a.everyMember] | some a in tailscale.route_approvers(input)]`, []any{
			[]any{[]any{"policy", "autoApprovers", "routes", "10.0.0.0/8", json0}, "routes", "tag:router", false},
			[]any{[]any{"policy", "autoApprovers", "exitNode", json0}, "exitNode", "group:all", true},
		}},
		{"internet_rules", `[[r.dstPath, r.src, r.nodes, r.everyMember] | some r in tailscale.internet_rules(input)]`, []any{
			[]any{[]any{"policy", "acls", json0, "dst", json0}, []any{"ana@example.com"}, []any{"a.example.ts.net"}, false},
		}},
		{"without_snapshot_no_nodes", `tailscale.approved_routes(input.policy)`, []any{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := evalBuiltin(t, tt.query, input)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, d)
			}
		})
	}
}
