package tailnet

import (
	"net/netip"
	"strings"

	"github.com/tailaudit/tailaudit/internal/access"
)

// Topology builds the users and nodes of a snapshot document (Snapshot.Raw) for evaluating policy
// semantics, and a map from device names (full, short and host names, lower-cased) to their IPv4
// addresses, so that selectors may name devices.
func Topology(snap map[string]any) (*access.Topology, map[string]string) {
	topo := &access.Topology{}
	users, _ := snap["users"].([]any)
	for i, u := range users {
		m, _ := u.(map[string]any)
		login := str(m["loginName"])
		name, _, _ := strings.Cut(login, "@")
		topo.Users = append(topo.Users, access.User{ID: i + 1, Name: name, Email: login, Roles: nonEmptyStrings(str(m["role"]))})
	}
	devices := map[string]string{}
	list, _ := snap["devices"].([]any)
	for _, d := range list {
		m, _ := d.(map[string]any)
		n := access.Node{Name: str(m["name"]), User: str(m["user"])}
		n.Tags = anyStrings(m["tags"])
		for _, a := range anyStrings(m["addresses"]) {
			if addr, err := netip.ParseAddr(a); err == nil {
				if addr.Is4() {
					n.IPv4 = addr
				} else {
					n.IPv6 = addr
				}
			}
		}
		n.RoutableIPs = prefixes(m["advertisedRoutes"])
		n.ApprovedRoutes = prefixes(m["enabledRoutes"])
		topo.Nodes = append(topo.Nodes, n)
		if !n.IPv4.IsValid() {
			continue
		}
		for _, name := range []string{n.Name, strings.SplitN(n.Name, ".", 2)[0], str(m["hostname"])} {
			if name != "" {
				devices[strings.ToLower(name)] = n.IPv4.String()
			}
		}
	}
	return topo, devices
}

func anyStrings(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func prefixes(v any) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range anyStrings(v) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// str reads a JSON string field, or "" for anything else.
func str(v any) string {
	s, _ := v.(string)
	return s
}
