package access

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

type policyTest struct {
	path   []any
	src    string
	proto  string
	accept []assertion
	deny   []assertion
}

type sshTest struct {
	path                []any
	src                 string
	dst                 []string
	accept, deny, check []assertion
}

// assertion is one expected outcome of a test entry: a destination ("tag:prod:22") for
// "tests", a login user for "sshTests".
type assertion struct {
	path []any
	what string
}

// TestResult is the outcome of one assertion of a "tests" or "sshTests" entry.
type TestResult struct {
	Path   []any  // the assertion, e.g. /tests/0/accept/1
	Src    string // the entry's src
	Dst    string // "tag:prod:22"; for sshTests "root@tag:prod"
	Want   string // "accept", "deny" or "check"
	Got    string // the policy's answer; "error" when the assertion cannot be evaluated
	Passed bool
	Err    *Error // why the assertion could not be evaluated; such a test fails
}

// String describes the result in words, as in "tag:prod:22: want accept, got deny".
func (t TestResult) String() string {
	s := fmt.Sprintf("%s -> %s: want %s, got %s", t.Src, t.Dst, t.Want, t.Got)
	if t.Err != nil {
		s += " (" + t.Err.Message + ")"
	}
	return s
}

func (c *compiler) assertions(m map[string]any, key string, path []any) []assertion {
	v, k, ok := field(m, key)
	if !ok {
		return nil
	}
	var out []assertion
	for i, s := range c.strings(v, at(path, k)) {
		out = append(out, assertion{path: at(path, k, i), what: s})
	}
	return out
}

func (c *compiler) compileTest(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	t := &policyTest{path: path}
	if sv, _, ok := field(m, "src"); ok {
		t.src, _ = sv.(string)
		t.src = strings.TrimSpace(t.src)
	}
	if pv, _, ok := field(m, "proto"); ok {
		t.proto = fmt.Sprint(pv)
		if f, isNum := pv.(float64); isNum {
			t.proto = strconv.Itoa(int(f))
		}
	}
	t.accept = c.assertions(m, "accept", path)
	t.deny = c.assertions(m, "deny", path)
	if len(t.accept) == 0 && len(t.deny) == 0 {
		c.errorf(path, `test src=%q asserts nothing: give it "accept" or "deny" destinations`, t.src)
		return
	}
	c.p.tests = append(c.p.tests, t)
}

func (c *compiler) compileSSHTest(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	t := &sshTest{path: path}
	if sv, _, ok := field(m, "src"); ok {
		t.src, _ = sv.(string)
		t.src = strings.TrimSpace(t.src)
	}
	dv, dk, _ := field(m, "dst")
	for i, d := range c.strings(dv, at(path, dk)) {
		a, err := parseAlias(d)
		switch {
		case err == nil && (a.kind == kindWildcard || a.kind == kindAutogroup && (a.name == agInternet || a.name == agDanger || a.name == agSelf)):
			c.errorf(at(path, dk, i), "SSH tests dst contains disallowed element %q", d)
		case strings.HasPrefix(d, "tag:") && (err != nil || !c.p.tagOwners[d]):
			c.errorf(at(path, dk, i), "SSH tests dst contains unknown tag %q", d)
		}
		t.dst = append(t.dst, d)
	}
	t.accept = c.assertions(m, "accept", path)
	t.deny = c.assertions(m, "deny", path)
	t.check = c.assertions(m, "check", path)
	switch {
	case len(t.dst) == 0:
		c.errorf(at(path, dk), `SSH test src=%q asserts nothing: "dst" must name at least one destination`, t.src)
		return
	case len(t.accept) == 0 && len(t.deny) == 0 && len(t.check) == 0:
		c.errorf(path, `SSH test src=%q asserts nothing: give it "accept", "check" or "deny" users`, t.src)
		return
	}
	c.p.sshTests = append(c.p.sshTests, t)
}

// principal is an identity a test or query speaks for: a user, tags, or bare addresses.
type principal struct {
	user *User
	tags []string
	ips  []netip.Addr
}

