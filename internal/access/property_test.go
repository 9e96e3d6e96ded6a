package access

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The property harness generates random valid and near-valid policies over random topologies,
// from a seed, and checks invariants that need no second implementation. A failing case is shrunk
// (rules, then destinations, then nodes removed while it still fails) and printed with its seed.
// make test runs a small budget; make fuzz runs -prop.n=2000.

var propN = flag.Int("prop.n", 40, "property harness: number of random policies to check")
var propSeed = flag.Uint64("prop.seed", 1, "property harness: first seed")

// genCase is one generated scenario: a policy as a document and a topology.
type genCase struct {
	doc  map[string]any
	topo *Topology
}

func genTopology(r *rand.Rand) *Topology {
	topo := &Topology{}
	nUsers := 1 + r.IntN(3)
	for i := range nUsers {
		topo.Users = append(topo.Users, User{ID: i + 1, Name: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i)})
	}
	tags := []string{"tag:a", "tag:b", "tag:c"}
	nNodes := 2 + r.IntN(6)
	for i := range nNodes {
		n := Node{Name: fmt.Sprintf("n%d", i),
			IPv4: netip.AddrFrom4([4]byte{100, 64, 0, byte(i + 1)}),
			IPv6: netip.MustParseAddr(fmt.Sprintf("fd7a:115c:a1e0::%x", i+1))}
		if r.IntN(3) == 0 {
			n.Tags = []string{tags[r.IntN(len(tags))]}
		} else {
			n.User = topo.Users[r.IntN(nUsers)].Name
		}
		topo.Nodes = append(topo.Nodes, n)
	}
	return topo
}

// genPolicy returns a valid policy: every selector it names is defined.
func genPolicy(r *rand.Rand, topo *Topology) map[string]any {
	users := make([]string, len(topo.Users))
	for i, u := range topo.Users {
		users[i] = u.Email
	}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	srcs := append([]string{"*", "group:g", "tag:a", "tag:b", "autogroup:member", "autogroup:tagged"}, users...)
	dsts := append([]string{"*", "tag:a", "tag:b", "tag:c", "autogroup:member", "autogroup:tagged", "h", "100.64.0.0/29"}, users...)
	ports := []string{"*", "22", "80-443", "22,443", "5432"}
	var acls, grants []any
	for range 1 + r.IntN(5) {
		src := []any{pick(srcs)}
		if r.IntN(2) == 0 {
			src = append(src, pick(srcs))
		}
		var dst []any
		for range 1 + r.IntN(3) {
			dst = append(dst, pick(dsts)+":"+pick(ports))
		}
		acls = append(acls, map[string]any{"action": "accept", "src": src, "dst": dst})
	}
	for range r.IntN(3) {
		p := pick(ports)
		grants = append(grants, map[string]any{"src": []any{pick(srcs)}, "dst": []any{pick(dsts)}, "ip": []any{"tcp:" + p}})
	}
	doc := map[string]any{
		"groups":    map[string]any{"group:g": []any{users[0]}},
		"tagOwners": map[string]any{"tag:a": []any{}, "tag:b": []any{"group:g"}, "tag:c": []any{}},
		"hosts":     map[string]any{"h": "100.64.0.2"},
		"acls":      acls,
	}
	if len(grants) > 0 {
		doc["grants"] = grants
	}
	return doc
}

