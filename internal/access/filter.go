package access

import (
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
	r, views := p.views(topo)
	out := make(map[string]NodeView, len(views))
	for i, v := range views {
		out[r.topo.Nodes[i].Name] = v
	}
	return out
}

// views computes every node's packet filter and SSH policy, in topology order.
func (p *Policy) views(topo *Topology) (*resolver, []NodeView) {
	r := newResolver(p, topo)
	b := newFilterBuilder(r)
	for _, ru := range p.effectiveRules() {
		b.add(ru)
	}
	out := make([]NodeView, len(r.topo.Nodes))
	merge := map[mergeKey]mergeSlot{}
	for i := range r.topo.Nodes {
		out[i] = NodeView{
			PacketFilter: mergeRules(b.perNode[i], merge),
			SSHPolicy:    r.sshPolicy(i),
		}
	}
	return r, out
}

// effectiveRules returns the rules that grant access: the policy's, or "*" to "*:*" when it
// has neither "acls" nor "grants".
func (p *Policy) effectiveRules() []*rule {
	if p.allowAll {
		return []*rule{allowAllRule()}
	}
	return p.rules
}

// filterBuilder collects, rule by rule, the filter rules of every node.
type filterBuilder struct {
	r         *resolver
	perNode   [][]nodeRule
	routes    *rangeIndex // subnet routes, standing for the nodes that serve them
	exitNodes []int
	srcCache  map[string]internedStrings // SrcIPs by source list
	srcIDs    map[string]int             // ids of distinct SrcIPs, from 1
	protoIDs  map[string]int             // ids of distinct IPProto, from 1
	buckets   portsByNode
	// hits and routers are scratch space for relevant.
	hits, routers []int
}

// portsByNode collects the destinations of one rule line by node.
type portsByNode struct {
	dsts  [][]NetPortRange // by node
	nodes []int            // the nodes with destinations, in the order they came
}

func (p *portsByNode) add(node int, d NetPortRange) {
	if p.dsts[node] == nil {
		p.nodes = append(p.nodes, node)
	}
	p.dsts[node] = append(p.dsts[node], d)
}

// flush hands every node's destinations to f and starts afresh.
func (p *portsByNode) flush(f func(node int, dsts []NetPortRange)) {
	for _, i := range p.nodes {
		f(i, p.dsts[i])
		p.dsts[i] = nil
	}
	p.nodes = p.nodes[:0]
}

// nodeRule is a filter rule for one node before rules with the same sources and protocols
// merge.
type nodeRule struct {
	FilterRule
	merge mergeKey // equal for rules that merge; zero for rules that never do
}

// mergeKey identifies the SrcIPs and IPProto of a rule, by their interned ids.
type mergeKey struct{ src, proto int }

// internedStrings is a list of strings and its id: equal lists have equal ids.
type internedStrings struct {
	list []string
	id   int
}

func newFilterBuilder(r *resolver) *filterBuilder {
	b := &filterBuilder{
		r:        r,
		perNode:  make([][]nodeRule, len(r.topo.Nodes)),
		srcCache: map[string]internedStrings{},
		srcIDs:   map[string]int{},
		protoIDs: map[string]int{},
		buckets:  portsByNode{dsts: make([][]NetPortRange, len(r.topo.Nodes))},
	}
	var routes []ipRange
	var routers []int
	for i := range r.topo.Nodes {
		for _, sr := range r.routes[i] {
			routes = append(routes, rangeOf(sr))
			routers = append(routers, i)
		}
		if r.table.exit[i] {
			b.exitNodes = append(b.exitNodes, i)
		}
	}
	b.routes = newRangeIndex(routes, routers)
	return b
}

// srcIPs returns, interned, the SrcIPs of a rule with sources srcs.
func (b *filterBuilder) srcIPs(srcs []alias) internedStrings {
	var key strings.Builder
	for _, a := range srcs {
		key.WriteString(strconv.Itoa(int(a.kind)))
		key.WriteByte(':')
		key.WriteString(a.String())
		key.WriteByte(0)
	}
	src, ok := b.srcCache[key.String()]
	if !ok {
		src = b.intern(b.r.srcStrings(srcs))
		b.srcCache[key.String()] = src
	}
	return src
}

// intern gives a SrcIPs list its id.
func (b *filterBuilder) intern(list []string) internedStrings {
	key := strings.Join(list, ",")
	id, ok := b.srcIDs[key]
	if !ok {
		id = len(b.srcIDs) + 1
		b.srcIDs[key] = id
	}
	return internedStrings{list: list, id: id}
}

// protoID returns the id of an IPProto list.
func (b *filterBuilder) protoID(protos []int) int {
	var key []byte
	for _, p := range protos {
		key = strconv.AppendInt(key, int64(p), 10)
		key = append(key, ',')
	}
	id, ok := b.protoIDs[string(key)]
	if !ok {
		id = len(b.protoIDs) + 1
		b.protoIDs[string(key)] = id
	}
	return id
}