// principalsFor resolves a test src or dst host to its principals. Tests name single
// identities: a user, a group (all its members), a tag, autogroup:member, a host or an IP
// address. A CIDR, "*", or an undefined name cannot be tested.
func (r *resolver) principalsFor(sel string) ([]principal, error) {
	a, err := parseAlias(sel)
	if err != nil {
		return nil, err
	}
	switch a.kind {
	case kindUser:
		u := r.topo.lookupUser(a.name)
		if u == nil {
			u = &User{Email: a.name}
		}
		return []principal{{user: u, ips: r.userIPs(u)}}, nil
	case kindGroup:
		members, ok := r.p.groups[a.name]
		if !ok {
			return nil, fmt.Errorf("group %q not found", a.name)
		}
		var out []principal
		for _, m := range members {
			u := r.topo.lookupUser(m)
			if u == nil {
				u = &User{Email: m}
			}
			out = append(out, principal{user: u, ips: r.userIPs(u)})
		}
		return out, nil
	case kindTag:
		if !r.p.tagOwners[a.name] {
			return nil, fmt.Errorf("tag %q not found", a.name)
		}
		var ips []netip.Addr
		for _, i := range r.nodes(a) {
			ips = append(ips, r.ips[i]...)
		}
		return []principal{{tags: []string{a.name}, ips: ips}}, nil
	case kindAutogroup:
		if a.name == agMember {
			return []principal{{user: &User{Email: "autogroup:member"}}}, nil
		}
		return nil, fmt.Errorf("%q cannot be tested", a.name)
	case kindHost, kindPrefix:
		p, ok := r.prefixOf(a)
		if !ok {
			return nil, fmt.Errorf("host %q not found", a.name)
		}
		if !p.IsSingleIP() || (a.kind == kindPrefix && strings.Contains(sel, "/")) {
			return nil, fmt.Errorf("%q is not a single address", sel)
		}
		pr := principal{ips: []netip.Addr{p.Addr()}}
		if i, ok := r.byIP[p.Addr()]; ok {
			n := &r.topo.Nodes[i]
			pr.tags = n.Tags
			pr.ips = n.IPs()
			if !n.IsTagged() {
				pr.user = r.owner[i]
			}
		}
		return []principal{pr}, nil
	}
	return nil, fmt.Errorf("%q cannot be tested", sel)
}

func (r *resolver) userIPs(u *User) []netip.Addr {
	var out []netip.Addr
	for _, i := range r.ownedBy[u] {
		out = append(out, r.ips[i]...)
	}
	return out
}

// matches reports whether selector a names principal pr. self is the source principal when
// pr is a destination, for autogroup:self.
func (r *resolver) matches(a alias, pr principal, self *principal) bool {
	switch a.kind {
	case kindWildcard:
		return true
	case kindTag:
		return slices.Contains(pr.tags, a.name)
	case kindHost, kindPrefix:
		p, ok := r.prefixOf(a)
		return ok && slices.ContainsFunc(pr.ips, p.Contains)
	case kindAutogroup:
		switch a.name {
		case agTagged:
			return len(pr.tags) > 0
		case agMember:
			return pr.user != nil && len(pr.tags) == 0
		case agDanger:
			return true
		case agSelf:
			return self != nil && len(pr.tags) == 0 && len(self.tags) == 0 && sameUser(self.user, pr.user)
		case agInternet:
			return len(pr.ips) > 0 && !slices.ContainsFunc(pr.ips, func(ip netip.Addr) bool { return !inInternet(single(ip)) })
		}
	}
	if len(pr.tags) > 0 || pr.user == nil {
		return false
	}
	if pr.user.Email == "autogroup:member" { // the abstract member: only member-wide selectors match
		return false
	}
	return r.userMatches(a, pr.user)
}

// sameUser reports whether a and b are one user, as autogroup:self asks: the same user of the
// topology, or the same login for users it does not hold (principalsFor makes a User for each such
// selector it resolves, so two resolutions of one login are two Users; a login the topology holds
// always resolves to its own User). The abstract member is no one user, not even itself.
func sameUser(a, b *User) bool {
	switch {
	case a == nil || b == nil || a.Email == "autogroup:member" || b.Email == "autogroup:member":
		return false
	case a == b:
		return true
	}
	ea, eb := strings.TrimSuffix(a.Email, "@"), strings.TrimSuffix(b.Email, "@")
	return ea != "" && strings.EqualFold(ea, eb)
}

