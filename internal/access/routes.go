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
	r := newResolver(p, topo)
	out := make([]NodeRoutes, len(r.topo.Nodes))
	for i := range r.topo.Nodes {
		n := &r.topo.Nodes[i]
		out[i] = NodeRoutes{
			Node:       n.Name,
			Advertised: n.RoutableIPs,
			Approved:   r.table.approved[i],
			Primary:    r.table.primaryRoutes(r.topo.Nodes, i),
			ExitNode:   r.table.exit[i],
		}
	}
	return out
}
