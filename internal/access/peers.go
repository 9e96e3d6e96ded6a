package access

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Peer visibility, as Tailscale documents it (VALIDATION.md, "Peers"): a node is sent the peers
// it may reach and the peers that may reach it, under the packet filters in either direction, and
// the other devices of its user, whether or not it may reach them. A
// subnet route counts for its routers: a node that may reach a route sees its routers, and a
// router whose route is a source of another node's filter sees that node. A grant routed "via"
// tagged routers makes its sources and those routers peers, and steers the sources' traffic for
// the route to those routers rather than to the route's primary.
//
// What a node is sent of each peer: its addresses, and in AllowedIPs the routes it carries for
// this node. A subnet route is carried by its primary router (or, for a node a via grant steers,
// by the oldest of the via routers) and is sent only to nodes that may reach it or that it may
// reach; an exit route is sent to the nodes that may use the exit node for the internet.

// Peer is one peer as a node is sent it.
type Peer struct {
	Name          string
	Tags          []string
	Addresses     []netip.Prefix
	AllowedIPs    []netip.Prefix // its addresses, then the routes it carries for this node
	PrimaryRoutes []netip.Prefix // the subnet routes among AllowedIPs
}

// Netmap is what the control plane sends every node of a topology: its packet filter and SSH
// policy, its own addresses and routes, and its peers (computed on demand, node by node).
type Netmap struct {
	r     *resolver
	views []NodeView
	index map[string]int

	srcs     []srcSet  // the distinct sources of the filter rules
	ruleSrc  [][]int32 // per node, per packet filter rule: its sources in srcs, -1 for none
	memberOf [][]int32 // per node: the sources that include it
	holders  [][]int32 // per source: the nodes with a rule from it
	via      [][]int   // per node: peers through via grants
	// steer holds, per node a via grant steers, the routers chosen for each route (election
	// order); nil for the others.
	steer []map[netip.Prefix][]int
	// noIPv4 marks the nodes with the nodeAttrs attribute "disable-ipv4": they have no IPv4
	// address, and are sent none of their peers'.
	noIPv4 []bool

	// Nodes with the same sources in their filters, in the same sources of others' filters and
	// with the same via peers see the same peers: they form a class, whose peers are computed
	// once, on first use.
	class      []int32    // per node
	ownerIdx   []int32    // per node: its user's index in the topology, -1 for tagged or ownerless
	mu         sync.Mutex // guards classPeers, classDone and dsts
	classPeers [][]int32  // per class, sorted; nil until computed
	classDone  []bool
	// dsts holds, per node whose filter has been searched, the destinations of each of its
	// rules, parsed (see ruleDsts).
	dsts map[int][][]ipRange
}

// srcSet is the SrcIPs of filter rules, and the nodes they stand for: the nodes with an address
// in them and the routers of subnet routes that overlap them, sorted.
type srcSet struct {
	rgs   []ipRange
	nodes []int32
}

// srcKey identifies a SrcIPs list by its backing array: the filter builder shares one list
// among all the rules with the same sources.
type srcKey struct {
	first *string
	n     int
}

// Netmap computes what the control plane sends every node of topo.
func (p *Policy) Netmap(topo *Topology) *Netmap {
	r, views := p.views(topo)
	n := len(r.topo.Nodes)
	m := &Netmap{r: r, views: views, index: make(map[string]int, n),
		ruleSrc: make([][]int32, n), memberOf: make([][]int32, n), via: make([][]int, n)}
	for i := range r.topo.Nodes {
		m.index[r.topo.Nodes[i].Name] = i
	}
	var routes []ipRange
	var routers []int
	for i, rs := range r.routes {
		for _, p := range rs {
			routes = append(routes, rangeOf(p))
			routers = append(routers, i)
		}
	}
	routeIdx := newRangeIndex(routes, routers)
	ids := map[srcKey]int32{}
	seen := make([]int32, n) // seen[j] == k+1: node j already counted for source k
	for i, v := range views {
		m.ruleSrc[i] = make([]int32, len(v.PacketFilter))
		for k, fr := range v.PacketFilter {
			if len(fr.SrcIPs) == 0 {
				m.ruleSrc[i][k] = -1
				continue
			}
			key := srcKey{&fr.SrcIPs[0], len(fr.SrcIPs)}
			id, ok := ids[key]
			if !ok {
				id = int32(len(m.srcs))
				ids[key] = id
				m.srcs = append(m.srcs, m.newSrcSet(fr.SrcIPs, routeIdx, seen, id))
				m.holders = append(m.holders, nil)
			}
			m.ruleSrc[i][k] = id
			if h := m.holders[id]; len(h) == 0 || h[len(h)-1] != int32(i) {
				m.holders[id] = append(h, int32(i))
			}
		}
	}
	for id, s := range m.srcs {
		for _, j := range s.nodes {
			m.memberOf[j] = append(m.memberOf[j], int32(id))
		}
	}
	m.addVia(p)
	m.classify()
	m.noIPv4 = make([]bool, n)
	for _, at := range p.attrs { // targets resolve as in CapMaps
		if !slices.ContainsFunc(at.attrs, func(s string) bool { return strings.TrimSpace(s) == "disable-ipv4" }) {
			continue
		}
		for _, t := range at.targets {
			if a, err := parseAlias(t); err == nil {
				for _, i := range r.nodes(a) {
					m.noIPv4[i] = true
				}
			}
		}
	}
	return m
}

