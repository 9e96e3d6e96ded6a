package access

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// benchDiffPolicies returns a generated 5,000-rule policy and a copy that differs in 50 rules: 20
// acls removed, 20 added (a group reaching a tag on a new port) and 10 whose ports changed.
func benchDiffPolicies(b *testing.B) (basePol, headPol *Policy) {
	src := synth.Policy(1, benchRules)
	baseDoc, headDoc := mustDoc(b, string(src)), mustDoc(b, string(src))
	acls := headDoc["acls"].([]any)
	var kept []any
	for i, a := range acls {
		switch {
		case i%100 == 7 && i < 2000: // 20 removed
			continue
		case i%100 == 13 && i < 1000: // 10 with other ports
			m := a.(map[string]any)
			dsts := m["dst"].([]any)
			for k, d := range dsts {
				host, _, _ := SplitHostPorts(d.(string))
				dsts[k] = host + ":" + strconv.Itoa(10000+i)
			}
		}
		kept = append(kept, a)
	}
	groups := slices.Sorted(func(yield func(string) bool) {
		for g := range headDoc["groups"].(map[string]any) {
			if !yield(g) {
				return
			}
		}
	})
	for i := range 20 { // 20 added
		kept = append(kept, map[string]any{"action": "accept", "src": []any{groups[i%len(groups)]}, "dst": []any{fmt.Sprintf("tag:db:%d", 20000+i)}})
	}
	headDoc["acls"] = kept
	basePol, _ = Compile(baseDoc)
	headPol, _ = Compile(headDoc)
	return basePol, headPol
}

// naiveDiff is the diff the naive way: every node's packet filter from each policy, expanded into
// (source, destination, protocol, port) tuples and compared node by node. It returns the number of
// tuples added and removed.
func naiveDiff(basePol, headPol *Policy, topo *Topology) int {
	tuples := func(v NodeView) map[string]bool {
		out := map[string]bool{}
		for _, r := range v.PacketFilter {
			protos := r.IPProto
			if protos == nil {
				protos = defaultProtos
			}
			for _, s := range r.SrcIPs {
				for _, d := range r.DstPorts {
					for _, p := range protos {
						out[s+"|"+d.IP+"|"+strconv.Itoa(p)+"|"+d.Ports.String()] = true
					}
				}
				for _, c := range r.CapGrant {
					for _, d := range c.Dsts {
						for name := range c.CapMap {
							out[s+"|"+d+"|cap|"+name] = true
						}
					}
				}
			}
		}
		for _, r := range v.SSHPolicy.Rules {
			for _, pr := range r.Principals {
				for u := range r.SSHUsers {
					out[pr.NodeIP+"|ssh|"+u+"|"+fmt.Sprint(r.Action.Accept)] = true
				}
			}
		}
		return out
	}
	bv, hv := basePol.Filters(topo), headPol.Filters(topo)
	n := 0
	for name, h := range hv {
		bt, ht := tuples(bv[name]), tuples(h)
		for t := range ht {
			if !bt[t] {
				n++
			}
		}
		for t := range bt {
			if !ht[t] {
				n++
			}
		}
	}
	return n
}

// BenchmarkDiff compares two 5,000-rule policies that differ in 50 rules, without a snapshot and
// with a 10,000-node one, and in the same iterations the naive way over the same devices (the
// universe of principals, and the snapshot's devices). It reports diff-ns/op, naive-ns/op and
// x-faster (naive/diff). Compile is outside the loop for both.
func BenchmarkDiff(b *testing.B) {
	basePol, headPol := benchDiffPolicies(b)
	for _, devices := range []int{0, benchNodes} {
		b.Run(fmt.Sprintf("snapshot=%d", devices), func(b *testing.B) {
			var topo *Topology
			if devices > 0 {
				topo = SnapshotTopology(synth.Snapshot(1, devices, devices/10, 0))
			}
			universe := newUniverse(basePol, headPol, topo).topo
			var diffT, naiveT time.Duration
			changes, tuples, i := 0, 0, 0
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				d := Compare(basePol, headPol, topo)
				diffT += time.Since(start)
				start = time.Now()
				tuples = naiveDiff(basePol, headPol, universe)
				naiveT += time.Since(start)
				changes = d.Access.Len()
				i++
			}
			if changes == 0 || tuples == 0 {
				b.Fatalf("%d changes, %d naive tuples: the policies should differ", changes, tuples)
			}
			b.ReportMetric(float64(diffT.Nanoseconds())/float64(i), "diff-ns/op")
			b.ReportMetric(float64(naiveT.Nanoseconds())/float64(i), "naive-ns/op")
			b.ReportMetric(naiveT.Seconds()/diffT.Seconds(), "x-faster")
			b.ReportMetric(float64(changes), "changes")
			b.ReportMetric(float64(len(universe.Nodes)), "devices")
		})
	}
}
