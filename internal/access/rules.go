package access

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// RuleMatch is one ACL, grant or SSH rule through which a source reaches a destination, with the
// part of the rule that does.
type RuleMatch struct {
	// Path locates the rule in the policy document, such as []any{"acls", 2}, with keys spelt as
	// the document spells them.
	Path []any
	// Section is "acls", "grants" or "ssh".
	Section string
	// Src lists the rule's sources, as selectors.
	Src []string
	// Dst lists the rule's destinations that reach the destination asked about (all of them when
	// none was asked about), as selectors; an ACL's carry their ports, as in "tag:db:5432".
	Dst []string
	// Access is what the rule lets its sources open on those destinations (acls and grants).
	Access []Allowed
	// IP lists a grant's "ip" entries, written as a policy author writes them ("tcp:443", "*").
	IP []string
	// App lists, sorted, the application capabilities a grant hands out; Via its via tags.
	App, Via []string
	// Action is an ACL's "accept", or an SSH rule's "accept" or "check".
	Action string
	// Proto is an ACL's protocol, as a policy author writes it; "" for the default set.
	Proto string
	// Users lists an SSH rule's login users.
	Users []string
	// SelfOnly is set when the rule reaches the destination through autogroup:self alone: only
	// from devices of the user who owns it.
	SelfOnly bool
	// Nodes names, sorted, the devices of the topology that Dst selects; SrcNodes those Src selects.
	// Both are empty without a topology.
	Nodes, SrcNodes []string
}

// Allowed is what a rule lets its sources open on one destination.
type Allowed struct {
	Dst    string // the destination selector, without ports
	Protos []int  // IANA protocol numbers; nil is the default set: TCP, UDP, ICMP and ICMPv6
	Ports  []PortRange
}

// Proto returns the protocol as a policy author writes it ("udp", "tcp", "47"), or "" for the
// default set.
func (a Allowed) Proto() string {
	if len(a.Protos) == 0 {
		return ""
	}
	return protoName(a.Protos[0])
}

// PortList returns the ports as a policy author writes them: "5432", "22,443", "8000-8999", "*".
func (a Allowed) PortList() string { return portsString(a.Ports) }

// Allows reports whether the match lets its sources connect to port with protocol proto ("" for
// TCP; a name such as "udp" or an IANA number), as Reachable asks.
func (m RuleMatch) Allows(port int, proto string) bool {
	want, err := parseProto(proto)
	if err != nil {
		return false
	}
	for _, a := range m.Access {
		if protoMatches(a.Protos, want) && slices.ContainsFunc(a.Ports, func(r PortRange) bool { return r.contains(port) }) {
			return true
		}
	}
	return false
}

// AllowsAll reports whether the policy has neither "acls" nor "grants", so that Tailscale lets
// everything reach everything without a rule to name.
func (p *Policy) AllowsAll() bool { return p.allowAll }

// RulesFrom returns, in policy order (acls, grants, then ssh), the rules whose sources include src,
// each with everything it reaches. src is a single identity as in policy tests and Reachable: a
// user, a group (the rule must apply to every member), a tag, a host or an IP address,
// autogroup:member or autogroup:tagged, or a device name of topo. Membership is resolved with
// Tailscale's semantics: through groups, autogroups and wildcards. topo may be nil. Rules the
// policy rejects have no meaning and are not returned, and nor is the allow-all of a policy
// without rules (see AllowsAll).
func (p *Policy) RulesFrom(topo *Topology, src string) ([]RuleMatch, error) {
	r := newResolver(p, topo)
	s, err := r.endpointFor(src, sideSrc)
	if err != nil {
		return nil, fmt.Errorf("src %q: %w", src, err)
	}
	return r.ruleMatches(s, endpoint{any: true}), nil
}

// RulesTo returns, in policy order, the rules through which anything can reach dst, each with its
// sources and only the destinations, ports and protocols that reach dst. dst is a user (the
// devices they own), a group (the rule must reach every member), a tag, a host, an IP address or
// a CIDR prefix (the rule must reach some address in it), autogroup:member, autogroup:tagged,
// autogroup:internet, or a device name of topo. A rule that reaches a user's devices only through
// autogroup:self comes with SelfOnly set. topo may be nil; addresses then name no device.
func (p *Policy) RulesTo(topo *Topology, dst string) ([]RuleMatch, error) {
	r := newResolver(p, topo)
	d, err := r.endpointFor(dst, sideDst)
	if err != nil {
		return nil, fmt.Errorf("dst %q: %w", dst, err)
	}
	return r.ruleMatches(endpoint{any: true}, d), nil
}

// RulesBetween returns the rules that let src reach dst, src as in RulesFrom and dst as in RulesTo,
// each with only the destinations, ports and protocols that reach dst.
func (p *Policy) RulesBetween(topo *Topology, src, dst string) ([]RuleMatch, error) {
	r := newResolver(p, topo)
	s, err := r.endpointFor(src, sideSrc)
	if err != nil {
		return nil, fmt.Errorf("src %q: %w", src, err)
	}
	d, err := r.endpointFor(dst, sideDst)
	if err != nil {
		return nil, fmt.Errorf("dst %q: %w", dst, err)
	}
	return r.ruleMatches(s, d), nil
}

