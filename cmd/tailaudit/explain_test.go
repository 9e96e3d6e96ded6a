package main

import (
	"encoding/json"
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
		{"neither", []string{"explain", demoPolicy}, "exactly one of --src SELECTOR or --node NAME"},
		{"node_without_snapshot", []string{"explain", demoPolicy, "--node", "db-1"}, "--node needs --snapshot"},
		{"unknown_device", []string{"explain", demoPolicy, "--snapshot", demoSnapshot, "--node", "nope"}, `no device "nope" in the snapshot`},
		{"undefined_group", []string{"explain", demoPolicy, "--src", "group:nobody"}, `group "group:nobody" not found`},
		{"bad_format", []string{"explain", demoPolicy, "--src", "group:eng", "-f", "yaml"}, "is not text or json"},
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
