package access

import (
	"net/netip"
	"slices"
)

// Route approval and primary routers, as Tailscale documents them (VALIDATION.md, "Routes"):
//
//   - A node serves a route it advertises once the route is approved: by an admin (the
//     snapshot's enabled routes, Node.ApprovedRoutes) or by autoApprovers. An entry of
//     autoApprovers.routes approves the advertised routes its prefix contains (the prefix itself
//     or a longer one) for the nodes its selectors name; the exit routes 0.0.0.0/0 and ::/0 are
//     approved only by autoApprovers.exitNode, never by a routes entry, not even "0.0.0.0/0".
//   - Among the nodes serving the same subnet route, one is primary and carries the traffic:
//     connectors are used in order of the date they were added to the tailnet, the oldest first,
//     and an offline one is passed over. Exit routes are not primary routes.

// Approval says why a node serves a route.
type Approval struct {
	Route netip.Prefix
	// Path is the autoApprovers entry that approved the route; nil when an admin approved it
	// (Node.ApprovedRoutes).
	Path []any
}

// NodeRoutes is what one node advertises and serves.
type NodeRoutes struct {
	Node       string
	Advertised []netip.Prefix
	Approved   []Approval     // the advertised routes it serves, in the order advertised
	Primary    []netip.Prefix // the subnet routes it is primary for
	ExitNode   bool           // it serves an approved exit route
}

// routeTable holds, per node of a topology, the routes it serves and those it is primary for.
type routeTable struct {
	approved [][]Approval     // per node
	subnet   [][]netip.Prefix // per node: served routes other than exit routes
	exit     []bool           // per node: serves an exit route
	// routers lists, per subnet route, the nodes serving it in election order (the primary
	// first); computed on first use.
	routers map[netip.Prefix][]int
}

func isExitRoute(p netip.Prefix) bool { return p.Bits() == 0 }

// newRouteTable decides which advertised routes every node serves.
func newRouteTable(r *resolver) *routeTable {
	nodes := r.topo.Nodes
	t := &routeTable{approved: make([][]Approval, len(nodes)), subnet: make([][]netip.Prefix, len(nodes)), exit: make([]bool, len(nodes))}
	type approver struct {
		approval
		prefix netip.Prefix // zero for exitNode
		by     []alias
	}
	var approvers []approver
	for _, ap := range r.p.approvers {
		a := approver{approval: ap}
		if ap.route != "" {
			p, err := netip.ParsePrefix(ap.route)
			if err != nil {
				continue
			}
			a.prefix = p.Masked()
		}
		for _, s := range ap.by {
			if al, err := parseAlias(s); err == nil {
				a.by = append(a.by, al)
			}
		}
		approvers = append(approvers, a)
	}
	for i := range nodes {
		n := &nodes[i]
		for _, route := range n.RoutableIPs {
			var ok bool
			var path []any
			if slices.Contains(n.ApprovedRoutes, route) {
				ok = true
			} else {
				for _, a := range approvers {
					if isExitRoute(route) != !a.prefix.IsValid() {
						continue
					}
					if a.prefix.IsValid() && !(a.prefix.Addr().BitLen() == route.Addr().BitLen() && a.prefix.Bits() <= route.Bits() && a.prefix.Contains(route.Addr())) {
						continue
					}
					if slices.ContainsFunc(a.by, func(al alias) bool { return r.nodeMatches(al, i) }) {
						ok, path = true, a.path
						break
					}
				}
			}
			if !ok {
				continue
			}
			t.approved[i] = append(t.approved[i], Approval{Route: route, Path: path})
			if isExitRoute(route) {
				t.exit[i] = true
			} else if !slices.Contains(t.subnet[i], route) {
				t.subnet[i] = append(t.subnet[i], route)
			}
		}
		t.subnet[i] = slices.Clip(t.subnet[i])
	}
	return t
}

// electionOrder returns the routers of every subnet route, the primary first: online before
// offline, then by the date added (known dates first, oldest first), then in topology order.
func (t *routeTable) electionOrder(nodes []Node) map[netip.Prefix][]int {
	if t.routers != nil {
		return t.routers
	}
	t.routers = map[netip.Prefix][]int{}
	for i, routes := range t.subnet {
		for _, p := range routes {
			t.routers[p] = append(t.routers[p], i)
		}
	}
	for _, rs := range t.routers {
		slices.SortStableFunc(rs, func(a, b int) int { return electionCompare(&nodes[a], &nodes[b]) })
	}
	return t.routers
}

