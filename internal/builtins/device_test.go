package builtins_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDevice looks devices up by nodeId, address and name, with a nodeId preferred to an address
// and an address to a name, and the first device winning a key that two devices share.
func TestDevice(t *testing.T) {
	devs := []any{
		map[string]any{"nodeId": "n1", "name": "db-1.acme.ts.net", "addresses": []any{"100.64.0.1", "fd7a:115c:a1e0::1"}},
		map[string]any{"nodeId": "n2", "name": "n1", "addresses": []any{"100.64.0.2"}},
		map[string]any{"nodeId": "n3", "name": "100.64.0.2", "addresses": []any{"100.64.0.1"}},
	}
	tailnet := map[string]any{"devices": devs}
	for _, tt := range []struct {
		name, key string
		input     map[string]any
		want      any // nil: undefined
	}{
		{"by_node_id", "n2", map[string]any{"tailnet": tailnet}, "n2"},
		{"by_ipv4", "100.64.0.2", map[string]any{"tailnet": tailnet}, "n2"},
		{"by_ipv6", "fd7a:115c:a1e0::1", map[string]any{"tailnet": tailnet}, "n1"},
		{"by_name", "db-1.acme.ts.net", map[string]any{"tailnet": tailnet}, "n1"},
		{"node_id_before_name", "n1", map[string]any{"tailnet": tailnet}, "n1"},
		{"first_holder_of_an_address", "100.64.0.1", map[string]any{"tailnet": tailnet}, "n1"},
		{"unknown_key", "100.64.0.9", map[string]any{"tailnet": tailnet}, nil},
		{"short_name_is_not_a_name", "db-1", map[string]any{"tailnet": tailnet}, nil},
		{"no_devices", "n1", map[string]any{"tailnet": map[string]any{}}, nil},
		{"devices_not_a_list", "n1", map[string]any{"tailnet": map[string]any{"devices": "n1"}}, nil},
		{"no_snapshot", "n1", map[string]any{}, nil},
		{"tailnet_not_an_object", "n1", map[string]any{"tailnet": "n1"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := deviceNodeID(t, `tailscale.device(input.tailnet, "`+tt.key+`").nodeId`, tt.input)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("tailscale.device(input.tailnet, %q) (-want +got):\n%s", tt.key, d)
			}
		})
	}
	if got := deviceNodeID(t, `tailscale.device(input.tailnet, 5).nodeId`, map[string]any{"tailnet": tailnet}); got != nil {
		t.Errorf("a key that is not a string found %v, want undefined", got)
	}
}

// deviceNodeID evaluates query and returns its value, nil when undefined.
func deviceNodeID(t *testing.T, query string, input map[string]any) any {
	t.Helper()
	v, _ := queryBuiltin(t, query, input)
	return v
}
