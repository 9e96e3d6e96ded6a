package access

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// Diff is what a change from a base policy to a head policy does to who may do what, with
// Tailscale's semantics: every (source, destination, protocol, port) that head allows and base
// does not is added, and the reverse removed; likewise for application capabilities, SSH logins,
// tag ownership, auto-approval, node attributes, group membership and the policy's tests.
//
// Compare computes it by evaluating both policies over one universe of principals: a device for
// every user, tag and role either policy names, one for any other user, and the devices of a
// snapshot when there is one. Edits that change nothing a principal may do (reordering rules,
// splitting a destination into several entries, renaming a group and every use of it, comments)
// give an empty Diff.
//
// Changes are reported as a reviewer reads them: the most general principal that gains or loses
// the access as a whole (a group when all its members do, otherwise the members), merged port
// ranges, and the rules responsible, in head for what is added and in base for what is removed.
// Report turns a Diff into the versioned JSON document of `tailaudit diff -f json`, which is also
// what change rules see as input.change.access.
type Diff struct {
	Access        Changes[AccessChange]
	App           Changes[AppChange]
	SSH           Changes[SSHChange]
	TagOwners     Changes[OwnerChange]
	AutoApprovers Changes[ApproverChange]
	NodeAttrs     Changes[AttrChange]
	Groups        Changes[MemberChange]
	Tests         TestChanges
	Validity      Validity
}

// Changes are the entries of one kind that head adds and removes.
type Changes[T any] struct {
	Added, Removed []T
}

// Len is the number of entries added and removed.
func (c Changes[T]) Len() int { return len(c.Added) + len(c.Removed) }

// RuleRef names a rule or entry responsible for a change: in head (Head set) or base, by JSON path.
// Path is nil for the allow-all of a policy with neither acls nor grants.
type RuleRef struct {
	Head bool
	Path []any
}

// Pointer returns Path as a JSON pointer, such as "/acls/3".
func (r RuleRef) Pointer() string { return source.Pointer(r.Path) }

// AccessChange is network access one principal gains or loses to another.
type AccessChange struct {
	Src, Dst string // as a policy author writes them: group:eng, tag:db, alice@example.com, 10.1.0.0/16
	Proto    string // tcp, udp, icmp, ipv6-icmp, sctp, or an IANA number
	Ports    []PortRange
	Via      []string // the via tags of a grant that routes the access through them
	Rules    []RuleRef
}

// AppChange is an application capability of a grant that one principal gains or loses on another.
type AppChange struct {
	Src, Dst   string
	Capability string
	Value      string // the capability's value, as JSON
	Rules      []RuleRef
}

// SSHChange is an SSH login that one principal gains or loses on another, with the action that
// lets it in: "check" (re-authentication) or "accept". A change from check to accept is a
// removed check and an added accept.
type SSHChange struct {
	Src, Dst string
	Users    []string // login users: root, names, autogroup:nonroot (any other non-root user), localpart:*@domain
	Action   string
	Root     bool // Users includes root
	Rules    []RuleRef
}

// OwnerChange is principals that may newly apply a tag, or no longer may.
type OwnerChange struct {
	Tag    string
	Owners []string
	Rules  []RuleRef
}

// ApproverChange is principals that may newly advertise a route (or, with Route
// "autogroup:internet", an exit node) without review, or no longer may.
type ApproverChange struct {
	Route     string
	Approvers []string
	Rules     []RuleRef
}

// AttrChange is principals whose devices newly get a node attribute (such as funnel), or lose it.
type AttrChange struct {
	Attr    string
	Targets []string
	Rules   []RuleRef
}

// MemberChange is users added to or removed from a group both policies define.
type MemberChange struct {
	Group   string
	Members []string
	Rules   []RuleRef
}

// TestChanges are the assertions of "tests" and "sshTests" that head adds or removes, and those
// in both whose outcome differs.
type TestChanges struct {
	Added, Removed []TestAssertion
	Changed        []OutcomeChange
}

// TestAssertion is one assertion: src reaching dst ("tag:db:5432"; for sshTests "root@tag:prod")
// wanting accept, deny or check.
type TestAssertion struct {
	Section string // tests or sshTests
	Src     string
	Proto   string `json:",omitempty"`
	Dst     string
	Want    string
	Rule    RuleRef
}

// OutcomeChange is an assertion in both policies whose outcome differs.
type OutcomeChange struct {
	TestAssertion
	Base, Head string // what each policy answers: accept, deny, check or error
}