func (m *Netmap) newSrcSet(srcIPs []string, routeIdx *rangeIndex, seen []int32, id int32) srcSet {
	var s srcSet
	add := func(j int) {
		if seen[j] != id+1 {
			seen[j] = id + 1
			s.nodes = append(s.nodes, int32(j))
		}
	}
	for _, str := range srcIPs {
		rgs, ok := parseRange(str)
		if !ok {
			continue
		}
		for _, rg := range rgs {
			s.rgs = append(s.rgs, rg)
			m.r.nodesIn(rg, add)
			routeIdx.overlapping(rg, add)
		}
	}
	slices.Sort(s.nodes)
	return s
}

// addVia makes the sources of via grants peers of the routers they are routed through, and
// steers their traffic for those routes.
func (m *Netmap) addVia(p *Policy) {
	r := m.r
	for _, ru := range p.effectiveRules() {
		if len(ru.via) == 0 {
			continue
		}
		type hop struct {
			router int
			route  netip.Prefix
		}
		var hops []hop
		for i := range r.topo.Nodes {
			n := &r.topo.Nodes[i]
			if !slices.ContainsFunc(ru.via, n.HasTag) {
				continue
			}
			for _, a := range ru.dst {
				switch {
				case isInternet(a):
					for _, ap := range r.table.approved[i] {
						if isExitRoute(ap.Route) {
							hops = append(hops, hop{i, ap.Route})
						}
					}
				default:
					if pfx, ok := r.prefixOf(a); ok {
						for _, sr := range r.routes[i] {
							if sr.Overlaps(pfx) {
								hops = append(hops, hop{i, sr})
							}
						}
					}
				}
			}
		}
		if len(hops) == 0 {
			continue
		}
		var srcs []int
		for _, a := range ru.src {
			if a.kind == kindWildcard {
				srcs = srcs[:0]
				for j := range r.topo.Nodes {
					srcs = append(srcs, j)
				}
				break
			}
			srcs = append(srcs, r.nodes(a)...)
		}
		slices.Sort(srcs)
		srcs = slices.Compact(srcs)
		if m.steer == nil && len(srcs) > 0 {
			m.steer = make([]map[netip.Prefix][]int, len(r.topo.Nodes))
		}
		for _, j := range srcs {
			if m.steer[j] == nil {
				m.steer[j] = map[netip.Prefix][]int{}
			}
			for _, h := range hops {
				if h.router != j {
					m.via[j] = append(m.via[j], h.router)
					m.via[h.router] = append(m.via[h.router], j)
				}
				if !slices.Contains(m.steer[j][h.route], h.router) {
					m.steer[j][h.route] = append(m.steer[j][h.route], h.router)
				}
			}
		}
	}
	for _, st := range m.steer {
		for _, rs := range st {
			slices.SortStableFunc(rs, func(a, b int) int {
				if c := electionCompare(&r.topo.Nodes[a], &r.topo.Nodes[b]); c != 0 {
					return c
				}
				return a - b
			})
		}
	}
}

// View returns what node name is sent: its packet filter and SSH policy.
func (m *Netmap) View(name string) (NodeView, bool) {
	i, ok := m.index[name]
	if !ok {
		return NodeView{}, false
	}
	return m.views[i], true
}

// Self returns node name's own AllowedIPs (its addresses and every route it serves) and the
// subnet routes it is primary for.
func (m *Netmap) Self(name string) (allowedIPs, primary []netip.Prefix, ok bool) {
	i, ok := m.index[name]
	if !ok {
		return nil, nil, false
	}
	allowedIPs = m.addresses(i, i)
	for _, ap := range m.r.table.approved[i] {
		allowedIPs = append(allowedIPs, ap.Route)
	}
	return allowedIPs, m.r.table.primaryRoutes(m.r.topo.Nodes, i), true
}

// addresses returns node i's addresses as node viewer is sent them.
func (m *Netmap) addresses(i, viewer int) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(m.r.ips[i]))
	for _, ip := range m.r.ips[i] {
		if ip.Is4() && (m.noIPv4[i] || m.noIPv4[viewer]) {
			continue
		}
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out
}

