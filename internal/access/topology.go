package access

import (
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Topology is the tailnet state that policy selectors resolve against.
type Topology struct {
	Users []User
	Nodes []Node

	devices map[string]netip.Addr // lower-cased device names → IPv4, from SnapshotTopology
}

// User is a tailnet member.
type User struct {
	ID    int
	Name  string // login name without domain, e.g. "odin"
	Email string // login name, e.g. "odin@example.com"
	// Roles lists the tailnet roles the user holds: "owner", "admin", "member", "network-admin",
	// "it-admin", "billing-admin", "auditor". They resolve autogroup:<role>.
	Roles []string
}

// Node is a device in the tailnet.
type Node struct {
	Name string
	// User names the owner by Name or Email; tagged nodes are owned by their tags instead.
	User           string
	Tags           []string
	IPv4, IPv6     netip.Addr
	RoutableIPs    []netip.Prefix // routes the node advertises
	ApprovedRoutes []netip.Prefix // routes an admin approved (autoApprovers may approve more: see Policy.Routes)
	// Created is when the node was added to the tailnet (zero: unknown); among routers of the
	// same route the oldest is primary.
	Created time.Time
	// Offline is set for a node not connected to the control plane; it is not elected primary
	// while another router of the route is online.
	Offline bool
}

// IsTagged reports whether the node's identity is its tags.
func (n *Node) IsTagged() bool { return len(n.Tags) > 0 }

// HasTag reports whether the node carries tag t.
func (n *Node) HasTag(t string) bool { return slices.Contains(n.Tags, t) }

// IPs returns the node's Tailscale addresses, IPv4 first.
func (n *Node) IPs() []netip.Addr {
	var out []netip.Addr
	if n.IPv4.IsValid() {
		out = append(out, n.IPv4)
	}
	if n.IPv6.IsValid() {
		out = append(out, n.IPv6)
	}
	return out
}

// HasIP reports whether a is one of the node's Tailscale addresses.
func (n *Node) HasIP(a netip.Addr) bool {
	return (n.IPv4.IsValid() && n.IPv4 == a) || (n.IPv6.IsValid() && n.IPv6 == a)
}

// user returns the topology user that owns node n, or nil.
func (t *Topology) user(n *Node) *User {
	if n.IsTagged() || n.User == "" {
		return nil
	}
	for i := range t.Users {
		u := &t.Users[i]
		if strings.EqualFold(u.Name, n.User) || strings.EqualFold(u.Email, n.User) {
			return u
		}
	}
	return nil
}

// owners finds the owners of nodes as Topology.user does, with a map when every user name
// and email is ASCII (where strings.EqualFold is lower-casing).
type owners struct {
	t      *Topology
	byName map[string]*User // lower-cased Name and Email; the first user wins; nil: scan t
}

func newOwners(t *Topology) owners {
	o := owners{t: t, byName: map[string]*User{}}
	for i := range slices.Backward(t.Users) {
		u := &t.Users[i]
		if !isASCII(u.Name) || !isASCII(u.Email) {
			return owners{t: t}
		}
		o.byName[strings.ToLower(u.Name)] = u
		o.byName[strings.ToLower(u.Email)] = u
	}
	return o
}

func (o owners) of(n *Node) *User {
	if o.byName == nil || !isASCII(n.User) {
		return o.t.user(n)
	}
	if n.IsTagged() || n.User == "" {
		return nil
	}
	return o.byName[strings.ToLower(n.User)]
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lookupUser finds a user by login name (email), the way policy selectors name users.
func (t *Topology) lookupUser(name string) *User {
	name = strings.TrimSuffix(name, "@")
	for i := range t.Users {
		u := &t.Users[i]
		if strings.EqualFold(u.Email, name) || strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}
