package access

import (
	"net/netip"
	"slices"
	"strings"
)

// universe is the one set of principals two policies are compared over: a device for every
// user, tag and role either policy names, one for a user no policy names, and the devices of a
// snapshot when there is one.
type universe struct {
	topo *Topology
	// display names each node when a report lists it on its own: the user or tag a synthetic
	// node stands for, or a snapshot device's name.
	display []string
}

// Names given to the synthetic users that stand for users no policy names.
const (
	otherMember = "autogroup:member (others)"
	otherSuffix = " (others)"
	// otherDevices marks the synthetic device of a user or tag, which stands for the devices of
	// theirs a snapshot does not hold.
	otherDevices = " (other devices)"
)

// selectors returns every selector the policy writes, wherever it writes one.
func (p *Policy) selectors() []string {
	var out []string
	add := func(as []alias) {
		for _, a := range as {
			out = append(out, a.String())
		}
	}
	for _, ru := range p.rules {
		add(ru.src)
		add(ru.dst)
		out = append(out, ru.via...)
	}
	for _, ru := range p.ssh {
		add(ru.src)
		add(ru.dst)
	}
	for _, name := range sortedKeys(p.groups) {
		out = append(out, p.groups[name]...)
	}
	for tag := range p.tagOwners {
		out = append(out, tag)
	}
	for _, tag := range sortedKeys(p.owners) {
		out = append(out, p.owners[tag]...)
	}
	for _, a := range p.approvers {
		out = append(out, a.by...)
	}
	for _, a := range p.attrs {
		out = append(out, a.targets...)
	}
	for _, t := range p.tests {
		out = append(out, t.src)
		for _, as := range append(slices.Clone(t.accept), t.deny...) {
			if host, _, err := SplitHostPorts(as.what); err == nil {
				out = append(out, host)
			}
		}
	}
	for _, t := range p.sshTests {
		out = append(out, t.src)
		out = append(out, t.dst...)
	}
	return out
}

// newUniverse builds the universe of base and head, with the devices of snap (which may be nil).
func newUniverse(base, head *Policy, snap *Topology) *universe {
	u := &universe{topo: &Topology{}}
	known := map[string]bool{} // lower-cased emails of the topology's users
	var taken []netip.Prefix   // addresses a synthetic node must not take
	if snap != nil {
		u.topo.Users = slices.Clone(snap.Users)
		u.topo.Nodes = slices.Clone(snap.Nodes)
		for _, us := range snap.Users {
			known[strings.ToLower(us.Email)] = true
		}
		for _, n := range snap.Nodes {
			u.display = append(u.display, n.Name)
			for _, ip := range n.IPs() {
				taken = append(taken, netip.PrefixFrom(ip, ip.BitLen()))
			}
			taken = append(taken, n.RoutableIPs...)
		}
	}
	var users, tags, domains, roles []string
	for _, p := range []*Policy{base, head} {
		for _, pfx := range p.hosts {
			taken = append(taken, pfx)
		}
		for _, s := range p.selectors() {
			a, err := parseAlias(s)
			if err != nil {
				continue
			}
			switch a.kind {
			case kindUser:
				users = append(users, strings.ToLower(strings.TrimSuffix(a.name, "@")))
			case kindTag:
				tags = append(tags, a.name)
			case kindUserDomain:
				domains = append(domains, strings.ToLower(a.name))
			case kindAutogroup:
				if roleAutogroups[a.name] != "" {
					roles = append(roles, a.name)
				}
			case kindPrefix:
				taken = append(taken, a.prefix)
			}
		}
	}
	alloc := newAllocator(taken)
	addUser := func(us User, display string) {
		us.ID = len(u.topo.Users) + 1
		u.topo.Users = append(u.topo.Users, us)
		u.topo.Nodes = append(u.topo.Nodes, Node{Name: display, User: us.Email, IPv4: alloc.next()})
		u.display = append(u.display, display)
	}
	for _, email := range sortedUnique(users) {
		name, _, _ := strings.Cut(email, "@")
		if known[email] {
			// The user is in the snapshot: a synthetic device stands for the devices they may add.
			u.topo.Nodes = append(u.topo.Nodes, Node{Name: email + otherDevices, User: email, IPv4: alloc.next()})
			u.display = append(u.display, email+otherDevices)
			continue
		}
		addUser(User{Name: name, Email: email}, email+otherDevices)
	}
	for _, d := range sortedUnique(domains) {
		addUser(User{Name: "*", Email: "*@" + d}, "user:*@"+d+otherSuffix)
	}
	for _, r := range sortedUnique(roles) {
		addUser(User{Name: "*", Email: "*@" + r, Roles: []string{roleAutogroups[r]}}, r+otherSuffix)
	}
	addUser(User{Name: "*", Email: "*@*"}, otherMember)
	for _, t := range sortedUnique(tags) {
		u.topo.Nodes = append(u.topo.Nodes, Node{Name: t + otherDevices, Tags: []string{t}, IPv4: alloc.next()})
		u.display = append(u.display, t+otherDevices)
	}
	return u
}

func sortedUnique(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// allocator hands out addresses that no policy names and no device holds: Tailscale IPv4
// addresses from the top of 100.64.0.0/10 down, then lower IPv4 addresses, then IPv6 addresses from
// the top of Tailscale's ULA range down. Prefixes as wide as the whole tailnet range cannot be
// avoided, and need not be.
type allocator struct {
	cur   netip.Addr // the next candidate; invalid once IPv4 is used up
	taken []netip.Prefix
}

func newAllocator(taken []netip.Prefix) *allocator {
	var narrow []netip.Prefix
	for _, p := range taken {
		if p.IsValid() && ((p.Addr().Is4() && p.Bits() > 10) || (p.Addr().Is6() && p.Bits() > 48)) {
			narrow = append(narrow, p.Masked())
		}
	}
	narrow = append(narrow, netip.MustParsePrefix("100.115.92.0/23"), netip.MustParsePrefix("100.100.0.0/16"))
	return &allocator{cur: netip.MustParseAddr("100.127.255.254"), taken: narrow}
}

func (a *allocator) next() netip.Addr {
	for {
		ip := a.cur
		if !ip.IsValid() { // below 0.0.0.0: continue in IPv6
			ip = netip.MustParseAddr("fd7a:115c:a1e0:ffff:ffff:ffff:ffff:fffe")
		}
		if k := slices.IndexFunc(a.taken, func(p netip.Prefix) bool { return p.Contains(ip) }); k >= 0 {
			a.cur = a.taken[k].Addr().Prev() // skip the whole prefix
			continue
		}
		a.cur = ip.Prev()
		return ip
	}
}
