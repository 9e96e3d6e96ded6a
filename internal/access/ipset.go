package access

import (
	"net/netip"
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
	b := p.Masked().Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (r ipRange) contains(a netip.Addr) bool {
	return r.lo.BitLen() == a.BitLen() && r.lo.Compare(a) <= 0 && a.Compare(r.hi) <= 0
}

func (r ipRange) overlaps(o ipRange) bool {
	return r.lo.BitLen() == o.lo.BitLen() && r.lo.Compare(o.hi) <= 0 && o.lo.Compare(r.hi) <= 0
}

func (r ipRange) within(o ipRange) bool {
	return r.lo.BitLen() == o.lo.BitLen() && o.lo.Compare(r.lo) <= 0 && r.hi.Compare(o.hi) <= 0
}

// prefix returns the range as a prefix when it is exactly one.
func (r ipRange) prefix() (netip.Prefix, bool) {
	for bits := 0; bits <= r.lo.BitLen(); bits++ {
		p := netip.PrefixFrom(r.lo, bits)
		if p.Masked().Addr() == r.lo && lastAddr(p) == r.hi {
			return p, true
		}
	}
	return netip.Prefix{}, false
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

// inInternet reports whether r lies wholly in autogroup:internet.
func inInternet(r ipRange) bool {
	for _, s := range internetRanges {
		rs, _ := parseRange(s)
		if r.within(rs[0]) {
			return true
		}
	}
	return false
}
