package access

import (
	"net/netip"
	"slices"
	"strings"
)

// resolver resolves selectors against one topology, caching what it computes.
type resolver struct {
	p     *Policy
	topo  *Topology
	owner []*User // per node; nil for tagged or ownerless nodes
	byIP  map[netip.Addr]int
	ips   [][]netip.Addr // per node: its addresses, as Node.IPs returns them
	// routes are, per node, the subnet routes it serves (table.subnet).
	routes [][]netip.Prefix
	table  *routeTable
	addrs  *rangeIndex // see nodesIn
	// subnetRoutes are the approved subnet routes of all nodes; "*" as a source includes them.
	subnetRoutes []ipRange
	ownedBy      map[*User][]int // untagged nodes by owner
	sshSrcCache  map[*sshRule]*sshSourceSet
	nodeCache    map[alias][]int
	rangeCache   map[alias]*rangeSet
	rulesByDst   *rulesByDst        // see indexRules
	nameCache    map[alias][]string // see nodeNames
}

// rangeSet is a list of address ranges, with what is derived from it.
type rangeSet struct {
	rgs  []ipRange
	strs []string    // rgs[k] as printed in a filter
	idx  *rangeIndex // see index
}

// index returns the ranges, indexed.
func (s *rangeSet) index() *rangeIndex {
	if s.idx == nil {
		s.idx = newRangeIndex(s.rgs, nil)
	}
	return s.idx
}

func newResolver(p *Policy, topo *Topology) *resolver {
	if topo == nil {
		topo = &Topology{}
	}
	r := &resolver{
		p:           p,
		topo:        topo,
		owner:       make([]*User, len(topo.Nodes)),
		byIP:        make(map[netip.Addr]int, 2*len(topo.Nodes)),
		nodeCache:   map[alias][]int{},
		ownedBy:     map[*User][]int{},
		sshSrcCache: map[*sshRule]*sshSourceSet{},
		rangeCache:  map[alias]*rangeSet{},
		ips:         make([][]netip.Addr, len(topo.Nodes)),
		routes:      make([][]netip.Prefix, len(topo.Nodes)),
	}
	owners := newOwners(topo)
	seen := map[netip.Prefix]bool{}
	for i := range topo.Nodes {
		n := &topo.Nodes[i]
		r.owner[i] = owners.of(n)
		if r.owner[i] != nil {
			r.ownedBy[r.owner[i]] = append(r.ownedBy[r.owner[i]], i)
		}
		r.ips[i] = slices.Clip(n.IPs())
		for _, a := range r.ips[i] {
			r.byIP[a] = i
		}
	}
	r.table = newRouteTable(r)
	for i := range topo.Nodes {
		r.routes[i] = r.table.subnet[i]
		for _, p := range r.routes[i] {
			if !seen[p] {
				seen[p] = true
				r.subnetRoutes = append(r.subnetRoutes, rangeOf(p))
			}
		}
	}
	return r
}

// nodesIn calls f for every node with an address in rg, once per address there.
func (r *resolver) nodesIn(rg ipRange, f func(node int)) {
	if r.addrs == nil {
		var addrs []ipRange
		var nodes []int
		for i, ips := range r.ips {
			for _, a := range ips {
				addrs = append(addrs, single(a))
				nodes = append(nodes, i)
			}
		}
		r.addrs = newRangeIndex(addrs, nodes)
	}
	r.addrs.overlapping(rg, f)
}

// userMatches reports whether user u is named by identity selector a.
func (r *resolver) userMatches(a alias, u *User) bool {
	if u == nil {
		return false
	}
	switch a.kind {
	case kindWildcard:
		return true
	case kindUser:
		name := strings.TrimSuffix(a.name, "@")
		return strings.EqualFold(u.Email, name) || (!strings.Contains(name, "@") && strings.EqualFold(u.Name, name))
	case kindUserDomain:
		_, domain, _ := strings.Cut(u.Email, "@")
		return strings.EqualFold(domain, a.name)
	case kindGroup:
		for _, m := range r.p.groups[a.name] {
			if r.userMatches(alias{kind: kindUser, name: m}, u) {
				return true
			}
		}
		return false
	case kindAutogroup:
		if a.name == agMember || a.name == agDanger {
			return true
		}
		if role := roleAutogroups[a.name]; role != "" {
			return slices.Contains(u.Roles, role)
		}
	}
	return false
}

// nodeMatches reports whether node i is named by selector a: by identity, or by address for
// addresses, hosts and prefixes.
func (r *resolver) nodeMatches(a alias, i int) bool {
	n := &r.topo.Nodes[i]
	switch a.kind {
	case kindWildcard:
		return true
	case kindTag:
		return n.HasTag(a.name)
	case kindHost, kindPrefix:
		p, ok := r.prefixOf(a)
		if !ok {
			return false
		}
		for _, ip := range r.ips[i] {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	case kindAutogroup:
		switch a.name {
		case agTagged:
			return n.IsTagged()
		case agMember:
			return !n.IsTagged() && r.owner[i] != nil
		case agDanger:
			return true
		case agSelf, agInternet, agShared, agNonroot:
			return false
		}
	}
	if n.IsTagged() {
		return false
	}
	return r.userMatches(a, r.owner[i])
}

func (r *resolver) prefixOf(a alias) (netip.Prefix, bool) {
	switch a.kind {
	case kindPrefix:
		return a.prefix, true
	case kindHost:
		p, ok := r.p.hosts[a.name]
		return p, ok
	}
	return netip.Prefix{}, false
}

// nodes returns the indexes of the nodes selector a names, in topology order.
func (r *resolver) nodes(a alias) []int {
	if out, ok := r.nodeCache[a]; ok {
		return out
	}
	var out []int
	if p, ok := r.prefixOf(a); ok && p.IsSingleIP() {
		if i, ok := r.byIP[p.Addr()]; ok {
			out = []int{i}
		}
	} else {
		for i := range r.topo.Nodes {
			if r.nodeMatches(a, i) {
				out = append(out, i)
			}
		}
	}
	r.nodeCache[a] = out
	return out
}

// ranges returns the addresses selector a stands for in a packet filter. Hosts and prefixes
// stand for themselves, even when they hold a node's address.
func (r *resolver) ranges(a alias) []ipRange { return r.rangeSet(a).rgs }

// rangeStrings returns ranges(a) as printed in a packet filter.
func (r *resolver) rangeStrings(a alias) []string { return r.rangeSet(a).strs }

// rangeSet returns ranges(a) with their strings, computed once per selector.
func (r *resolver) rangeSet(a alias) *rangeSet {
	if set, ok := r.rangeCache[a]; ok {
		return set
	}
	var out []ipRange
	switch {
	case a.kind == kindWildcard:
		out = wildcardRanges()
	case a.kind == kindAutogroup && a.name == agDanger:
		out = []ipRange{rangeOf(netip.MustParsePrefix("0.0.0.0/0")), rangeOf(netip.MustParsePrefix("::/0"))}
	case a.kind == kindHost || a.kind == kindPrefix:
		p, ok := r.prefixOf(a)
		if !ok {
			break
		}
		out = []ipRange{rangeOf(p)}
	default:
		for _, i := range r.nodes(a) {
			for _, ip := range r.ips[i] {
				out = append(out, single(ip))
			}
		}
	}
	set := &rangeSet{rgs: out, strs: make([]string, len(out))}
	for k, rg := range out {
		set.strs[k] = rg.String()
	}
	r.rangeCache[a] = set
	return set
}
