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

// ReachEvery returns, for each of srcs that may reach dst on every one of ports with protocol
// proto, the rules that allow it on the last of them: the same as asking Reachable about each
// source and port, and keeping the sources allowed on all. ports must not be empty. Sources that no
// rule to dst on the first port could name are set aside without asking (see candidates), which is
// what makes asking about every source of a large policy cost about as much as the rules to dst.
func (q *Reacher) ReachEvery(srcs []string, dst string, ports []int, proto string) (map[string][]Because, error) {
	if len(ports) == 0 {
		return nil, fmt.Errorf("no ports to ask about")
	}
	dsts, err := q.principalsFor(dst)
	if err != nil {
		return nil, fmt.Errorf("dst %q: %w", dst, err)
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
	keep := q.candidates(dsts, ports[0], protos)
	out := map[string][]Because{}
	for _, src := range srcs {
		prs, err := q.principalsFor(src)
		if err != nil {
			return nil, fmt.Errorf("src %q: %w", src, err)
		}
		if !keep(prs) {
			continue
		}
		var last [][]any
		ok := true
		for _, port := range ports {
			if ok, last = q.r.allowed(prs, dsts, port, protos); !ok {
				break
			}
		}
		if ok {
			out[src] = because(last)
		}
	}
	return out, nil
}

// candidates returns a test that is false only for sources that cannot reach every principal of
// dsts on port: the first principal of such a source is named by no source selector of the rules
// that may open port to dsts. Selectors are sorted by what they can name. A tag names the principals
// that carry it; a user, or a group (through its members), the users of that email or name, compared
// as allowed compares them (ASCII case-insensitively; a name with other letters is not sorted).
// Anything else (wildcards, autogroups, domains, hosts and addresses) may name anyone, and makes
// every source a candidate.
func (q *Reacher) candidates(dsts []principal, port int, protos []int) func([]principal) bool {
	all := func([]principal) bool { return true }
	if q.r.p.allowAll {
		return all
	}
	tags, users := map[string]bool{}, map[string]bool{}
	broad := false
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
				switch a.kind {
				case kindTag:
					tags[a.name] = true
				case kindUser:
					name(a.name)
				case kindGroup:
					for _, m := range q.r.p.groups[a.name] {
						name(m)
					}
				default:
					broad = true
				}
			}
		}
	}
	if broad {
		return all
	}
	return func(prs []principal) bool {
		if len(prs) == 0 {
			return true // allowed holds for no principals at all
		}
		pr := prs[0]
		if len(pr.tags) > 0 {
			return slices.ContainsFunc(pr.tags, func(t string) bool { return tags[t] })
		}
		if pr.user == nil || pr.user.Email == "autogroup:member" {
			return false // only selectors sorted as broad name these
		}
		for _, s := range []string{pr.user.Email, pr.user.Name} {
			if s == "" {
				continue
			}
			key, ok := userKey(s)
			if !ok || users[key] {
				return true
			}
		}
		return false
	}
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
