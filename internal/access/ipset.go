package access

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// ipRange is an inclusive range of addresses of one family, printed the way the control
// plane prints it: a bare address, a CIDR prefix, or "first-last".
type ipRange struct {
	lo, hi netip.Addr
}

func rangeOf(p netip.Prefix) ipRange {
	p = p.Masked()
	return ipRange{lo: p.Addr(), hi: lastAddr(p)}
}

func single(a netip.Addr) ipRange { return ipRange{lo: a, hi: a} }

func lastAddr(p netip.Prefix) netip.Addr {
	if !p.IsValid() {
		return netip.Addr{}
	}
	a, bits := p.Masked().Addr(), p.Bits()
	if a.Is4() {
		b := a.As4()
		binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])|^uint32(0)>>bits)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	if bits < 64 {
		hi, lo = hi|^uint64(0)>>bits, ^uint64(0)
	} else {
		lo |= ^uint64(0) >> (bits - 64)
	}
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

func (r ipRange) overlaps(o ipRange) bool {
	return r.lo.BitLen() == o.lo.BitLen() && r.lo.Compare(o.hi) <= 0 && o.lo.Compare(r.hi) <= 0
}

func (r ipRange) within(o ipRange) bool {
	return r.lo.BitLen() == o.lo.BitLen() && o.lo.Compare(r.lo) <= 0 && r.hi.Compare(o.hi) <= 0
}

// prefix returns the range as a prefix when it is exactly one.
func (r ipRange) prefix() (netip.Prefix, bool) {
	if r.lo.BitLen() != r.hi.BitLen() {
		return netip.Prefix{}, false
	}
	// Only a prefix as long as the bits lo and hi share can span exactly lo to hi.
	p := netip.PrefixFrom(r.lo, commonBits(r.lo, r.hi))
	if p.Masked().Addr() == r.lo && lastAddr(p) == r.hi {
		return p, true
	}
	return netip.Prefix{}, false
}

// commonBits returns how many leading bits two addresses of one family share.
func commonBits(a, b netip.Addr) int {
	if a.Is4() {
		x, y := a.As4(), b.As4()
		return bits.LeadingZeros32(binary.BigEndian.Uint32(x[:]) ^ binary.BigEndian.Uint32(y[:]))
	}
	x, y := a.As16(), b.As16()
	if n := bits.LeadingZeros64(binary.BigEndian.Uint64(x[:8]) ^ binary.BigEndian.Uint64(y[:8])); n < 64 {
		return n
	}
	return 64 + bits.LeadingZeros64(binary.BigEndian.Uint64(x[8:])^binary.BigEndian.Uint64(y[8:]))
}

func (r ipRange) String() string {
	if r.lo == r.hi {
		return r.lo.String()
	}
	if p, ok := r.prefix(); ok {
		return p.String()
	}
	return r.lo.String() + "-" + r.hi.String()
}

// parseRange parses the control plane's printed forms: "1.2.3.4", "10.0.0.0/8", "a-b", "*".
func parseRange(s string) ([]ipRange, bool) {
	if s == "*" {
		return []ipRange{rangeOf(netip.MustParsePrefix("0.0.0.0/0")), rangeOf(netip.MustParsePrefix("::/0"))}, true
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(lo)
		b, err2 := netip.ParseAddr(hi)
		if err1 != nil || err2 != nil || a.BitLen() != b.BitLen() || b.Less(a) {
			return nil, false
		}
		return []ipRange{{lo: a, hi: b}}, true
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, false
		}
		return []ipRange{rangeOf(p)}, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, false
	}
	return []ipRange{single(a)}, true
}

// Address space constants of the control plane.
var (
	tailscaleULA = netip.MustParsePrefix("fd7a:115c:a1e0::/48")
)

// wildcardRanges returns what "*" means as a packet-filter source: every Tailscale address,
// without the 100.115.92.0/23 block Tailscale reserves.
func wildcardRanges() []ipRange {
	return []ipRange{
		{lo: netip.MustParseAddr("100.64.0.0"), hi: netip.MustParseAddr("100.115.91.255")},
		{lo: netip.MustParseAddr("100.115.94.0"), hi: netip.MustParseAddr("100.127.255.255")},
		rangeOf(tailscaleULA),
	}
}

// internetRanges is autogroup:internet as the control plane prints it in exit nodes' packet
// filters: public IPv4 (all but 10/8, 100.64/10, 169.254/16, 172.16/12, 192.168/16) and
// global unicast IPv6.
var internetRanges = [...]string{
	"0.0.0.0-9.255.255.255",
	"11.0.0.0-100.63.255.255",
	"100.128.0.0-169.253.255.255",
	"169.255.0.0-172.15.255.255",
	"172.32.0.0-192.167.255.255",
	"192.169.0.0-255.255.255.255",
	"2000::-3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
}

// internetIPRanges is internetRanges parsed.
var internetIPRanges = func() []ipRange {
	var out []ipRange
	for _, s := range internetRanges {
		rs, _ := parseRange(s)
		out = append(out, rs...)
	}
	return out
}()

// inInternet reports whether r lies wholly in autogroup:internet.
func inInternet(r ipRange) bool {
	for _, rg := range internetIPRanges {
		if r.within(rg) {
			return true
		}
	}
	return false
}

// rangeIndex finds, among a fixed list of ranges that may overlap one another, those that
// overlap a given range.
type rangeIndex struct {
	rgs   []ipRange    // sorted by lo: IPv4 before IPv6
	vals  []int        // what each range stands for
	maxHi []netip.Addr // maxHi[k] is the highest hi of rgs[:k+1]
}

// newRangeIndex indexes rgs; vals[k] is what rgs[k] stands for, k itself when vals is nil.
func newRangeIndex(rgs []ipRange, vals []int) *rangeIndex {
	order := make([]int, len(rgs))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return rgs[a].lo.Compare(rgs[b].lo) })
	x := &rangeIndex{rgs: make([]ipRange, len(rgs)), vals: make([]int, len(rgs)), maxHi: make([]netip.Addr, len(rgs))}
	for k, o := range order {
		x.rgs[k], x.vals[k], x.maxHi[k] = rgs[o], o, rgs[o].hi
		if vals != nil {
			x.vals[k] = vals[o]
		}
		if k > 0 && x.maxHi[k-1].Compare(x.maxHi[k]) > 0 {
			x.maxHi[k] = x.maxHi[k-1]
		}
	}
	return x
}

// overlapping calls f with the value of every indexed range that overlaps q, in no
// particular order.
func (x *rangeIndex) overlapping(q ipRange, f func(v int)) {
	// The candidates start at or before q.hi; walking back, stop once none reaches q.lo.
	end, _ := slices.BinarySearchFunc(x.rgs, q.hi, func(rg ipRange, a netip.Addr) int {
		if rg.lo.Compare(a) <= 0 {
			return -1
		}
		return 1
	})
	for k := end - 1; k >= 0 && x.maxHi[k].Compare(q.lo) >= 0; k-- {
		if x.rgs[k].overlaps(q) {
			f(x.vals[k])
		}
	}
}

// overlapsAny reports whether any indexed range overlaps q.
func (x *rangeIndex) overlapsAny(q ipRange) bool {
	found := false
	x.overlapping(q, func(int) { found = true })
	return found
}
