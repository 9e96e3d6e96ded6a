package access

import (
	"fmt"
	"net/netip"
	"testing"
)

// benchTailnet generates a tailnet of nodes nodes (half user devices, half tagged servers in
// 50 tags, every 100th tagged node a subnet router) and a policy of rules acls and grants over
// 100 groups, the tags, users, CIDRs and "*".
func benchTailnet(nodes, rules, tests int) (*Topology, map[string]any) {
	const users, tags, groups = 500, 50, 100
	topo := &Topology{}
	for u := range users {
		topo.Users = append(topo.Users, User{ID: u + 1, Name: fmt.Sprintf("u%d", u), Email: fmt.Sprintf("u%d@example.com", u)})
	}
	for i := range nodes {
		n := Node{
			Name: fmt.Sprintf("n%d", i),
			IPv4: netip.AddrFrom4([4]byte{100, byte(64 + i>>16), byte(i >> 8), byte(i)}),
			IPv6: netip.AddrFrom16([16]byte{0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 14: byte(i >> 8), 15: byte(i)}),
		}
		if i%2 == 0 {
			n.User = fmt.Sprintf("u%d", (i/2)%users)
		} else {
			n.Tags = []string{fmt.Sprintf("tag:t%d", (i/2)%tags)}
			if i%100 == 1 {
				r := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
				n.RoutableIPs, n.ApprovedRoutes = []netip.Prefix{r}, []netip.Prefix{r}
			}
		}
		topo.Nodes = append(topo.Nodes, n)
	}
	groupsDoc := map[string]any{}
	for g := range groups {
		var members []any
		for m := range 10 {
			members = append(members, fmt.Sprintf("u%d@example.com", (g*10+m)%users))
		}
		groupsDoc[fmt.Sprintf("group:g%d", g)] = members
	}
	tagOwners := map[string]any{}
	for t := range tags {
		tagOwners[fmt.Sprintf("tag:t%d", t)] = []any{"group:g0"}
	}
	var acls, grants []any
	for i := range rules {
		tag := fmt.Sprintf("tag:t%d", i%tags)
		switch i % 5 {
		case 0:
			acls = append(acls, map[string]any{"action": "accept", "src": []any{fmt.Sprintf("group:g%d", i%groups)}, "dst": []any{tag + ":22,443"}})
		case 1:
			acls = append(acls, map[string]any{"action": "accept", "src": []any{fmt.Sprintf("tag:t%d", (i+1)%tags)}, "dst": []any{tag + ":5432"}, "proto": "tcp"})
		case 2:
			grants = append(grants, map[string]any{"src": []any{fmt.Sprintf("u%d@example.com", i%users)}, "dst": []any{tag}, "ip": []any{"tcp:8000-8100", "udp:53"}})
		case 3:
			grants = append(grants, map[string]any{"src": []any{"autogroup:member"}, "dst": []any{fmt.Sprintf("10.%d.0.0/16", i%256)}, "ip": []any{"*"}})
		case 4:
			grants = append(grants, map[string]any{"src": []any{fmt.Sprintf("group:g%d", i%groups)}, "dst": []any{tag}, "app": map[string]any{"example.com/cap/x": []any{map[string]any{}}}})
		}
	}
	var testsDoc []any
	for i := range tests {
		testsDoc = append(testsDoc, map[string]any{
			"src":    fmt.Sprintf("u%d@example.com", (i*10)%users),
			"accept": []any{fmt.Sprintf("tag:t%d:22", i%tags)},
			"deny":   []any{fmt.Sprintf("tag:t%d:23", i%tags)},
		})
	}
	doc := map[string]any{
		"groups": groupsDoc, "tagOwners": tagOwners, "acls": acls, "grants": grants, "tests": testsDoc,
		"ssh": []any{map[string]any{"action": "check", "src": []any{"autogroup:member"}, "dst": []any{"autogroup:self"}, "users": []any{"root"}}},
	}
	return topo, doc
}

// BenchmarkCompile compiles a 5,000-rule policy and computes every node's filters and SSH
// policy for a 10,000-node tailnet.
func BenchmarkCompile(b *testing.B) {
	topo, doc := benchTailnet(benchNodes, benchRules, 0)
	b.ReportAllocs()
	for b.Loop() {
		pol, errs := Compile(doc)
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		if views := pol.Filters(topo); len(views) != len(topo.Nodes) {
			b.Fatalf("%d views for %d nodes", len(views), len(topo.Nodes))
		}
	}
}

// BenchmarkRunTests evaluates 1,000 tests entries (2,000 assertions) against the 5,000-rule policy.
func BenchmarkRunTests(b *testing.B) {
	topo, doc := benchTailnet(10000, 5000, 1000)
	pol, errs := Compile(doc)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := pol.RunTests(topo); len(res) != 2000 {
			b.Fatalf("%d results, want 2000", len(res))
		}
	}
}

// Sizes of the generated benchmark tailnet.
const benchNodes, benchRules = 10000, 5000