// electionCompare orders two routers of the same route: the one that becomes primary first.
func electionCompare(a, b *Node) int {
	switch {
	case a.Offline != b.Offline:
		if a.Offline {
			return 1
		}
		return -1
	case a.Created.IsZero() != b.Created.IsZero():
		if a.Created.IsZero() {
			return 1
		}
		return -1
	}
	return a.Created.Compare(b.Created)
}

// primary reports whether node i is the primary router of route p.
func (t *routeTable) primary(nodes []Node, i int, p netip.Prefix) bool {
	rs := t.electionOrder(nodes)[p]
	return len(rs) > 0 && rs[0] == i
}

// primaryRoutes returns the subnet routes node i is primary for.
func (t *routeTable) primaryRoutes(nodes []Node, i int) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range t.subnet[i] {
		if t.primary(nodes, i, p) {
			out = append(out, p)
		}
	}
	return out
}

// Routes returns, for every node of topo in topology order, the routes it advertises, those it
// serves (approved by an admin or by this policy's autoApprovers) and those it is primary for.
func (p *Policy) Routes(topo *Topology) []NodeRoutes {
	return (&Netmap{r: newResolver(p, topo)}).Routes()
}

// RouteApprover is one selector of autoApprovers: who may have a route, or exit routes, approved
// without review.
type RouteApprover struct {
	Path     []any  // the selector's JSON path in the policy, keys as spelt
	Route    string // the routes entry's prefix as written; "" for exitNode
	Approver string
	Nodes    []string // the nodes of the topology it names, in topology order
	// EveryMember is true when the topology has untagged nodes and the approver names every one
	// of them: however it is written, any user may have routes approved.
	EveryMember bool
}

// RouteApprovers returns every selector of autoApprovers (routes, then exitNode), with the nodes
// of topo it names.
func (p *Policy) RouteApprovers(topo *Topology) []RouteApprover {
	r := newResolver(p, topo)
	var out []RouteApprover
	for _, ap := range p.approvers {
		for k, s := range ap.by {
			ra := RouteApprover{Path: at(ap.path, k), Route: ap.route, Approver: s}
			if a, err := parseAlias(s); err == nil {
				named := r.nodes(a)
				for _, i := range named {
					ra.Nodes = append(ra.Nodes, r.topo.Nodes[i].Name)
				}
				ra.EveryMember = r.everyMember(named)
			}
			out = append(out, ra)
		}
	}
	return out
}

// everyMember reports whether the topology has untagged, owned nodes and nodes (sorted) holds
// every one of them.
func (r *resolver) everyMember(nodes []int) bool {
	members := 0
	for i := range r.topo.Nodes {
		if r.topo.Nodes[i].IsTagged() || r.owner[i] == nil {
			continue
		}
		members++
		if _, found := slices.BinarySearch(nodes, i); !found {
			return false
		}
	}
	return members > 0
}

// InternetRule is a rule that lets its sources send internet traffic through exit nodes: one
// whose destination is autogroup:internet, or "*" (which includes the internet: a policy
// granting "*" to "*:*" sends every node the exit routes of every exit node).
type InternetRule struct {
	Path    []any    // the rule
	DstPath []any    // its destination that opens the internet
	Src     []string // its sources, as Tailscale reads them
	Nodes   []string // the nodes of the topology its sources name, in topology order
	// EveryMember is true when the topology has untagged nodes and the sources name every one.
	EveryMember bool
}

// InternetRules returns the rules that open exit nodes, in document order, with the nodes of topo
// their sources name. A policy without acls and grants allows everything, and is reported as one
// rule with no path.
func (p *Policy) InternetRules(topo *Topology) []InternetRule {
	r := newResolver(p, topo)
	var out []InternetRule
	for _, ru := range p.effectiveRules() {
		if len(ru.lines) == 0 {
			continue // app capabilities only
		}
		for j, a := range ru.dst {
			if !isInternet(a) && a.kind != kindWildcard {
				continue
			}
			ir := InternetRule{Path: ru.path}
			if ru.path != nil {
				ir.DstPath = at(ru.path, ru.dstKey, j)
			}
			var named []int
			all := false
			for _, s := range ru.src {
				ir.Src = append(ir.Src, s.String())
				all = all || s.kind == kindWildcard || (s.kind == kindAutogroup && s.name == agDanger)
				named = append(named, r.nodes(s)...)
			}
			if all {
				named = named[:0]
				for i := range r.topo.Nodes {
					named = append(named, i)
				}
			}
			slices.Sort(named)
			named = slices.Compact(named)
			for _, i := range named {
				ir.Nodes = append(ir.Nodes, r.topo.Nodes[i].Name)
			}
			ir.EveryMember = r.everyMember(named)
			out = append(out, ir)
			break
		}
	}
	return out
}