// Peers returns the peers node name is sent, in topology order.
func (m *Netmap) Peers(name string) ([]Peer, bool) {
	a, ok := m.index[name]
	if !ok {
		return nil, false
	}
	var out []Peer
	for _, b := range m.peerIndexes(a) {
		n := &m.r.topo.Nodes[b]
		peer := Peer{Name: n.Name, Tags: n.Tags, Addresses: m.addresses(b, a)}
		peer.AllowedIPs = slices.Clip(peer.Addresses) // appending routes copies
		for _, route := range m.r.routes[b] {
			if m.carrier(a, route) == b && (m.reaches(a, b, route) || m.reachedFrom(a, route) || slices.Contains(m.r.routes[a], route)) {
				peer.AllowedIPs = append(peer.AllowedIPs, route)
				peer.PrimaryRoutes = append(peer.PrimaryRoutes, route)
			}
		}
		if m.r.table.exit[b] && m.usesExit(a, b) {
			for _, ap := range m.r.table.approved[b] {
				if isExitRoute(ap.Route) {
					peer.AllowedIPs = append(peer.AllowedIPs, ap.Route)
				}
			}
		}
		out = append(out, peer)
	}
	return out, true
}

// PeerCount returns how many peers node name is sent, without building them.
func (m *Netmap) PeerCount(name string) int {
	a, ok := m.index[name]
	if !ok {
		return 0
	}
	peers := m.peersOfClass(a)
	if _, self := slices.BinarySearch(peers, int32(a)); self {
		return len(peers) - 1
	}
	return len(peers)
}

// classify puts every node in its class: nodes whose filters have the same sources, that are
// among the same sources, and that have the same via peers.
func (m *Netmap) classify() {
	n := len(m.r.topo.Nodes)
	m.class = make([]int32, n)
	m.ownerIdx = make([]int32, n)
	users := make(map[*User]int32, len(m.r.topo.Users))
	for k := range m.r.topo.Users {
		users[&m.r.topo.Users[k]] = int32(k)
	}
	for i := range n {
		m.ownerIdx[i] = -1
		if u := m.r.owner[i]; u != nil && !m.r.topo.Nodes[i].IsTagged() {
			m.ownerIdx[i] = users[u]
		}
	}
	ids := map[string]int32{}
	var key []byte
	for i := range n {
		srcs := slices.Clone(m.ruleSrc[i])
		slices.Sort(srcs)
		srcs = slices.Compact(srcs)
		via := slices.Clone(m.via[i])
		slices.Sort(via)
		via = slices.Compact(via)
		key = key[:0]
		for _, id := range srcs {
			key = binary.AppendVarint(key, int64(id))
		}
		key = append(key, 0xff)
		for _, id := range m.memberOf[i] { // ascending already
			key = binary.AppendVarint(key, int64(id))
		}
		key = append(key, 0xff)
		for _, j := range via {
			key = binary.AppendVarint(key, int64(j))
		}
		if u := m.owner(i); u >= 0 {
			key = append(key, 0xfe)
			key = binary.AppendVarint(key, int64(u))
		}
		id, ok := ids[string(key)]
		if !ok {
			id = int32(len(ids))
			ids[string(key)] = id
		}
		m.class[i] = id
	}
	m.classPeers = make([][]int32, len(ids))
	m.classDone = make([]bool, len(ids))
}

// owner returns the index of node i's user among the topology's users, or -1 for a tagged or
// ownerless node.
func (m *Netmap) owner(i int) int { return int(m.ownerIdx[i]) }

// peerIndexes returns node a's peers, sorted.
func (m *Netmap) peerIndexes(a int) []int {
	peers := m.peersOfClass(a)
	out := make([]int, 0, len(peers))
	for _, b := range peers {
		if int(b) != a {
			out = append(out, int(b))
		}
	}
	return out
}

// peersOfClass returns the peers of node a's class (a itself among them when a may reach
// another node of its class), computing them with a on first use.
func (m *Netmap) peersOfClass(a int) []int32 {
	c := m.class[a]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.classDone[c] {
		return m.classPeers[c]
	}
	mark := make([]bool, len(m.r.topo.Nodes))
	var out []int32
	add := func(b int32) {
		if !mark[b] {
			mark[b] = true
			out = append(out, b)
		}
	}
	for _, id := range m.ruleSrc[a] { // who may reach a
		if id >= 0 {
			for _, b := range m.srcs[id].nodes {
				add(b)
			}
		}
	}
	for _, id := range m.memberOf[a] { // whom a may reach
		for _, b := range m.holders[id] {
			add(b)
		}
	}
	for _, b := range m.via[a] {
		add(int32(b))
	}
	if m.owner(a) >= 0 { // the other devices of the same user
		for _, b := range m.r.ownedBy[m.r.owner[a]] {
			add(int32(b))
		}
	}
	slices.Sort(out)
	m.classPeers[c], m.classDone[c] = out, true
	return out
}

