package access

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
)

// Sides of a comparison.
const (
	sideBase = 0
	sideHead = 1
)

// grantKey is one kind of access a rule gives a destination: a protocol (through the routers of
// some via tags), or an application capability.
type grantKey struct {
	proto int    // IANA number; -1 for a capability
	via   string // via tags, comma-joined; "" for direct access
	app   string // capability name
	value string // the capability's value, as JSON
}

// keyPorts is a grantKey with the ports it covers (all ports for a capability, or for a
// protocol without ports).
type keyPorts struct {
	key   grantKey
	ports []PortRange
}

// netEntry is one destination of one rule: where it leads and what it opens.
type netEntry struct {
	side, rule int // rule indexes Policy.rules; -1 for the allow-all of a policy without rules
	src        int // the classifier component of the rule's sources
	grants     []keyPorts
}

// defaultProtos is the protocol set of a rule that names none.
var defaultProtos = []int{6, 17, 1, 58}

// linePorts normalises a rule line's ports per protocol: protocols without ports match any port.
func lineGrants(protos []int, ports []PortRange, via string) []keyPorts {
	if protos == nil {
		protos = defaultProtos
	}
	out := make([]keyPorts, 0, len(protos))
	for _, p := range protos {
		ps := []PortRange{allPorts}
		if p == 6 || p == 17 || p == 132 {
			ps = mergePorts(slices.Clone(ports))
		}
		out = append(out, keyPorts{grantKey{proto: p, via: via}, ps})
	}
	return out
}

// mergePorts sorts and merges port ranges.
func mergePorts(ps []PortRange) []PortRange {
	slices.SortFunc(ps, func(a, b PortRange) int { return int(a.First) - int(b.First) })
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && int(p.First) <= int(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, p.Last)
			continue
		}
		out = append(out, p)
	}
	return out
}

// subtractPorts returns the ports of a that are not in b; both sorted and merged.
func subtractPorts(a, b []PortRange) []PortRange {
	var out []PortRange
	for _, r := range a {
		lo := int(r.First)
		for _, x := range b {
			if int(x.Last) < lo || int(x.First) > int(r.Last) {
				continue
			}
			if int(x.First) > lo {
				out = append(out, PortRange{uint16(lo), x.First - 1})
			}
			lo = int(x.Last) + 1
		}
		if lo <= int(r.Last) {
			out = append(out, PortRange{uint16(lo), r.Last})
		}
	}
	return out
}

func portsOverlap(a, b []PortRange) bool {
	for _, x := range a {
		for _, y := range b {
			if x.First <= y.Last && y.First <= x.Last {
				return true
			}
		}
	}
	return false
}

// notInternet is what "*" reaches as a destination: every address but autogroup:internet's,
// which only autogroup:internet grants.
var notInternet = func() []ipRange {
	var out []ipRange
	for _, fam := range []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")} {
		full := rangeOf(fam)
		lo := full.lo
		for _, r := range internetIPRanges {
			if r.lo.BitLen() != lo.BitLen() {
				continue
			}
			if lo.Less(r.lo) {
				out = append(out, ipRange{lo, r.lo.Prev()})
			}
			lo = r.hi.Next()
			if !lo.IsValid() {
				break
			}
		}
		if lo.IsValid() && lo.Compare(full.hi) <= 0 {
			out = append(out, ipRange{lo, full.hi})
		}
	}
	return out
}()

// srcRanges returns the addresses a rule's sources stand for, as in its packet filter.
func (r *resolver) srcRanges(srcs []alias) []ipRange {
	var out []ipRange
	for _, a := range srcs {
		if a.kind == kindAutogroup && a.name == agDanger {
			return []ipRange{rangeOf(netip.MustParsePrefix("0.0.0.0/0")), rangeOf(netip.MustParsePrefix("::/0"))}
		}
		out = append(out, r.ranges(a)...)
		if a.kind == kindWildcard {
			out = append(out, r.subnetRoutes...)
		}
	}
	return out
}

// dstRanges returns the addresses destination a of a rule stands for (none for autogroup:self,
// which is compared user by user).
func (r *resolver) dstRanges(a alias) []ipRange {
	switch {
	case isSelf(a):
		return nil
	case isInternet(a):
		return internetIPRanges
	case a.kind == kindWildcard:
		return notInternet
	}
	return r.ranges(a)
}

// policyRules returns the rules a policy enforces: its own, or the allow-all of a policy without
// acls and grants.
func (p *Policy) policyRules() []*rule {
	if p.allowAll {
		return []*rule{allowAllRule()}
	}
	return p.rules
}

// ruleIndex is the index of the k-th rule policyRules returns in Policy.rules; -1 for allow-all.
func (p *Policy) ruleIndex(k int) int {
	if p.allowAll {
		return -1
	}
	return k
}