// endpoint is the source or destination of a rule query: anything, identities (as Reachable
// resolves them: each of them must match), or address ranges (some address must match).
type endpoint struct {
	any bool
	prs []principal
	rgs []ipRange
}

// taggedPrincipal stands for any tagged device: it carries a tag no rule can name.
var taggedPrincipal = principal{tags: []string{agTagged}}

// endpointFor resolves a query's source or destination. Device names of the topology stand for
// their addresses.
func (r *resolver) endpointFor(sel string, s side) (endpoint, error) {
	sel = r.topo.DeviceSelector(sel)
	a, err := parseAlias(sel)
	if err != nil {
		return endpoint{}, err
	}
	switch a.kind {
	case kindWildcard, kindUserDomain:
		return endpoint{}, fmt.Errorf("%q names no single identity: name a user, group, tag, host, address or device", sel)
	case kindAutogroup:
		switch {
		case a.name == agMember:
		case a.name == agTagged:
			return endpoint{prs: []principal{taggedPrincipal}}, nil
		case a.name == agInternet && s == sideDst:
			return endpoint{rgs: internetIPRanges}, nil
		case s == sideDst:
			return endpoint{}, fmt.Errorf("%q cannot be explained as a destination: try autogroup:member, autogroup:tagged, autogroup:internet or a user", a.name)
		default:
			return endpoint{}, fmt.Errorf("%q cannot be explained as a source: try autogroup:member, autogroup:tagged or a user", a.name)
		}
	case kindHost, kindPrefix:
		if pfx, ok := r.prefixOf(a); ok && s == sideDst && (!pfx.IsSingleIP() || strings.Contains(sel, "/")) {
			return endpoint{rgs: []ipRange{rangeOf(pfx)}}, nil
		}
	}
	prs, err := r.principalsFor(sel)
	if err != nil {
		return endpoint{}, err
	}
	return endpoint{prs: prs}, nil
}

// ruleMatches returns the rules through which src reaches dst, in policy order.
func (r *resolver) ruleMatches(src, dst endpoint) []RuleMatch {
	var out []RuleMatch
	for _, ru := range r.p.rules {
		if m, ok := r.matchRule(ru, src, dst); ok {
			out = append(out, m)
		}
	}
	for _, ru := range r.p.ssh {
		if m, ok := r.matchSSH(ru, src, dst); ok {
			out = append(out, m)
		}
	}
	return out
}

// srcMatches reports whether the sources of a rule name every principal of src.
func (r *resolver) srcMatches(srcs []alias, src endpoint) bool {
	if src.any {
		return true
	}
	if len(src.prs) == 0 {
		return false
	}
	for _, s := range src.prs {
		if !slices.ContainsFunc(srcs, func(a alias) bool { return r.matches(a, s, nil) }) {
			return false
		}
	}
	return true
}

// reaches reports whether destination selector a of a rule with sources srcs reaches dst from
// src, and whether it does through autogroup:self alone.
func (r *resolver) reaches(a alias, srcs []alias, src, dst endpoint) (ok, selfOnly bool) {
	switch {
	case dst.any:
		return true, false
	case dst.rgs != nil:
		return r.reachesRanges(a, srcs, src, dst.rgs)
	case len(dst.prs) == 0:
		return false, false
	}
	for _, d := range dst.prs {
		if !isSelf(a) {
			if !r.matches(a, d, nil) {
				return false, false
			}
			continue
		}
		if src.any {
			// From the owner's own devices, when the owner is one of the rule's sources.
			if d.user == nil || len(d.tags) > 0 || !r.srcMatches(srcs, endpoint{prs: []principal{{user: d.user, ips: d.ips}}}) {
				return false, false
			}
			continue
		}
		for _, s := range src.prs {
			if !r.matches(a, d, &s) {
				return false, false
			}
		}
	}
	return true, isSelf(a)
}

// reachesRanges is reaches for a destination given as address ranges: a must reach some address
// in them.
func (r *resolver) reachesRanges(a alias, srcs []alias, src endpoint, rgs []ipRange) (ok, selfOnly bool) {
	overlaps := func(x ipRange) bool {
		return slices.ContainsFunc(rgs, x.overlaps)
	}
	switch {
	case a.kind == kindWildcard:
		return true, false
	case isInternet(a):
		return slices.ContainsFunc(internetIPRanges, overlaps), false
	case isSelf(a):
		for i := range r.topo.Nodes {
			u := r.owner[i]
			if u == nil || r.topo.Nodes[i].IsTagged() || !slices.ContainsFunc(r.ips[i], func(ip netip.Addr) bool { return overlaps(single(ip)) }) {
				continue
			}
			owner := principal{user: u, ips: r.userIPs(u)}
			if src.any && r.srcMatches(srcs, endpoint{prs: []principal{owner}}) {
				return true, true
			}
			if !src.any && len(src.prs) > 0 && !slices.ContainsFunc(src.prs, func(s principal) bool { return !r.matches(a, owner, &s) }) {
				return true, true
			}
		}
		return false, false
	}
	return slices.ContainsFunc(r.ranges(a), overlaps), false
}

