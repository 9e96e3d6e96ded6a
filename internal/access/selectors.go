package access

import (
	"fmt"
	"net/netip"
	"strings"
)

// aliasKind says what a policy selector names.
type aliasKind int

const (
	kindWildcard   aliasKind = iota // "*"
	kindUser                        // "odin@example.com"
	kindUserDomain                  // "user:*@example.com"
	kindGroup                       // "group:dev"
	kindTag                         // "tag:prod"
	kindAutogroup                   // "autogroup:member"
	kindHost                        // a name from "hosts"
	kindPrefix                      // "100.64.0.1", "10.0.0.0/8"
)

// alias is a parsed selector.
type alias struct {
	kind   aliasKind
	name   string       // canonical text: "tag:prod", "odin@example.com", "example.com" for kindUserDomain
	prefix netip.Prefix // kindPrefix only
}

func (a alias) String() string {
	switch a.kind {
	case kindWildcard:
		return "*"
	case kindUserDomain:
		return "user:*@" + a.name
	case kindPrefix:
		if a.prefix.IsSingleIP() {
			return a.prefix.Addr().String()
		}
		return a.prefix.String()
	}
	return a.name
}

// Autogroups the policy language knows, by where they may stand.
const (
	agMember   = "autogroup:member"
	agTagged   = "autogroup:tagged"
	agSelf     = "autogroup:self"
	agInternet = "autogroup:internet"
	agDanger   = "autogroup:danger-all"
	agShared   = "autogroup:shared"
	agNonroot  = "autogroup:nonroot"
)

// roleAutogroups maps role autogroups to the role a user must hold.
var roleAutogroups = map[string]string{
	"autogroup:owner":         "owner",
	"autogroup:admin":         "admin",
	"autogroup:network-admin": "network-admin",
	"autogroup:it-admin":      "it-admin",
	"autogroup:billing-admin": "billing-admin",
	"autogroup:auditor":       "auditor",
}

func knownAutogroup(s string) bool {
	switch s {
	case agMember, agTagged, agSelf, agInternet, agDanger, agShared, agNonroot:
		return true
	}
	_, ok := roleAutogroups[s]
	return ok
}

// parseAlias parses a selector without ports. It checks only the syntax; whether the named
// group, tag or host exists is checked by the caller, which knows the policy.
func parseAlias(s string) (alias, error) {
	switch {
	case s == "":
		return alias{}, fmt.Errorf("empty selector")
	case s == "*":
		return alias{kind: kindWildcard}, nil
	case strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n"):
		return alias{}, fmt.Errorf("%q: selector must not contain spaces", s)
	case strings.HasPrefix(s, "autogroup:"):
		if s == "autogroup:members" {
			s = agMember
		}
		if !knownAutogroup(s) {
			return alias{}, fmt.Errorf("autogroup %q is not valid", s)
		}
		return alias{kind: kindAutogroup, name: s}, nil
	case strings.HasPrefix(s, "group:"):
		if len(s) == len("group:") {
			return alias{}, fmt.Errorf("%q: group name must not be empty", s)
		}
		return alias{kind: kindGroup, name: s}, nil
	case strings.HasPrefix(s, "tag:"):
		if err := checkTagName(s); err != nil {
			return alias{}, err
		}
		return alias{kind: kindTag, name: s}, nil
	case strings.HasPrefix(s, "user:*@"):
		return alias{kind: kindUserDomain, name: strings.TrimPrefix(s, "user:*@")}, nil
	case strings.Contains(s, "@"):
		s = strings.TrimPrefix(s, "user:")
		if strings.Count(s, "@") > 1 && !strings.HasSuffix(s, "@") {
			return alias{}, fmt.Errorf("%q: invalid user", s)
		}
		return alias{kind: kindUser, name: s}, nil
	case strings.HasPrefix(s, "ipset:"):
		// Tailscale accepts IP sets; what one stands for is not computed here, so access through it
		// cannot be known: Compile reports it as not modelled, not as an error Tailscale makes.
		return alias{}, notModelledError{selector: s, feature: "IP sets"}
	}
	if p, ok := parseIPOrPrefix(s); ok {
		return alias{kind: kindPrefix, prefix: p}, nil
	}
	if strings.Contains(s, ":") || strings.Contains(s, "/") {
		return alias{}, fmt.Errorf("%q: invalid address", s)
	}
	return alias{kind: kindHost, name: s}, nil
}

// notModelledError is a selector Tailscale accepts that names a feature tailaudit does not model.
type notModelledError struct {
	selector string
	feature  string // "IP sets"
}

func (e notModelledError) Error() string {
	return fmt.Sprintf("%q: %s are not modelled by tailaudit, so access through them cannot be evaluated", e.selector, e.feature)
}

// checkTagName applies the control plane's rule for tag names.
func checkTagName(tag string) error {
	name := strings.TrimPrefix(tag, "tag:")
	if name == "" {
		return fmt.Errorf("%q: tag names must not be empty", tag)
	}
	c := name[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return fmt.Errorf("tag names must start with a letter, after 'tag:'")
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return fmt.Errorf("tag names can only contain numbers, letters, or dashes")
		}
	}
	return nil
}

// parseIPOrPrefix parses "1.2.3.4", "1.2.3.0/24", "fd7a::1", "fd7a::/48", with or without
// brackets around an IPv6 address.
func parseIPOrPrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimPrefix(s, "[")
	if i := strings.Index(s, "]"); i >= 0 {
		s = s[:i] + s[i+1:]
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// SplitHostPorts splits an ACL destination, "selector:ports", at the last colon; an IPv6 address
// may be bracketed, as in "[fd7a::1]:22".
func SplitHostPorts(s string) (host, ports string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || end+1 >= len(s) || s[end+1] != ':' {
			return "", "", fmt.Errorf("%q: want [address]:ports", s)
		}
		return s[1:end], s[end+2:], nil
	}
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", "", fmt.Errorf("%q: dst must be of the form host:ports", s)
	}
	return s[:i], s[i+1:], nil
}
