package synth_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailscale/hujson"
)

func TestSnapshotDeterministic(t *testing.T) {
	a, err := json.Marshal(synth.Snapshot(7, 120, 30, 15))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(synth.Snapshot(7, 120, 30, 15))
	if !bytes.Equal(a, b) {
		t.Error("Snapshot(7, ...) differs between calls")
	}
	c, _ := json.Marshal(synth.Snapshot(8, 120, 30, 15))
	if bytes.Equal(a, c) {
		t.Error("Snapshot(7, ...) and Snapshot(8, ...) are identical")
	}
}

func TestSnapshotSizes(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		devices, users, keys int
	}{
		{"empty", 0, 0, 0},
		{"devices_without_users", 5, 0, 0},
		{"small", 10, 3, 2},
		{"realistic", 300, 80, 25},
		{"large", 5000, 1200, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Round-trip through JSON: the snapshot must look like one read from a file.
			raw, err := json.Marshal(synth.Snapshot(1, tt.devices, tt.users, tt.keys))
			if err != nil {
				t.Fatal(err)
			}
			var snap struct {
				SchemaVersion string           `json:"schemaVersion"`
				Devices       []map[string]any `json:"devices"`
				Users         []map[string]any `json:"users"`
				Keys          []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal(raw, &snap); err != nil {
				t.Fatal(err)
			}
			if snap.SchemaVersion != "tailaudit.snapshot/v1" {
				t.Errorf("schemaVersion = %q", snap.SchemaVersion)
			}
			if got := [3]int{len(snap.Devices), len(snap.Users), len(snap.Keys)}; got != [3]int{tt.devices, tt.users, tt.keys} {
				t.Errorf("sizes = %v, want [%d %d %d]", got, tt.devices, tt.users, tt.keys)
			}
			ids := map[string]bool{}
			for _, d := range snap.Devices {
				id, _ := d["nodeId"].(string)
				if id == "" || ids[id] {
					t.Fatalf("device nodeId %q empty or repeated", id)
				}
				ids[id] = true
			}
		})
	}
}

// TestSnapshotHasViolations checks that a tailnet of realistic size gives rules something to find.
func TestSnapshotHasViolations(t *testing.T) {
	snap := synth.Snapshot(3, 500, 100, 40)
	var stale, expiryOff, routers, privileged int
	for _, x := range snap["devices"].([]any) {
		d := x.(map[string]any)
		if d["lastSeen"].(string) < "2026-08-01" {
			stale++
		}
		if d["keyExpiryDisabled"] == true && len(d["tags"].([]string)) == 0 {
			expiryOff++
		}
		if len(d["enabledRoutes"].([]string)) > 0 {
			routers++
		}
	}
	for _, x := range snap["users"].([]any) {
		switch x.(map[string]any)["role"] {
		case "owner", "admin", "it-admin", "network-admin":
			privileged++
		}
	}
	if stale == 0 || expiryOff == 0 || routers == 0 || privileged < 3 {
		t.Errorf("stale=%d expiryOff=%d routers=%d privileged=%d: want some of each", stale, expiryOff, routers, privileged)
	}
}

type policy struct {
	Groups    map[string][]string `json:"groups"`
	TagOwners map[string][]string `json:"tagOwners"`
	Hosts     map[string]string   `json:"hosts"`
	ACLs      []map[string]any    `json:"acls"`
	Grants    []map[string]any    `json:"grants"`
	SSH       []map[string]any    `json:"ssh"`
	Tests     []map[string]any    `json:"tests"`
	SSHTests  []map[string]any    `json:"sshTests"`
}

func parsePolicy(t *testing.T, src []byte) policy {
	t.Helper()
	v, err := hujson.Parse(src)
	if err != nil {
		t.Fatalf("hujson.Parse: %v\n%s", err, src)
	}
	v.Standardize()
	var p policy
	if err := json.Unmarshal(v.Pack(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyDeterministic(t *testing.T) {
	if a, b := synth.Policy(42, 60), synth.Policy(42, 60); !bytes.Equal(a, b) {
		t.Error("Policy(42, 60) differs between calls")
	}
	if bytes.Equal(synth.Policy(42, 60), synth.Policy(43, 60)) {
		t.Error("Policy(42, 60) and Policy(43, 60) are identical")
	}
}

func TestPolicy(t *testing.T) {
	for _, rules := range []int{0, 1, 2, 3, 10, 40, 200, 1000} {
		src := synth.Policy(int64(rules), rules)
		if !bytes.Contains(src, []byte("//")) {
			t.Errorf("rules=%d: no comments; want HuJSON as people write it", rules)
		}
		p := parsePolicy(t, src)
		if got := len(p.ACLs) + len(p.Grants) + len(p.SSH); got != rules {
			t.Errorf("rules=%d: acls+grants+ssh = %d", rules, got)
		}
		if rules >= 3 && (len(p.ACLs) == 0 || len(p.Grants) == 0 || len(p.SSH) == 0) {
			t.Errorf("rules=%d: acls=%d grants=%d ssh=%d, want each section used", rules, len(p.ACLs), len(p.Grants), len(p.SSH))
		}
		if rules >= 20 && (len(p.Tests) == 0 || len(p.SSHTests) == 0) {
			t.Errorf("rules=%d: %d tests, %d sshTests", rules, len(p.Tests), len(p.SSHTests))
		}
		checkNames(t, rules, p)
	}
}

// checkNames checks that every group, tag and host a rule names is defined, as Tailscale requires.
func checkNames(t *testing.T, rules int, p policy) {
	t.Helper()
	check := func(where string, name string) {
		host, _, _ := strings.Cut(name, ":*")
		switch {
		case strings.HasPrefix(name, "group:"):
			if _, ok := p.Groups[name]; !ok {
				t.Errorf("rules=%d: %s names undefined %s", rules, where, name)
			}
		case strings.HasPrefix(name, "tag:"):
			tag := "tag:" + strings.SplitN(strings.TrimPrefix(name, "tag:"), ":", 2)[0]
			if _, ok := p.TagOwners[tag]; !ok {
				t.Errorf("rules=%d: %s names undefined %s", rules, where, tag)
			}
		case strings.HasPrefix(name, "autogroup:"), name == "*", strings.Contains(name, "@"):
		default:
			h, _, _ := strings.Cut(host, ":")
			if _, ok := p.Hosts[h]; !ok {
				t.Errorf("rules=%d: %s names undefined host %s", rules, where, h)
			}
		}
	}
	for _, section := range [][]map[string]any{p.ACLs, p.Grants, p.SSH} {
		for _, r := range section {
			for _, key := range []string{"src", "dst", "via"} {
				list, _ := r[key].([]any)
				for _, x := range list {
					check(key, x.(string))
				}
			}
		}
	}
	for tag, owners := range p.TagOwners {
		for _, o := range owners {
			check("tagOwners["+tag+"]", o)
		}
	}
	if len(p.Groups) == 0 {
		t.Errorf("rules=%d: no groups", rules)
	}
}