func (r *resolver) matchRule(ru *rule, src, dst endpoint) (RuleMatch, bool) {
	if len(ru.src) == 0 || !r.srcMatches(ru.src, src) {
		return RuleMatch{}, false
	}
	m := r.newMatch(ru.path, ru.src)
	isACL := m.Section == "acls"
	var hit []alias
	selfOnly := true
	for k, a := range ru.dst {
		ok, self := r.reaches(a, ru.src, src, dst)
		if !ok {
			continue
		}
		hit = append(hit, a)
		selfOnly = selfOnly && self
		if isACL {
			ports := ru.lines[0].dsts[k].ports
			m.Dst = append(m.Dst, hostPorts(a, ports))
			m.Access = append(m.Access, Allowed{Dst: a.String(), Protos: ru.lines[0].protos, Ports: ports})
			continue
		}
		m.Dst = append(m.Dst, a.String())
		for _, line := range ru.lines {
			m.Access = append(m.Access, Allowed{Dst: a.String(), Protos: line.protos, Ports: linePorts(line)})
		}
	}
	if len(hit) == 0 {
		return RuleMatch{}, false
	}
	m.SelfOnly = selfOnly
	if isACL {
		m.Action = "accept"
		if protos := ru.lines[0].protos; protos != nil {
			m.Proto = protoName(protos[0])
		}
	} else {
		for _, line := range ru.lines {
			m.IP = append(m.IP, ipSpec(line.protos, linePorts(line)))
		}
		if len(ru.app) > 0 {
			m.App = sortedKeys(ru.app)
		}
		m.Via = slices.Clone(ru.via)
	}
	r.addNodes(&m, ru.src, hit)
	return m, true
}

func (r *resolver) matchSSH(ru *sshRule, src, dst endpoint) (RuleMatch, bool) {
	if len(ru.src) == 0 || !r.srcMatches(ru.src, src) {
		return RuleMatch{}, false
	}
	m := r.newMatch(ru.path, ru.src)
	var hit []alias
	selfOnly := true
	for _, a := range ru.dst {
		if ok, self := r.reaches(a, ru.src, src, dst); ok {
			hit = append(hit, a)
			selfOnly = selfOnly && self
			m.Dst = append(m.Dst, a.String())
		}
	}
	if len(hit) == 0 {
		return RuleMatch{}, false
	}
	m.SelfOnly = selfOnly
	m.Action = ru.action
	m.Users = slices.Clone(ru.users)
	r.addNodes(&m, ru.src, hit)
	return m, true
}

func (r *resolver) newMatch(path []any, srcs []alias) RuleMatch {
	m := RuleMatch{Path: slices.Clone(path)}
	if len(path) > 0 {
		key, _ := path[0].(string)
		m.Section = strings.ToLower(key)
	}
	for _, a := range srcs {
		m.Src = append(m.Src, a.String())
	}
	return m
}

// addNodes names the devices the sources and the destinations dsts select, when there is a
// topology.
func (r *resolver) addNodes(m *RuleMatch, srcs, dsts []alias) {
	m.Nodes, m.SrcNodes = r.nodeNames(dsts), r.nodeNames(srcs)
}

// nodeNames returns, sorted and without duplicates, the names of the nodes the selectors name.
// Each selector's are sorted once per resolver, since many rules share a selector.
func (r *resolver) nodeNames(as []alias) []string {
	if r.nameCache == nil {
		r.nameCache = map[alias][]string{}
	}
	var out []string
	for _, a := range as {
		names, ok := r.nameCache[a]
		if !ok {
			for _, i := range r.nodes(a) {
				names = append(names, r.topo.Nodes[i].Name)
			}
			slices.Sort(names)
			names = slices.Compact(names)
			r.nameCache[a] = names
		}
		if len(as) == 1 {
			return slices.Clone(names)
		}
		out = append(out, names...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hostPorts writes an ACL destination, "selector:ports", bracketing a bare IPv6 address.
func hostPorts(a alias, ports []PortRange) string {
	host := a.String()
	if a.kind == kindPrefix && a.prefix.IsSingleIP() && a.prefix.Addr().Is6() {
		host = "[" + host + "]"
	}
	return host + ":" + portsString(ports)
}

func portsString(ports []PortRange) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// ipSpec writes one entry of a grant's "ip": "*", "443", "tcp:443", "icmp:*".
func ipSpec(protos []int, ports []PortRange) string {
	ps := portsString(ports)
	if len(protos) == 0 {
		return ps
	}
	return protoName(protos[0]) + ":" + ps
}

// protoName returns the name a policy author uses for an IANA protocol number, or the number.
func protoName(n int) string {
	best := ""
	for name, num := range protocolNumbers {
		// Two names share 4; "ipv4" is the one Tailscale documents first.
		if num == n && (best == "" || name == "ipv4") {
			best = name
		}
	}
	if best == "" {
		return strconv.Itoa(n)
	}
	return best
}
