package access_test

import (
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/access"
)

func TestSnapshotTopology(t *testing.T) {
	raw := map[string]any{
		"users": []any{map[string]any{"id": "u1", "loginName": "fay@example.com", "role": "admin"}},
		"devices": []any{
			map[string]any{"name": "db-1.tail.ts.net", "hostname": "db-1", "tags": []any{"tag:db"}, "addresses": []any{"100.64.0.1", "fd7a:115c:a1e0::1"}, "advertisedRoutes": []any{"10.0.0.0/24"}, "enabledRoutes": []any{"10.0.0.0/24"}, "created": "2025-11-03T09:01:00Z", "connectedToControl": false},
			map[string]any{"name": "laptop.tail.ts.net", "user": "fay@example.com", "addresses": []any{"100.64.0.2"}, "created": "not a time", "connectedToControl": true},
		},
	}
	topo := access.SnapshotTopology(raw)
	if len(topo.Users) != 1 || topo.Users[0].Name != "fay" || topo.Users[0].Roles[0] != "admin" {
		t.Errorf("users = %+v", topo.Users)
	}
	if len(topo.Nodes) != 2 || !topo.Nodes[0].IsTagged() || topo.Nodes[0].IPv6.String() != "fd7a:115c:a1e0::1" || len(topo.Nodes[0].ApprovedRoutes) != 1 {
		t.Errorf("nodes = %+v", topo.Nodes)
	}
	if db := topo.Nodes[0]; db.Created.Format(time.RFC3339) != "2025-11-03T09:01:00Z" || !db.Offline {
		t.Errorf("db-1: created %v, offline %v; want 2025-11-03T09:01:00Z, true", db.Created, db.Offline)
	}
	if laptop := topo.Nodes[1]; !laptop.Created.IsZero() || laptop.Offline {
		t.Errorf("laptop: created %v, offline %v; want unknown, online", laptop.Created, laptop.Offline)
	}
	for _, name := range []string{"db-1.tail.ts.net", "db-1"} {
		if a, ok := topo.DeviceAddr(name); !ok || a.String() != "100.64.0.1" {
			t.Errorf("DeviceAddr(%q) = %v, %v; want 100.64.0.1", name, a, ok)
		}
	}
}

func TestDeviceSelector(t *testing.T) {
	topo := access.SnapshotTopology(map[string]any{"devices": []any{
		map[string]any{"name": "db-1.tail.ts.net", "hostname": "DB-host", "addresses": []any{"100.64.0.1"}},
	}})
	for _, tt := range []struct{ in, want string }{
		{"db-1", "100.64.0.1"},
		{"DB-1.tail.ts.net", "100.64.0.1"},
		{"db-host", "100.64.0.1"},
		{"tag:db-1", "tag:db-1"}, // a kind prefix is never a device name
		{"db-1@example.com", "db-1@example.com"},
		{"web", "web"},
	} {
		if got := topo.DeviceSelector(tt.in); got != tt.want {
			t.Errorf("DeviceSelector(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var none *access.Topology
	if got := none.DeviceSelector("db-1"); got != "db-1" {
		t.Errorf("nil topology: DeviceSelector(db-1) = %q", got)
	}
}
