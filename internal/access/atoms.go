package access

import (
	"math/rand/v2"
	"net/netip"
	"slices"
)

// atoms cut the address space at every boundary of the ranges two policies use over one
// universe, so that every rule treats all the addresses of an atom alike. Atoms are then grouped
// into classes: atoms that every source, destination or SSH rule of both policies treats alike.
type atoms struct {
	starts []netip.Addr // sorted; atom i runs from starts[i] to the address before starts[i+1]
}

// span is an inclusive run of atoms by index.
type span struct{ lo, hi int }

func newAtoms(rgs [][]ipRange) *atoms {
	pts := []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	for _, list := range rgs {
		for _, r := range list {
			pts = append(pts, r.lo)
			if n := r.hi.Next(); n.IsValid() {
				pts = append(pts, n)
			}
		}
	}
	slices.SortFunc(pts, netip.Addr.Compare)
	return &atoms{starts: slices.Compact(pts)}
}

func (a *atoms) len() int { return len(a.starts) }

// index returns the atom holding ip.
func (a *atoms) index(ip netip.Addr) int {
	i, found := slices.BinarySearchFunc(a.starts, ip, netip.Addr.Compare)
	if found {
		return i
	}
	return i - 1
}

// rangeOf returns the addresses of atom i.
func (a *atoms) rangeOf(i int) ipRange {
	lo := a.starts[i]
	var hi netip.Addr
	switch {
	case i+1 < len(a.starts) && a.starts[i+1].BitLen() == lo.BitLen():
		hi = a.starts[i+1].Prev()
	case lo.Is4():
		hi = netip.MustParseAddr("255.255.255.255")
	default:
		hi = netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
	}
	return ipRange{lo: lo, hi: hi}
}

// spans returns the atoms of rgs as sorted, merged spans.
func (a *atoms) spans(rgs []ipRange) []span {
	out := make([]span, 0, len(rgs))
	for _, r := range rgs {
		out = append(out, span{a.index(r.lo), a.index(r.hi)})
	}
	return mergeSpans(out)
}

func mergeSpans(ss []span) []span {
	slices.SortFunc(ss, func(x, y span) int { return x.lo - y.lo })
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && s.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// classifier groups the members of a universe (atoms, nodes or users) by the sets of components
// (rule sources, rule destinations) that hold them. Each component has a random 128-bit value;
// a member's signature is the XOR of the values of the components holding it.
type classifier struct {
	sig  [][2]uint64 // per member; for spans, a difference array until classes runs
	rnd  *rand.Rand
	comp [][]span // per component, the members it holds
}

func newClassifier(members int) *classifier {
	return &classifier{sig: make([][2]uint64, members+1), rnd: rand.New(rand.NewPCG(0x7a11, 0xa0d1))}
}

// add registers a component holding the members of spans (sorted and merged) and returns its id.
func (c *classifier) add(spans []span) int {
	v := [2]uint64{c.rnd.Uint64(), c.rnd.Uint64()}
	for _, s := range spans {
		c.sig[s.lo][0] ^= v[0]
		c.sig[s.lo][1] ^= v[1]
		c.sig[s.hi+1][0] ^= v[0]
		c.sig[s.hi+1][1] ^= v[1]
	}
	c.comp = append(c.comp, spans)
	return len(c.comp) - 1
}

// classes assigns every member its class and returns, per component, the classes it holds,
// and per class its members.
func (c *classifier) classes() (ofMember []int32, byComp [][]int32, members [][]int) {
	n := len(c.sig) - 1
	ofMember = make([]int32, n)
	ids := map[[2]uint64]int32{}
	var acc [2]uint64
	for i := range n {
		acc[0] ^= c.sig[i][0]
		acc[1] ^= c.sig[i][1]
		id, ok := ids[acc]
		if !ok {
			id = int32(len(ids))
			ids[acc] = id
			members = append(members, nil)
		}
		ofMember[i] = id
		members[id] = append(members[id], i)
	}
	stamp := make([]int, len(ids))
	for k := range stamp {
		stamp[k] = -1
	}
	byComp = make([][]int32, len(c.comp))
	for k, spans := range c.comp {
		var out []int32
		for _, s := range spans {
			for i := s.lo; i <= s.hi; i++ {
				if id := ofMember[i]; stamp[id] != k {
					stamp[id] = k
					out = append(out, id)
				}
			}
		}
		byComp[k] = out
	}
	return ofMember, byComp, members
}

// pointSpans turns a list of member indexes into sorted, merged spans.
func pointSpans(idx []int) []span {
	out := make([]span, 0, len(idx))
	for _, i := range idx {
		out = append(out, span{i, i})
	}
	return mergeSpans(out)
}