// clone deep-copies a document through JSON, so mutations never reach the original.
func clone(doc map[string]any) map[string]any {
	b, _ := json.Marshal(doc)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// inRange reports whether ip is matched by a packet filter address: "*", an address, a CIDR or
// a range "a-b".
func inRange(spec string, ip netip.Addr) bool {
	switch {
	case spec == "*":
		return true
	case strings.Contains(spec, "/"):
		p, err := netip.ParsePrefix(spec)
		return err == nil && p.Contains(ip)
	case strings.Contains(spec, "-"):
		lo, hi, _ := strings.Cut(spec, "-")
		a, err1 := netip.ParseAddr(lo)
		b, err2 := netip.ParseAddr(hi)
		return err1 == nil && err2 == nil && a.Compare(ip) <= 0 && ip.Compare(b) <= 0
	}
	a, err := netip.ParseAddr(spec)
	return err == nil && a == ip
}

// filterAllows reports whether a node's packet filter lets src open TCP port on dst.
func filterAllows(view NodeView, src, dst netip.Addr, port int) bool {
	for _, fr := range view.PacketFilter {
		if len(fr.IPProto) > 0 && !slices.Contains(fr.IPProto, 6) {
			continue
		}
		if !slices.ContainsFunc(fr.SrcIPs, func(s string) bool { return inRange(s, src) }) {
			continue
		}
		for _, d := range fr.DstPorts {
			if inRange(d.IP, dst) && int(d.Ports.First) <= port && port <= int(d.Ports.Last) {
				return true
			}
		}
	}
	return false
}

var samplePorts = []int{22, 80, 443, 5432, 8080}

// checkCase returns "" when every invariant holds for c, or what broke.
func checkCase(t *testing.T, c genCase) string {
	pol, errs := Compile(c.doc)
	if len(errs) > 0 {
		return fmt.Sprintf("a valid policy does not compile: %v", errs)
	}
	if d := Compare(pol, pol, c.topo); !d.Empty() {
		return "the diff of a policy against itself is not empty"
	}
	views := pol.Filters(c.topo)

	// Reordering rules and splitting destination lists changes no filter.
	reordered := clone(c.doc)
	acls, _ := reordered["acls"].([]any)
	var split []any
	for _, a := range slices.Backward(acls) {
		m := a.(map[string]any)
		for _, d := range m["dst"].([]any) {
			split = append(split, map[string]any{"action": "accept", "src": m["src"], "dst": []any{d}})
		}
	}
	reordered["acls"] = split
	pol2, errs := Compile(reordered)
	if len(errs) > 0 {
		return fmt.Sprintf("the reordered policy does not compile: %v", errs)
	}
	views2 := pol2.Filters(c.topo)
	for _, n := range c.topo.Nodes {
		if d := cmp.Diff(canonRules(t, views[n.Name].PacketFilter), canonRules(t, views2[n.Name].PacketFilter)); d != "" {
			return fmt.Sprintf("reordering and splitting changed node %s's filter:\n%s", n.Name, d)
		}
	}

	// The netmap sends the filters Filters computes, and peers that agree with them: visibility is
	// symmetric, a node sees every node its filters let in or that lets it in, and reordering
	// rules changes no peer.
	if msg := checkPeers(t, pol, pol2, views, c.topo); msg != "" {
		return msg
	}

	// Reachable, RulesBetween and tests written from the filters agree with the filters.
	var tests []any
	for _, s := range c.topo.Nodes {
		for _, d := range c.topo.Nodes {
			if s.Name == d.Name {
				continue
			}
			var accept, deny []any
			for _, port := range samplePorts {
				want := filterAllows(views[d.Name], s.IPv4, d.IPv4, port)
				got, _, err := pol.Reachable(c.topo, s.IPv4.String(), d.IPv4.String(), port, "tcp")
				if err != nil {
					return fmt.Sprintf("Reachable(%s, %s, %d): %v", s.Name, d.Name, port, err)
				}
				if got != want {
					return fmt.Sprintf("Reachable(%s, %s, %d) = %v, the filter says %v", s.Name, d.Name, port, got, want)
				}
				ms, err := pol.RulesBetween(c.topo, s.IPv4.String(), d.IPv4.String())
				if err != nil {
					return fmt.Sprintf("RulesBetween(%s, %s): %v", s.Name, d.Name, err)
				}
				viaRules := slices.ContainsFunc(ms, func(m RuleMatch) bool { return m.Section != "ssh" && m.Allows(port, "tcp") })
				if viaRules != want {
					return fmt.Sprintf("RulesBetween(%s, %s) allows port %d: %v, the filter says %v", s.Name, d.Name, port, viaRules, want)
				}
				dst := d.IPv4.String() + ":" + strconv.Itoa(port)
				if want {
					accept = append(accept, dst)
				} else {
					deny = append(deny, dst)
				}
			}
			tests = append(tests, map[string]any{"src": s.IPv4.String(), "accept": accept, "deny": deny})
		}
	}
	withTests := clone(c.doc)
	withTests["tests"] = tests
	pol3, errs := Compile(withTests)
	if len(errs) > 0 {
		return fmt.Sprintf("the policy with tests written from its filters does not compile: %v", errs[0])
	}
	for _, r := range pol3.RunTests(c.topo) {
		if !r.Passed {
			return fmt.Sprintf("a test written from the filters fails: %s", r)
		}
	}
	return ""
}

// checkPeers checks the peers of pol's netmap against its filters views, and against the netmap
// of pol2, the same policy reordered.
func checkPeers(t *testing.T, pol, pol2 *Policy, views map[string]NodeView, topo *Topology) string {
	m, m2 := pol.Netmap(topo), pol2.Netmap(topo)
	sees := map[[2]string]bool{}
	for _, n := range topo.Nodes {
		v, _ := m.View(n.Name)
		if d := cmp.Diff(canonRules(t, views[n.Name].PacketFilter), canonRules(t, v.PacketFilter)); d != "" {
			return fmt.Sprintf("the netmap's filter of %s differs from Filters':\n%s", n.Name, d)
		}
		peers, _ := m.Peers(n.Name)
		peers2, _ := m2.Peers(n.Name)
		var names, names2 []string
		for _, p := range peers {
			names = append(names, p.Name)
			sees[[2]string{n.Name, p.Name}] = true
		}
		for _, p := range peers2 {
			names2 = append(names2, p.Name)
		}
		if !slices.Equal(names, names2) {
			return fmt.Sprintf("reordering changed the peers of %s: %v, then %v", n.Name, names, names2)
		}
		if c := m.PeerCount(n.Name); c != len(peers) {
			return fmt.Sprintf("PeerCount(%s) = %d, Peers has %d", n.Name, c, len(peers))
		}
	}
	for _, s := range topo.Nodes {
		for _, d := range topo.Nodes {
			if s.Name == d.Name {
				continue
			}
			if sees[[2]string{s.Name, d.Name}] != sees[[2]string{d.Name, s.Name}] {
				return fmt.Sprintf("%s sees %s: %v, but %s sees %s: %v", s.Name, d.Name, sees[[2]string{s.Name, d.Name}], d.Name, s.Name, sees[[2]string{d.Name, s.Name}])
			}
			allowed := slices.ContainsFunc(samplePorts, func(port int) bool { return filterAllows(views[d.Name], s.IPv4, d.IPv4, port) })
			if allowed && !sees[[2]string{s.Name, d.Name}] {
				return fmt.Sprintf("%s's filter lets %s in, yet %s is not its peer", d.Name, s.Name, s.Name)
			}
		}
	}
	return ""
}

// nearValid breaks a valid policy in one documented way and says what Compile must then report.
func nearValid(r *rand.Rand, doc map[string]any) (map[string]any, string) {
	bad := clone(doc)
	acls := bad["acls"].([]any)
	rule := acls[r.IntN(len(acls))].(map[string]any)
	switch r.IntN(4) {
	case 0:
		rule["src"] = []any{"tag:undefined"}
		return bad, `src=tag not found: "tag:undefined"`
	case 1:
		rule["dst"] = []any{"tag:a:70000"}
		return bad, `dst="tag:a:70000": port range "70000": invalid first integer`
	case 2:
		rule["action"] = "deny"
		return bad, `action="deny" is not supported`
	}
	rule["src"] = []any{"group:undefined"}
	return bad, `src=group not found: "group:undefined"`
}

// shrink removes rules, destinations and nodes from a failing case while it keeps failing.
func shrink(t *testing.T, c genCase) genCase {
	fails := func(c genCase) bool { return checkCase(t, c) != "" }
	for changed := true; changed; {
		changed = false
		acls := c.doc["acls"].([]any)
		for i := range acls {
			if len(acls) == 1 {
				break
			}
			next := genCase{doc: clone(c.doc), topo: c.topo}
			next.doc["acls"] = slices.Delete(slices.Clone(next.doc["acls"].([]any)), i, i+1)
			if fails(next) {
				c, changed = next, true
				break
			}
		}
		if g, ok := c.doc["grants"].([]any); ok && len(g) > 0 && !changed {
			next := genCase{doc: clone(c.doc), topo: c.topo}
			delete(next.doc, "grants")
			if fails(next) {
				c, changed = next, true
			}
		}
		for i := 0; i < len(c.topo.Nodes) && !changed && len(c.topo.Nodes) > 2; i++ {
			topo := &Topology{Users: c.topo.Users, Nodes: slices.Delete(slices.Clone(c.topo.Nodes), i, i+1)}
			if next := (genCase{doc: c.doc, topo: topo}); fails(next) {
				c, changed = next, true
			}
		}
	}
	return c
}

func TestProperties(t *testing.T) {
	for k := range *propN {
		seed := *propSeed + uint64(k)
		r := rand.New(rand.NewPCG(seed, 0x7a11))
		topo := genTopology(r)
		c := genCase{doc: genPolicy(r, topo), topo: topo}
		if msg := checkCase(t, c); msg != "" {
			small := shrink(t, c)
			b, _ := json.MarshalIndent(small.doc, "", "  ")
			var nodes []string
			for _, n := range small.topo.Nodes {
				nodes = append(nodes, fmt.Sprintf("%s user=%q tags=%v %s", n.Name, n.User, n.Tags, n.IPv4))
			}
			t.Fatalf("seed %d: %s\nshrunk to: %s\npolicy:\n%s\nnodes:\n%s", seed, msg, checkCase(t, small), b, strings.Join(nodes, "\n"))
		}
		bad, want := nearValid(r, c.doc)
		if _, errs := Compile(bad); len(errs) == 0 || !slices.ContainsFunc(errs, func(e Error) bool { return e.Message == want }) {
			t.Fatalf("seed %d: a near-valid policy is not rejected with %q: got %v", seed, want, errs)
		}
	}
}

// TestPropertyHarnessSees checks that the generator is not trivial: its scenarios hold both
// connections the filters allow and ones they deny, so the agreement checks can fail.
func TestPropertyHarnessSees(t *testing.T) {
	allowed, denied := 0, 0
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 0x7a11))
		topo := genTopology(r)
		pol, errs := Compile(genPolicy(r, topo))
		if len(errs) > 0 {
			t.Fatalf("seed %d: %v", seed, errs)
		}
		views := pol.Filters(topo)
		for _, s := range topo.Nodes {
			for _, d := range topo.Nodes {
				for _, port := range samplePorts {
					if filterAllows(views[d.Name], s.IPv4, d.IPv4, port) {
						allowed++
					} else {
						denied++
					}
				}
			}
		}
	}
	if allowed == 0 || denied == 0 {
		t.Errorf("20 generated scenarios: %d allowed and %d denied connections; want both", allowed, denied)
	}
}
