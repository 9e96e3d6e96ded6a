package access

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// FilterRule is one packet filter rule as the control plane sends it (tailcfg.FilterRule's JSON shape).
type FilterRule struct {
	SrcIPs   []string       `json:"SrcIPs"`
	DstPorts []NetPortRange `json:"DstPorts,omitempty"`
	IPProto  []int          `json:"IPProto,omitempty"` // omitted: TCP, UDP, ICMP, ICMPv6
	CapGrant []CapGrant     `json:"CapGrant,omitempty"`
}

// NetPortRange is a destination address (bare IP, CIDR, "a-b" range or "*") and its ports.
type NetPortRange struct {
	IP    string    `json:"IP"`
	Ports PortRange `json:"Ports"`
}

// CapGrant grants application capabilities to the rule's sources on the destinations Dsts (CIDRs).
type CapGrant struct {
	Dsts   []string       `json:"Dsts"`
	CapMap map[string]any `json:"CapMap"`
}

// NodeView is what the control plane sends one node.
type NodeView struct {
	PacketFilter []FilterRule `json:"packet_filter_rules"`
	SSHPolicy    SSHPolicy    `json:"ssh_policy"`
}

// companionCaps are capabilities that imply a reverse capability from destination to source.
var companionCaps = [][2]string{
	{"tailscale.com/cap/drive", "tailscale.com/cap/drive-sharer"},
	{"tailscale.com/cap/relay", "tailscale.com/cap/relay-target"},
}

// allowAllRule returns what a policy without "acls" and "grants" means: "*" may reach "*:*".
func allowAllRule() *rule {
	return &rule{
		src:   []alias{{kind: kindWildcard}},
		dst:   []alias{{kind: kindWildcard}},
		lines: []ipLine{{dsts: []dstPorts{{alias: alias{kind: kindWildcard}, ports: []PortRange{allPorts}}}}},
	}
}

// Filters computes, for every node of topo, the packet filter and SSH policy the control plane
// would send it, keyed by node name. A node gets only the rules where it, or a subnet route it
// serves, is a destination.
func (p *Policy) Filters(topo *Topology) map[string]NodeView {
	r := newResolver(p, topo)
	b := &filterBuilder{r: r, perNode: make([][]FilterRule, len(r.topo.Nodes)), srcCache: map[string][]string{}}
	for i := range r.topo.Nodes {
		n := &r.topo.Nodes[i]
		if len(n.SubnetRoutes()) > 0 || n.IsExitNode() {
			b.routers = append(b.routers, i)
			var rgs []ipRange
			for _, sr := range n.SubnetRoutes() {
				rgs = append(rgs, rangeOf(sr))
			}
			b.routerRanges = append(b.routerRanges, rgs)
			b.routerExit = append(b.routerExit, n.IsExitNode())
			b.routerExitAny = b.routerExitAny || n.IsExitNode()
		}
	}
	rules := p.rules
	if p.allowAll {
		rules = []*rule{allowAllRule()}
	}
	for _, ru := range rules {
		b.add(ru)
	}
	out := make(map[string]NodeView, len(r.topo.Nodes))
	for i := range r.topo.Nodes {
		out[r.topo.Nodes[i].Name] = NodeView{
			PacketFilter: mergeRules(b.perNode[i]),
			SSHPolicy:    r.sshPolicy(i),
		}
	}
	return out
}

type filterBuilder struct {
	r             *resolver
	perNode       [][]FilterRule
	routers       []int       // nodes serving subnet or exit routes
	routerRanges  [][]ipRange // per router: its subnet routes
	routerExit    []bool      // per router: whether it serves an exit route
	routerExitAny bool
	srcCache      map[string][]string // SrcIPs by source list
}

