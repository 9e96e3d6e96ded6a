package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplainSrc(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "explain", abs(t, demoPolicy), "--src", "group:contractors", "-f", "json")
	if code != 0 {
		t.Fatalf("exit code = %d; stderr: %s", code, stderr)
	}
	var out struct {
		Rules []struct {
			Rule     string
			Location struct{ Line int }
			Dst      []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Rules {
		got = append(got, r.Rule)
		if r.Location.Line == 0 {
			t.Errorf("%s has no line", r.Rule)
		}
	}
	if strings.Join(got, " ") != "acls[2] grants[0] ssh[0]" {
		t.Errorf("rules for group:contractors = %v, want acls[2] grants[0] ssh[0]", got)
	}
	if !strings.Contains(stderr, "Tailscale would reject the policy") {
		t.Errorf("stderr does not warn that the demo policy has an error Tailscale rejects: %q", stderr)
	}
}

func TestExplainThroughGroupsAndWildcards(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", `{
	"groups": {"group:eng": ["alice@example.com"], "group:all": ["group:eng"]},
	"tagOwners": {"tag:web": ["group:eng"]},
	"acls": [
		{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]},
		{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
		{"action": "accept", "src": ["tag:web"], "dst": ["tag:web:8080"]},
		{"action": "accept", "src": ["*"], "dst": ["tag:web:80"]},
	],
}`)
	stdout, _, code := tailaudit(t, dir, nil, "explain", p, "--src", "alice@example.com")
	if code != 0 {
		t.Fatalf("exit code = %d", code)
	}
	for _, want := range []string{"acls[0]", "acls[1]", "acls[3]", "p.hujson:5:3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "acls[2]") {
		t.Errorf("acls[2] applies to tag:web, not to alice:\n%s", stdout)
	}
}

func TestExplainNode(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "explain", abs(t, demoPolicy), "--snapshot", abs(t, demoSnapshot), "--node", "db-1", "-f", "json")
	if code != 0 {
		t.Fatalf("exit code = %d; stderr: %s", code, stderr)
	}
	var view struct {
		PacketFilter []struct {
			SrcIPs   []string
			DstPorts []struct {
				IP    string
				Ports struct{ First, Last int }
			}
		} `json:"packet_filter_rules"`
		SSHPolicy struct{ Rules []any } `json:"ssh_policy"`
	}
	if err := json.Unmarshal([]byte(stdout), &view); err != nil {
		t.Fatal(err)
	}
	if len(view.PacketFilter) == 0 || len(view.PacketFilter[0].SrcIPs) == 0 || len(view.PacketFilter[0].DstPorts) == 0 {
		t.Errorf("packet filter for db-1 is empty or malformed:\n%.1500s", stdout)
	}
}

func TestExplainErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"neither", []string{"explain", demoPolicy}, "explain needs --src SELECTOR, --dst SELECTOR (or both), or --node NAME"},
		{"node_without_snapshot", []string{"explain", demoPolicy, "--node", "db-1"}, "--node needs --snapshot"},
		{"unknown_device", []string{"explain", demoPolicy, "--snapshot", demoSnapshot, "--node", "nope"}, `no device "nope" in the snapshot`},
		{"undefined_group", []string{"explain", demoPolicy, "--src", "group:nobody"}, `group "group:nobody" not found`},
		{"bad_format", []string{"explain", demoPolicy, "--src", "group:eng", "-f", "yaml"}, `unknown output format "yaml" (valid formats: text, json)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				if a == demoPolicy || a == demoSnapshot {
					args[i] = abs(t, a)
				}
			}
			_, stderr, code := tailaudit(t, "", nil, args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestExplainSrcWithSnapshot checks that a device name is a valid source with a snapshot, and that
// each rule lists the devices its destinations select.
func TestExplainSrcWithSnapshot(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "explain", abs(t, demoPolicy), "--snapshot", abs(t, demoSnapshot), "--src", "dana-mbp", "-f", "json")
	if code != 0 {
		t.Fatalf("exit code = %d; stderr: %s", code, stderr)
	}
	var out struct {
		Rules []struct {
			Rule  string
			Nodes []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Rules {
		if r.Rule != "acls[0]" {
			continue
		}
		// acls[0] lets engineers reach tag:staging and tag:ci: every device carrying either tag.
		want := []string{"build-legacy", "ci-runner-01", "ci-runner-02", "ci-runner-03", "staging-api-1", "staging-db-1", "staging-web-1"}
		for i := range want {
			want[i] += ".tail4f2a.ts.net"
		}
		if d := cmp.Diff(want, r.Nodes); d != "" {
			t.Errorf("acls[0] nodes (-want +got):\n%s", d)
		}
		return
	}
	t.Errorf("dana-mbp (dana.wright's laptop) is not a source in acls[0]: %s", stdout)
}

// TestExplainDst checks who can reach a destination, and with a source. The policy comes on stdin,
// so that its name in the output is the same on every machine.
func TestExplainDst(t *testing.T) {
	policy, err := os.ReadFile(demoPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"explain_dst_text", []string{"--dst", "tag:db"}},
		{"explain_dst_self_text", []string{"--dst", "dana.wright@acme.example"}},
		{"explain_src_dst_text", []string{"--src", "group:contractors", "--dst", "tag:db"}},
		{"explain_src_dst_none_text", []string{"--src", "group:eng", "--dst", "tag:db"}},
		{"explain_dst_device_text", []string{"--snapshot", abs(t, demoSnapshot), "--dst", "db-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			s := &iostreams{In: bytes.NewReader(policy), Out: &out, Err: &errOut, Dir: t.TempDir(), Getenv: func(string) string { return "" }}
			if code := run(context.Background(), append([]string{"explain", "-"}, tt.args...), s); code != 0 {
				t.Fatalf("exit code = %d; stderr: %s", code, errOut.String())
			}
			golden(t, tt.name, out.String())
		})
	}
}

func TestExplainDstJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string // rule:line sources, then what it opens
	}{
		{"dst", []string{"--dst", "tag:db"}, "acls[1]:60 group:ops tag:db:5432; acls[2]:72 group:contractors tag:db:*; acls[5]:88 tag:monitoring tag:db:9187; ssh[2]:127 group:ops"},
		{"src_and_dst", []string{"--src", "group:ops", "--dst", "tag:db"}, "acls[1]:60 group:ops tag:db:5432; ssh[2]:127 group:ops"},
		{"cidr", []string{"--dst", "10.20.0.0/16"}, "acls[1]:60 group:ops legacy-dc:22,443; grants[1]:99 group:finance ledger-db:tcp:443"},
		{"internet", []string{"--dst", "autogroup:internet"}, "grants[3]:108 group:ops,group:finance autogroup:internet:*"},
		{"device", []string{"--snapshot", demoSnapshot, "--dst", "monitoring-1"}, "acls[1]:60 group:ops tag:monitoring:3000,9090"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"explain", abs(t, demoPolicy), "-f", "json"}
			for _, a := range tt.args {
				if a == demoSnapshot {
					a = abs(t, a)
				}
				args = append(args, a)
			}
			stdout, stderr, code := tailaudit(t, "", nil, args...)
			if code != 0 {
				t.Fatalf("exit code = %d; stderr: %s", code, stderr)
			}
			var out struct {
				Dst   string
				Rules []struct {
					Rule     string
					Location struct{ Line int }
					Src      []string
					Access   []struct{ Dst, Proto, Ports string }
				}
			}
			if err := json.Unmarshal([]byte(stdout), &out); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range out.Rules {
				g := fmt.Sprintf("%s:%d %s", r.Rule, r.Location.Line, strings.Join(r.Src, ","))
				for _, a := range r.Access {
					g += " " + strings.Join(slices.DeleteFunc([]string{a.Dst, a.Proto, a.Ports}, func(s string) bool { return s == "" }), ":")
				}
				got = append(got, g)
			}
			if g := strings.Join(got, "; "); g != tt.want {
				t.Errorf("rules = %s\nwant     %s", g, tt.want)
			}
			if out.Dst == "" {
				t.Errorf("the JSON does not say which destination it explains:\n%s", stdout)
			}
		})
	}
}