// carrier returns the router that carries node a's traffic for a subnet route, or -1: the
// route's primary, unless a via grant steers a to other routers and no other grant gives a the
// route through the primary.
func (m *Netmap) carrier(a int, route netip.Prefix) int {
	primary := -1
	if rs := m.r.table.electionOrder(m.r.topo.Nodes)[route]; len(rs) > 0 {
		primary = rs[0]
	}
	if m.steer != nil && m.steer[a] != nil {
		if rs := m.steer[a][route]; len(rs) > 0 {
			if primary >= 0 && !slices.Contains(rs, primary) && m.reachesByFilter(a, primary, route) {
				return primary
			}
			return rs[0]
		}
	}
	return primary
}

// inSrc reports whether node a is among the nodes of source id.
func (m *Netmap) inSrc(id int32, a int) bool {
	if id < 0 {
		return false
	}
	_, found := slices.BinarySearch(m.srcs[id].nodes, int32(a))
	return found
}

// reaches reports whether node a may reach route through router b: a rule of b's filter from
// a has a destination overlapping the route, or a via grant steers a's traffic there.
func (m *Netmap) reaches(a, b int, route netip.Prefix) bool {
	if m.steer != nil && m.steer[a] != nil && slices.Contains(m.steer[a][route], b) {
		return true
	}
	return m.reachesByFilter(a, b, route)
}

// reachesByFilter reports whether a rule of router b's filter lets node a reach route.
func (m *Netmap) reachesByFilter(a, b int, route netip.Prefix) bool {
	rg := rangeOf(route)
	return m.ruleFromTo(a, b, func(d ipRange) bool { return d.overlaps(rg) })
}

// usesExit reports whether node a may send internet traffic through exit node b.
func (m *Netmap) usesExit(a, b int) bool {
	return m.ruleFromTo(a, b, func(d ipRange) bool {
		for _, in := range internetIPRanges {
			if d.overlaps(in) {
				return true
			}
		}
		return false
	})
}

// ruleFromTo reports whether a rule of node b's filter has node a among its sources and a
// destination for which dst holds.
func (m *Netmap) ruleFromTo(a, b int, dst func(ipRange) bool) bool {
	for k, rgs := range m.ruleDsts(b) {
		if m.inSrc(m.ruleSrc[b][k], a) && slices.ContainsFunc(rgs, dst) {
			return true
		}
	}
	return false
}

// ruleDsts returns the destinations of every rule of node b's filter (DstPorts and CapGrant
// Dsts), parsed once.
func (m *Netmap) ruleDsts(b int) [][]ipRange {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.dsts[b]; ok {
		return d
	}
	rules := m.views[b].PacketFilter
	out := make([][]ipRange, len(rules))
	for k, fr := range rules {
		for _, d := range fr.DstPorts {
			if rgs, ok := parseRange(d.IP); ok {
				out[k] = append(out[k], rgs...)
			}
		}
		for _, cg := range fr.CapGrant {
			for _, s := range cg.Dsts {
				if rgs, ok := parseRange(s); ok {
					out[k] = append(out[k], rgs...)
				}
			}
		}
	}
	if m.dsts == nil {
		m.dsts = map[int][][]ipRange{}
	}
	m.dsts[b] = out
	return out
}

// reachedFrom reports whether route is among the sources of a rule of node a's filter.
func (m *Netmap) reachedFrom(a int, route netip.Prefix) bool {
	rg := rangeOf(route)
	for _, id := range m.ruleSrc[a] {
		if id >= 0 && slices.ContainsFunc(m.srcs[id].rgs, rg.overlaps) {
			return true
		}
	}
	return false
}

// ExitUsers returns the nodes that may send internet traffic through exit node name (those it
// is sent to with its exit routes), in topology order; nil when name is not an exit node.
func (m *Netmap) ExitUsers(name string) []string {
	b, ok := m.index[name]
	if !ok || !m.r.table.exit[b] {
		return nil
	}
	var out []string
	for _, a := range m.peerIndexes(b) {
		if m.usesExit(a, b) {
			out = append(out, m.r.topo.Nodes[a].Name)
		}
	}
	return out
}

// Routes returns, for every node in topology order, the routes it advertises and serves and
// those it is primary for (as Policy.Routes).
func (m *Netmap) Routes() []NodeRoutes {
	out := make([]NodeRoutes, len(m.r.topo.Nodes))
	for i := range m.r.topo.Nodes {
		n := &m.r.topo.Nodes[i]
		out[i] = NodeRoutes{Node: n.Name, Advertised: n.RoutableIPs, Approved: m.r.table.approved[i],
			Primary: m.r.table.primaryRoutes(m.r.topo.Nodes, i), ExitNode: m.r.table.exit[i]}
	}
	return out
}