// Validity is whether Tailscale would accept each side, with its reasons when not.
type Validity struct {
	Base, Head []Error // compile errors and failing tests; empty when Tailscale accepts the policy
}

// HeadRejected reports whether Tailscale would reject head although it accepts base.
func (v Validity) HeadRejected() bool { return len(v.Head) > 0 && len(v.Base) == 0 }

// Empty reports whether the change does nothing: no entry in any section and no change of validity.
func (d *Diff) Empty() bool {
	return d.Access.Len()+d.App.Len()+d.SSH.Len()+d.TagOwners.Len()+d.AutoApprovers.Len()+d.NodeAttrs.Len()+
		d.Groups.Len()+len(d.Tests.Added)+len(d.Tests.Removed)+len(d.Tests.Changed) == 0 &&
		(len(d.Validity.Base) == 0) == (len(d.Validity.Head) == 0)
}

// Compare returns what changes from base to head. topo, which may be nil, adds the devices and
// users of a snapshot to the universe the policies are evaluated over, so that the diff is exact
// for every device too.
func Compare(basePol, headPol *Policy, topo *Topology) *Diff {
	pols := [2]*Policy{basePol, headPol}
	u := newUniverse(basePol, headPol, topo)
	d := &Diff{}
	m := newNetModel(u, pols)
	m.report(d)
	s := newSSHModel(u, pols, m.res)
	s.report(d)
	compareMeta(d, pols)
	return d
}

// ref returns the rule behind an entry of one side.
func refOf(pols [2]*Policy, side, rule int) RuleRef {
	ref := RuleRef{Head: side == sideHead}
	if rule >= 0 {
		ref.Path = slices.Clone(pols[side].rules[rule].path)
	}
	return ref
}

// named is a delta at the level of principals.
type named struct {
	src, dst string
	key      grantKey
	ports    []PortRange
	entries  []int32
}

// namedClasses is a name namer gives a set of classes, with the classes it stands for (in part).
type namedClasses struct {
	name    string
	classes []int32
}

// group names the principals of deltas, merging classes into the most general principals and
// ports into ranges. srcNames and dstNames name sets of classes. Each source class's destinations
// are named first, then the sources that share a named destination, so that a tag or group that
// gains access as a whole is named as such on both sides. Each name keeps the entries of the
// classes it stands for, so that the rules given are those responsible for that name.
func group(ds []delta, srcNames, dstNames func([]int32) []namedClasses) []named {
	type acc struct {
		classes []int32
		ports   []PortRange
		entries map[int32][]int32 // by class
	}
	newAcc := func(ports []PortRange) *acc { return &acc{ports: ports, entries: map[int32][]int32{}} }
	type bySrc struct {
		src   int32
		key   grantKey
		ports string
	}
	var order []bySrc
	a := map[bySrc]*acc{}
	for _, d := range ds {
		k := bySrc{d.src, d.key, portsString(d.ports)}
		x, ok := a[k]
		if !ok {
			x = newAcc(d.ports)
			a[k] = x
			order = append(order, k)
		}
		x.classes = append(x.classes, d.dst)
		x.entries[d.dst] = append(x.entries[d.dst], d.entries...)
	}
	type byDst struct {
		dst   string
		key   grantKey
		ports string
	}
	var order2 []byDst
	b := map[byDst]*acc{}
	for _, k := range order {
		x := a[k]
		for _, n := range dstNames(x.classes) {
			k2 := byDst{n.name, k.key, k.ports}
			y, ok := b[k2]
			if !ok {
				y = newAcc(x.ports)
				b[k2] = y
				order2 = append(order2, k2)
			}
			y.classes = append(y.classes, k.src)
			for _, c := range n.classes {
				y.entries[k.src] = append(y.entries[k.src], x.entries[c]...)
			}
		}
	}
	type final struct {
		src, dst string
		key      grantKey
	}
	var order3 []final
	c := map[final]*named{}
	for _, k := range order2 {
		y := b[k]
		for _, n := range srcNames(y.classes) {
			k3 := final{n.name, k.dst, k.key}
			z, ok := c[k3]
			if !ok {
				z = &named{src: n.name, dst: k.dst, key: k.key}
				c[k3] = z
				order3 = append(order3, k3)
			}
			z.ports = mergePorts(append(z.ports, y.ports...))
			for _, cl := range n.classes {
				z.entries = append(z.entries, y.entries[cl]...)
			}
		}
	}
	out := make([]named, 0, len(order3))
	for _, k := range order3 {
		z := c[k]
		z.entries = sortedUniqueInt32(z.entries)
		out = append(out, *z)
	}
	slices.SortFunc(out, func(x, y named) int {
		if d := strings.Compare(x.src, y.src); d != 0 {
			return d
		}
		if d := strings.Compare(x.dst, y.dst); d != 0 {
			return d
		}
		return compareGrantKeys(x.key, y.key)
	})
	return out
}