// allowed reports whether every src principal may reach every dst principal on port with
// protocol proto (nil: TCP), and names the rules that allow it.
func (r *resolver) allowed(srcs, dsts []principal, port int, proto []int) (bool, [][]any) {
	if r.p.allowAll {
		return true, nil
	}
	rulesTo := make([][]*rule, len(dsts))
	for k, d := range dsts {
		rulesTo[k] = r.rulesTo(d)
	}
	var because [][]any
	for _, s := range srcs {
		for k, d := range dsts {
			ok := false
			for _, ru := range rulesTo[k] {
				if !slices.ContainsFunc(ru.src, func(a alias) bool { return r.matches(a, s, nil) }) {
					continue
				}
				for _, line := range ru.lines {
					if !protoMatches(line.protos, proto) {
						continue
					}
					for _, dp := range line.dsts {
						if r.matches(dp.alias, d, &s) && slices.ContainsFunc(dp.ports, func(pr PortRange) bool { return pr.contains(port) }) {
							ok = true
							because = append(because, ru.path)
						}
					}
				}
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, because
}

// rulesTo returns, in policy order, the rules with a destination that may name pr: one of
// its tags, a host or prefix holding one of its addresses, or any other kind of selector.
func (r *resolver) rulesTo(pr principal) []*rule {
	x := r.indexRules()
	ks := slices.Clone(x.other)
	for _, t := range pr.tags {
		ks = append(ks, x.byTag[t]...)
	}
	for _, ip := range pr.ips {
		x.byRange.overlapping(single(ip), func(k int) { ks = append(ks, k) })
	}
	slices.Sort(ks)
	out := make([]*rule, 0, len(ks))
	for _, k := range slices.Compact(ks) {
		out = append(out, r.p.rules[k])
	}
	return out
}

// rulesByDst indexes the policy's rules by the destinations they name.
type rulesByDst struct {
	byTag   map[string][]int // rules naming a tag
	byRange *rangeIndex      // rules naming a host or prefix
	other   []int            // rules naming anything else
}

func (r *resolver) indexRules() *rulesByDst {
	if r.rulesByDst != nil {
		return r.rulesByDst
	}
	x := &rulesByDst{byTag: map[string][]int{}}
	var rgs []ipRange
	var ks []int
	for k, ru := range r.p.rules {
		other := false
		for _, line := range ru.lines {
			for _, dp := range line.dsts {
				switch dp.alias.kind {
				case kindTag:
					x.byTag[dp.alias.name] = append(x.byTag[dp.alias.name], k)
				case kindHost, kindPrefix:
					if p, ok := r.prefixOf(dp.alias); ok {
						rgs = append(rgs, rangeOf(p))
						ks = append(ks, k)
					}
				default:
					other = true
				}
			}
		}
		if other {
			x.other = append(x.other, k)
		}
	}
	x.byRange = newRangeIndex(rgs, ks)
	r.rulesByDst = x
	return x
}

// protoMatches reports whether a rule allowing ruleProtos (nil: the default set) allows want (nil: TCP).
func protoMatches(ruleProtos, want []int) bool {
	if want == nil {
		want = []int{6}
	}
	if ruleProtos == nil {
		ruleProtos = []int{6, 17, 1, 58}
	}
	for _, w := range want {
		if !slices.Contains(ruleProtos, w) {
			return false
		}
	}
	return true
}

// parseTestDst parses a test destination "host:port"; the port must be a single number.
func parseTestDst(s string) (host string, port int, err error) {
	host, ps, err := SplitHostPorts(s)
	if err != nil {
		return "", 0, err
	}
	port, err = strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q: a test names one port between 1 and 65535", ps)
	}
	return host, port, nil
}

// RunTests evaluates the policy's "tests" and "sshTests" the way the control plane does when
// a policy is saved: at the level of identities, with topo (which may be nil) only mapping
// addresses to the nodes that hold them. It returns one result per assertion.
func (p *Policy) RunTests(topo *Topology) []TestResult {
	r := newResolver(p, topo)
	var out []TestResult
	for _, t := range p.tests {
		out = append(out, r.runTest(t)...)
	}
	for _, t := range p.sshTests {
		out = append(out, r.runSSHTest(t)...)
	}
	return out
}

func (r *resolver) runTest(t *policyTest) []TestResult {
	var out []TestResult
	srcs, srcErr := r.principalsFor(t.src)
	if t.src == "" {
		srcErr = fmt.Errorf("src must be specified")
	}
	proto, protoErr := parseProto(t.proto)
	run := func(as assertion, want string) {
		res := TestResult{Path: as.path, Src: t.src, Dst: as.what, Want: want}
		fail := func(err error) {
			res.Got = "error"
			res.Err = &Error{Path: as.path, Message: err.Error()}
			out = append(out, res)
		}
		switch {
		case srcErr != nil:
			fail(fmt.Errorf("src %q: %v", t.src, srcErr))
			return
		case protoErr != nil:
			fail(protoErr)
			return
		}
		host, port, err := parseTestDst(as.what)
		if err != nil {
			fail(err)
			return
		}
		dsts, err := r.principalsFor(host)
		if err != nil {
			fail(fmt.Errorf("dst %q: %v", host, err))
			return
		}
		ok, _ := r.allowed(srcs, dsts, port, proto)
		res.Got = "deny"
		if ok {
			res.Got = "accept"
		}
		res.Passed = res.Got == want
		out = append(out, res)
	}
	for _, as := range t.accept {
		run(as, "accept")
	}
	for _, as := range t.deny {
		run(as, "deny")
	}
	if len(t.accept) == 0 && len(t.deny) == 0 {
		out = append(out, TestResult{Path: t.path, Src: t.src, Passed: srcErr == nil, Got: "nothing to test"})
	}
	return out
}

// sshOutcome returns "accept", "check" or "deny" for login user login from src to dst.
func (r *resolver) sshOutcome(src, dst principal, login string) string {
	for _, ru := range r.p.ssh {
		if !slices.ContainsFunc(ru.src, func(a alias) bool { return r.matches(a, src, nil) }) {
			continue
		}
		if !slices.ContainsFunc(ru.dst, func(a alias) bool { return r.matches(a, dst, &src) }) {
			continue
		}
		if sshUserAllowed(ru.users, login, src.user) {
			return ru.action
		}
	}
	return "deny"
}

func sshUserAllowed(users []string, login string, u *User) bool {
	if login == "" {
		return false
	}
	for _, x := range users {
		switch {
		case x == login:
			return true
		case x == agNonroot && login != "root":
			return true
		case strings.HasPrefix(x, "localpart:*@") && u != nil:
			local, domain, _ := strings.Cut(u.Email, "@")
			if strings.EqualFold(domain, strings.TrimPrefix(x, "localpart:*@")) && local == login {
				return true
			}
		}
	}
	return false
}

func (r *resolver) runSSHTest(t *sshTest) []TestResult {
	var out []TestResult
	srcs, srcErr := r.principalsFor(t.src)
	run := func(as assertion, want string) {
		for _, d := range t.dst {
			res := TestResult{Path: as.path, Src: t.src, Dst: as.what + "@" + d, Want: want}
			a, _ := parseAlias(d)
			dsts, err := r.principalsFor(d)
			if err == nil && a.kind == kindPrefix && a.prefix.Addr().Is6() {
				err = fmt.Errorf("%q: IPv6 addresses cannot be tested", d)
			}
			if srcErr != nil {
				err = fmt.Errorf("src %q: %v", t.src, srcErr)
			}
			if err != nil {
				res.Got = "error"
				res.Err = &Error{Path: as.path, Message: err.Error()}
				out = append(out, res)
				continue
			}
			got := ""
			for _, s := range srcs {
				for _, dp := range dsts {
					o := r.sshOutcome(s, dp, as.what)
					if got == "" || o == "deny" || (o == "check" && got == "accept") {
						got = o
					}
				}
			}
			res.Got = got
			switch want {
			case "accept":
				res.Passed = got == "accept" || got == "check"
			default:
				res.Passed = got == want
			}
			out = append(out, res)
		}
	}
	for _, as := range t.accept {
		run(as, "accept")
	}
	for _, as := range t.check {
		run(as, "check")
	}
	for _, as := range t.deny {
		run(as, "deny")
	}
	return out
}
