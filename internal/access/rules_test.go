package access

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/source"
)

// rulesPolicy names groups, autogroups, tags, hosts and CIDRs, and has grants with ip, app and via,
// and SSH rules.
const rulesPolicy = `{
	"groups": {
		"group:dev":    ["thor@example.org"],
		"group:admins": ["odin@example.com", "thor@example.org"],
		"group:empty":  [],
	},
	"tagOwners": {"tag:prod": [], "tag:client": [], "tag:router": []},
	"hosts": {"web": "100.64.0.16", "lan": "10.1.0.0/16"},
	"acls": [
		{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22,80-90"]},
		{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
		{"action": "accept", "src": ["tag:client"], "dst": ["lan:443", "web:8443"]},
		{"action": "accept", "proto": "udp", "src": ["odin@example.com"], "dst": ["10.1.2.0/24:53"]},
		{"action": "accept", "src": ["group:admins"], "dst": ["*:3389"]},
		{"action": "accept", "src": ["group:empty"], "dst": ["tag:prod:1"]},
	],
	"grants": [
		{"src": ["group:admins"], "dst": ["tag:prod"], "ip": ["tcp:5432", "udp:*"]},
		{"src": ["*"], "dst": ["tag:prod"], "app": {"example.com/cap/web": [{}]}},
		{"src": ["thor@example.org"], "dst": ["10.1.0.0/16"], "ip": ["tcp:22"], "via": ["tag:router"]},
		{"src": ["autogroup:tagged"], "dst": ["autogroup:internet"], "ip": ["*"]},
	],
	"ssh": [
		{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot"]},
		{"action": "accept", "src": ["group:admins"], "dst": ["tag:prod"], "users": ["root"]},
	],
}`

// rulesSnapshot is the tailnet rulesPolicy is explained against, as the API describes it, so
// that its devices can be named.
const rulesSnapshot = `{
	"users": [
		{"loginName": "odin@example.com", "role": "admin"},
		{"loginName": "thor@example.org", "role": "member"},
	],
	"devices": [
		{"name": "laptop.example.ts.net", "hostname": "laptop", "user": "thor@example.org", "addresses": ["100.64.0.1", "fd7a:115c:a1e0::1"]},
		{"name": "desktop.example.ts.net", "user": "odin@example.com", "addresses": ["100.64.0.3"]},
		{"name": "server.example.ts.net", "user": "tagged-devices", "tags": ["tag:prod"], "addresses": ["100.64.0.16", "fd7a:115c:a1e0::10"]},
		{"name": "client.example.ts.net", "user": "tagged-devices", "tags": ["tag:client"], "addresses": ["100.64.0.2"]},
		{"name": "router.example.ts.net", "user": "tagged-devices", "tags": ["tag:router"], "addresses": ["100.64.0.4"],
		 "advertisedRoutes": ["10.1.0.0/16", "0.0.0.0/0", "::/0"], "enabledRoutes": ["10.1.0.0/16", "0.0.0.0/0", "::/0"]},
	],
}`

func compileRulesPolicy(t *testing.T) (*Policy, *Topology) {
	t.Helper()
	pol, errs := Compile(mustDoc(t, rulesPolicy))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return pol, SnapshotTopology(mustDoc(t, rulesSnapshot))
}

// summary writes a match as "/acls/0 tag:prod:22,80-90", with " (self)" when SelfOnly.
func summary(ms []RuleMatch) []string {
	var out []string
	for _, m := range ms {
		s := source.Pointer(m.Path) + " " + strings.Join(m.Dst, " ")
		if m.SelfOnly {
			s += " (self)"
		}
		out = append(out, s)
	}
	return out
}