// srcStrings renders rule sources as SrcIPs: sorted, without duplicates.
func (r *resolver) srcStrings(srcs []alias) []string {
	set := map[string]bool{}
	for _, a := range srcs {
		if a.kind == kindAutogroup && a.name == agDanger {
			return []string{"*"}
		}
		for _, rg := range r.ranges(a) {
			set[rg.String()] = true
		}
		if a.kind == kindWildcard {
			for _, rg := range r.subnetRoutes {
				set[rg.String()] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// relevant calls f for every node that must receive a rule whose destination is rg: nodes
// with an address in rg, nodes serving a subnet route that overlaps it, and exit nodes when
// rg lies in the internet.
func (b *filterBuilder) relevant(rg ipRange, f func(node int)) {
	r := b.r
	var hit []int
	if rg.lo == rg.hi {
		if i, ok := r.byIP[rg.lo]; ok {
			hit = append(hit, i)
			f(i)
		}
	} else {
		for i := range r.topo.Nodes {
			for _, ip := range r.topo.Nodes[i].IPs() {
				if rg.contains(ip) {
					hit = append(hit, i)
					f(i)
					break
				}
			}
		}
	}
	if len(b.routers) == 0 {
		return
	}
	internet := b.routerExitAny && inInternet(rg)
	for k, i := range b.routers {
		if slices.Contains(hit, i) {
			continue
		}
		ok := internet && b.routerExit[k]
		for _, sr := range b.routerRanges[k] {
			ok = ok || sr.overlaps(rg)
		}
		if ok {
			f(i)
		}
	}
}

func isSelf(a alias) bool     { return a.kind == kindAutogroup && a.name == agSelf }
func isInternet(a alias) bool { return a.kind == kindAutogroup && a.name == agInternet }

func (b *filterBuilder) add(ru *rule) {
	if len(ru.src) == 0 || len(ru.dst) == 0 {
		return
	}
	if len(ru.via) > 0 {
		b.addVia(ru)
		return
	}
	r := b.r
	key := fmt.Sprint(ru.src)
	src, ok := b.srcCache[key]
	if !ok {
		src = r.srcStrings(ru.src)
		b.srcCache[key] = src
	}
	for _, line := range ru.lines {
		if len(src) > 0 {
			buckets := map[int][]NetPortRange{}
			for _, d := range line.dsts {
				switch {
				case isSelf(d.alias):
					continue
				case isInternet(d.alias):
					for _, i := range b.routers {
						if !r.topo.Nodes[i].IsExitNode() {
							continue
						}
						for _, s := range internetRanges {
							for _, pr := range d.ports {
								buckets[i] = append(buckets[i], NetPortRange{IP: s, Ports: pr})
							}
						}
					}
					continue
				case d.alias.kind == kindWildcard:
					for i := range r.topo.Nodes {
						for _, pr := range d.ports {
							buckets[i] = append(buckets[i], NetPortRange{IP: "*", Ports: pr})
						}
					}
					continue
				}
				for _, rg := range r.ranges(d.alias) {
					s := rg.String()
					b.relevant(rg, func(i int) {
						for _, pr := range d.ports {
							buckets[i] = append(buckets[i], NetPortRange{IP: s, Ports: pr})
						}
					})
				}
			}
			for i, dsts := range buckets {
				b.perNode[i] = append(b.perNode[i], FilterRule{SrcIPs: src, DstPorts: dsts, IPProto: line.protos})
			}
		}
		if slices.ContainsFunc(line.dsts, func(d dstPorts) bool { return isSelf(d.alias) }) {
			b.addSelf(ru, line)
		}
	}
	if ru.app != nil {
		b.addApp(ru, src)
	}
}

// sameUser returns the untagged nodes owned by node i's owner, and the subset of them that
// rule sources srcs name.
func (r *resolver) sameUser(i int, srcs []alias) (owned, sources []int) {
	u := r.owner[i]
	if u == nil || r.topo.Nodes[i].IsTagged() {
		return nil, nil
	}
	for _, j := range r.ownedBy[u] {
		owned = append(owned, j)
		for _, a := range srcs {
			if r.nodeMatches(a, j) {
				sources = append(sources, j)
				break
			}
		}
	}
	return owned, sources
}

func (r *resolver) nodeIPStrings(nodes []int) []string {
	var out []string
	for _, j := range nodes {
		for _, ip := range r.topo.Nodes[j].IPs() {
			out = append(out, ip.String())
		}
	}
	sort.Strings(out)
	return out
}

func (b *filterBuilder) addSelf(ru *rule, line ipLine) {
	r := b.r
	for i := range r.topo.Nodes {
		_, sources := r.sameUser(i, ru.src)
		if len(sources) == 0 {
			continue
		}
		var dsts []NetPortRange
		for _, d := range line.dsts {
			if !isSelf(d.alias) {
				continue
			}
			for _, ip := range r.topo.Nodes[i].IPs() {
				for _, pr := range d.ports {
					dsts = append(dsts, NetPortRange{IP: ip.String(), Ports: pr})
				}
			}
		}
		b.perNode[i] = append(b.perNode[i], FilterRule{SrcIPs: r.nodeIPStrings(sources), DstPorts: dsts, IPProto: line.protos})
	}
}

// capDsts narrows destination ranges to what node i receives in a CapGrant: its own
// addresses as /32 and /128, and any destination overlapping a subnet route it serves.
func (r *resolver) capDsts(i int, rgs []ipRange) []string {
	n := &r.topo.Nodes[i]
	ips := n.IPs()
	var out []string
	for _, rg := range rgs {
		for _, ip := range ips {
			if rg.contains(ip) {
				out = append(out, netip.PrefixFrom(ip, ip.BitLen()).String())
			}
		}
		for _, sr := range n.SubnetRoutes() {
			if rangeOf(sr).overlaps(rg) {
				if p, ok := rg.prefix(); ok {
					out = append(out, p.String())
				} else {
					out = append(out, rg.String())
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (b *filterBuilder) addApp(ru *rule, src []string) {
	r := b.r
	if src == nil {
		src = []string{}
	}
	var srcRanges []ipRange
	for _, a := range ru.src {
		srcRanges = append(srcRanges, r.ranges(a)...)
	}
	var dstStrings []string
	var others []alias
	for _, a := range ru.dst {
		if isSelf(a) {
			continue
		}
		others = append(others, a)
		for _, rg := range r.ranges(a) {
			dstStrings = append(dstStrings, rg.String())
		}
		if a.kind == kindWildcard {
			for _, rg := range r.subnetRoutes {
				dstStrings = append(dstStrings, rg.String())
			}
		}
	}
	slices.Sort(dstStrings)
	dstStrings = slices.Compact(dstStrings)

	// One CapGrant per destination selector, narrowed to each node that it concerns.
	grants := map[int][]CapGrant{}
	for _, a := range others {
		rgs := r.ranges(a)
		touched := map[int]bool{}
		for _, rg := range rgs {
			b.relevant(rg, func(i int) { touched[i] = true })
		}
		for _, i := range sortedInts(touched) {
			if d := r.capDsts(i, rgs); len(d) > 0 {
				grants[i] = append(grants[i], CapGrant{Dsts: d, CapMap: ru.app})
			}
		}
	}
	for _, i := range sortedInts(grants) {
		b.perNode[i] = append(b.perNode[i], FilterRule{SrcIPs: src, CapGrant: grants[i]})
	}
	if len(others) > 0 && hasCompanion(ru.app) {
		touched := map[int]bool{}
		for _, rg := range srcRanges {
			b.relevant(rg, func(i int) { touched[i] = true })
		}
		for _, i := range sortedInts(touched) {
			b.addCompanions(i, ru.app, dstStrings, srcRanges)
		}
	}
	if !slices.ContainsFunc(ru.dst, isSelf) {
		return
	}
	for i := range r.topo.Nodes {
		owned, sources := r.sameUser(i, ru.src)
		if len(sources) == 0 {
			continue
		}
		var self []ipRange
		for _, ip := range r.topo.Nodes[i].IPs() {
			self = append(self, single(ip))
		}
		b.perNode[i] = append(b.perNode[i], FilterRule{
			SrcIPs:   r.nodeIPStrings(sources),
			CapGrant: []CapGrant{{Dsts: r.capDsts(i, self), CapMap: ru.app}},
		})
		var srcRg []ipRange
		for _, j := range sources {
			for _, ip := range r.topo.Nodes[j].IPs() {
				srcRg = append(srcRg, single(ip))
			}
		}
		b.addCompanions(i, ru.app, r.nodeIPStrings(owned), srcRg)
	}
}

func hasCompanion(app map[string]any) bool {
	for _, cc := range companionCaps {
		if _, ok := app[cc[0]]; ok {
			return true
		}
	}
	return false
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// addCompanions adds the reverse rules some capabilities imply: the destinations get the
// companion capability on the sources.
func (b *filterBuilder) addCompanions(i int, app map[string]any, dstStrings []string, srcRanges []ipRange) {
	for _, cc := range companionCaps {
		if _, ok := app[cc[0]]; !ok {
			continue
		}
		d := b.r.capDsts(i, srcRanges)
		if len(d) == 0 {
			continue
		}
		b.perNode[i] = append(b.perNode[i], FilterRule{
			SrcIPs:   dstStrings,
			CapGrant: []CapGrant{{Dsts: d, CapMap: map[string]any{cc[1]: nil}}},
		})
	}
}

// addVia adds a grant routed through tagged routers: only the routers carrying a via tag
// and serving a destination route get rules.
func (b *filterBuilder) addVia(ru *rule) {
	r := b.r
	var src []string
	for i := range r.topo.Nodes {
		n := &r.topo.Nodes[i]
		if !slices.ContainsFunc(ru.via, n.HasTag) {
			continue
		}
		var dstPrefixes []netip.Prefix
		for _, a := range ru.dst {
			switch {
			case a.kind == kindPrefix || a.kind == kindHost:
				if p, ok := r.prefixOf(a); ok && slices.ContainsFunc(n.SubnetRoutes(), p.Overlaps) {
					dstPrefixes = append(dstPrefixes, p.Masked())
				}
			case isInternet(a):
				for _, sr := range n.servedRoutes() {
					if sr.Bits() == 0 {
						dstPrefixes = append(dstPrefixes, sr)
					}
				}
			}
		}
		if len(dstPrefixes) == 0 {
			continue
		}
		if src == nil {
			src = r.srcStrings(ru.src)
		}
		if len(src) == 0 {
			return
		}
		for _, line := range ru.lines {
			var dsts []NetPortRange
			for _, p := range dstPrefixes {
				for _, pr := range linePorts(line) {
					dsts = append(dsts, NetPortRange{IP: p.String(), Ports: pr})
				}
			}
			b.perNode[i] = append(b.perNode[i], FilterRule{SrcIPs: src, DstPorts: dsts, IPProto: line.protos})
		}
	}
}

// mergeRules merges port rules with the same sources and protocols, as the control plane does.
func mergeRules(rules []FilterRule) []FilterRule {
	if len(rules) < 2 {
		return rules
	}
	out := make([]FilterRule, 0, len(rules))
	index := map[string]int{}
	for _, fr := range rules {
		if len(fr.CapGrant) > 0 {
			out = append(out, fr)
			continue
		}
		var key strings.Builder
		for _, s := range fr.SrcIPs {
			key.WriteString(s)
			key.WriteByte(',')
		}
		key.WriteByte('|')
		for _, p := range fr.IPProto {
			key.WriteString(strconv.Itoa(p))
			key.WriteByte(',')
		}
		if j, ok := index[key.String()]; ok {
			out[j].DstPorts = append(slices.Clip(out[j].DstPorts), fr.DstPorts...)
			continue
		}
		index[key.String()] = len(out)
		out = append(out, fr)
	}
	return out
}

// linePorts returns the ports of a grant's ip clause (the same for every destination).
func linePorts(line ipLine) []PortRange {
	if len(line.dsts) == 0 {
		return nil
	}
	return line.dsts[0].ports
}
