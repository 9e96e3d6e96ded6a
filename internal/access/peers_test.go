package access

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// peersTopology: two users' laptops, a server, two routers of 10.1.0.0/16 (r1 the older, so
// primary), an exit node and a device of another tag.
func peersTopology() *Topology {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	node := func(name, user, tag string, last byte) Node {
		n := Node{Name: name, User: user, IPv4: netip.AddrFrom4([4]byte{100, 64, 0, last})}
		if tag != "" {
			n.Tags = []string{tag}
		}
		return n
	}
	r1, r2, exit := node("r1", "", "tag:router", 4), node("r2", "", "tag:router2", 5), node("exit", "", "tag:exit", 6)
	r1.RoutableIPs, r1.ApprovedRoutes, r1.Created = prefixList("10.1.0.0/16"), prefixList("10.1.0.0/16"), day(1)
	r2.RoutableIPs, r2.ApprovedRoutes, r2.Created = prefixList("10.1.0.0/16"), prefixList("10.1.0.0/16"), day(2)
	exit.RoutableIPs, exit.ApprovedRoutes = prefixList("0.0.0.0/0", "::/0"), prefixList("0.0.0.0/0", "::/0")
	return &Topology{
		Users: []User{{ID: 1, Name: "odin", Email: "odin@example.com"}, {ID: 2, Name: "thor", Email: "thor@example.com"}},
		Nodes: []Node{node("odin-laptop", "odin", "", 1), node("thor-laptop", "thor", "", 2), node("server", "", "tag:server", 3), r1, r2, exit, node("lone", "", "tag:lone", 7)},
	}
}

