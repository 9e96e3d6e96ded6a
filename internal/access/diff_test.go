package access

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/internal/synth"
)

func compileDoc(t testing.TB, src string) *Policy {
	t.Helper()
	p, _ := Compile(mustDoc(t, src))
	return p
}

// diffSummary writes a diff one line per entry, "+" for added and "-" for removed, for comparing in
// tests.
func diffSummary(d *Diff) []string {
	var out []string
	refs := func(rs []RuleRef) string {
		var s []string
		for _, r := range rs {
			side := "base"
			if r.Head {
				side = "head"
			}
			s = append(s, side+r.Pointer())
		}
		return strings.Join(s, " ")
	}
	for sign, list := range map[string][]AccessChange{"+": d.Access.Added, "-": d.Access.Removed} {
		for _, c := range list {
			via := ""
			if len(c.Via) > 0 {
				via = " via " + strings.Join(c.Via, ",")
			}
			out = append(out, fmt.Sprintf("%s %s -> %s %s:%s%s [%s]", sign, c.Src, c.Dst, c.Proto, portsString(c.Ports), via, refs(c.Rules)))
		}
	}
	for sign, list := range map[string][]AppChange{"+": d.App.Added, "-": d.App.Removed} {
		for _, c := range list {
			out = append(out, fmt.Sprintf("%s app %s -> %s %s=%s [%s]", sign, c.Src, c.Dst, c.Capability, c.Value, refs(c.Rules)))
		}
	}
	for sign, list := range map[string][]SSHChange{"+": d.SSH.Added, "-": d.SSH.Removed} {
		for _, c := range list {
			root := ""
			if c.Root {
				root = " ROOT"
			}
			out = append(out, fmt.Sprintf("%s ssh %s -> %s %s as %s%s [%s]", sign, c.Src, c.Dst, c.Action, strings.Join(c.Users, ","), root, refs(c.Rules)))
		}
	}
	claims := func(sign, what, key string, who []string, rules []RuleRef) {
		out = append(out, fmt.Sprintf("%s %s %s: %s [%s]", sign, what, key, strings.Join(who, ","), refs(rules)))
	}
	for sign, list := range map[string][]OwnerChange{"+": d.TagOwners.Added, "-": d.TagOwners.Removed} {
		for _, c := range list {
			claims(sign, "tagOwners", c.Tag, c.Owners, c.Rules)
		}
	}
	for sign, list := range map[string][]ApproverChange{"+": d.AutoApprovers.Added, "-": d.AutoApprovers.Removed} {
		for _, c := range list {
			claims(sign, "autoApprovers", c.Route, c.Approvers, c.Rules)
		}
	}
	for sign, list := range map[string][]AttrChange{"+": d.NodeAttrs.Added, "-": d.NodeAttrs.Removed} {
		for _, c := range list {
			claims(sign, "nodeAttrs", c.Attr, c.Targets, c.Rules)
		}
	}
	for sign, list := range map[string][]MemberChange{"+": d.Groups.Added, "-": d.Groups.Removed} {
		for _, c := range list {
			claims(sign, "groups", c.Group, c.Members, c.Rules)
		}
	}
	for sign, list := range map[string][]TestAssertion{"+": d.Tests.Added, "-": d.Tests.Removed} {
		for _, a := range list {
			out = append(out, fmt.Sprintf("%s %s %s -> %s want %s [%s]", sign, a.Section, a.Src, a.Dst, a.Want, refs([]RuleRef{a.Rule})))
		}
	}
	for _, c := range d.Tests.Changed {
		out = append(out, fmt.Sprintf("~ %s %s -> %s want %s: %s -> %s", c.Section, c.Src, c.Dst, c.Want, c.Base, c.Head))
	}
	if d.Validity.HeadRejected() {
		out = append(out, "! head rejected: "+d.Validity.Head[0].Error())
	}
	slices.Sort(out)
	return out
}