// netModel evaluates both policies' acls and grants over one universe, by classes of atoms.
type netModel struct {
	u       *universe
	pols    [2]*Policy
	res     [2]*resolver
	at      *atoms
	entries []netEntry
	// Classes of atoms as sources and as destinations, and the classes each component holds.
	srcOf, dstOf     []int32
	srcByComp        [][]int32
	dstByComp        [][]int32
	srcAtoms         [][]int // atoms per source class
	dstAtoms         [][]int
	rel              [2]map[uint64][]int32 // (source class, destination class) → entries
	nodeOfAtom       map[int]int           // atoms that are one node's address
	selfUsers        []int                 // users (topology indexes) that own untagged nodes
	self             [2]map[uint64][]int32 // (user class, 0) → self entries
	selfOf           []int32               // per selfUsers element, its class
	selfEntries      []netEntry
	selfMembersClass [][]int
	cands            [2][]candidate
	own              map[int]int // user index → the atom of a device they own; see ownAtom
}

func pairKey(s, d int32) uint64 { return uint64(uint32(s))<<32 | uint64(uint32(d)) }

func newNetModel(u *universe, pols [2]*Policy) *netModel {
	m := &netModel{u: u, pols: pols}
	type pending struct {
		rgs []ipRange
		e   netEntry
	}
	var srcs [][]ipRange // per source component
	var srcSide []int
	var dsts []pending
	var all [][]ipRange
	for side, p := range pols {
		r := newResolver(p, u.topo)
		m.res[side] = r
		for k, ru := range p.policyRules() {
			if len(ru.src) == 0 || len(ru.dst) == 0 {
				continue
			}
			sr := r.srcRanges(ru.src)
			srcs = append(srcs, sr)
			srcSide = append(srcSide, side)
			all = append(all, sr)
			sc := len(srcs) - 1
			e := netEntry{side: side, rule: p.ruleIndex(k), src: sc}
			via := strings.Join(ru.via, ",")
			for _, line := range ru.lines {
				for _, d := range line.dsts {
					var rgs []ipRange
					if via == "" {
						rgs = r.dstRanges(d.alias)
					} else if d.alias.kind == kindPrefix || d.alias.kind == kindHost || isInternet(d.alias) {
						rgs = r.dstRanges(d.alias)
					}
					if len(rgs) == 0 {
						continue
					}
					e := e
					e.grants = lineGrants(line.protos, d.ports, via)
					dsts = append(dsts, pending{rgs, e})
					all = append(all, rgs)
				}
			}
			if len(ru.app) > 0 {
				var rgs []ipRange
				for _, a := range ru.dst {
					if isSelf(a) {
						continue
					}
					rgs = append(rgs, r.ranges(a)...)
					if a.kind == kindWildcard {
						rgs = append(rgs, r.subnetRoutes...)
					}
				}
				if len(rgs) > 0 {
					e := e
					e.grants = appGrants(ru.app)
					dsts = append(dsts, pending{rgs, e})
					all = append(all, rgs)
				}
			}
		}
	}
	for side := range pols {
		for _, c := range m.candidates(side) {
			all = append(all, c.src, c.dst)
		}
	}
	for _, n := range u.topo.Nodes {
		var rgs []ipRange
		for _, ip := range n.IPs() {
			rgs = append(rgs, single(ip))
		}
		all = append(all, rgs)
	}
	m.at = newAtoms(all)
	m.nodeOfAtom = map[int]int{}
	for i, n := range u.topo.Nodes {
		for _, ip := range n.IPs() {
			m.nodeOfAtom[m.at.index(ip)] = i
		}
	}
	sc := newClassifier(m.at.len())
	for _, rgs := range srcs {
		sc.add(m.at.spans(rgs))
	}
	dc := newClassifier(m.at.len())
	for _, d := range dsts {
		dc.add(m.at.spans(d.rgs))
		m.entries = append(m.entries, d.e)
	}
	m.srcOf, m.srcByComp, m.srcAtoms = sc.classes()
	m.dstOf, m.dstByComp, m.dstAtoms = dc.classes()
	m.rel = [2]map[uint64][]int32{{}, {}}
	for k, e := range m.entries {
		rel := m.rel[e.side]
		for _, s := range m.srcByComp[e.src] {
			for _, d := range m.dstByComp[k] {
				key := pairKey(s, d)
				rel[key] = append(rel[key], int32(k))
			}
		}
	}
	m.buildSelf()
	return m
}

// appGrants lists the capabilities of a grant's app, each with its value.
func appGrants(app map[string]any) []keyPorts {
	var out []keyPorts
	for _, name := range sortedKeys(app) {
		v, _ := json.Marshal(app[name])
		out = append(out, keyPorts{grantKey{proto: -1, app: name, value: string(v)}, []PortRange{allPorts}})
	}
	return out
}

