package access

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/source"
)

func mustDoc(t testing.TB, src string) map[string]any {
	t.Helper()
	std, err := hujson.Standardize([]byte(src))
	if err != nil {
		t.Fatalf("standardize %s: %v", src, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(std, &doc); err != nil {
		t.Fatalf("decode %s: %v", src, err)
	}
	return doc
}

func TestParsePorts(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []PortRange
		wantErr string
	}{
		{"*", []PortRange{allPorts}, ""},
		{"22", []PortRange{{22, 22}}, ""},
		{"80,443", []PortRange{{80, 80}, {443, 443}}, ""},
		{"8000-8100", []PortRange{{8000, 8100}}, ""},
		{"65535", []PortRange{{65535, 65535}}, ""},
		{"65536", nil, `port range "65536": invalid first integer`},
		{"1-70000", nil, `port range "1-70000": invalid last integer`},
		{"0", nil, `port range "0": first port must be >0, or use '*' for wildcard`},
		{"443-80", nil, `port range "443-80": last port must be >= first port`},
		{"icmp", nil, `port range "icmp": invalid first integer`},
		{"-1", nil, `port range "-1": invalid first integer`},
		{"", nil, `port range "": invalid first integer`},
		{"22,", nil, `port range "": invalid first integer`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePorts(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parsePorts(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parsePorts(%q): %v", tt.in, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("parsePorts(%q) (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

func TestSplitHostPorts(t *testing.T) {
	for _, tt := range []struct{ in, host, ports string }{
		{"tag:prod:22", "tag:prod", "22"},
		{"[fd7a:115c:a1e0::1]:22", "fd7a:115c:a1e0::1", "22"},
		{"fd7a:115c:a1e0::1:22", "fd7a:115c:a1e0::1", "22"},
		{"fd7a:115c:a1e0::/48:*", "fd7a:115c:a1e0::/48", "*"},
		{"10.0.0.0/8:80-443", "10.0.0.0/8", "80-443"},
		{"*:*", "*", "*"},
	} {
		host, ports, err := SplitHostPorts(tt.in)
		if err != nil || host != tt.host || ports != tt.ports {
			t.Errorf("SplitHostPorts(%q) = %q, %q, %v; want %q, %q", tt.in, host, ports, err, tt.host, tt.ports)
		}
	}
}

// base is a policy prefix that defines the names the cases use.
const base = `"groups": {"group:dev": ["thor@example.org"]}, "tagOwners": {"tag:prod": [], "tag:client": []}, "hosts": {"web": "100.64.0.16"},`

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policy   string
		wantPath string // "" means: no error
		wantMsg  string
	}{
		{"valid", `{` + base + `"acls": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22"]}]}`, "", ""},
		{"port_above_65535", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:prod:70000"]}]}`,
			"/acls/0/dst/0", `dst="tag:prod:70000": port range "70000": invalid first integer`},
		{"reversed_range", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:prod:443-80"]}]}`,
			"/acls/0/dst/0", `dst="tag:prod:443-80": port range "443-80": last port must be >= first port`},
		{"ipv6_with_brackets", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["[fd7a:115c:a1e0::1]:22"]}]}`, "", ""},
		{"ipv6_without_brackets", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["fd7a:115c:a1e0::1:22"]}]}`, "", ""},
		{"ipv6_cidr_dst", `{` + base + `"grants": [{"src": ["*"], "dst": ["fd7a:115c:a1e0::/48"], "ip": ["*"]}]}`, "", ""},
		{"space_around_src_trimmed", `{` + base + `"acls": [{"action": "accept", "src": [" tag:prod"], "dst": ["*:*"]}]}`, "", ""},
		{"space_inside_src", `{` + base + `"acls": [{"action": "accept", "src": ["tag: prod"], "dst": ["*:*"]}]}`,
			"/acls/0/src/0", `"tag: prod": selector must not contain spaces`},
		{"wrong_case_tag", `{` + base + `"acls": [{"action": "accept", "src": ["Tag:prod"], "dst": ["*:*"]}]}`,
			"/acls/0/src/0", `"Tag:prod": invalid address`},
		{"undefined_tag_src", `{` + base + `"acls": [{"action": "accept", "src": ["tag:nope"], "dst": ["*:*"]}]}`,
			"/acls/0/src/0", `src=tag not found: "tag:nope"`},
		{"undefined_tag_dst", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["tag:nope:22"]}]}`,
			"/acls/0/dst/0", `dst="tag:nope": tag not found: "tag:nope"`},
		{"undefined_group", `{` + base + `"acls": [{"action": "accept", "src": ["group:nope"], "dst": ["*:*"]}]}`,
			"/acls/0/src/0", `src=group not found: "group:nope"`},
		{"undefined_host", `{` + base + `"acls": [{"action": "accept", "src": ["*"], "dst": ["nohost:22"]}]}`,
			"/acls/0/dst/0", `"nohost": host not found`},
		{"group_recursive_through_other", `{"groups": {"group:a": ["group:b"], "group:b": ["group:a"]}}`,
			"/groups/group:b/0", `groups["group:b"]: "group:a": group members cannot be recursive`},
		{"host_not_ip", `{"hosts": {"web": "not-an-ip"}}`,
			"/hosts/web", `hosts["web"]: "not-an-ip": invalid IP address or CIDR prefix`},
		{"all_ipv4_dst", `{` + base + `"grants": [{"src": ["*"], "dst": ["0.0.0.0/0"], "ip": ["*"]}]}`,
			"/grants/0/dst/0", `dst "0.0.0.0/0": to allow all IP addresses, use "*" or "autogroup:internet"`},
		{"self_in_src", `{` + base + `"acls": [{"action": "accept", "src": ["autogroup:self"], "dst": ["*:*"]}]}`,
			"/acls/0/src/0", `"autogroup:self" not valid on the src side of a rule`},
		{"self_with_tag_src", `{` + base + `"acls": [{"action": "accept", "src": ["tag:prod"], "dst": ["autogroup:self:*"]}]}`,
			"/acls/0", `autogroup:self can only be used with users, groups, or supported autogroups`},
		{"danger_all_dst", `{` + base + `"grants": [{"src": ["*"], "dst": ["autogroup:danger-all"], "ip": ["*"]}]}`,
			"/grants/0/dst/0", `cannot use autogroup:danger-all as a dst`},
		{"deny_action", `{` + base + `"acls": [{"action": "deny", "src": ["*"], "dst": ["*:*"]}]}`,
			"/acls/0/action", `action="deny" is not supported`},
		{"grant_empty", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"]}]}`,
			"/grants/0", `ip and app can not both be empty`},
		{"cap_in_tailscale_domain", `{` + base + `"grants": [{"src": ["*"], "dst": ["*"], "app": {"tailscale.com/cap/funnel": [{}]}}]}`,
			"/grants/0/app/tailscale.com~1cap~1funnel", `capability name must not be in the tailscale.com domain`},
		{"check_period_too_long", `{` + base + `"ssh": [{"action": "check", "checkPeriod": "200h", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root"]}]}`,
			"/ssh/0/checkPeriod", `checkPeriod 200h0m0s is above the max (168h)`},
		{"ssh_users_missing", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"]}]}`,
			"/ssh/0/users", `users must be specified`},
		{"ssh_user_wildcard", `{` + base + `"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["*"]}]}`,
			"/ssh/0/users/0", `user "*" is not valid`},
		{"not_an_array", `{"acls": {"action": "accept"}}`, "/acls", `expected an array, got object`},
		{"case_insensitive_keys", `{"TagOwners": {"tag:prod": []}, "ACLs": [{"Action": "accept", "Src": ["tag:prod"], "Dst": ["tag:prod:22"]}]}`, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Compile(mustDoc(t, tt.policy))
			if tt.wantPath == "" {
				if len(errs) > 0 {
					t.Fatalf("Compile: unexpected errors %v", errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("Compile: no error, want %s: %s", tt.wantPath, tt.wantMsg)
			}
			if got := errs[0].Pointer(); got != tt.wantPath || errs[0].Message != tt.wantMsg {
				t.Errorf("Compile: first error = %s: %s; want %s: %s", got, errs[0].Message, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

func testTopology() *Topology {
	return &Topology{
		Users: []User{
			{ID: 1, Name: "odin", Email: "odin@example.com", Roles: []string{"owner", "admin"}},
			{ID: 2, Name: "thor", Email: "thor@example.org"},
		},
		Nodes: []Node{
			{Name: "laptop", User: "thor", IPv4: netip.MustParseAddr("100.64.0.1"), IPv6: netip.MustParseAddr("fd7a:115c:a1e0::1")},
			{Name: "server", Tags: []string{"tag:prod"}, IPv4: netip.MustParseAddr("100.64.0.16"), IPv6: netip.MustParseAddr("fd7a:115c:a1e0::10")},
			{Name: "router", Tags: []string{"tag:client"}, IPv4: netip.MustParseAddr("100.64.0.2"), IPv6: netip.MustParseAddr("fd7a:115c:a1e0::2"),
				RoutableIPs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, ApprovedRoutes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
		},
	}
}

func TestFilters(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`
		"acls": [
			{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22", "10.1.2.0/24:443"]},
		],
		"ssh": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod"], "users": ["root", "autogroup:nonroot"]}],
	}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	views := pol.Filters(testTopology())
	want := map[string][]FilterRule{
		"laptop": {},
		"server": {{SrcIPs: []string{"100.64.0.1", "fd7a:115c:a1e0::1"}, DstPorts: []NetPortRange{
			{IP: "100.64.0.16", Ports: PortRange{22, 22}}, {IP: "fd7a:115c:a1e0::10", Ports: PortRange{22, 22}}}}},
		"router": {{SrcIPs: []string{"100.64.0.1", "fd7a:115c:a1e0::1"}, DstPorts: []NetPortRange{{IP: "10.1.2.0/24", Ports: PortRange{443, 443}}}}},
	}
	for name, w := range want {
		if d := cmp.Diff(w, views[name].PacketFilter, cmp.Transformer("nilToEmpty", func(r []FilterRule) []FilterRule {
			if r == nil {
				return []FilterRule{}
			}
			return r
		})); d != "" {
			t.Errorf("%s packet filter (-want +got):\n%s", name, d)
		}
	}
	ssh := views["server"].SSHPolicy
	if len(ssh.Rules) != 1 || ssh.Rules[0].SSHUsers["*"] != "=" || ssh.Rules[0].SSHUsers["root"] != "root" || !ssh.Rules[0].Action.Accept {
		t.Errorf("server ssh policy = %+v", ssh)
	}
	if n := len(views["laptop"].SSHPolicy.Rules); n != 0 {
		t.Errorf("laptop has %d ssh rules, want 0", n)
	}
}

func TestAllowAllWithoutRules(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := pol.Filters(testTopology())["server"].PacketFilter
	if len(got) != 1 || got[0].DstPorts[0].IP != "*" || !strings.Contains(strings.Join(got[0].SrcIPs, ","), "10.1.0.0/16") {
		t.Errorf("allow-all filter = %+v", got)
	}
}

func TestRunTests(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`
		"acls": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22"]}],
		"tests": [
			{"src": "thor@example.org", "accept": ["tag:prod:22", "web:22"], "deny": ["tag:prod:80"]},
			{"src": "thor@example.org", "accept": ["tag:prod:80"]},
			{"src": "10.0.0.0/8", "accept": ["tag:prod:22"]},
			{"src": "*", "accept": ["tag:prod:22"]},
			{"src": "thor@example.org", "accept": ["tag:prod:22-23"]},
		],
	}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, r := range pol.RunTests(testTopology()) {
		s := source.Pointer(r.Path) + " "
		if r.Passed {
			s += "pass"
		} else {
			s += "fail: " + r.String()
		}
		got = append(got, s)
	}
	want := []string{
		"/tests/0/accept/0 pass",
		"/tests/0/accept/1 pass",
		"/tests/0/deny/0 pass",
		"/tests/1/accept/0 fail: thor@example.org -> tag:prod:80: want accept, got deny",
		`/tests/2/accept/0 fail: 10.0.0.0/8 -> tag:prod:22: want accept, got error (src "10.0.0.0/8": "10.0.0.0/8" is not a single address)`,
		`/tests/3/accept/0 fail: * -> tag:prod:22: want accept, got error (src "*": "*" cannot be tested)`,
		`/tests/4/accept/0 fail: thor@example.org -> tag:prod:22-23: want accept, got error (port "22-23": a test names one port between 1 and 65535)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("RunTests (-want +got):\n%s", d)
	}
}

func TestReachable(t *testing.T) {
	pol, errs := Compile(mustDoc(t, `{`+base+`
		"grants": [{"src": ["group:dev"], "dst": ["tag:prod"], "ip": ["tcp:22", "udp:53"]}],
	}`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	topo := testTopology()
	for _, tt := range []struct {
		src, dst, proto string
		port            int
		want            bool
	}{
		{"thor@example.org", "tag:prod", "", 22, true},
		{"thor@example.org", "100.64.0.16", "tcp", 22, true},
		{"thor@example.org", "tag:prod", "udp", 53, true},
		{"thor@example.org", "tag:prod", "udp", 22, false},
		{"odin@example.com", "tag:prod", "", 22, false},
		{"100.64.0.1", "tag:prod", "", 22, true},
	} {
		ok, because, err := pol.Reachable(topo, tt.src, tt.dst, tt.port, tt.proto)
		if err != nil {
			t.Fatalf("Reachable(%s, %s:%d): %v", tt.src, tt.dst, tt.port, err)
		}
		if ok != tt.want {
			t.Errorf("Reachable(%s, %s:%d/%s) = %v, want %v", tt.src, tt.dst, tt.port, tt.proto, ok, tt.want)
		}
		if ok && (len(because) != 1 || because[0].String() != "/grants/0") {
			t.Errorf("Reachable(%s, %s:%d) because = %v, want [/grants/0]", tt.src, tt.dst, tt.port, because)
		}
	}
	if _, _, err := pol.Reachable(topo, "tag:nope", "tag:prod", 22, ""); err == nil {
		t.Error("Reachable from an undefined tag: no error")
	}
	res, err := pol.Resolve(topo, "group:dev")
	if err != nil || len(res.Nodes) != 1 || res.Nodes[0] != "laptop" {
		t.Errorf("Resolve(group:dev) = %+v, %v; want [laptop]", res, err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{` + base + `"acls": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:prod:22"]}]}`,
		`{` + base + `"grants": [{"src": ["*"], "dst": ["autogroup:self"], "ip": ["tcp:1-65535"], "app": {"example.com/cap/x": [{}]}, "via": ["tag:prod"]}]}`,
		`{` + base + `"ssh": [{"action": "check", "checkPeriod": "1h", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["localpart:*@example.com"]}]}`,
		`{"groups": {"group:a": ["group:a"]}, "hosts": {"x": "[::1]"}, "tests": [{"src": "x", "accept": ["[::1]:22"]}], "sshTests": [{"src": "x", "dst": ["x"], "accept": ["root"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	topo := testTopology()
	f.Fuzz(func(t *testing.T, src []byte) {
		std, err := hujson.Standardize(src)
		if err != nil {
			return
		}
		var doc map[string]any
		if json.Unmarshal(std, &doc) != nil {
			return
		}
		pol, errs := Compile(doc)
		for _, e := range errs {
			if e.Message == "" {
				t.Errorf("error without a message at %s", e.Pointer())
			}
		}
		pol.Filters(topo)
		pol.RunTests(topo)
	})
}