func TestRules(t *testing.T) {
	pol, snap := compileRulesPolicy(t)
	for _, tt := range []struct {
		name     string
		src, dst string // "": any
		topo     bool
		want     []string
	}{
		{"from_user", "thor@example.org", "", false, []string{
			"/acls/0 tag:prod:22,80-90", "/acls/1 autogroup:self:*", "/acls/4 *:3389",
			"/grants/0 tag:prod", "/grants/1 tag:prod", "/grants/2 10.1.0.0/16", "/ssh/0 autogroup:self", "/ssh/1 tag:prod"}},
		{"from_group_needs_every_member", "group:admins", "", false, []string{
			"/acls/1 autogroup:self:*", "/acls/4 *:3389", "/grants/0 tag:prod", "/grants/1 tag:prod", "/ssh/0 autogroup:self", "/ssh/1 tag:prod"}},
		{"from_empty_group", "group:empty", "", false, nil},
		{"from_tag", "tag:client", "", false, []string{"/acls/2 lan:443 web:8443", "/grants/1 tag:prod", "/grants/3 autogroup:internet"}},
		{"from_autogroup_member", "autogroup:member", "", false, []string{"/acls/1 autogroup:self:*", "/grants/1 tag:prod", "/ssh/0 autogroup:self"}},
		{"from_autogroup_tagged", "autogroup:tagged", "", false, []string{"/grants/1 tag:prod", "/grants/3 autogroup:internet"}},
		{"from_device_address", "100.64.0.2", "", true, []string{"/acls/2 lan:443 web:8443", "/grants/1 tag:prod", "/grants/3 autogroup:internet"}},
		{"from_device_name", "client", "", true, []string{"/acls/2 lan:443 web:8443", "/grants/1 tag:prod", "/grants/3 autogroup:internet"}},
		{"from_address_without_topology", "100.64.0.2", "", false, []string{"/grants/1 tag:prod"}},

		{"to_tag", "", "tag:prod", false, []string{"/acls/0 tag:prod:22,80-90", "/acls/4 *:3389", "/acls/5 tag:prod:1", "/grants/0 tag:prod", "/grants/1 tag:prod", "/ssh/1 tag:prod"}},
		{"to_tag_host_holds_its_address", "", "tag:prod", true, []string{
			"/acls/0 tag:prod:22,80-90", "/acls/2 web:8443", "/acls/4 *:3389", "/acls/5 tag:prod:1", "/grants/0 tag:prod", "/grants/1 tag:prod", "/ssh/1 tag:prod"}},
		{"to_device_name", "", "server", true, []string{
			"/acls/0 tag:prod:22,80-90", "/acls/2 web:8443", "/acls/4 *:3389", "/acls/5 tag:prod:1", "/grants/0 tag:prod", "/grants/1 tag:prod", "/ssh/1 tag:prod"}},
		{"to_user_own_devices", "", "thor@example.org", true, []string{"/acls/1 autogroup:self:* (self)", "/acls/4 *:3389", "/ssh/0 autogroup:self (self)"}},
		{"to_group", "", "group:admins", true, []string{"/acls/1 autogroup:self:* (self)", "/acls/4 *:3389", "/ssh/0 autogroup:self (self)"}},
		{"to_empty_group", "", "group:empty", false, nil},
		{"to_address_behind_router", "", "10.1.2.3", false, []string{"/acls/2 lan:443", "/acls/3 10.1.2.0/24:53", "/acls/4 *:3389", "/grants/2 10.1.0.0/16"}},
		{"to_cidr_some_address", "", "10.1.0.0/16", false, []string{"/acls/2 lan:443", "/acls/3 10.1.2.0/24:53", "/acls/4 *:3389", "/grants/2 10.1.0.0/16"}},
		{"to_host_cidr", "", "lan", false, []string{"/acls/2 lan:443", "/acls/3 10.1.2.0/24:53", "/acls/4 *:3389", "/grants/2 10.1.0.0/16"}},
		{"to_cidr_of_devices", "", "100.64.0.0/30", true, []string{"/acls/1 autogroup:self:* (self)", "/acls/4 *:3389", "/ssh/0 autogroup:self (self)"}},
		{"to_internet", "", "autogroup:internet", false, []string{"/acls/4 *:3389", "/grants/3 autogroup:internet"}},
		{"to_autogroup_tagged", "", "autogroup:tagged", false, []string{"/acls/4 *:3389"}},
		{"to_autogroup_member", "", "autogroup:member", false, []string{"/acls/1 autogroup:self:* (self)", "/acls/4 *:3389", "/ssh/0 autogroup:self (self)"}},

		{"between_user_and_tag", "thor@example.org", "tag:prod", false, []string{
			"/acls/0 tag:prod:22,80-90", "/acls/4 *:3389", "/grants/0 tag:prod", "/grants/1 tag:prod", "/ssh/1 tag:prod"}},
		{"between_user_and_own_devices", "thor@example.org", "thor@example.org", true, []string{"/acls/1 autogroup:self:* (self)", "/acls/4 *:3389", "/ssh/0 autogroup:self (self)"}},
		{"between_users_self_does_not_apply", "odin@example.com", "thor@example.org", true, []string{"/acls/4 *:3389"}},
		{"between_group_and_cidr", "group:admins", "10.1.0.0/16", false, []string{"/acls/4 *:3389"}},
		{"between_user_and_cidr", "odin@example.com", "10.1.0.0/16", false, []string{"/acls/3 10.1.2.0/24:53", "/acls/4 *:3389"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var topo *Topology
			if tt.topo {
				topo = snap
			}
			var got []RuleMatch
			var err error
			switch {
			case tt.dst == "":
				got, err = pol.RulesFrom(topo, tt.src)
			case tt.src == "":
				got, err = pol.RulesTo(topo, tt.dst)
			default:
				got, err = pol.RulesBetween(topo, tt.src, tt.dst)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, summary(got)); d != "" {
				t.Errorf("rules from %q to %q (-want +got):\n%s", tt.src, tt.dst, d)
			}
		})
	}
}