func TestNetmapPeers(t *testing.T) {
	owners := `"tagOwners": {"tag:server": [], "tag:router": [], "tag:router2": [], "tag:exit": [], "tag:lone": []}, "hosts": {"corp": "10.1.0.0/16"}`
	// want: per viewer, its peers as "name allowedIPs... [primary: routes]"; nodes without peers
	// are left out.
	for _, tt := range []struct {
		name, policy string
		want         map[string][]string
	}{
		{"either direction of a rule", `{` + owners + `, "acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["tag:server:22"]}]}`,
			map[string][]string{"odin-laptop": {"server 100.64.0.3/32"}, "server": {"odin-laptop 100.64.0.1/32"}}},
		{"a reachable subnet route: its primary router, carrying it", `{` + owners + `, "acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["corp:443"]}]}`,
			map[string][]string{
				"odin-laptop": {"r1 100.64.0.4/32 10.1.0.0/16 [primary: 10.1.0.0/16]", "r2 100.64.0.5/32"},
				"r1":          {"odin-laptop 100.64.0.1/32"}, "r2": {"odin-laptop 100.64.0.1/32"}}},
		{"a subnet route as a source", `{` + owners + `, "acls": [{"action": "accept", "src": ["corp"], "dst": ["thor@example.com:22"]}]}`,
			map[string][]string{
				"thor-laptop": {"r1 100.64.0.4/32 10.1.0.0/16 [primary: 10.1.0.0/16]", "r2 100.64.0.5/32"},
				"r1":          {"thor-laptop 100.64.0.2/32"}, "r2": {"thor-laptop 100.64.0.2/32"}}},
		{"a router reached at its own address only: no route", `{` + owners + `, "acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["tag:router:22"]}]}`,
			map[string][]string{"odin-laptop": {"r1 100.64.0.4/32"}, "r1": {"odin-laptop 100.64.0.1/32"}}},
		{"the secondary router is sent the primary's route", `{` + owners + `, "acls": [{"action": "accept", "src": ["tag:router2"], "dst": ["tag:router:22"]}]}`,
			map[string][]string{"r2": {"r1 100.64.0.4/32 10.1.0.0/16 [primary: 10.1.0.0/16]"}, "r1": {"r2 100.64.0.5/32"}}},
		{"exit routes to those allowed the internet", `{` + owners + `, "acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["autogroup:internet:*"]}, {"action": "accept", "src": ["thor@example.com"], "dst": ["tag:exit:22"]}]}`,
			map[string][]string{
				"odin-laptop": {"exit 100.64.0.6/32 0.0.0.0/0 ::/0"}, "thor-laptop": {"exit 100.64.0.6/32"},
				"exit": {"odin-laptop 100.64.0.1/32", "thor-laptop 100.64.0.2/32"}}},
		{"a via grant steers to its routers", `{` + owners + `, "grants": [{"src": ["thor@example.com"], "dst": ["corp"], "via": ["tag:router2"], "ip": ["*"]}]}`,
			map[string][]string{"thor-laptop": {"r2 100.64.0.5/32 10.1.0.0/16 [primary: 10.1.0.0/16]"}, "r2": {"thor-laptop 100.64.0.2/32"}}},
		{"an app-only via grant still makes peers", `{` + owners + `, "grants": [{"src": ["thor@example.com"], "dst": ["corp"], "via": ["tag:router2"], "app": {"example.com/cap/x": [{}]}}]}`,
			map[string][]string{"thor-laptop": {"r2 100.64.0.5/32 10.1.0.0/16 [primary: 10.1.0.0/16]"}, "r2": {"thor-laptop 100.64.0.2/32"}}},
		{"a grant without via wins over a via grant", `{` + owners + `, "grants": [{"src": ["thor@example.com"], "dst": ["corp"], "via": ["tag:router2"], "ip": ["*"]}, {"src": ["thor@example.com"], "dst": ["corp"], "ip": ["tcp:443"]}]}`,
			map[string][]string{
				"thor-laptop": {"r1 100.64.0.4/32 10.1.0.0/16 [primary: 10.1.0.0/16]", "r2 100.64.0.5/32"},
				"r1":          {"thor-laptop 100.64.0.2/32"}, "r2": {"thor-laptop 100.64.0.2/32"}}},
		{"disable-ipv4: no IPv4 addresses sent to or of the node", `{` + owners + `, "acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["tag:server:22"]}], "nodeAttrs": [{"target": ["tag:server"], "attr": ["disable-ipv4"]}]}`,
			map[string][]string{"odin-laptop": {"server"}, "server": {"odin-laptop"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := Compile(mustDoc(t, tt.policy))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			topo := peersTopology()
			m := p.Netmap(topo)
			got := map[string][]string{}
			for _, n := range topo.Nodes {
				peers, ok := m.Peers(n.Name)
				if !ok {
					t.Fatalf("no peers for %s", n.Name)
				}
				if c := m.PeerCount(n.Name); c != len(peers) {
					t.Errorf("PeerCount(%s) = %d, want %d", n.Name, c, len(peers))
				}
				for _, peer := range peers {
					s := strings.TrimSpace(peer.Name + " " + strings.Join(prefixStrings2(peer.AllowedIPs), " "))
					if len(peer.PrimaryRoutes) > 0 {
						s += fmt.Sprintf(" [primary: %s]", strings.Join(prefixStrings2(peer.PrimaryRoutes), " "))
					}
					got[n.Name] = append(got[n.Name], s)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("peers (-want +got):\n%s", d)
			}
		})
	}
}

// prefixStrings2 prints prefixes in their order.
func prefixStrings2(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestNetmapSelf(t *testing.T) {
	p, errs := Compile(mustDoc(t, `{"tagOwners": {"tag:router": [], "tag:router2": [], "tag:exit": []}, "acls": []}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := p.Netmap(peersTopology())
	for _, tt := range []struct{ node, allowed, primary string }{
		{"odin-laptop", "100.64.0.1/32", ""},
		{"r1", "100.64.0.4/32 10.1.0.0/16", "10.1.0.0/16"},
		{"r2", "100.64.0.5/32 10.1.0.0/16", ""},
		{"exit", "100.64.0.6/32 0.0.0.0/0 ::/0", ""},
	} {
		allowed, primary, ok := m.Self(tt.node)
		if !ok {
			t.Fatalf("Self(%s): not found", tt.node)
		}
		if a, pr := strings.Join(prefixStrings2(allowed), " "), strings.Join(prefixStrings2(primary), " "); a != tt.allowed || pr != tt.primary {
			t.Errorf("Self(%s) = %q, %q; want %q, %q", tt.node, a, pr, tt.allowed, tt.primary)
		}
	}
	if _, _, ok := m.Self("nobody"); ok {
		t.Error("Self(nobody) found a node")
	}
	if _, ok := m.Peers("nobody"); ok {
		t.Error("Peers(nobody) found a node")
	}
}

func TestNetmapExitUsers(t *testing.T) {
	p, errs := Compile(mustDoc(t, `{"tagOwners": {"tag:exit": []}, "acls": [
		{"action": "accept", "src": ["odin@example.com"], "dst": ["autogroup:internet:*"]},
		{"action": "accept", "src": ["thor@example.com"], "dst": ["tag:exit:22"]}]}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := p.Netmap(peersTopology())
	if d := cmp.Diff([]string{"odin-laptop"}, m.ExitUsers("exit")); d != "" {
		t.Errorf("ExitUsers(exit) (-want +got):\n%s", d)
	}
	if got := m.ExitUsers("r1"); got != nil {
		t.Errorf("ExitUsers(r1) = %v, want nil: not an exit node", got)
	}
}

// A user's devices see one another even when no rule lets them connect (netmap trimming keeps
// them, for Taildrop).
func TestNetmapSameUser(t *testing.T) {
	p, errs := Compile(mustDoc(t, `{"acls": []}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	topo := peersTopology()
	topo.Nodes = append(topo.Nodes, Node{Name: "odin-phone", User: "odin@example.com", IPv4: netip.MustParseAddr("100.64.0.9")})
	m := p.Netmap(topo)
	for _, tt := range []struct {
		node string
		want []string
	}{
		{"odin-laptop", []string{"odin-phone"}},
		{"odin-phone", []string{"odin-laptop"}},
		{"thor-laptop", nil},
		{"server", nil},
	} {
		peers, _ := m.Peers(tt.node)
		var got []string
		for _, p := range peers {
			got = append(got, p.Name)
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("peers of %s (-want +got):\n%s", tt.node, d)
		}
	}
}