// TestExplainTeaches checks that explain says what it needs, with an example, when it is not told.
func TestExplainTeaches(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"no_arguments", []string{"explain"}, []string{"explain needs a policy file and what to explain in it", "tailaudit explain policy.hujson --dst tag:db"}},
		{"flags_without_policy", []string{"explain", "--dst", "tag:db"}, []string{"explain needs the policy file to explain", "tailaudit explain policy.hujson --dst tag:db"}},
		{"flags_without_policy_snapshot", []string{"explain", "--snapshot", "s.json", "--node", "db-1"}, []string{"tailaudit explain policy.hujson --snapshot s.json --node db-1"}},
		{"selector_as_argument", []string{"explain", "p.hujson", "group:eng"}, []string{"not 2 arguments (p.hujson group:eng)", "tailaudit explain p.hujson --src group:eng"}},
		{"no_question", []string{"explain", demoPolicy}, []string{"explain needs --src SELECTOR, --dst SELECTOR (or both), or --node NAME", "tailaudit explain policy.hujson --src group:contractors"}},
		{"node_and_dst", []string{"explain", demoPolicy, "--snapshot", demoSnapshot, "--node", "db-1", "--dst", "tag:db"}, []string{"does not combine with --src or --dst"}},
		{"undefined_dst", []string{"explain", demoPolicy, "--dst", "tag:nope"}, []string{`dst "tag:nope": tag "tag:nope" not found`}},
		{"self_dst", []string{"explain", demoPolicy, "--dst", "autogroup:self"}, []string{`"autogroup:self" cannot be explained as a destination`}},
		{"missing_policy_file", []string{"explain", "nope.hujson", "--dst", "tag:db"}, []string{"nope.hujson"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				if a == demoPolicy || a == demoSnapshot {
					args[i] = abs(t, a)
				}
			}
			stdout, stderr, code := tailaudit(t, "", nil, args...)
			if code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "accepts 1 arg(s)") {
				t.Errorf("stderr has cobra's message instead of ours:\n%s", stderr)
			}
		})
	}
}

