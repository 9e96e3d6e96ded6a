package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// Reacher answers many reachability questions about one policy and topology, computing what they
// share (the rules indexed by destination, resolved selectors) once. Its answers are those of
// Policy.Reachable. A Reacher is not safe for concurrent use.
type Reacher struct {
	r *resolver
	// principals caches principalsFor by selector.
	principals map[string][]principal
}

// Reacher returns a Reacher for the policy over topo (nil for none).
func (p *Policy) Reacher(topo *Topology) *Reacher {
	return &Reacher{r: newResolver(p, topo), principals: map[string][]principal{}}
}

func (q *Reacher) principalsFor(sel string) ([]principal, error) {
	if prs, ok := q.principals[sel]; ok {
		return prs, nil
	}
	prs, err := q.r.principalsFor(sel)
	if err != nil {
		return nil, err
	}
	q.principals[sel] = prs
	return prs, nil
}

// Reachable is Policy.Reachable.
func (q *Reacher) Reachable(src, dst string, port int, proto string) (bool, []Because, error) {
	srcs, err := q.principalsFor(src)
	if err != nil {
		return false, nil, fmt.Errorf("src %q: %w", src, err)
	}
	dsts, err := q.principalsFor(dst)
	if err != nil {
		return false, nil, fmt.Errorf("dst %q: %w", dst, err)
	}
	protos, err := parseProto(proto)
	if err != nil {
		return false, nil, err
	}
	if port < 0 || port > 65535 {
		return false, nil, fmt.Errorf("port %d is out of range", port)
	}
	ok, paths := q.r.allowed(srcs, dsts, port, protos)
	return ok, because(paths), nil
}

// because turns the paths allowed returns into Becauses, each path once, in order.
func because(paths [][]any) []Because {
	var out []Because
	for _, p := range paths {
		if !slices.ContainsFunc(out, func(b Because) bool { return source.Pointer(b.Path) == source.Pointer(p) }) {
			out = append(out, Because{Path: p})
		}
	}
	return out
}

// ReachEvery returns, for each of dsts, the sources of srcs that may reach it on every one of
// ports with protocol proto, each with the rules that allow it on the last of them: the same as
// asking Reachable about each source, destination and port, and keeping the sources allowed on
// all (a destination no source reaches is left out). ports must not be empty. Sources are indexed
// once by what can name them, and for each destination only those that a source selector of a rule
// opening the first port to it could name are asked about (see candidates), so that the cost
// follows the rules and the answers, not sources times destinations.
func (q *Reacher) ReachEvery(srcs, dsts []string, ports []int, proto string) (map[string]map[string][]Because, error) {
	if len(ports) == 0 {
		return nil, fmt.Errorf("no ports to ask about")
	}
	protos, err := parseProto(proto)
	if err != nil {
		return nil, err
	}
	for _, port := range ports {
		if port < 0 || port > 65535 {
			return nil, fmt.Errorf("port %d is out of range", port)
		}
	}
	x, err := q.indexSources(srcs)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]Because{}
	for _, dst := range dsts {
		dprs, err := q.principalsFor(dst)
		if err != nil {
			return nil, fmt.Errorf("dst %q: %w", dst, err)
		}
		for _, k := range q.candidates(x, dprs, ports[0], protos) {
			var last [][]any
			ok := true
			for _, port := range ports {
				if ok, last = q.r.allowed(x.prs[k], dprs, port, protos); !ok {
					break
				}
			}
			if !ok {
				continue
			}
			if out[dst] == nil {
				out[dst] = map[string][]Because{}
			}
			out[dst][srcs[k]] = because(last)
		}
	}
	return out, nil
}

// sourceIndex sorts sources (by their index in the list asked about) by what can name the first of
// their principals, as matches decides.
type sourceIndex struct {
	prs    [][]principal
	always []int            // sources of no principals: allowed holds for them whatever the rules
	tagged []int            // first principal carries tags
	byTag  map[string][]int // by each of those tags
	users  []int            // first principal is a user (the abstract member included)
	byUser map[string][]int // by userKey of the user's email and name (the abstract member left out)
	odd    []int            // users with an email or name that userKey cannot key
	hasIPs []int            // first principal has addresses, which hosts and prefixes may name
}