func sortedUniqueInt32(xs []int32) []int32 {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// namer names sets of classes through a coverSet, caching by the set.
func namer(classMembers [][]int, cs *coverSet) func([]int32) []namedClasses {
	cache := map[string][]namedClasses{}
	return func(classes []int32) []namedClasses {
		classes = sortedUniqueInt32(slices.Clone(classes))
		var key strings.Builder
		for _, c := range classes {
			key.WriteString(strconv.Itoa(int(c)))
			key.WriteByte(',')
		}
		if names, ok := cache[key.String()]; ok {
			return names
		}
		var set []int
		classOf := map[int]int32{}
		for _, c := range classes {
			set = append(set, classMembers[c]...)
			for _, m := range classMembers[c] {
				classOf[m] = c
			}
		}
		var out []namedClasses
		for _, n := range cs.cover(sortedUniqueInts(set)) {
			var cl []int32
			for _, m := range n.members {
				cl = append(cl, classOf[m])
			}
			out = append(out, namedClasses{n.name, sortedUniqueInt32(cl)})
		}
		cache[key.String()] = out
		return out
	}
}

// selfName names every set of destination classes autogroup:self: the self entries have none.
func selfName(classes []int32) []namedClasses {
	return []namedClasses{{agSelf, sortedUniqueInt32(slices.Clone(classes))}}
}

// report adds the network and capability changes to d.
func (m *netModel) report(d *Diff) {
	added, removed := compare(m.rel, m.entries)
	selfAdded, selfRemoved := compare(m.self, m.selfEntries)
	added, removed = m.beyondSelf(added, sideBase), m.beyondSelf(removed, sideHead)
	selfAdded = m.beyondOwn(selfAdded, sideBase)
	selfRemoved = m.beyondOwn(selfRemoved, sideHead)
	for side, ds := range [2][]delta{removed, added} {
		srcCover, dstCover, userCover := m.covers(side)
		names := group(ds, namer(m.srcAtoms, srcCover), namer(m.dstAtoms, dstCover))
		self := [][]delta{selfRemoved, selfAdded}[side]
		selfNames := group(self, namer(m.selfMembersClass, userCover), selfName)
		var acc []AccessChange
		var app []AppChange
		emit := func(entries []netEntry, ns []named) {
			for _, n := range ns {
				var rules []RuleRef
				seen := map[[2]int]bool{}
				for _, e := range n.entries {
					k := [2]int{entries[e].side, entries[e].rule}
					if !seen[k] {
						seen[k] = true
						rules = append(rules, refOf(m.pols, k[0], k[1]))
					}
				}
				if n.key.proto < 0 {
					app = append(app, AppChange{Src: n.src, Dst: n.dst, Capability: n.key.app, Value: n.key.value, Rules: rules})
					continue
				}
				ch := AccessChange{Src: n.src, Dst: n.dst, Proto: protoName(n.key.proto), Ports: n.ports, Rules: rules}
				if n.key.via != "" {
					ch.Via = strings.Split(n.key.via, ",")
				}
				acc = append(acc, ch)
			}
		}
		emit(m.entries, names)
		emit(m.selfEntries, selfNames)
		if side == sideHead {
			d.Access.Added, d.App.Added = acc, app
		} else {
			d.Access.Removed, d.App.Removed = acc, app
		}
	}
}

// beyondOwn narrows autogroup:self deltas to what the other side does not allow a user's device
// to reach on itself by other rules: a user who loses self access to port 22 but whose devices
// reach one another through "*" loses nothing. A delta's users are split by what remains.
func (m *netModel) beyondOwn(ds []delta, other int) []delta {
	var out []delta
	for _, d := range ds {
		byRest := map[string][]int{}
		rests := map[string][]PortRange{}
		var order []string
		for _, k := range m.selfMembersClass[d.src] {
			rest := d.ports
			if atom, ok := m.ownAtom(m.selfUsers[k]); ok {
				var have []PortRange
				for _, e := range m.rel[other][pairKey(m.srcOf[atom], m.dstOf[atom])] {
					for _, g := range m.entries[e].grants {
						if g.key == d.key {
							have = append(have, g.ports...)
						}
					}
				}
				rest = subtractPorts(rest, mergePorts(have))
			}
			if len(rest) == 0 {
				continue
			}
			key := portsString(rest)
			if _, ok := byRest[key]; !ok {
				order = append(order, key)
				rests[key] = rest
			}
			byRest[key] = append(byRest[key], k)
		}
		for _, key := range order {
			nd := d
			nd.ports = rests[key]
			if len(byRest[key]) != len(m.selfMembersClass[d.src]) {
				nd.src = int32(len(m.selfMembersClass))
				m.selfMembersClass = append(m.selfMembersClass, byRest[key])
			}
			out = append(out, nd)
		}
	}
	return out
}

// beyondSelf drops from deltas between a single device and itself what the other side allows it
// through autogroup:self.
func (m *netModel) beyondSelf(ds []delta, other int) []delta {
	userOf := map[int]int{} // atom → self user index, for devices of users with self access
	for k, i := range m.selfUsers {
		if atom, ok := m.ownAtom(i); ok {
			userOf[atom] = k
		}
	}
	out := ds[:0]
	for _, d := range ds {
		src, dst := m.srcAtoms[d.src], m.dstAtoms[d.dst]
		if len(src) == 1 && len(dst) == 1 && src[0] == dst[0] {
			if k, ok := userOf[src[0]]; ok {
				var have []PortRange
				for _, e := range m.self[other][pairKey(m.selfOf[k], 0)] {
					for _, g := range m.selfEntries[e].grants {
						if g.key == d.key {
							have = append(have, g.ports...)
						}
					}
				}
				if d.ports = subtractPorts(d.ports, mergePorts(have)); len(d.ports) == 0 {
					continue
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// ownAtom returns the atom of the IPv4 address of a device that user i of the universe owns.
func (m *netModel) ownAtom(i int) (int, bool) {
	if m.own == nil {
		m.own = map[int]int{}
		for k := len(m.u.topo.Nodes) - 1; k >= 0; k-- { // the first device wins
			n := &m.u.topo.Nodes[k]
			if us := m.res[sideBase].owner[k]; us != nil && !n.IsTagged() && n.IPv4.IsValid() {
				m.own[userIndex(m.u.topo, us)] = m.at.index(n.IPv4)
			}
		}
	}
	a, ok := m.own[i]
	return a, ok
}

// covers returns side's principals as sets of source atoms, destination atoms and users.
func (m *netModel) covers(side int) (src, dst, users *coverSet) {
	src = newCoverSet(m.atomNames)
	dst = newCoverSet(m.atomNames)
	users = newCoverSet(oneByOne(func(k int) string { return m.u.userName(m.selfUsers[k]) }))
	r := m.res[side]
	for _, c := range m.candidates(side) {
		rank := kindRank(c.a)
		src.add(c.name, rank, m.atomsOf(c.src))
		dst.add(c.name, rank, m.atomsOf(c.dst))
		var us []int
		for k, i := range m.selfUsers {
			if c.a.kind != kindTag && c.a.kind != kindHost && c.a.kind != kindPrefix && r.userMatches(c.a, &m.u.topo.Users[i]) {
				us = append(us, k)
			}
		}
		users.add(c.name, rank, us)
	}
	return src, dst, users
}

func (m *netModel) atomsOf(rgs []ipRange) []int {
	var out []int
	for _, s := range m.at.spans(rgs) {
		for i := s.lo; i <= s.hi; i++ {
			out = append(out, i)
		}
	}
	return out
}

// oneByOne names members no principal covers one by one.
func oneByOne(name func(int) string) func([]int) []coverName {
	return func(rest []int) []coverName {
		var out []coverName
		for _, k := range rest {
			out = append(out, coverName{name(k), []int{k}})
		}
		return out
	}
}

// userName names user i of the universe: by login name, or for a synthetic user standing for
// users no policy names, as its device is named.
func (u *universe) userName(i int) string {
	us := &u.topo.Users[i]
	if !strings.HasPrefix(us.Email, "*@") {
		return us.Email
	}
	for k := range u.topo.Nodes {
		if u.topo.Nodes[k].User == us.Email {
			return u.display[k]
		}
	}
	return us.Email
}