// TestExplainAllowAll checks that a policy without acls and grants is explained as allowing
// everything, not as reaching nothing, and that its SSH rules are still listed.
func TestExplainAllowAll(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", `{
	"tagOwners": {"tag:db": []},
	"ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:db"], "users": ["root"]}],
}`)
	const allowAll = "The policy has neither acls nor grants: Tailscale lets every device reach every port of every other.\n"
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"dst_ssh_rule", []string{"--dst", "tag:db"}, allowAll + "\ntag:db is reached through 1 rule:"},
		{"src_no_rule", []string{"--src", "tag:db"}, allowAll},
		{"between_no_rule", []string{"--src", "tag:db", "--dst", "100.64.0.1"}, allowAll},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, dir, nil, append([]string{"explain", p}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit code = %d; stderr: %s", code, stderr)
			}
			if !strings.HasPrefix(stdout, tt.want) || strings.Contains(stdout, "No rule") {
				t.Errorf("stdout = %q, want it to start with %q and not say no rule applies", stdout, tt.want)
			}
		})
	}
	stdout, _, _ := tailaudit(t, dir, nil, "explain", p, "--dst", "tag:db", "-f", "json")
	var out struct{ AllowAll bool }
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || !out.AllowAll {
		t.Errorf("JSON = %s (%v), want allowAll true", stdout, err)
	}
}
