package access

import (
	"net/netip"
	"slices"
	"strings"
)

// candidate is a principal a report may name: a selector of the policy, or a user of the universe.
type candidate struct {
	a        alias
	name     string
	src, dst []ipRange // the addresses it stands for as a source and as a destination
}

// kindRank orders candidates of equal size: the names a reviewer reads first. A group comes before
// its only member ("a group when all its members gain it"), and a tag or group before an autogroup
// or "*" that happens to stand for the same devices in the universe.
func kindRank(a alias) int {
	switch a.kind {
	case kindGroup:
		return 0
	case kindTag:
		return 1
	case kindUserDomain:
		return 2
	case kindHost:
		return 3
	case kindPrefix:
		return 4
	case kindUser:
		return 5
	case kindAutogroup:
		return 6
	}
	return 7
}

// candidateAliases returns the principals a report about policy p may name, without duplicates.
func candidateAliases(p *Policy, u *universe) []alias {
	seen := map[string]bool{}
	var out []alias
	add := func(s string) {
		a, err := parseAlias(s)
		if err != nil || isSelf(a) || (a.kind == kindAutogroup && (a.name == agNonroot || a.name == agShared)) {
			return
		}
		key := a.String()
		if a.kind == kindUser {
			key = strings.ToLower(strings.TrimSuffix(a.name, "@"))
			a.name = key
		}
		if seen[key] {
			return
		}
		switch {
		case a.kind == kindGroup && !p.hasGroup(a.name), a.kind == kindTag && !p.tagOwners[a.name]:
			return
		case a.kind == kindHost:
			if _, ok := p.hosts[a.name]; !ok {
				return
			}
		}
		seen[key] = true
		out = append(out, a)
	}
	for _, s := range []string{"*", agMember, agTagged, agInternet} {
		add(s)
	}
	for _, s := range p.selectors() {
		add(s)
	}
	for _, name := range sortedKeys(p.groups) {
		add(name)
	}
	for _, name := range sortedKeys(p.hosts) {
		add(name)
	}
	for _, us := range u.topo.Users {
		if !strings.HasPrefix(us.Email, "*@") {
			add(us.Email)
		}
	}
	return out
}

func (p *Policy) hasGroup(name string) bool {
	_, ok := p.groups[name]
	return ok
}

// candidates returns side's candidates with their addresses, computed once.
func (m *netModel) candidates(side int) []candidate {
	if m.cands[side] != nil {
		return m.cands[side]
	}
	r := m.res[side]
	// A user's addresses are those of the untagged devices they own: found through the owners
	// rather than by matching every node against every user of a large snapshot.
	byEmail := map[string][]ipRange{}
	for i, n := range m.u.topo.Nodes {
		if us := r.owner[i]; us != nil && !n.IsTagged() {
			key := strings.ToLower(us.Email)
			for _, ip := range r.ips[i] {
				byEmail[key] = append(byEmail[key], single(ip))
			}
		}
	}
	var out []candidate
	for _, a := range candidateAliases(m.pols[side], m.u) {
		if a.kind == kindUser && strings.Contains(a.name, "@") {
			rgs := byEmail[strings.ToLower(a.name)]
			out = append(out, candidate{a: a, name: a.String(), src: rgs, dst: rgs})
			continue
		}
		c := candidate{a: a, name: a.String(), dst: r.dstRanges(a)}
		if !isInternet(a) {
			c.src = r.srcRanges([]alias{a})
		}
		out = append(out, c)
	}
	m.cands[side] = out
	return out
}

// coverSet names sets of members (atoms, nodes or users) by the most general principals whose
// members they hold entirely.
type coverSet struct {
	names    []string
	ranks    []int
	members  [][]int // sorted
	byMember map[int][]int
	// individual names members no principal covers.
	individual func(rest []int) []coverName
}

// coverName is a name cover gives, with the members of the set it stands for.
type coverName struct {
	name    string
	members []int
}

func newCoverSet(individual func([]int) []coverName) *coverSet {
	return &coverSet{byMember: map[int][]int{}, individual: individual}
}

func (c *coverSet) add(name string, rank int, members []int) {
	if len(members) == 0 {
		return
	}
	members = sortedUniqueInts(members)
	k := len(c.names)
	c.names = append(c.names, name)
	c.ranks = append(c.ranks, rank)
	c.members = append(c.members, members)
	for _, i := range members {
		c.byMember[i] = append(c.byMember[i], k)
	}
}

func sortedUniqueInts(xs []int) []int {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return slices.Compact(xs)
}

// cover returns the names of set (sorted, without duplicates): principals it holds entirely, the
// largest first, then the members left over.
func (c *coverSet) cover(set []int) []coverName {
	hits := map[int]int{}
	for _, i := range set {
		for _, k := range c.byMember[i] {
			hits[k]++
		}
	}
	var whole []int
	for k, n := range hits {
		if n == len(c.members[k]) {
			whole = append(whole, k)
		}
	}
	slices.SortFunc(whole, func(a, b int) int {
		if d := len(c.members[b]) - len(c.members[a]); d != 0 {
			return d
		}
		if d := c.ranks[a] - c.ranks[b]; d != 0 {
			return d
		}
		return strings.Compare(c.names[a], c.names[b])
	})
	covered := map[int]bool{}
	var names []coverName
	for _, k := range whole {
		if !slices.ContainsFunc(c.members[k], func(i int) bool { return !covered[i] }) {
			continue
		}
		names = append(names, coverName{c.names[k], c.members[k]})
		for _, i := range c.members[k] {
			covered[i] = true
		}
	}
	var rest []int
	for _, i := range set {
		if !covered[i] {
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		names = append(names, c.individual(rest)...)
	}
	return names
}

// atomNames names atoms no principal covers: a node's address by the node, other atoms as the
// address ranges they make up together.
func (m *netModel) atomNames(rest []int) []coverName {
	var names []coverName
	seen := map[string]int{} // node names, by index in names
	type run struct {
		r       ipRange
		members []int
	}
	var runs []run
	for _, i := range rest {
		if n, ok := m.nodeOfAtom[i]; ok {
			d := m.u.display[n]
			if k, ok := seen[d]; ok {
				names[k].members = append(names[k].members, i)
				continue
			}
			seen[d] = len(names)
			names = append(names, coverName{d, []int{i}})
			continue
		}
		r := m.at.rangeOf(i)
		if k := len(runs); k > 0 && runs[k-1].r.hi.Next() == r.lo {
			runs[k-1].r.hi = r.hi
			runs[k-1].members = append(runs[k-1].members, i)
			continue
		}
		runs = append(runs, run{r, []int{i}})
	}
	for _, r := range runs {
		for _, s := range rangeNames(r.r) {
			names = append(names, coverName{s, r.members})
		}
	}
	return names
}

// rangeNames writes an address range as the CIDR prefixes it is made of, or as "first-last" when
// that takes more than four.
func rangeNames(r ipRange) []string {
	var out []string
	lo := r.lo
	for len(out) <= 4 {
		bits := lo.BitLen()
		for ; bits > 0; bits-- {
			p := netip.PrefixFrom(lo, bits-1)
			if p.Masked().Addr() != lo || lastAddr(p).Compare(r.hi) > 0 {
				break
			}
		}
		p := netip.PrefixFrom(lo, bits)
		if p.IsSingleIP() {
			out = append(out, lo.String())
		} else {
			out = append(out, p.String())
		}
		last := lastAddr(p)
		if last == r.hi {
			return out
		}
		lo = last.Next()
	}
	return []string{r.String()}
}