const diffBase = `{
	"groups": {
		"group:eng": ["alice@example.com", "bob@example.com"],
		"group:contractors": ["carol@partner.example"],
	},
	"tagOwners": {"tag:db": ["group:eng"], "tag:web": ["group:eng"], "tag:router": ["group:eng"]},
	"hosts": {"office": "10.1.0.0/16"},
	"acls": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:80,443", "tag:db:5432"]},
		{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443"]},
	],
	"ssh": [
		{"action": "check", "src": ["group:eng"], "dst": ["tag:web"], "users": ["ubuntu", "root"]},
	],
}`

// TestCompareNoChange checks that edits which change nothing a principal may do give an empty diff.
func TestCompareNoChange(t *testing.T) {
	for _, tt := range []struct{ name, head string }{
		{"identical", diffBase},
		{"comments_and_spacing", strings.ReplaceAll(diffBase, "\t\"acls\": [", "\t// Who reaches what.\n\n\t\"acls\": [ // old style\n")},
		{"reordered", `{
			"groups": {"group:contractors": ["carol@partner.example"], "group:eng": ["bob@example.com", "alice@example.com"]},
			"tagOwners": {"tag:web": ["group:eng"], "tag:router": ["group:eng"], "tag:db": ["group:eng"]},
			"hosts": {"office": "10.1.0.0/16"},
			"acls": [
				{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443"]},
				{"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432", "tag:web:443,80"]},
			],
			"ssh": [{"action": "check", "src": ["group:eng"], "dst": ["tag:web"], "users": ["root", "ubuntu"]}],
		}`},
		{"split_destination", strings.Replace(diffBase, `"tag:web:80,443"`, `"tag:web:80", "tag:web:443"`, 1)},
		{"split_rule", strings.Replace(diffBase, `{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:80,443", "tag:db:5432"]},`,
			`{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:80"]},
			{"action": "accept", "src": ["alice@example.com", "bob@example.com"], "dst": ["tag:web:443", "tag:db:5432"]},`, 1)},
		{"renamed_group", strings.ReplaceAll(diffBase, "group:eng", "group:engineering")},
		{"acl_as_grant", strings.Replace(diffBase, `{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443"]},`,
			`],
			"grants": [{"src": ["group:contractors"], "dst": ["tag:web"], "ip": ["443"]},`, 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Compare(compileDoc(t, diffBase), compileDoc(t, tt.head), nil)
			if got := diffSummary(d); len(got) != 0 || !d.Empty() {
				t.Errorf("diff is not empty:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		name, head string
		want       []string
	}{
		{"group_gains_port", strings.Replace(diffBase, `"tag:db:5432"`, `"tag:db:5432,6379"`, 1), []string{
			"+ group:eng -> tag:db tcp:6379 [head/acls/0]",
			"+ group:eng -> tag:db udp:6379 [head/acls/0]",
		}},
		{"contractors_reach_db", strings.Replace(diffBase, `"dst": ["tag:web:443"]`, `"dst": ["tag:web:443", "tag:db:5432"], "proto": "tcp"`, 1), []string{
			"+ group:contractors -> tag:db tcp:5432 [head/acls/1]",
			// The rule's proto narrowed web access from the default set to TCP.
			"- group:contractors -> tag:web icmp:* [base/acls/1]",
			"- group:contractors -> tag:web ipv6-icmp:* [base/acls/1]",
			"- group:contractors -> tag:web udp:443 [base/acls/1]",
		}},
		{"one_member_gains", strings.Replace(diffBase, `"acls": [`, `"acls": [
			{"action": "accept", "src": ["bob@example.com"], "dst": ["office:22", "tag:db:8000-9000"], "proto": "tcp"},`, 1), []string{
			"+ bob@example.com -> office tcp:22 [head/acls/0]",
			"+ bob@example.com -> tag:db tcp:8000-9000 [head/acls/0]",
		}},
		{"member_joins_group", strings.Replace(diffBase, `["carol@partner.example"]`, `["carol@partner.example", "dave@partner.example"]`, 1), []string{
			"+ dave@partner.example -> tag:web icmp:* [head/acls/1]",
			"+ dave@partner.example -> tag:web ipv6-icmp:* [head/acls/1]",
			"+ dave@partner.example -> tag:web tcp:443 [head/acls/1]",
			"+ dave@partner.example -> tag:web udp:443 [head/acls/1]",
			"+ groups group:contractors: dave@partner.example [head/groups/group:contractors]",
		}},
		{"rule_removed", strings.Replace(diffBase, `{"action": "accept", "src": ["group:contractors"], "dst": ["tag:web:443"]},`, "", 1), []string{
			"- group:contractors -> tag:web icmp:* [base/acls/1]",
			"- group:contractors -> tag:web ipv6-icmp:* [base/acls/1]",
			"- group:contractors -> tag:web tcp:443 [base/acls/1]",
			"- group:contractors -> tag:web udp:443 [base/acls/1]",
		}},
		{"ssh_check_to_accept", strings.Replace(diffBase, `"action": "check"`, `"action": "accept"`, 1), []string{
			"+ ssh group:eng -> tag:web accept as root,ubuntu ROOT [head/ssh/0]",
			"- ssh group:eng -> tag:web check as root,ubuntu ROOT [base/ssh/0]",
		}},
		{"ssh_new_login", strings.Replace(diffBase, `"ssh": [`, `"ssh": [
			{"action": "accept", "src": ["group:contractors"], "dst": ["tag:db"], "users": ["autogroup:nonroot"]},`, 1), []string{
			"+ ssh group:contractors -> tag:db accept as autogroup:nonroot,ubuntu [head/ssh/0]",
		}},
		{"grant_app_and_via", strings.Replace(diffBase, `"ssh": [`, `"grants": [
			{"src": ["group:eng"], "dst": ["tag:web"], "app": {"example.com/cap/admin": [{"level": "full"}]}},
			{"src": ["group:contractors"], "dst": ["office"], "ip": ["tcp:22"], "via": ["tag:router"]},
		],
		"ssh": [`, 1), []string{
			"+ app group:eng -> tag:web example.com/cap/admin=[{\"level\":\"full\"}] [head/grants/0]",
			"+ group:contractors -> office tcp:22 via tag:router [head/grants/1]",
		}},
		{"everyone_reaches_db", strings.Replace(diffBase, `"acls": [`, `"acls": [
			{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:db:5432"], "proto": "tcp"},`, 1), []string{
			"+ autogroup:member (others) -> tag:db tcp:5432 [head/acls/0]",
			"+ group:contractors -> tag:db tcp:5432 [head/acls/0]",
		}},
		{"exit_nodes_are_not_star", strings.Replace(diffBase, `"acls": [`, `"grants": [{"src": ["group:contractors"], "dst": ["autogroup:internet"], "ip": ["tcp:443"]}],
			"acls": [`, 1), []string{
			"+ group:contractors -> autogroup:internet tcp:443 [head/grants/0]",
		}},
		{"self", strings.Replace(diffBase, `"acls": [`, `"grants": [{"src": ["group:contractors"], "dst": ["autogroup:self"], "ip": ["tcp:22"]}],
			"acls": [`, 1), []string{
			"+ group:contractors -> autogroup:self tcp:22 [head/grants/0]",
		}},
		{"owners_approvers_attrs", strings.Replace(strings.Replace(diffBase, `"tag:db": ["group:eng"]`, `"tag:db": ["group:eng", "group:contractors"]`, 1), `"ssh": [`,
			`"autoApprovers": {"routes": {"10.1.0.0/16": ["tag:router"]}, "exitNode": ["group:contractors"]},
			"nodeAttrs": [{"target": ["group:eng"], "attr": ["funnel"]}],
			"ssh": [`, 1), []string{
			"+ autoApprovers 10.1.0.0/16: tag:router [head/autoApprovers/routes/10.1.0.0~116]",
			"+ autoApprovers autogroup:internet: group:contractors [head/autoApprovers/exitNode]",
			"+ nodeAttrs funnel: group:eng [head/nodeAttrs/0]",
			"+ tagOwners tag:db: group:contractors [head/tagOwners/tag:db]",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := diffSummary(Compare(compileDoc(t, diffBase), compileDoc(t, tt.head), nil))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestCompareTestsAndValidity(t *testing.T) {
	basePol := `{
		"groups": {"group:eng": ["alice@example.com"]},
		"tagOwners": {"tag:db": ["group:eng"]},
		"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:db:5432"]}],
		"tests": [{"src": "group:eng", "accept": ["tag:db:5432"], "deny": ["tag:db:22"]}],
	}`
	headPol := `{
		"groups": {"group:dev": ["alice@example.com"]},
		"tagOwners": {"tag:db": ["group:dev"]},
		"acls": [{"action": "accept", "src": ["group:dev"], "dst": ["tag:db:*"]}],
		"tests": [{"src": "group:dev", "accept": ["tag:db:5432", "tag:db:3306"], "deny": ["tag:db:22"]}],
	}`
	got := diffSummary(Compare(compileDoc(t, basePol), compileDoc(t, headPol), nil))
	want := []string{
		"! head rejected: /tests/0/deny/0: test failed: group:dev -> tag:db:22: want deny, got accept",
		"+ group:dev -> tag:db tcp:0-5431,5433-65535 [head/acls/0]",
		"+ group:dev -> tag:db udp:0-5431,5433-65535 [head/acls/0]",
		"+ tests group:dev -> tag:db:3306 want accept [head/tests/0/accept/1]",
		"~ tests group:dev -> tag:db:22 want deny: deny -> accept",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}

// TestCompareSnapshot checks that with a snapshot the diff names the devices that gain access
// when not all of a principal's devices do.
func TestCompareSnapshot(t *testing.T) {
	snap := map[string]any{
		"users": []any{map[string]any{"loginName": "alice@example.com"}, map[string]any{"loginName": "erin@example.com"}},
		"devices": []any{
			map[string]any{"name": "db-1.tail.ts.net", "tags": []any{"tag:db"}, "addresses": []any{"100.64.0.1"}},
			map[string]any{"name": "db-2.tail.ts.net", "tags": []any{"tag:db"}, "addresses": []any{"100.64.0.2"}},
			map[string]any{"name": "erin-laptop", "user": "erin@example.com", "addresses": []any{"100.64.0.3"}},
		},
	}
	basePol := strings.Replace(diffBase, `"acls": [`, `"acls": [
		{"action": "accept", "src": ["erin@example.com"], "dst": ["100.64.0.1:22"], "proto": "tcp"},`, 1)
	headPol := strings.Replace(diffBase, `"acls": [`, `"acls": [
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:db:22"], "proto": "tcp"},`, 1)
	got := diffSummary(Compare(compileDoc(t, basePol), compileDoc(t, headPol), SnapshotTopology(snap)))
	// Erin's laptop already reached db-1; every other member gains all of tag:db.
	want := []string{
		"+ autogroup:member (others) -> tag:db tcp:22 [head/acls/0]",
		"+ erin@example.com -> db-2.tail.ts.net tcp:22 [head/acls/0]",
		"+ erin@example.com -> tag:db (other devices) tcp:22 [head/acls/0]",
		"+ group:contractors -> tag:db tcp:22 [head/acls/0]",
		"+ group:eng -> tag:db tcp:22 [head/acls/0]",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}

// TestCompareProperty checks, over generated policies, that a policy compared with itself and with
// a copy whose acls, grants and nodeAttrs are in reverse order gives an empty diff, and that
// reversing the SSH rules changes no SSH access (check rules win wherever they stand; the policy's
// sshTests, which Tailscale evaluates in rule order, may change outcome).
func TestCompareProperty(t *testing.T) {
	for seed := range int64(8) {
		src := synth.Policy(seed, 40+int(seed)*15)
		doc := mustDoc(t, string(src))
		pol, _ := Compile(doc)
		if d := Compare(pol, pol, nil); !d.Empty() {
			t.Errorf("seed %d: policy against itself:\n%s", seed, strings.Join(diffSummary(d), "\n"))
		}
		rev := mustDoc(t, string(src))
		for _, key := range []string{"acls", "grants", "nodeAttrs"} {
			if list, ok := rev[key].([]any); ok {
				slices.Reverse(list)
			}
		}
		revPol, _ := Compile(rev)
		if d := Compare(pol, revPol, nil); !d.Empty() {
			t.Errorf("seed %d: reordered copy:\n%s", seed, strings.Join(diffSummary(d), "\n"))
		}
		revSSH := mustDoc(t, string(src))
		slices.Reverse(revSSH["ssh"].([]any))
		revSSHPol, _ := Compile(revSSH)
		if d := Compare(pol, revSSHPol, nil); d.SSH.Len() != 0 || d.Access.Len() != 0 {
			t.Errorf("seed %d: SSH rules reversed:\n%s", seed, strings.Join(diffSummary(d), "\n"))
		}
		cut := mustDoc(t, string(src))
		acls := cut["acls"].([]any)
		cut["acls"] = acls[1:]
		cutPol, _ := Compile(cut)
		if d := Compare(pol, cutPol, nil); d.Access.Len() == 0 && d.App.Len() == 0 {
			b, _ := json.Marshal(acls[0])
			t.Logf("seed %d: removing %s changes no access (another rule covers it)", seed, b)
		}
	}
}

func TestReport(t *testing.T) {
	head := strings.Replace(diffBase, `"tag:db:5432"`, `"tag:db:5432,6379"`, 1)
	d := Compare(compileDoc(t, diffBase), compileDoc(t, head), nil)
	rep := d.Report(func(isHead bool, path []any) Location {
		file := "base.hujson"
		if isHead {
			file = "head.hujson"
		}
		return Location{File: file, Line: len(path), Path: RuleRef{Path: path}.Pointer()}
	})
	v, err := rep.Value()
	if err != nil {
		t.Fatal(err)
	}
	if v["schemaVersion"] != float64(1) {
		t.Errorf("schemaVersion = %v, want 1", v["schemaVersion"])
	}
	// Every section's lists are present, even when empty, so that rules can iterate them.
	for _, section := range []string{"access", "app", "ssh", "tagOwners", "autoApprovers", "nodeAttrs", "groups"} {
		m, _ := v[section].(map[string]any)
		for _, list := range []string{"added", "removed"} {
			if _, ok := m[list].([]any); !ok {
				t.Errorf("%s.%s = %#v, want a list", section, list, m[list])
			}
		}
	}
	b, _ := json.Marshal(rep.Access.Added[0])
	want := `{"src":"group:eng","dst":"tag:db","proto":"tcp","ports":["6379"],"portRanges":[{"first":6379,"last":6379}],"rules":[{"file":"head.hujson","line":2,"column":0,"path":"/acls/0"}]}`
	if string(b) != want {
		t.Errorf("access.added[0] =\n%s\nwant\n%s", b, want)
	}
	if rep.Validity.HeadRejected || !rep.Validity.Head.Accepted {
		t.Errorf("validity = %+v, want head accepted", rep.Validity)
	}
}

// TestCompareInternet checks that "*" as a destination does not include autogroup:internet: only
// autogroup:internet lets a device use exit nodes.
func TestCompareInternet(t *testing.T) {
	basePol := `{"groups": {"group:eng": ["alice@example.com"]}, "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`
	headPol := `{"groups": {"group:eng": ["alice@example.com"]}, "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}, {"action": "accept", "src": ["group:eng"], "dst": ["autogroup:internet:*"]}]}`
	got := diffSummary(Compare(compileDoc(t, basePol), compileDoc(t, headPol), nil))
	want := []string{
		"+ group:eng -> autogroup:internet icmp:* [head/acls/1]",
		"+ group:eng -> autogroup:internet ipv6-icmp:* [head/acls/1]",
		"+ group:eng -> autogroup:internet tcp:* [head/acls/1]",
		"+ group:eng -> autogroup:internet udp:* [head/acls/1]",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}

// TestCompareSelfThroughOtherRules checks that moving access to one's own devices from
// autogroup:self to a broader rule that includes them changes nothing for it.
func TestCompareSelfThroughOtherRules(t *testing.T) {
	basePol := `{"groups": {"group:eng": ["alice@example.com"]}, "grants": [{"src": ["group:eng"], "dst": ["autogroup:self"], "ip": ["tcp:22"]}]}`
	headPol := `{"groups": {"group:eng": ["alice@example.com"]}, "grants": [{"src": ["group:eng"], "dst": ["group:eng"], "ip": ["tcp:22"]}]}`
	got := diffSummary(Compare(compileDoc(t, basePol), compileDoc(t, headPol), nil))
	if len(got) != 0 {
		t.Errorf("diff is not empty:\n%s", strings.Join(got, "\n"))
	}
}

// FuzzCompare checks that any two policies compare without a panic, into a report that encodes,
// and that a policy compared with itself gives an empty diff.
func FuzzCompare(f *testing.F) {
	demo, err := os.ReadFile("../../fixtures/demo/policy.hujson")
	if err != nil {
		f.Fatal(err)
	}
	pr, err := os.ReadFile("../../fixtures/demo/policy-pr.hujson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(demo), string(pr))
	f.Add(diffBase, `{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`)
	f.Add(`{}`, `{"grants": [{"src": ["autogroup:member"], "dst": ["autogroup:self"], "ip": ["*"]}], "ssh": [{"action": "check", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["autogroup:nonroot", "root", "localpart:*@example.com"]}]}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		docs := make([]map[string]any, 2)
		for i, src := range []string{a, b} {
			std, err := hujson.Standardize([]byte(src))
			if err != nil || json.Unmarshal(std, &docs[i]) != nil {
				return
			}
		}
		pa, _ := Compile(docs[0])
		pb, _ := Compile(docs[1])
		rep := Compare(pa, pb, nil).Report(func(bool, []any) Location { return Location{} })
		if _, err := rep.Value(); err != nil {
			t.Fatal(err)
		}
		if d := Compare(pa, pa, nil); !d.Empty() {
			t.Errorf("a policy against itself:\n%s", strings.Join(diffSummary(d), "\n"))
		}
	})
}

// TestCompareCrowdedAddresses checks that policies naming the whole Tailscale range in narrow
// prefixes still compare: the universe's devices take addresses elsewhere.
func TestCompareCrowdedAddresses(t *testing.T) {
	src := `{"tagOwners": {"tag:a": []}, "hosts": {"lo": "100.64.0.0/11", "hi": "100.96.0.0/11", "low": "0.0.0.0/2", "mid": "64.0.0.0/2", "top": "128.0.0.0/1"},
		"acls": [{"action": "accept", "src": ["lo"], "dst": ["tag:a:22"]}]}`
	head := strings.Replace(src, `"tag:a:22"`, `"tag:a:22", "hi:443"`, 1)
	got := diffSummary(Compare(compileDoc(t, src), compileDoc(t, head), nil))
	want := []string{"+ lo -> hi tcp:443 [head/acls/0]", "+ lo -> hi udp:443 [head/acls/0]", "+ lo -> hi icmp:* [head/acls/0]", "+ lo -> hi ipv6-icmp:* [head/acls/0]"}
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
}
