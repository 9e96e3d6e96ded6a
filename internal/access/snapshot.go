package access

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// SnapshotTopology builds the users and nodes of a tailnet snapshot document (the API's JSON, as
// tailnet.Snapshot.Raw holds it) for evaluating policy semantics. Its devices can then be named in
// selectors: see Topology.DeviceAddr.
func SnapshotTopology(snap map[string]any) *Topology {
	topo := &Topology{devices: map[string]netip.Addr{}}
	users, _ := snap["users"].([]any)
	for i, u := range users {
		m, _ := u.(map[string]any)
		login := str(m["loginName"])
		name, _, _ := strings.Cut(login, "@")
		topo.Users = append(topo.Users, User{ID: i + 1, Name: name, Email: login, Roles: nonEmptyStrings(str(m["role"]))})
	}
	list, _ := snap["devices"].([]any)
	for _, d := range list {
		m, _ := d.(map[string]any)
		n := Node{Name: str(m["name"]), User: str(m["user"])}
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
		if t, err := time.Parse(time.RFC3339, str(m["created"])); err == nil {
			n.Created = t
		}
		if c, ok := m["connectedToControl"].(bool); ok && !c {
			n.Offline = true
		}
		topo.Nodes = append(topo.Nodes, n)
		if !n.IPv4.IsValid() {
			continue
		}
		for _, name := range []string{n.Name, strings.SplitN(n.Name, ".", 2)[0], str(m["hostname"])} {
			if name != "" {
				topo.devices[strings.ToLower(name)] = n.IPv4
			}
		}
	}
	return topo
}

// SnapshotDomains returns, sorted and without duplicates, the domains a snapshot shows to be the
// tailnet's own: the domain of the tailnet's name (an organisation's tailnet is named after its
// domain; a personal one after its owner's login) and the domains of its members' login names.
// Users shared in from other tailnets do not count, nor does a generated "*.ts.net" name.
func SnapshotDomains(snap map[string]any) []string {
	var out []string
	add := func(name string) {
		if i := strings.LastIndex(name, "@"); i >= 0 {
			name = name[i+1:]
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "" && strings.Contains(name, ".") && !strings.HasSuffix(name, ".ts.net") {
			out = append(out, name)
		}
	}
	add(str(snap["tailnet"]))
	users, _ := snap["users"].([]any)
	for _, u := range users {
		m, _ := u.(map[string]any)
		if t := str(m["type"]); t != "" && t != "member" {
			continue
		}
		if login := str(m["loginName"]); strings.Contains(login, "@") {
			add(login)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DeviceAddr returns the IPv4 address of the device with this name (its full name, its short name
// or its host name, in any case), when the topology came from a snapshot. Selectors that carry a
// kind (tag:, group:, autogroup:, a login name or an address) are never device names.
func (t *Topology) DeviceAddr(name string) (netip.Addr, bool) {
	if t == nil || strings.ContainsAny(name, ":@") {
		return netip.Addr{}, false
	}
	a, ok := t.devices[strings.ToLower(name)]
	return a, ok
}

// DeviceSelector returns the address a device name stands for, or s unchanged when it names no
// device, so that rules and commands may name devices wherever a selector is expected.
func (t *Topology) DeviceSelector(s string) string {
	if a, ok := t.DeviceAddr(s); ok {
		return a.String()
	}
	return s
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
