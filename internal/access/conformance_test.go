package access

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
)

// The conformance test replays Tailscale SaaS captures: for each scenario, the policy that was
// POSTed, the tailnet's topology, and what the control plane answered (an error, or per-node
// packet filters and SSH policies).
//
// A scenario matches when:
//   - Tailscale rejected it and Compile reports an error whose first message is Tailscale's,
//     word for word (a reject with another message is a mismatch, listed under "message");
//     "test(s) failed" rejects match when Compile succeeds and RunTests has a failing assertion;
//   - Tailscale accepted it, Compile reports no error, every test passes, and for every node the
//     packet filter (compared as a set of rules, SrcIPs and DstPorts and CapGrant Dsts sorted,
//     empty and null equal) and the SSH policy (rules in order, principals sorted) are equal.
//
// For accepted scenarios every node's own CapMap (self_capmap) is compared too, as a map of
// capability to values (see capmapMatches for the one capability the recordings do not decide),
// and so are the peers and routes aspects (see comparePeersRoutes): each node's peer list (by
// name), its own AllowedIPs and primary routes, and each peer's AllowedIPs and primary routes as
// the node is sent them.
//
// Not compared: peers' CapMaps and WhoIs.

const capturesEnv = "TAILAUDIT_CAPTURES"

var updateBaseline = flag.Bool("update-conformance", false, "rewrite testdata/conformance_baseline.json with the current figures")