func (q *Reacher) indexSources(srcs []string) (*sourceIndex, error) {
	x := &sourceIndex{prs: make([][]principal, len(srcs)), byTag: map[string][]int{}, byUser: map[string][]int{}}
	for k, src := range srcs {
		prs, err := q.principalsFor(src)
		if err != nil {
			return nil, fmt.Errorf("src %q: %w", src, err)
		}
		x.prs[k] = prs
		if len(prs) == 0 {
			x.always = append(x.always, k)
			continue
		}
		pr := prs[0]
		if len(pr.ips) > 0 {
			x.hasIPs = append(x.hasIPs, k)
		}
		switch {
		case len(pr.tags) > 0:
			x.tagged = append(x.tagged, k)
			for _, t := range pr.tags {
				x.byTag[t] = append(x.byTag[t], k)
			}
		case pr.user != nil:
			x.users = append(x.users, k)
			if pr.user.Email == "autogroup:member" {
				continue // only member-wide selectors name the abstract member
			}
			for _, s := range []string{pr.user.Email, pr.user.Name} {
				if s == "" {
					continue
				}
				if key, ok := userKey(s); ok {
					x.byUser[key] = append(x.byUser[key], k)
				} else {
					x.odd = append(x.odd, k)
				}
			}
		}
	}
	return x, nil
}

// candidates returns, in the order asked, the sources of x that may reach every principal of dsts
// on port: those whose first principal a source selector of a rule that may open port to dsts can
// name. A tag names the principals that carry it, autogroup:tagged any of them; a user, or a group
// (through its members), the users of that email or name (compared ASCII case-insensitively; a
// selector with other letters sorts as naming everyone); autogroup:member, a role autogroup or a
// domain any user; a host or an address prefix the principals with an address in it. "*",
// autogroup:danger-all and anything else may name anyone, and make every source a candidate.
func (q *Reacher) candidates(x *sourceIndex, dsts []principal, port int, protos []int) []int {
	every := func() []int {
		out := make([]int, len(x.prs))
		for k := range out {
			out[k] = k
		}
		return out
	}
	if q.r.p.allowAll {
		return every()
	}
	tags, users := map[string]bool{}, map[string]bool{}
	var prefixes []alias
	broad, anyTagged, anyUser := false, false, false
	name := func(u string) {
		key, ok := userKey(strings.TrimSuffix(u, "@"))
		if !ok {
			broad = true
			return
		}
		users[key] = true
	}
	for _, d := range dsts {
		for _, ru := range q.r.rulesTo(d) {
			if !q.opens(ru, d, port, protos) {
				continue
			}
			for _, a := range ru.src {
				switch {
				case a.kind == kindTag:
					tags[a.name] = true
				case a.kind == kindUser:
					name(a.name)
				case a.kind == kindGroup:
					for _, m := range q.r.p.groups[a.name] {
						name(m)
					}
				case a.kind == kindHost || a.kind == kindPrefix:
					prefixes = append(prefixes, a)
				case a.kind == kindAutogroup && a.name == agTagged:
					anyTagged = true
				case a.kind == kindUserDomain, a.kind == kindAutogroup && (a.name == agMember || roleAutogroups[a.name] != ""):
					anyUser = true
				default:
					broad = true
				}
			}
		}
	}
	if broad {
		return every()
	}
	var ks []int
	ks = append(ks, x.always...)
	if anyTagged {
		ks = append(ks, x.tagged...)
	} else {
		for t := range tags {
			ks = append(ks, x.byTag[t]...)
		}
	}
	if anyUser {
		ks = append(ks, x.users...)
	} else if len(users) > 0 {
		for u := range users {
			ks = append(ks, x.byUser[u]...)
		}
		ks = append(ks, x.odd...)
	}
	if len(prefixes) > 0 {
		for _, k := range x.hasIPs {
			if slices.ContainsFunc(prefixes, func(a alias) bool { return q.r.matches(a, x.prs[k][0], nil) }) {
				ks = append(ks, k)
			}
		}
	}
	slices.Sort(ks)
	return slices.Compact(ks)
}

// opens reports whether rule ru may let some source reach d on port with protos: a line of a
// protocol that matches with a destination that names d (autogroup:self always counts, since
// whether it names d depends on the source) and holds port.
func (q *Reacher) opens(ru *rule, d principal, port int, protos []int) bool {
	for _, line := range ru.lines {
		if !protoMatches(line.protos, protos) {
			continue
		}
		for _, dp := range line.dsts {
			if !slices.ContainsFunc(dp.ports, func(pr PortRange) bool { return pr.contains(port) }) {
				continue
			}
			if (dp.alias.kind == kindAutogroup && dp.alias.name == agSelf) || q.r.matches(dp.alias, d, nil) {
				return true
			}
		}
	}
	return false
}

// userKey is s in lower case when s is ASCII, so that keys are equal exactly when strings.EqualFold
// says the strings are; ok is false for other strings.
func userKey(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", false
		}
	}
	return strings.ToLower(s), true
}
