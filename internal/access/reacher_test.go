package access

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// reachEveryByHand is what ReachEvery must equal: Reachable asked about every source and port.
func reachEveryByHand(t *testing.T, p *Policy, topo *Topology, srcs []string, dst string, ports []int, proto string) map[string][]Because {
	t.Helper()
	out := map[string][]Because{}
	for _, src := range srcs {
		var last []Because
		ok := true
		for _, port := range ports {
			allowed, because, err := p.Reachable(topo, src, dst, port, proto)
			if err != nil {
				t.Fatalf("Reachable(%s, %s, %d): %v", src, dst, port, err)
			}
			if ok, last = allowed, because; !ok {
				break
			}
		}
		if ok {
			out[src] = last
		}
	}
	return out
}

var reachEveryPorts = [][]int{{1, 1024, 65535}, {22}, {443, 8080}, {5432, 22}}

func checkReachEvery(t *testing.T, name string, p *Policy, topo *Topology, srcs, dsts []string) (reached int) {
	t.Helper()
	q := p.Reacher(topo)
	for _, ports := range reachEveryPorts {
		for _, proto := range []string{"", "udp"} {
			all, err := q.ReachEvery(srcs, dsts, ports, proto)
			if err != nil {
				t.Fatalf("%s: ReachEvery(%v): %v", name, ports, err)
			}
			for _, dst := range dsts {
				got := all[dst]
				if got == nil {
					got = map[string][]Because{}
				}
				want := reachEveryByHand(t, p, topo, srcs, dst, ports, proto)
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("%s: ReachEvery(%s, %v, %q) (-Reachable +ReachEvery):\n%s", name, dst, ports, proto, d)
				}
				reached += len(got)
				for _, src := range srcs {
					for _, port := range ports {
						a, ab, _ := p.Reachable(topo, src, dst, port, proto)
						b, bb, err := q.Reachable(src, dst, port, proto)
						if err != nil || a != b || !cmp.Equal(ab, bb) {
							t.Fatalf("%s: Reacher.Reachable(%s, %s, %d) = %v %v %v, Policy.Reachable %v %v", name, src, dst, port, b, bb, err, a, ab)
						}
					}
				}
			}
		}
	}
	return reached
}

// TestReachEveryAgreesWithReachable checks ReachEvery and Reacher.Reachable against
// Policy.Reachable on the property harness's random policies (with their topologies and without)
// and on small policies of both synth generators, for every source and destination they can name.
func TestReachEveryAgreesWithReachable(t *testing.T) {
	reached := 0
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 0x7a11))
		topo := genTopology(r)
		doc := genPolicy(r, topo)
		p, errs := Compile(doc)
		if len(errs) > 0 {
			t.Fatalf("seed %d: %v", seed, errs)
		}
		srcs := []string{"group:g", "tag:a", "tag:b", "tag:c", "autogroup:member", "h", "100.64.0.1"}
		for _, u := range topo.Users {
			srcs = append(srcs, u.Email)
		}
		dsts := slices.Concat(srcs[1:4], []string{"h", "100.64.0.3", topo.Users[0].Email})
		for _, tp := range []*Topology{nil, topo} {
			reached += checkReachEvery(t, fmt.Sprintf("seed %d topo=%v", seed, tp != nil), p, tp, srcs, dsts)
		}
	}
	// One source selector of each kind alone, so that none can pass for another.
	topo := &Topology{Users: []User{{ID: 1, Name: "u0", Email: "u0@example.com", Roles: []string{"admin"}}}}
	for i, tags := range [][]string{{"tag:a"}, nil, {"tag:b"}} {
		n := Node{Name: fmt.Sprintf("n%d", i), IPv4: netip.AddrFrom4([4]byte{100, 64, 0, byte(i + 1)}), Tags: tags}
		if tags == nil {
			n.User = "u0"
		}
		topo.Nodes = append(topo.Nodes, n)
	}
	for _, src := range []string{"100.64.0.0/30", "h", "autogroup:tagged", "autogroup:member", "autogroup:admin", "user:*@example.com", "tag:a", "U0@example.com", "group:g", "*"} {
		doc := map[string]any{
			"groups":    map[string]any{"group:g": []any{"u0@example.com"}},
			"tagOwners": map[string]any{"tag:a": []any{}, "tag:b": []any{}, "tag:c": []any{}},
			"hosts":     map[string]any{"h": "100.64.0.1"},
			"acls":      []any{map[string]any{"action": "accept", "src": []any{src}, "dst": []any{"tag:c:*"}}},
		}
		p, errs := Compile(doc, WithTailnetDomains("example.com"))
		if len(errs) > 0 {
			t.Fatalf("src %s: %v", src, errs)
		}
		srcs := []string{"100.64.0.1", "100.64.0.2", "100.64.0.3", "h", "tag:a", "tag:b", "autogroup:member", "group:g", "u0@example.com"}
		for _, tp := range []*Topology{nil, topo} {
			reached += checkReachEvery(t, fmt.Sprintf("src %s topo=%v", src, tp != nil), p, tp, srcs, []string{"tag:c"})
		}
	}
	for _, gen := range []func(int64, int) []byte{synth.Policy, synth.PolicyWide} {
		for seed := range int64(4) {
			f, err := policyfile.Parse("policy.hujson", gen(seed, 80))
			if err != nil {
				t.Fatal(err)
			}
			p, errs := Compile(f.Doc)
			if len(errs) > 0 {
				t.Fatalf("synth seed %d: %v", seed, errs)
			}
			srcs := []string{"autogroup:member"}
			for g, members := range f.Doc["groups"].(map[string]any) {
				if len(members.([]any)) > 0 {
					srcs = append(srcs, g)
				}
				for _, m := range members.([]any) {
					srcs = append(srcs, m.(string))
				}
			}
			var dsts []string
			for tag := range f.Doc["tagOwners"].(map[string]any) {
				srcs = append(srcs, tag)
				dsts = append(dsts, tag)
			}
			slices.Sort(srcs)
			srcs = slices.Compact(srcs)
			slices.Sort(dsts)
			reached += checkReachEvery(t, fmt.Sprintf("synth seed %d", seed), p, nil, srcs, dsts)
		}
	}
	if reached == 0 {
		t.Error("no source reached any destination: the comparison proves nothing")
	}
}