type capture struct {
	TestID       string `json:"test_id"`
	Category     string `json:"category"`
	Error        bool   `json:"error"`
	ResponseBody *struct {
		Message string `json:"message"`
	} `json:"api_response_body"`
	FullPolicy      json.RawMessage `json:"full_policy"`
	TailnetSettings struct {
		Settings map[string]any `json:"settings"`
	} `json:"tailnet_settings"`
	Topology struct {
		Users []struct {
			ID    int    `json:"id"`
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"users"`
		Nodes map[string]struct {
			Hostname       string   `json:"hostname"`
			User           string   `json:"user"`
			Tags           []string `json:"tags"`
			IPv4           string   `json:"ipv4"`
			IPv6           string   `json:"ipv6"`
			RoutableIPs    []string `json:"routable_ips"`
			ApprovedRoutes []string `json:"approved_routes"`
		} `json:"nodes"`
	} `json:"topology"`
	Nodes map[string]struct {
		PacketFilter []json.RawMessage `json:"packet_filter_rules"`
		SSHPolicy    *struct {
			Rules []json.RawMessage `json:"rules"`
		} `json:"ssh_policy"`
		SelfCapMap        map[string]json.RawMessage `json:"self_capmap"`
		SelfAllowedIPs    []string                   `json:"self_allowed_ips"`
		SelfPrimaryRoutes []string                   `json:"self_primary_routes"`
		Peers             []capturedPeer             `json:"peers"`
	} `json:"nodes"`
}

type capturedPeer struct {
	Name          string   `json:"name"`
	AllowedIPs    []string `json:"allowed_ips"`
	PrimaryRoutes []string `json:"primary_routes"`
}

func capturesDir(t *testing.T) string {
	if dir := os.Getenv(capturesEnv); dir != "" {
		return dir
	}
	return sharedcorpus.Require(t, "corpus/tailscale-saas-captures")
}

func loadCaptures(t *testing.T, dir string) []*capture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Skipf("no *.jsonl captures in %s", dir)
	}
	sort.Strings(files)
	var out []*capture
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			c := new(capture)
			if err := json.Unmarshal(sc.Bytes(), c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, c)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
	}
	return out
}

// decodePolicy decodes a captured policy, given as a JSON object or as a HuJSON string, with
// policyfile.Parse as the engine does.
func decodePolicy(raw json.RawMessage) (map[string]any, error) {
	src := []byte(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		src = []byte(s)
	}
	f, err := policyfile.Parse("policy.hujson", src)
	if err != nil {
		return nil, err
	}
	return f.Doc, nil
}

func (c *capture) topology() (*Topology, error) {
	topo := &Topology{}
	for _, u := range c.Topology.Users {
		topo.Users = append(topo.Users, User{ID: u.ID, Name: u.Name, Email: u.Email, Roles: recordedRoles(u.ID)})
	}
	for _, name := range sortedKeys(c.Topology.Nodes) {
		n := c.Topology.Nodes[name]
		node := Node{Name: name, User: n.User, Tags: n.Tags}
		var err error
		if n.IPv4 != "" {
			if node.IPv4, err = netip.ParseAddr(n.IPv4); err != nil {
				return nil, err
			}
		}
		if n.IPv6 != "" {
			if node.IPv6, err = netip.ParseAddr(n.IPv6); err != nil {
				return nil, err
			}
		}
		for _, r := range n.RoutableIPs {
			node.RoutableIPs = append(node.RoutableIPs, netip.MustParsePrefix(r))
		}
		for _, r := range n.ApprovedRoutes {
			node.ApprovedRoutes = append(node.ApprovedRoutes, netip.MustParsePrefix(r))
		}
		topo.Nodes = append(topo.Nodes, node)
	}
	setJoinDates(topo)
	return topo, nil
}

// recordedRoles returns the role of a user of the recording tailnet, which the recordings do not
// list: user 1 (odin) created the tailnet and is its owner (the tailnet is named after odin's
// login); the two others were invited as admins (their every device carries is-admin, which the
// control plane gives admins' devices only).
func recordedRoles(id int) []string {
	if id == 1 {
		return []string{"owner"}
	}
	return []string{"admin"}
}

// settings returns the tailnet settings of the recording that decide capabilities. Every
// recording comes from one personal tailnet, named after its owner odin@example.com (some
// topologies list no users at all). HTTPS certificates need MagicDNS, off in every recording but
// one without Funnel, so HTTPS is off.
func (c *capture) settings() TailnetSettings {
	s := TailnetSettings{DisplayName: "odin@example.com"}
	if v, ok := c.TailnetSettings.Settings["devices_auto_updates_on"].(bool); ok {
		s.AutoUpdate = &v
	}
	return s
}

// tailnetDomain is the domain of the tailnet's first user, its owner.
func (c *capture) tailnetDomain() string {
	for _, u := range c.Topology.Users {
		if u.ID == 1 {
			_, d, _ := strings.Cut(u.Email, "@")
			return d
		}
	}
	return ""
}

// asObjects turns rules (ours, or decoded from a capture) into plain JSON objects, so both compare
// in the same form.
func asObjects(t *testing.T, rules any) []map[string]any {
	t.Helper()
	b, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// canonRules renders packet filter rules in a canonical, order-free form.
func canonRules(t *testing.T, rules any) []string {
	rs := asObjects(t, rules)
	out := []string{}
	for _, r := range rs {
		for k, v := range r {
			if v == nil {
				delete(r, k)
				continue
			}
			if l, ok := v.([]any); ok && len(l) == 0 {
				delete(r, k)
			}
		}
		if src, ok := r["SrcIPs"].([]any); ok {
			sortAny(src)
		}
		if dp, ok := r["DstPorts"].([]any); ok {
			sortAny(dp)
		}
		if cg, ok := r["CapGrant"].([]any); ok {
			for _, g := range cg {
				if m, ok := g.(map[string]any); ok {
					if d, ok := m["Dsts"].([]any); ok {
						sortAny(d)
					}
				}
			}
			sortAny(cg)
		}
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// canonSSH renders SSH rules in order, with principals sorted.
func canonSSH(t *testing.T, rules any) []string {
	rs := asObjects(t, rules)
	out := []string{}
	for _, r := range rs {
		if p, ok := r["principals"].([]any); ok {
			sortAny(p)
		}
		b, _ := json.Marshal(r)
		out = append(out, string(b))
	}
	return out
}

func sortAny(l []any) {
	sort.Slice(l, func(i, j int) bool {
		a, _ := json.Marshal(l[i])
		b, _ := json.Marshal(l[j])
		return string(a) < string(b)
	})
}

// aspects records, for one scenario, which aspects were compared and which matched: the verdict
// (validation: accept, or reject with Tailscale's message), and for accepted scenarios the packet
// filters and SSH policies of every node.
type aspects struct {
	validation, filters, ssh, capmap, peers, routes bool // matched
	filtersCompared, sshCompared                    bool // peers and routes are compared with filters
	capmapCompared                                  bool
	autoUpdateUnknown                               int      // nodes whose default-auto-update was left out
	netmapDiffs                                     []string // peers and routes; not counted in the scenario's match
}

// replay compares one scenario and returns "" when it matches, else a short diff.
func replay(t *testing.T, c *capture) (diff string, messageOnly bool) {
	return replayAspects(t, c, &aspects{})
}

func replayAspects(t *testing.T, c *capture, asp *aspects) (diff string, messageOnly bool) {
	doc, err := decodePolicy(c.FullPolicy)
	if err != nil {
		return fmt.Sprintf("cannot decode policy: %v", err), false
	}
	topo, err := c.topology()
	if err != nil {
		return fmt.Sprintf("cannot read topology: %v", err), false
	}
	pol, errs := Compile(doc, WithTailnetDomains(c.tailnetDomain()))
	var failed []string
	if len(errs) == 0 {
		for _, r := range pol.RunTests(topo) {
			if !r.Passed {
				failed = append(failed, r.String())
			}
		}
	}
	if c.Error {
		want := ""
		if c.ResponseBody != nil {
			want = c.ResponseBody.Message
		}
		switch {
		case len(errs) > 0 && errs[0].Message == want:
			asp.validation = true
			return "", false
		case len(errs) > 0:
			return fmt.Sprintf("reject message: want %q, got %q at %s", want, errs[0].Message, errs[0].Pointer()), true
		case want == "test(s) failed" && len(failed) > 0:
			asp.validation = true
			return "", false
		case len(failed) > 0:
			return fmt.Sprintf("reject message: want %q, got test(s) failed", want), true
		}
		return fmt.Sprintf("want reject %q, got accept", want), false
	}
	if len(errs) > 0 {
		return fmt.Sprintf("want accept, got error %q at %s", errs[0].Message, errs[0].Pointer()), false
	}
	if len(failed) > 0 {
		return fmt.Sprintf("want accept, got test(s) failed: %s", failed[0]), false
	}
	asp.validation = true
	asp.filtersCompared, asp.sshCompared = true, true
	asp.filters, asp.ssh = true, true
	asp.capmapCompared, asp.capmap = true, true
	netmap := pol.Netmap(topo)
	asp.netmapDiffs = c.comparePeersRoutes(netmap, asp)
	caps := pol.CapMaps(topo, c.settings())
	var diffs []string
	for _, name := range sortedKeys(c.Nodes) {
		want := c.Nodes[name]
		got, ok := netmap.View(name)
		if !ok {
			asp.filters, asp.ssh = false, false
			diffs = append(diffs, fmt.Sprintf("node %s: not in topology", name))
			continue
		}
		if d := cmp.Diff(canonRules(t, want.PacketFilter), canonRules(t, got.PacketFilter)); d != "" {
			diffs = append(diffs, fmt.Sprintf("node %s packet filter (-want +got):\n%s", name, d))
			asp.filters = false
		}
		var wantSSH []json.RawMessage
		if want.SSHPolicy != nil {
			wantSSH = want.SSHPolicy.Rules
		}
		if d := cmp.Diff(canonSSH(t, wantSSH), canonSSH(t, got.SSHPolicy.Rules)); d != "" {
			diffs = append(diffs, fmt.Sprintf("node %s ssh policy (-want +got):\n%s", name, d))
			asp.ssh = false
		}
		if want.SelfCapMap != nil {
			d, unknown := capmapDiff(t, c, want.SelfCapMap, caps[name])
			if unknown {
				asp.autoUpdateUnknown++
			}
			if d != "" {
				diffs = append(diffs, fmt.Sprintf("node %s capmap (-want +got):\n%s", name, d))
				asp.capmap = false
			}
		}
	}
	return strings.Join(diffs, "\n"), false
}

// capmapDiff compares a recorded CapMap with ours, each capability's values as JSON. One
// capability is not decided by anything the recordings hold: default-auto-update, which the control
// plane sends once the tailnet's auto-update default has been set. Recordings whose settings state
// that default compare it; for the others it is left out of the comparison (unknown reports so).
func capmapDiff(t *testing.T, c *capture, want map[string]json.RawMessage, got CapMap) (diff string, unknown bool) {
	w := map[string]string{}
	for k, v := range want {
		w[k] = canonJSON(t, v)
	}
	g := map[string]string{}
	for k, v := range got {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		g[k] = canonJSON(t, b)
	}
	if c.settings().AutoUpdate == nil {
		_, unknown = w[CapDefaultAutoUpdate]
		delete(w, CapDefaultAutoUpdate)
		delete(g, CapDefaultAutoUpdate)
	}
	return cmp.Diff(w, g), unknown
}

// canonJSON re-encodes a JSON value, null and [] both as null.
func canonJSON(t *testing.T, raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if l, ok := v.([]any); ok && len(l) == 0 {
		v = nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

type tally struct{ match, total int }

func TestConformance(t *testing.T) {
	dir := capturesDir(t)
	caps := loadCaptures(t, dir)
	byCat := map[string]*tally{}
	var all tally
	type mismatch struct{ id, diff string }
	var mismatches []mismatch
	messageMismatches := 0
	var aspValidation, aspFilters, aspSSH, aspCapmap, aspPeers, aspRoutes tally
	autoUpdateUnknown := 0
	var netmapMismatches []mismatch
	for _, c := range caps {
		cat := c.Category
		if byCat[cat] == nil {
			byCat[cat] = &tally{}
		}
		byCat[cat].total++
		all.total++
		var asp aspects
		diff, msgOnly := replayAspects(t, c, &asp)
		aspValidation.total++
		if asp.validation {
			aspValidation.match++
		}
		if asp.filtersCompared {
			aspFilters.total++
			aspSSH.total++
			if asp.filters {
				aspFilters.match++
			}
			if asp.ssh {
				aspSSH.match++
			}
			aspPeers.total++
			aspRoutes.total++
			if asp.peers {
				aspPeers.match++
			}
			if asp.routes {
				aspRoutes.match++
			}
			if len(asp.netmapDiffs) > 0 {
				netmapMismatches = append(netmapMismatches, mismatch{c.TestID, strings.Join(asp.netmapDiffs, "\n")})
			}
		}
		if asp.capmapCompared {
			aspCapmap.total++
			if asp.capmap {
				aspCapmap.match++
			}
			autoUpdateUnknown += asp.autoUpdateUnknown
		}
		if diff == "" {
			byCat[cat].match++
			all.match++
			continue
		}
		if msgOnly {
			messageMismatches++
		}
		mismatches = append(mismatches, mismatch{c.TestID, diff})
	}
	got := map[string]int{"total": all.match}
	for _, cat := range sortedKeys(byCat) {
		t.Logf("conformance[%s]: %d/%d scenarios match", cat, byCat[cat].match, byCat[cat].total)
		got[cat] = byCat[cat].match
	}
	t.Logf("conformance: %d/%d scenarios match (%d rejects with another message)", all.match, all.total, messageMismatches)
	t.Logf("conformance[aspect=validation]: %d/%d verdicts match (accept, or reject with Tailscale's words)", aspValidation.match, aspValidation.total)
	t.Logf("conformance[aspect=filters]: %d/%d accepted scenarios with every node's packet filter equal", aspFilters.match, aspFilters.total)
	t.Logf("conformance[aspect=ssh]: %d/%d accepted scenarios with every node's SSH policy equal", aspSSH.match, aspSSH.total)
	t.Logf("conformance[aspect=capmap]: %d/%d accepted scenarios with every node's own CapMap equal (default-auto-update not decided by %d recorded nodes, left out there)", aspCapmap.match, aspCapmap.total, autoUpdateUnknown)
	t.Logf("conformance[aspect=peers]: %d/%d accepted scenarios with every node's peer list equal", aspPeers.match, aspPeers.total)
	t.Logf("conformance[aspect=routes]: %d/%d accepted scenarios with every node's AllowedIPs and primary routes, its own and its peers', equal", aspRoutes.match, aspRoutes.total)
	got["aspect:validation"], got["aspect:filters"], got["aspect:ssh"], got["aspect:capmap"] = aspValidation.match, aspFilters.match, aspSSH.match, aspCapmap.match
	got["aspect:peers"], got["aspect:routes"] = aspPeers.match, aspRoutes.match
	for _, m := range netmapMismatches {
		logNetmapMismatch(t, m.id, m.diff)
	}

	var lines []string
	for _, m := range mismatches {
		d := m.diff
		if !testing.Verbose() {
			d, _, _ = strings.Cut(d, "\n")
		}
		lines = append(lines, fmt.Sprintf("%s: %s", m.id, d))
	}
	if testing.Verbose() {
		for _, l := range lines {
			t.Log(l)
		}
	}

	baselinePath := filepath.Join("testdata", "conformance_baseline.json")
	if *updateBaseline {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(baselinePath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(baselinePath)
	if err != nil {
		t.Fatalf("%v (run: go test -run TestConformance -update-conformance)", err)
	}
	var baseline map[string]int
	if err := json.Unmarshal(b, &baseline); err != nil {
		t.Fatalf("%s: %v", baselinePath, err)
	}
	var drops []string
	for _, k := range sortedKeys(baseline) {
		if got[k] < baseline[k] {
			drops = append(drops, fmt.Sprintf("%s: %d < baseline %d", k, got[k], baseline[k]))
		}
	}
	if len(drops) > 0 {
		if len(lines) > 20 {
			lines = append(lines[:20], fmt.Sprintf("... and %d more (run with -v)", len(lines)-20))
		}
		t.Errorf("conformance dropped below baseline: %s\nmismatches:\n%s", strings.Join(drops, "; "), strings.Join(lines, "\n"))
	}
}
