package access

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/source"
)

func prefixList(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// routesTopology has a user, a tagged router and a tagged exit node, each advertising routes
// nobody approved, and a router whose route an admin approved.
func routesTopology() *Topology {
	return &Topology{
		Users: []User{{ID: 1, Name: "odin", Email: "odin@example.com"}},
		Nodes: []Node{
			{Name: "laptop", User: "odin", IPv4: netip.MustParseAddr("100.64.0.1"), RoutableIPs: prefixList("192.168.7.0/24")},
			{Name: "router", Tags: []string{"tag:router"}, IPv4: netip.MustParseAddr("100.64.0.2"), RoutableIPs: prefixList("10.1.0.0/16", "10.2.0.0/16", "172.16.0.0/12")},
			{Name: "exit", Tags: []string{"tag:exit"}, IPv4: netip.MustParseAddr("100.64.0.3"), RoutableIPs: prefixList("0.0.0.0/0", "::/0")},
			{Name: "manual", Tags: []string{"tag:other"}, IPv4: netip.MustParseAddr("100.64.0.4"), RoutableIPs: prefixList("10.9.0.0/16"), ApprovedRoutes: prefixList("10.9.0.0/16", "10.8.0.0/16")},
		},
	}
}

func TestRoutesApproval(t *testing.T) {
	tags := `"tagOwners": {"tag:router": [], "tag:exit": [], "tag:other": []}, "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]`
	type served map[string][]string // node → approved routes ("route@path" when autoApprovers approved it)
	for _, tt := range []struct {
		name, policy string
		want         served
	}{
		{"admin approval only", `{` + tags + `}`,
			served{"manual": {"10.9.0.0/16"}}},
		{"a prefix approves the routes it contains, not wider ones", `{` + tags + `, "autoApprovers": {"routes": {"10.0.0.0/8": ["tag:router"], "172.16.0.0/16": ["tag:router"]}}}`,
			served{"router": {"10.1.0.0/16@/autoApprovers/routes/10.0.0.0~18", "10.2.0.0/16@/autoApprovers/routes/10.0.0.0~18"}, "manual": {"10.9.0.0/16"}}},
		{"the exact prefix", `{` + tags + `, "autoApprovers": {"routes": {"172.16.0.0/12": ["tag:router"]}}}`,
			served{"router": {"172.16.0.0/12@/autoApprovers/routes/172.16.0.0~112"}, "manual": {"10.9.0.0/16"}}},
		{"another tag approves nothing", `{` + tags + `, "autoApprovers": {"routes": {"10.0.0.0/8": ["tag:other"]}}}`,
			served{"manual": {"10.9.0.0/16"}}},
		{"a routes entry for 0.0.0.0/0 does not approve exit routes", `{` + tags + `, "autoApprovers": {"routes": {"0.0.0.0/0": ["tag:exit"], "::/0": ["tag:exit"]}}}`,
			served{"manual": {"10.9.0.0/16"}}},
		{"exitNode approves exit routes", `{` + tags + `, "autoApprovers": {"exitNode": ["tag:exit"]}}`,
			served{"exit": {"0.0.0.0/0@/autoApprovers/exitNode", "::/0@/autoApprovers/exitNode"}, "manual": {"10.9.0.0/16"}}},
		{"exitNode does not approve subnet routes", `{` + tags + `, "autoApprovers": {"exitNode": ["tag:router", "odin@example.com"]}}`,
			served{"manual": {"10.9.0.0/16"}}},
		{"a user approves the routes of the devices they own", `{` + tags + `, "groups": {"group:net": ["odin@example.com"]}, "autoApprovers": {"routes": {"192.168.0.0/16": ["group:net"]}}}`,
			served{"laptop": {"192.168.7.0/24@/autoApprovers/routes/192.168.0.0~116"}, "manual": {"10.9.0.0/16"}}},
		{"a user does not approve the routes of tagged devices", `{` + tags + `, "autoApprovers": {"routes": {"10.0.0.0/8": ["odin@example.com"]}}}`,
			served{"manual": {"10.9.0.0/16"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := Compile(mustDoc(t, tt.policy))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := served{}
			for _, nr := range p.Routes(routesTopology()) {
				for _, ap := range nr.Approved {
					s := ap.Route.String()
					if ap.Path != nil {
						s += "@" + source.Pointer(ap.Path)
					}
					got[nr.Node] = append(got[nr.Node], s)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("approved routes (-want +got):\n%s", d)
			}
		})
	}
}

func TestRoutesPrimaryElection(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	router := func(name string, created time.Time, offline bool) Node {
		return Node{Name: name, Tags: []string{"tag:router"}, Created: created, Offline: offline,
			RoutableIPs: prefixList("10.0.0.0/24", "0.0.0.0/0"), ApprovedRoutes: prefixList("10.0.0.0/24", "0.0.0.0/0")}
	}
	for _, tt := range []struct {
		name  string
		nodes []Node
		want  string // the primary of 10.0.0.0/24
	}{
		{"the oldest", []Node{router("a", day(3), false), router("b", day(1), false), router("c", day(2), false)}, "b"},
		{"an offline router is passed over", []Node{router("a", day(3), false), router("b", day(1), true), router("c", day(2), false)}, "c"},
		{"all offline: the oldest", []Node{router("a", day(3), true), router("b", day(1), true)}, "b"},
		{"a known date before an unknown one", []Node{router("a", time.Time{}, false), router("b", day(9), false)}, "b"},
		{"no dates: topology order", []Node{router("z", time.Time{}, false), router("a", time.Time{}, false)}, "z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := Compile(mustDoc(t, `{"tagOwners": {"tag:router": []}, "acls": []}`))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var primaries []string
			for _, nr := range p.Routes(&Topology{Nodes: tt.nodes}) {
				if !nr.ExitNode {
					t.Errorf("%s: not an exit node", nr.Node)
				}
				if len(nr.Primary) > 0 {
					if d := cmp.Diff([]string{"10.0.0.0/24"}, prefixStrings(nr.Primary)); d != "" {
						t.Errorf("%s primary routes (-want +got), exit routes are never primary:\n%s", nr.Node, d)
					}
					primaries = append(primaries, nr.Node)
				}
			}
			if d := cmp.Diff([]string{tt.want}, primaries); d != "" {
				t.Errorf("primaries (-want +got):\n%s", d)
			}
		})
	}
}

func TestRouteApprovers(t *testing.T) {
	p, errs := Compile(mustDoc(t, `{"tagOwners": {"tag:router": []}, "groups": {"group:all": ["odin@example.com"]},
		"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:router", "group:all"]}, "exitNode": ["odin@example.com"]}}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, ra := range p.RouteApprovers(routesTopology()) {
		got = append(got, fmt.Sprintf("%s %q %s %v every=%v", source.Pointer(ra.Path), ra.Route, ra.Approver, ra.Nodes, ra.EveryMember))
	}
	want := []string{
		`/autoApprovers/routes/10.0.0.0~18/0 "10.0.0.0/8" tag:router [router] every=false`,
		`/autoApprovers/routes/10.0.0.0~18/1 "10.0.0.0/8" group:all [laptop] every=true`,
		`/autoApprovers/exitNode/0 "" odin@example.com [laptop] every=true`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("RouteApprovers (-want +got):\n%s", d)
	}
}

func TestInternetRules(t *testing.T) {
	for _, tt := range []struct {
		name, policy string
		want         []string
	}{
		{"autogroup:internet and * open exit nodes; app grants and other destinations do not", `{"tagOwners": {"tag:exit": []},
			"acls": [{"action": "accept", "src": ["odin@example.com"], "dst": ["tag:exit:22", "autogroup:internet:443"]}, {"action": "accept", "src": ["tag:exit"], "dst": ["tag:exit:*"]}],
			"grants": [{"src": ["*"], "dst": ["*"], "ip": ["*"]}, {"src": ["*"], "dst": ["*"], "app": {"example.com/cap/x": [{}]}}]}`,
			[]string{"/acls/0 /acls/0/dst/1 [odin@example.com] [laptop] every=true", "/grants/0 /grants/0/dst/0 [*] [laptop router exit manual] every=true"}},
		{"neither acls nor grants: everything is allowed", `{}`, []string{"  [*] [laptop router exit manual] every=true"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, errs := Compile(mustDoc(t, tt.policy))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got []string
			for _, ir := range p.InternetRules(routesTopology()) {
				got = append(got, fmt.Sprintf("%s %s %v %v every=%v", source.Pointer(ir.Path), source.Pointer(ir.DstPath), ir.Src, ir.Nodes, ir.EveryMember))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("InternetRules (-want +got):\n%s", d)
			}
		})
	}
}