// srcStrings renders rule sources as SrcIPs: sorted, without duplicates.
func (r *resolver) srcStrings(srcs []alias) []string {
	set := map[string]bool{}
	for _, a := range srcs {
		if a.kind == kindAutogroup && a.name == agDanger {
			return []string{"*"}
		}
		for _, s := range r.rangeStrings(a) {
			set[s] = true
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
// rg lies in the internet. f is called once per node and must not call relevant.
func (b *filterBuilder) relevant(rg ipRange, f func(node int)) {
	r := b.r
	hits := b.hits[:0]
	if rg.lo == rg.hi {
		if i, ok := r.byIP[rg.lo]; ok {
			hits = append(hits, i)
		}
	} else {
		r.nodesIn(rg, func(i int) { hits = append(hits, i) })
		slices.Sort(hits)
		hits = slices.Compact(hits)
	}
	routers := b.routers[:0]
	if len(b.exitNodes) > 0 && inInternet(rg) {
		routers = append(routers, b.exitNodes...)
	}
	b.routes.overlapping(rg, func(i int) { routers = append(routers, i) })
	slices.Sort(routers)
	routers = slices.Compact(routers)
	b.hits, b.routers = hits, routers
	for _, i := range hits {
		f(i)
	}
	for _, i := range routers {
		if !slices.Contains(hits, i) {
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
	src := b.srcIPs(ru.src)
	for _, line := range ru.lines {
		if len(src.list) > 0 {
			buckets := &b.buckets
			for _, d := range line.dsts {
				switch {
				case isSelf(d.alias):
					continue
				case isInternet(d.alias):
					for _, i := range b.exitNodes {
						for _, s := range internetRanges {
							for _, pr := range d.ports {
								buckets.add(i, NetPortRange{IP: s, Ports: pr})
							}
						}
					}
					continue
				case d.alias.kind == kindWildcard:
					for i := range r.topo.Nodes {
						for _, pr := range d.ports {
							buckets.add(i, NetPortRange{IP: "*", Ports: pr})
						}
					}
					continue
				}
				strs := r.rangeStrings(d.alias)
				for k, rg := range r.ranges(d.alias) {
					b.relevant(rg, func(i int) {
						for _, pr := range d.ports {
							buckets.add(i, NetPortRange{IP: strs[k], Ports: pr})
						}
					})
				}
			}
			key := mergeKey{src: src.id, proto: b.protoID(line.protos)}
			buckets.flush(func(i int, dsts []NetPortRange) {
				b.perNode[i] = append(b.perNode[i], nodeRule{FilterRule{SrcIPs: src.list, DstPorts: dsts, IPProto: line.protos}, key})
			})
		}
		if slices.ContainsFunc(line.dsts, func(d dstPorts) bool { return isSelf(d.alias) }) {
			b.addSelf(ru, line)
		}
	}
	if ru.app != nil {
		b.addApp(ru, src.list)
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
		for _, ip := range r.ips[j] {
			out = append(out, ip.String())
		}
	}
	sort.Strings(out)
	return out
}

func (b *filterBuilder) addSelf(ru *rule, line ipLine) {
	r := b.r
	proto := b.protoID(line.protos)
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
			for _, ip := range r.ips[i] {
				for _, pr := range d.ports {
					dsts = append(dsts, NetPortRange{IP: ip.String(), Ports: pr})
				}
			}
		}
		src := b.intern(r.nodeIPStrings(sources))
		b.perNode[i] = append(b.perNode[i], nodeRule{FilterRule{SrcIPs: src.list, DstPorts: dsts, IPProto: line.protos}, mergeKey{src.id, proto}})
	}
}

// addCapRule adds a CapGrant rule to node i; such rules never merge.
func (b *filterBuilder) addCapRule(i int, fr FilterRule) {
	b.perNode[i] = append(b.perNode[i], nodeRule{FilterRule: fr})
}

// capDsts narrows destination ranges to what node i receives in a CapGrant: its own
// addresses as /32 and /128, and any destination overlapping a subnet route it serves.
func (r *resolver) capDsts(i int, dsts *rangeSet) []string {
	x := dsts.index()
	var out []string
	for _, ip := range r.ips[i] {
		if x.overlapsAny(single(ip)) {
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()).String())
		}
	}
	for _, sr := range r.routes[i] {
		x.overlapping(rangeOf(sr), func(k int) {
			if p, ok := dsts.rgs[k].prefix(); ok {
				out = append(out, p.String())
			} else {
				out = append(out, dsts.rgs[k].String())
			}
		})
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
		dstStrings = append(dstStrings, r.rangeStrings(a)...)
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
		dsts := r.rangeSet(a)
		var touched []int
		for _, rg := range dsts.rgs {
			b.relevant(rg, func(i int) { touched = append(touched, i) })
		}
		slices.Sort(touched)
		for _, i := range slices.Compact(touched) {
			if d := r.capDsts(i, dsts); len(d) > 0 {
				grants[i] = append(grants[i], CapGrant{Dsts: d, CapMap: ru.app})
			}
		}
	}
	for _, i := range sortedInts(grants) {
		b.addCapRule(i, FilterRule{SrcIPs: src, CapGrant: grants[i]})
	}
	if len(others) > 0 && hasCompanion(ru.app) {
		var touched []int
		for _, rg := range srcRanges {
			b.relevant(rg, func(i int) { touched = append(touched, i) })
		}
		slices.Sort(touched)
		srcs := &rangeSet{rgs: srcRanges}
		for _, i := range slices.Compact(touched) {
			b.addCompanions(i, ru.app, dstStrings, srcs)
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
		for _, ip := range r.ips[i] {
			self = append(self, single(ip))
		}
		b.addCapRule(i, FilterRule{
			SrcIPs:   r.nodeIPStrings(sources),
			CapGrant: []CapGrant{{Dsts: r.capDsts(i, &rangeSet{rgs: self}), CapMap: ru.app}},
		})
		var srcRg []ipRange
		for _, j := range sources {
			for _, ip := range r.ips[j] {
				srcRg = append(srcRg, single(ip))
			}
		}
		b.addCompanions(i, ru.app, r.nodeIPStrings(owned), &rangeSet{rgs: srcRg})
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
func (b *filterBuilder) addCompanions(i int, app map[string]any, dstStrings []string, srcs *rangeSet) {
	for _, cc := range companionCaps {
		if _, ok := app[cc[0]]; !ok {
			continue
		}
		d := b.r.capDsts(i, srcs)
		if len(d) == 0 {
			continue
		}
		b.addCapRule(i, FilterRule{
			SrcIPs:   dstStrings,
			CapGrant: []CapGrant{{Dsts: d, CapMap: map[string]any{cc[1]: nil}}},
		})
	}
}

// addVia adds a grant routed through tagged routers: only the routers carrying a via tag
// and serving a destination route get rules.
func (b *filterBuilder) addVia(ru *rule) {
	r := b.r
	var src internedStrings
	for i := range r.topo.Nodes {
		n := &r.topo.Nodes[i]
		if !slices.ContainsFunc(ru.via, n.HasTag) {
			continue
		}
		var dstPrefixes []netip.Prefix
		for _, a := range ru.dst {
			switch {
			case a.kind == kindPrefix || a.kind == kindHost:
				if p, ok := r.prefixOf(a); ok && slices.ContainsFunc(r.routes[i], p.Overlaps) {
					dstPrefixes = append(dstPrefixes, p.Masked())
				}
			case isInternet(a):
				for _, ap := range r.table.approved[i] {
					if isExitRoute(ap.Route) {
						dstPrefixes = append(dstPrefixes, ap.Route)
					}
				}
			}
		}
		if len(dstPrefixes) == 0 {
			continue
		}
		if src.id == 0 {
			src = b.srcIPs(ru.src)
		}
		if len(src.list) == 0 {
			return
		}
		for _, line := range ru.lines {
			var dsts []NetPortRange
			for _, p := range dstPrefixes {
				for _, pr := range linePorts(line) {
					dsts = append(dsts, NetPortRange{IP: p.String(), Ports: pr})
				}
			}
			b.perNode[i] = append(b.perNode[i], nodeRule{FilterRule{SrcIPs: src.list, DstPorts: dsts, IPProto: line.protos}, mergeKey{src.id, b.protoID(line.protos)}})
		}
	}
}

// mergeRules merges port rules with the same sources and protocols, as the control plane does.
// index is scratch space.
func mergeRules(rules []nodeRule, index map[mergeKey]mergeSlot) []FilterRule {
	if len(rules) == 0 {
		return nil
	}
	clear(index)
	out := make([]FilterRule, 0, len(rules))
	for _, nr := range rules {
		if len(nr.CapGrant) > 0 {
			out = append(out, nr.FilterRule)
			continue
		}
		slot, ok := index[nr.merge]
		if !ok {
			index[nr.merge] = mergeSlot{at: len(out)}
			out = append(out, nr.FilterRule)
			continue
		}
		dsts := &out[slot.at].DstPorts
		if !slot.owned { // copy the first rule's DstPorts once, then append in place
			*dsts = slices.Clip(*dsts)
			index[nr.merge] = mergeSlot{at: slot.at, owned: true}
		}
		*dsts = append(*dsts, nr.DstPorts...)
	}
	return out
}

// mergeSlot is where mergeRules put the first rule with some mergeKey; owned once it has
// copied the rule's DstPorts.
type mergeSlot struct {
	at    int
	owned bool
}

// linePorts returns the ports of a grant's ip clause (the same for every destination).
func linePorts(line ipLine) []PortRange {
	if len(line.dsts) == 0 {
		return nil
	}
	return line.dsts[0].ports
}
