package access

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/tailaudit/tailaudit/engine/source"
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
	testsDoc := benchTestEntries(rules, tests)
	doc := map[string]any{
		"groups": groupsDoc, "tagOwners": tagOwners, "acls": acls, "grants": grants, "tests": testsDoc,
		"ssh": []any{map[string]any{"action": "check", "src": []any{"autogroup:member"}, "dst": []any{"autogroup:self"}, "users": []any{"root"}}},
	}
	return topo, doc
}

// benchTestEntries generates tests entries for benchTailnet's policy that all pass: accept and deny
// assertions from users, groups, tags and autogroup:member to tags, users, addresses and
// subnet routes, with and without a protocol.
func benchTestEntries(rules, tests int) []any {
	const users, tags, groups = 500, 50, 100
	// tagIP is the IPv4 address of a node with tag:t<t>.
	tagIP := func(t int) string {
		i := 2*t + 1
		return netip.AddrFrom4([4]byte{100, byte(64 + i>>16), byte(i >> 8), byte(i)}).String()
	}
	var out []any
	for i := range tests {
		j := (i * 7 % (rules / 5)) * 5 // rule j is an acl from a group; j+1..j+4 are the others
		g, t := j%groups, j%tags
		var e map[string]any
		switch i % 8 {
		case 0: // a group, by its acl
			e = map[string]any{"src": fmt.Sprintf("group:g%d", g),
				"accept": []any{fmt.Sprintf("tag:t%d:22", t), fmt.Sprintf("tag:t%d:443", t)},
				"deny":   []any{fmt.Sprintf("tag:t%d:23", t), fmt.Sprintf("tag:t%d:5432", t)}}
		case 1: // a group member, by the group's acl
			e = map[string]any{"src": fmt.Sprintf("u%d@example.com", (g*10+i%10)%users),
				"accept": []any{fmt.Sprintf("tag:t%d:443", t), tagIP(t) + ":22"},
				"deny":   []any{fmt.Sprintf("tag:t%d:80", t)}}
		case 2: // a tag, by a tcp acl
			t1 := (j + 1) % tags
			e = map[string]any{"src": fmt.Sprintf("tag:t%d", (j+2)%tags), "proto": "tcp",
				"accept": []any{fmt.Sprintf("tag:t%d:5432", t1)},
				"deny":   []any{fmt.Sprintf("tag:t%d:22", t1), fmt.Sprintf("u%d@example.com:5432", i%users)}}
		case 3: // the same, over udp
			t1 := (j + 1) % tags
			e = map[string]any{"src": fmt.Sprintf("tag:t%d", (j+2)%tags), "proto": "udp",
				"deny": []any{fmt.Sprintf("tag:t%d:5432", t1)}}
		case 4: // a user, by a grant
			t2 := (j + 2) % tags
			e = map[string]any{"src": fmt.Sprintf("u%d@example.com", (j+2)%users),
				"accept": []any{fmt.Sprintf("tag:t%d:8050", t2), tagIP(t2) + ":8100"},
				"deny":   []any{fmt.Sprintf("tag:t%d:9000", t2)}}
		case 5: // the same, over udp
			t2 := (j + 2) % tags
			e = map[string]any{"src": fmt.Sprintf("u%d@example.com", (j+2)%users), "proto": "udp",
				"accept": []any{fmt.Sprintf("tag:t%d:53", t2)},
				"deny":   []any{fmt.Sprintf("tag:t%d:8050", t2)}}
		case 6: // every member, to a subnet route but not to tags
			e = map[string]any{"src": "autogroup:member",
				"accept": []any{fmt.Sprintf("10.%d.0.1:80", (j+3)%256)},
				"deny":   []any{fmt.Sprintf("tag:t%d:22", t)}}
		case 7: // users cannot reach one another
			e = map[string]any{"src": fmt.Sprintf("u%d@example.com", i%users),
				"deny": []any{fmt.Sprintf("u%d@example.com:22", (i+1)%users), "u0@example.com:443"}}
		}
		out = append(out, e)
	}
	return out
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
		views := pol.Filters(topo)
		if len(views) != len(topo.Nodes) {
			b.Fatalf("%d views for %d nodes", len(views), len(topo.Nodes))
		}
		rules := 0
		for _, v := range views {
			rules += len(v.PacketFilter) + len(v.SSHPolicy.Rules)
		}
		if rules == 0 {
			b.Fatal("no filter rules")
		}
	}
}

