package access

import (
	"fmt"
	"net/netip"

	"github.com/tailaudit/tailaudit/engine/source"
)

// Because names a rule that allows a connection, by its path in the policy ("/acls/3").
type Because struct {
	Path []any
}

func (b Because) String() string { return source.Pointer(b.Path) }

// Reachable reports whether src may open a connection to dst on port with protocol proto
// ("" for TCP; a name such as "udp" or an IANA number). src and dst are single identities as
// in policy tests: a user, a group (all members must be allowed), a tag, a host or an IP
// address; topo may be nil. It returns the rules that allow the connection.
func (p *Policy) Reachable(topo *Topology, src, dst string, port int, proto string) (bool, []Because, error) {
	return p.Reacher(topo).Reachable(src, dst, port, proto)
}

// Resolution is what a selector stands for in a topology.
type Resolution struct {
	Nodes    []string       // names of the nodes it selects
	Prefixes []netip.Prefix // addresses it selects outside nodes (hosts, CIDRs), if any
}

// Resolve returns the nodes and addresses selector sel names in topo. It reports selectors the
// policy does not define.
func (p *Policy) Resolve(topo *Topology, sel string) (Resolution, error) {
	a, err := parseAlias(sel)
	if err != nil {
		return Resolution{}, err
	}
	switch a.kind {
	case kindGroup:
		if _, ok := p.groups[a.name]; !ok {
			return Resolution{}, fmt.Errorf("group %q not found", a.name)
		}
	case kindTag:
		if !p.tagOwners[a.name] {
			return Resolution{}, fmt.Errorf("tag %q not found", a.name)
		}
	case kindHost:
		if _, ok := p.hosts[a.name]; !ok {
			return Resolution{}, fmt.Errorf("host %q not found", a.name)
		}
	}
	r := newResolver(p, topo)
	var res Resolution
	for _, i := range r.nodes(a) {
		res.Nodes = append(res.Nodes, r.topo.Nodes[i].Name)
	}
	if pfx, ok := r.prefixOf(a); ok {
		res.Prefixes = []netip.Prefix{pfx}
	}
	return res, nil
}
