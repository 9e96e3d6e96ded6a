package access

import (
	"fmt"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of ports, tailcfg.PortRange's JSON shape.
type PortRange struct {
	First uint16 `json:"First"`
	Last  uint16 `json:"Last"`
}

// allPorts is the range "*" stands for.
var allPorts = PortRange{First: 0, Last: 65535}

func (r PortRange) contains(p int) bool { return int(r.First) <= p && p <= int(r.Last) }

func (r PortRange) String() string {
	switch {
	case r == allPorts:
		return "*"
	case r.First == r.Last:
		return strconv.Itoa(int(r.First))
	default:
		return fmt.Sprintf("%d-%d", r.First, r.Last)
	}
}

// parsePorts parses a port list such as "*", "22", "80,443" or "8000-8100".
// Its error messages are the control plane's.
func parsePorts(s string) ([]PortRange, error) {
	if s == "*" {
		return []PortRange{allPorts}, nil
	}
	var out []PortRange
	for _, part := range strings.Split(s, ",") {
		r, err := parsePortRange(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parsePortRange(s string) (PortRange, error) {
	if s == "*" {
		return allPorts, nil
	}
	first, last, isRange := strings.Cut(s, "-")
	f, err := strconv.ParseUint(first, 10, 16)
	if err != nil {
		return PortRange{}, fmt.Errorf("port range %q: invalid first integer", s)
	}
	l := f
	if isRange {
		l, err = strconv.ParseUint(last, 10, 16)
		if err != nil {
			return PortRange{}, fmt.Errorf("port range %q: invalid last integer", s)
		}
	}
	if f == 0 {
		return PortRange{}, fmt.Errorf("port range %q: first port must be >0, or use '*' for wildcard", s)
	}
	if l < f {
		return PortRange{}, fmt.Errorf("port range %q: last port must be >= first port", s)
	}
	return PortRange{First: uint16(f), Last: uint16(l)}, nil
}

// protocolNumbers maps the protocol names the policy accepts to IANA numbers.
var protocolNumbers = map[string]int{
	"icmp": 1, "igmp": 2, "ipv4": 4, "ip-in-ip": 4, "tcp": 6, "egp": 8, "igp": 9,
	"udp": 17, "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "sctp": 132,
}

// parseProto parses a protocol name or number. An empty string means the default set
// (TCP, UDP, ICMP, ICMPv6) and returns nil.
func parseProto(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	if n, ok := protocolNumbers[strings.ToLower(s)]; ok {
		return []int{n}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 || (len(s) > 1 && s[0] == '0') {
		return nil, fmt.Errorf("proto %q is not a valid IP protocol", s)
	}
	return []int{n}, nil
}

// protoHasPorts reports whether a protocol carries ports (nil is the default set).
func protoHasPorts(protos []int) bool {
	if protos == nil {
		return true
	}
	for _, p := range protos {
		if p == 6 || p == 17 || p == 132 {
			return true
		}
	}
	return false
}