// BenchmarkCompileNetmap is BenchmarkCompile with what else each node is sent: every node's
// peers (counted, not built), its own AllowedIPs and primary routes, and the full peer list, with
// each peer's AllowedIPs, of every 100th node.
func BenchmarkCompileNetmap(b *testing.B) {
	topo, doc := benchTailnet(benchNodes, benchRules, 0)
	b.ReportAllocs()
	for b.Loop() {
		pol, errs := Compile(doc)
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		m := pol.Netmap(topo)
		peers, routes := 0, 0
		for i, n := range topo.Nodes {
			peers += m.PeerCount(n.Name)
			allowed, primary, _ := m.Self(n.Name)
			routes += len(allowed) + len(primary)
			if i%100 == 0 {
				list, _ := m.Peers(n.Name)
				for _, p := range list {
					routes += len(p.AllowedIPs)
				}
			}
		}
		if peers == 0 || routes == 0 {
			b.Fatalf("%d peers, %d routes", peers, routes)
		}
	}
}

// BenchmarkRunTests evaluates 1,000 tests entries (2,500 assertions, all passing) against
// the 5,000-rule policy.
func BenchmarkRunTests(b *testing.B) {
	topo, doc := benchTailnet(benchNodes, benchRules, benchTests)
	pol, errs := Compile(doc)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		res := pol.RunTests(topo)
		if len(res) != 2500 {
			b.Fatalf("%d results, want 2500", len(res))
		}
		for _, r := range res {
			if !r.Passed {
				b.Fatalf("%s: %s", source.Pointer(r.Path), r)
			}
		}
	}
}

// Sizes of the generated benchmark tailnet.
const benchNodes, benchRules, benchTests = 10000, 5000, 1000

// BenchmarkRulesTo explains who can reach one tag, and what one group can reach, in the
// 5,000-rule policy over the 10,000-node tailnet.
func BenchmarkRulesTo(b *testing.B) {
	topo, doc := benchTailnet(benchNodes, benchRules, 0)
	pol, errs := Compile(doc)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		to, err := pol.RulesTo(topo, "tag:t7")
		if err != nil || len(to) == 0 {
			b.Fatalf("RulesTo(tag:t7) = %d rules, %v", len(to), err)
		}
		from, err := pol.RulesFrom(topo, "group:g3")
		if err != nil || len(from) == 0 {
			b.Fatalf("RulesFrom(group:g3) = %d rules, %v", len(from), err)
		}
	}
}

// BenchmarkCapMaps computes every node's CapMap for the benchmark tailnet with nodeAttrs entries
// for every node, every member and each tag of the policy.
func BenchmarkCapMaps(b *testing.B) {
	topo, doc := benchTailnet(benchNodes, benchRules, 0)
	attrs := []any{
		map[string]any{"target": []any{"*"}, "attr": []any{"funnel"}},
		map[string]any{"target": []any{"autogroup:member"}, "attr": []any{"drive:access"}},
	}
	owners, _ := doc["tagOwners"].(map[string]any)
	for _, tag := range sortedKeys(owners) {
		attrs = append(attrs, map[string]any{"target": []any{tag}, "app": map[string]any{"example.com/cap/x": []any{tag}}})
	}
	doc["nodeAttrs"] = attrs
	pol, errs := Compile(doc)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		caps := pol.CapMaps(topo, TailnetSettings{})
		if len(caps) != len(topo.Nodes) || !caps[topo.Nodes[0].Name].Has(CapFunnel) {
			b.Fatalf("%d capability maps", len(caps))
		}
	}
}