// buildSelf evaluates autogroup:self destinations user by user: a user's devices reach the
// user's own devices when the user is one of the rule's sources.
func (m *netModel) buildSelf() {
	owned := map[int]bool{}
	for i, n := range m.u.topo.Nodes {
		if n.IsTagged() {
			continue
		}
		if us := m.res[0].owner[i]; us != nil {
			owned[int(userIndex(m.u.topo, us))] = true
		}
	}
	for i := range m.u.topo.Users {
		if owned[i] {
			m.selfUsers = append(m.selfUsers, i)
		}
	}
	pos := map[int]int{} // user index → member index
	for k, i := range m.selfUsers {
		pos[i] = k
	}
	cl := newClassifier(len(m.selfUsers))
	for side, p := range m.pols {
		r := m.res[side]
		for k, ru := range p.policyRules() {
			if !slices.ContainsFunc(ru.dst, isSelf) || len(ru.src) == 0 {
				continue
			}
			var members []int
			for _, i := range m.selfUsers {
				us := &m.u.topo.Users[i]
				if slices.ContainsFunc(ru.src, func(a alias) bool { return r.userMatches(a, us) }) {
					members = append(members, pos[i])
				}
			}
			e := netEntry{side: side, rule: p.ruleIndex(k)}
			for _, line := range ru.lines {
				for _, d := range line.dsts {
					if isSelf(d.alias) {
						e.grants = append(e.grants, lineGrants(line.protos, d.ports, "")...)
					}
				}
			}
			if len(ru.app) > 0 {
				e.grants = append(e.grants, appGrants(ru.app)...)
			}
			e.src = cl.add(pointSpans(members))
			m.selfEntries = append(m.selfEntries, e)
		}
	}
	var byComp [][]int32
	m.selfOf, byComp, m.selfMembersClass = cl.classes()
	m.self = [2]map[uint64][]int32{{}, {}}
	for k, e := range m.selfEntries {
		for _, c := range byComp[k] {
			key := pairKey(c, 0)
			m.self[e.side][key] = append(m.self[e.side][key], int32(k))
		}
	}
}

func userIndex(t *Topology, u *User) int {
	for i := range t.Users {
		if &t.Users[i] == u {
			return i
		}
	}
	return -1
}

// delta is one difference between the sides for one pair of classes: ports of one grant key
// that one side allows and the other does not, with the entries responsible.
type delta struct {
	src, dst int32
	key      grantKey
	ports    []PortRange
	entries  []int32
}

// compare returns what head allows and base does not (added) and the reverse (removed), for the
// pairs of rel.
func compare(rel [2]map[uint64][]int32, entries []netEntry) (added, removed []delta) {
	keys := map[uint64]bool{}
	for _, side := range rel {
		for k := range side {
			keys[k] = true
		}
	}
	sorted := make([]uint64, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		var ports [2]map[grantKey][]PortRange
		for side := range rel {
			ports[side] = map[grantKey][]PortRange{}
			for _, e := range rel[side][k] {
				for _, g := range entries[e].grants {
					ports[side][g.key] = append(ports[side][g.key], g.ports...)
				}
			}
			for gk, ps := range ports[side] {
				ports[side][gk] = mergePorts(ps)
			}
		}
		s, d := int32(k>>32), int32(uint32(k))
		diffSide := func(from, to int) []delta {
			var out []delta
			for _, gk := range sortedGrantKeys(ports[from]) {
				extra := subtractPorts(ports[from][gk], ports[to][gk])
				if len(extra) == 0 {
					continue
				}
				dl := delta{src: s, dst: d, key: gk, ports: extra}
				for _, e := range rel[from][k] {
					if slices.ContainsFunc(entries[e].grants, func(g keyPorts) bool { return g.key == gk && portsOverlap(g.ports, extra) }) {
						dl.entries = append(dl.entries, e)
					}
				}
				out = append(out, dl)
			}
			return out
		}
		added = append(added, diffSide(sideHead, sideBase)...)
		removed = append(removed, diffSide(sideBase, sideHead)...)
	}
	return added, removed
}

func sortedGrantKeys(m map[grantKey][]PortRange) []grantKey {
	out := make([]grantKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, compareGrantKeys)
	return out
}

func compareGrantKeys(a, b grantKey) int {
	switch {
	case a.proto != b.proto:
		// Capabilities last; TCP first, then by number.
		rank := func(p int) int {
			switch p {
			case -1:
				return 1000
			case 6:
				return -1
			}
			return p
		}
		return rank(a.proto) - rank(b.proto)
	case a.via != b.via:
		return strings.Compare(a.via, b.via)
	case a.app != b.app:
		return strings.Compare(a.app, b.app)
	}
	return strings.Compare(a.value, b.value)
}