// TestRulesDetail checks everything a match says, for each kind of rule.
func TestRulesDetail(t *testing.T) {
	pol, topo := compileRulesPolicy(t)
	got, err := pol.RulesTo(topo, "10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleMatch{
		{Path: []any{"acls", 2}, Section: "acls", Src: []string{"tag:client"}, Dst: []string{"lan:443"}, Action: "accept",
			Access: []Allowed{{Dst: "lan", Ports: []PortRange{{443, 443}}}}, SrcNodes: []string{"client.example.ts.net"}},
		{Path: []any{"acls", 3}, Section: "acls", Src: []string{"odin@example.com"}, Dst: []string{"10.1.2.0/24:53"}, Action: "accept", Proto: "udp",
			Access: []Allowed{{Dst: "10.1.2.0/24", Protos: []int{17}, Ports: []PortRange{{53, 53}}}}, SrcNodes: []string{"desktop.example.ts.net"}},
		{Path: []any{"acls", 4}, Section: "acls", Src: []string{"group:admins"}, Dst: []string{"*:3389"}, Action: "accept",
			Access:   []Allowed{{Dst: "*", Ports: []PortRange{{3389, 3389}}}},
			Nodes:    []string{"client.example.ts.net", "desktop.example.ts.net", "laptop.example.ts.net", "router.example.ts.net", "server.example.ts.net"},
			SrcNodes: []string{"desktop.example.ts.net", "laptop.example.ts.net"}},
		{Path: []any{"grants", 2}, Section: "grants", Src: []string{"thor@example.org"}, Dst: []string{"10.1.0.0/16"}, IP: []string{"tcp:22"}, Via: []string{"tag:router"},
			Access: []Allowed{{Dst: "10.1.0.0/16", Protos: []int{6}, Ports: []PortRange{{22, 22}}}}, SrcNodes: []string{"laptop.example.ts.net"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("RulesTo(10.1.2.3) (-want +got):\n%s", d)
	}

	got, err = pol.RulesTo(nil, "tag:prod")
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]RuleMatch{}
	for _, m := range got {
		byPath[source.Pointer(m.Path)] = m
	}
	if m := byPath["/grants/0"]; !slices.Equal(m.IP, []string{"tcp:5432", "udp:*"}) || len(m.Access) != 2 {
		t.Errorf("grants[0] ip = %v, access %v; want tcp:5432, udp:* each on tag:prod", m.IP, m.Access)
	}
	if m := byPath["/grants/1"]; !slices.Equal(m.App, []string{"example.com/cap/web"}) || len(m.IP) != 0 || m.Allows(443, "") {
		t.Errorf("grants[1] app = %v, ip %v; want only the capability, and no port", m.App, m.IP)
	}
	if m := byPath["/ssh/1"]; m.Section != "ssh" || m.Action != "accept" || !slices.Equal(m.Users, []string{"root"}) {
		t.Errorf("ssh[1] = %+v; want accept as root", m)
	}
	if m := byPath["/grants/0"]; m.Access[1].Proto() != "udp" || m.Access[1].PortList() != "*" || m.Access[0].Proto() != "tcp" || m.Access[0].PortList() != "5432" {
		t.Errorf("grants[0] access = %s:%s, %s:%s; want tcp:5432, udp:*", m.Access[0].Proto(), m.Access[0].PortList(), m.Access[1].Proto(), m.Access[1].PortList())
	}
	if m := byPath["/acls/0"]; m.Access[0].Proto() != "" || m.Access[0].PortList() != "22,80-90" {
		t.Errorf("acls[0] access = %q:%q, want the default protocols on 22,80-90", m.Access[0].Proto(), m.Access[0].PortList())
	}
	if m := byPath["/acls/0"]; !m.Allows(85, "") || !m.Allows(22, "udp") || m.Allows(91, "") || m.Allows(22, "sctp") {
		t.Errorf("acls[0] allows the wrong ports: %+v", m.Access)
	}
}

func TestRulesErrors(t *testing.T) {
	pol, topo := compileRulesPolicy(t)
	for _, tt := range []struct {
		name, src, dst, want string
	}{
		{"wildcard_src", "*", "", `src "*": "*" names no single identity`},
		{"cidr_src", "10.0.0.0/8", "", `src "10.0.0.0/8": "10.0.0.0/8" is not a single address`},
		{"undefined_tag", "", "tag:nope", `dst "tag:nope": tag "tag:nope" not found`},
		{"undefined_group", "group:nope", "", `src "group:nope": group "group:nope" not found`},
		{"self_dst", "", "autogroup:self", `dst "autogroup:self": "autogroup:self" cannot be explained as a destination`},
		{"internet_src", "autogroup:internet", "", `src "autogroup:internet": "autogroup:internet" cannot be explained as a source`},
		{"bad_selector", "", "Tag:prod", `dst "Tag:prod": "Tag:prod": invalid address`},
		{"undefined_host_between", "thor@example.org", "nohost", `dst "nohost": host "nohost" not found`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch {
			case tt.dst == "":
				_, err = pol.RulesFrom(topo, tt.src)
			case tt.src == "":
				_, err = pol.RulesTo(topo, tt.dst)
			default:
				_, err = pol.RulesBetween(topo, tt.src, tt.dst)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRulesAgreeWithReachable checks RulesTo, RulesFrom and RulesBetween against Reachable, on
// the policies above and on the demo policy, with and without a topology: every source a rule from
// RulesTo names reaches the destination on the rule's ports, and a single source reaches a single
// destination on a port exactly when a rule of RulesBetween allows that port, the rules Reachable
// names among them.
func TestRulesAgreeWithReachable(t *testing.T) {
	demo, err := os.ReadFile("../../fixtures/demo/policy.hujson")
	if err != nil {
		t.Fatal(err)
	}
	demoSnap, err := os.ReadFile("../../fixtures/demo/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var demoDoc map[string]any
	if err := json.Unmarshal(demoSnap, &demoDoc); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		policy string
		topo   *Topology
	}{
		{"rules_policy", rulesPolicy, nil},
		{"rules_policy_snapshot", rulesPolicy, SnapshotTopology(mustDoc(t, rulesSnapshot))},
		{"test_topology", `{` + base + `"acls": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22", "10.1.2.0/24:443", "web:80"]}],
			"grants": [{"src": ["tag:client"], "dst": ["tag:prod", "autogroup:self"], "ip": ["udp:53", "8000-8100"]}]}`, testTopology()},
		{"demo", string(demo), nil},
		{"demo_snapshot", string(demo), SnapshotTopology(demoDoc)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pol, _ := Compile(mustDoc(t, tt.policy)) // the demo has a rule Tailscale rejects; the rest compiles
			if pol.AllowsAll() {
				t.Fatal("the policy allows all: nothing to compare")
			}
			sels, ports, checked := checkAgreement(t, pol, tt.topo)
			t.Logf("%d selectors, %d ports, %d comparisons", sels, ports, checked)
			if checked == 0 {
				t.Error("nothing was compared")
			}
		})
	}
}

// TestRulesAgreeLargeCaptures runs the agreement check of TestRulesAgreeWithReachable on every
// policy and topology Tailscale accepted in the conformance captures: millions of answers, about
// a minute, so only with TAILAUDIT_LARGE_TESTS=1 (make test-large).
func TestRulesAgreeLargeCaptures(t *testing.T) {
	if os.Getenv("TAILAUDIT_LARGE_TESTS") != "1" {
		t.Skip("compares millions of answers; set TAILAUDIT_LARGE_TESTS=1 to run it")
	}
	caps := loadCaptures(t, capturesDir(t))
	policies, checked := 0, 0
	for _, c := range caps {
		if c.Error {
			continue
		}
		doc, err := decodePolicy(c.FullPolicy)
		if err != nil {
			continue
		}
		topo, err := c.topology()
		if err != nil {
			continue
		}
		pol, errs := Compile(doc, WithTailnetDomains(c.tailnetDomain()))
		if len(errs) > 0 || pol.AllowsAll() {
			continue
		}
		t.Run(c.TestID, func(t *testing.T) {
			_, _, n := checkAgreement(t, pol, topo)
			checked += n
		})
		policies++
	}
	t.Logf("%d captured policies, %d comparisons", policies, checked)
	if checked == 0 {
		t.Error("nothing was compared")
	}
}

// checkAgreement compares RulesTo, RulesFrom and RulesBetween with Reachable over the selectors
// and ports of the policy, and returns how many selectors and ports it used and how many answers
// it compared.
func checkAgreement(t *testing.T, pol *Policy, topo *Topology) (nSels, nPorts, checked int) {
	t.Helper()
	sels := selectorsOf(pol, topo)
	ports := portsOf(pol)
	q := pol.Reacher(topo) // one for every question: its resolutions are cached and shared
	from := map[string][]RuleMatch{}
	for _, src := range sels {
		var err error
		if from[src], err = pol.RulesFrom(topo, src); err != nil {
			t.Fatalf("RulesFrom(%s): %v", src, err)
		}
	}
	for _, dst := range sels {
		to, err := pol.RulesTo(topo, dst)
		if err != nil {
			t.Fatalf("RulesTo(%s): %v", dst, err)
		}
		for _, m := range to {
			for _, src := range m.Src {
				if m.SelfOnly {
					if dst == "autogroup:member" || !onePrincipal(pol, topo, dst) {
						continue // each member from their own devices: no one source stands for them
					}
					src = dst // autogroup:self: only the owner's own devices
				}
				for _, a := range m.Access {
					proto := ""
					if len(a.Protos) > 0 {
						proto = protoName(a.Protos[0])
					}
					for _, pr := range a.Ports {
						for _, port := range []int{int(pr.First), int(pr.Last)} {
							ok, _, err := pol.Reachable(topo, src, dst, port, proto)
							if err != nil {
								continue // a source Reachable cannot test, such as "*"
							}
							checked++
							if !ok && !(m.SelfOnly && topo == nil) {
								t.Errorf("RulesTo(%s) gives %s from %s on %s/%d, but Reachable says no", dst, source.Pointer(m.Path), src, proto, port)
							}
						}
					}
				}
			}
		}
		for _, src := range sels {
			between, err := pol.RulesBetween(topo, src, dst)
			if err != nil {
				t.Fatalf("RulesBetween(%s, %s): %v", src, dst, err)
			}
			for _, m := range between {
				if !hasPath(from[src], m.Path) || !hasPath(to, m.Path) {
					t.Errorf("RulesBetween(%s, %s) gives %s, which RulesFrom or RulesTo does not", src, dst, source.Pointer(m.Path))
				}
			}
			if !onePrincipal(pol, topo, src) || !onePrincipal(pol, topo, dst) {
				continue
			}
			for _, proto := range []string{"", "udp", "icmp"} {
				for _, port := range ports {
					if proto == "icmp" && port != 1 {
						continue // ICMP has no ports
					}
					ok, because, err := pol.Reachable(topo, src, dst, port, proto)
					if err != nil {
						t.Fatalf("Reachable(%s, %s): %v", src, dst, err)
					}
					cached, cachedBecause, err := q.Reachable(src, dst, port, proto)
					if err != nil {
						t.Fatalf("Reacher.Reachable(%s, %s): %v", src, dst, err)
					}
					if cached != ok || !slices.EqualFunc(because, cachedBecause, func(a, b Because) bool { return a.String() == b.String() }) {
						t.Errorf("%s -> %s %s/%d: Reachable = %v %v, Reacher.Reachable = %v %v", src, dst, proto, port, ok, because, cached, cachedBecause)
					}
					var allowing []RuleMatch
					for _, m := range between {
						if m.Allows(port, proto) {
							allowing = append(allowing, m)
						}
					}
					checked++
					if ok != (len(allowing) > 0) {
						t.Errorf("%s -> %s %s/%d: Reachable = %v, RulesBetween allows through %v", src, dst, proto, port, ok, summary(allowing))
					}
					for _, b := range because {
						if !hasPath(allowing, b.Path) {
							t.Errorf("%s -> %s %s/%d: Reachable names %s, RulesBetween does not", src, dst, proto, port, b)
						}
					}
				}
			}
		}
	}
	return len(sels), len(ports), checked
}

func hasPath(ms []RuleMatch, path []any) bool {
	return slices.ContainsFunc(ms, func(m RuleMatch) bool { return source.Pointer(m.Path) == source.Pointer(path) })
}

// selectorsOf lists selectors Reachable can test: the policy's users, groups, tags and
// single-address hosts, autogroup:member, and a sample of the topology's users and device
// addresses (about six of each, so that large topologies stay quick).
func selectorsOf(p *Policy, topo *Topology) []string {
	out := []string{"autogroup:member"}
	for _, g := range sortedKeys(p.groups) {
		out = append(out, g)
		out = append(out, p.groups[g]...)
	}
	out = append(out, sortedKeys(p.tagOwners)...)
	for _, h := range sortedKeys(p.hosts) {
		if p.hosts[h].IsSingleIP() {
			out = append(out, h)
		}
	}
	if topo != nil {
		stride := 1 + len(topo.Users)/6
		for i := 0; i < len(topo.Users); i += stride {
			if e := topo.Users[i].Email; e != "" {
				out = append(out, e)
			}
		}
		stride = 1 + len(topo.Nodes)/6
		for i, n := range topo.Nodes {
			if i%stride == 0 && n.IPv4.IsValid() {
				out = append(out, n.IPv4.String())
			}
			if i%(2*stride) == 1 && n.IPv6.IsValid() {
				out = append(out, n.IPv6.String())
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// onePrincipal reports whether sel stands for one principal, so that Reachable's answer is one rule's.
func onePrincipal(p *Policy, topo *Topology, sel string) bool {
	prs, err := newResolver(p, topo).principalsFor(sel)
	return err == nil && len(prs) == 1
}

// portsOf samples the ports where the policy's answers can change: every range's ends and the
// ports beside them.
func portsOf(p *Policy) []int {
	out := []int{1, 22, 443, 65535}
	for _, ru := range p.rules {
		for _, line := range ru.lines {
			for _, d := range line.dsts {
				for _, pr := range d.ports {
					for _, port := range []int{int(pr.First) - 1, int(pr.First), int(pr.Last), int(pr.Last) + 1} {
						if port >= 1 && port <= 65535 {
							out = append(out, port)
						}
					}
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func ExamplePolicy_RulesTo() {
	pol, _ := Compile(map[string]any{
		"groups":    map[string]any{"group:ops": []any{"tom@example.com"}},
		"tagOwners": map[string]any{"tag:db": []any{"group:ops"}, "tag:web": []any{"group:ops"}},
		"acls": []any{
			map[string]any{"action": "accept", "src": []any{"group:ops"}, "dst": []any{"tag:db:5432", "tag:web:443"}},
		},
	})
	matches, _ := pol.RulesTo(nil, "tag:db")
	for _, m := range matches {
		fmt.Println(m.Section, m.Path[1], m.Src, m.Dst)
	}
	// Output: acls 0 [group:ops] [tag:db:5432]
}

// TestRulesOnlyWhatCompiles checks that a rule the policy rejects is not explained, since it has
// no meaning, and that a policy without rules says it allows all.
func TestRulesOnlyWhatCompiles(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`"acls": [
		{"action": "accept", "src": ["group:dev"], "dst": ["tag:nope:22"]},
		{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22"]},
	]}`))
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want the undefined tag", errs)
	}
	got, err := pol.RulesFrom(nil, "group:dev")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"/acls/1 tag:prod:22"}, summary(got)); d != "" {
		t.Errorf("RulesFrom(group:dev) (-want +got):\n%s", d)
	}
	if pol.AllowsAll() {
		t.Error("a policy with acls allows all")
	}
	if pol, _ := Compile(mustDoc(t, `{`+base+`}`)); !pol.AllowsAll() {
		t.Error("a policy without acls or grants does not allow all")
	}
}
