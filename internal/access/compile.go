package access

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Policy is a validated policy, ready to be evaluated against a topology.
type Policy struct {
	groups    map[string][]string // group → member logins
	hosts     map[string]netip.Prefix
	tagOwners map[string]bool
	rules     []*rule
	ssh       []*sshRule
	tests     []*policyTest
	sshTests  []*sshTest
	allowAll  bool // neither "acls" nor "grants": everything may reach everything

	// What Diff compares besides access: who owns each tag, who approves routes and exit nodes,
	// and which nodes get which attributes, each as written, and the errors Compile returned.
	owners    map[string][]string // tag → owner selectors
	approvers []approval
	attrs     []nodeAttr
	errs      []Error
	unchecked []Error // checks not made: see Unchecked

	randomizeClientPort bool // the top-level randomizeClientPort: every node gets randomize-client-port
}

// Unchecked returns, at the values concerned, the checks Compile could not make: without the
// tailnet's domains (WithTailnetDomains), whether a "user:*@domain" or "localpart:*@domain" names one
// of them; the sections and fields not modelled (ipsets, postures); and each selector naming a
// feature not modelled (an "ipset:" selector), whose Error has NotModelled set. Tailscale makes
// these checks, so a policy with such entries is not known to be valid.
func (p *Policy) Unchecked() []Error { return p.unchecked }

// NotModelled returns the Unchecked errors with NotModelled set: the values whose entries are left
// out of the compiled policy because they use a feature tailaudit does not model. When there are
// any, what the policy allows is not known: evaluating access would judge only part of it.
func (p *Policy) NotModelled() []Error {
	var out []Error
	for _, e := range p.unchecked {
		if e.NotModelled != "" {
			out = append(out, e)
		}
	}
	return out
}

// approval is one entry of autoApprovers: a route (or the exit node routes, route "") and the
// selectors that may advertise it unreviewed.
type approval struct {
	path  []any
	route string
	by    []string
}

// nodeAttr is one entry of nodeAttrs.
type nodeAttr struct {
	path    []any
	targets []string
	attrs   []string
	app     map[string]any // app capabilities: name → list of values
	tkey    string         // the "target" key as spelt
}

// rule is one entry of "acls" or "grants", in grant form.
type rule struct {
	path  []any
	src   []alias
	dst   []alias  // grants: every dst; acls: the dst selectors without ports
	lines []ipLine // what the "ip" part (or an ACL's dst ports) allows
	app   map[string]any
	via   []string
	// dstKey is the "dst" key as spelt; dst[i] is the rule's dst entry i.
	dstKey string
}

// ipLine is one protocol/ports clause applied to a set of destinations.
type ipLine struct {
	protos []int // nil: TCP, UDP, ICMP, ICMPv6
	dsts   []dstPorts
}

type dstPorts struct {
	alias alias
	ports []PortRange
}

// Option adjusts Compile.
type Option func(*compileOptions)

type compileOptions struct {
	domains []string
}

// WithTailnetDomains names the domains associated with the tailnet. "user:*@domain" and
// "localpart:*@domain" must name one of them; without this option they are not checked.
func WithTailnetDomains(domains ...string) Option {
	return func(o *compileOptions) { o.domains = append(o.domains, domains...) }
}

// compiler collects errors while it builds a Policy.
type compiler struct {
	p         *Policy
	opts      compileOptions
	errs      []Error
	unchecked []Error
}

// errorf records an error Tailscale makes at path; when one of args is a selector naming a feature
// that is not modelled, it records that instead, among the checks not made.
func (c *compiler) errorf(path []any, format string, args ...any) {
	e := Error{Path: path, Message: fmt.Sprintf(format, args...)}
	for _, a := range args {
		var nm notModelledError
		if err, ok := a.(error); ok && errors.As(err, &nm) {
			e.NotModelled = nm.feature
			c.unchecked = append(c.unchecked, e)
			return
		}
	}
	c.errs = append(c.errs, e)
}

// Compile validates a policy document (decoded JSON with canonical key spelling) and
// returns it compiled. Errors come in document order of the sections Tailscale checks:
// groups, tagOwners, hosts, acls, grants, ssh, nodeAttrs, autoApprovers, sshTests.
// Test outcomes are not errors here: see RunTests. When errors are returned the Policy is
// still usable for the parts that compiled.
func Compile(doc map[string]any, opts ...Option) (*Policy, []Error) {
	c := &compiler{p: &Policy{
		groups:    map[string][]string{},
		hosts:     map[string]netip.Prefix{},
		tagOwners: map[string]bool{},
		owners:    map[string][]string{},
	}}
	for _, o := range opts {
		o(&c.opts)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	c.compileGroups(doc)
	c.compileTagOwners(doc)
	c.compileHosts(doc)
	acls, aclKey, hasACLs := field(doc, "acls")
	grants, grantKey, hasGrants := field(doc, "grants")
	c.p.allowAll = (!hasACLs || acls == nil) && (!hasGrants || grants == nil)
	for i, v := range c.list(acls, []any{aclKey}) {
		c.compileACL(v, []any{aclKey, i})
	}
	for i, v := range c.list(grants, []any{grantKey}) {
		c.compileGrant(v, []any{grantKey, i})
	}
	sshRules, sshKey, _ := field(doc, "ssh")
	for i, v := range c.list(sshRules, []any{sshKey}) {
		c.compileSSH(v, []any{sshKey, i})
	}
	attrs, attrKey, _ := field(doc, "nodeAttrs")
	for i, v := range c.list(attrs, []any{attrKey}) {
		c.compileNodeAttr(v, []any{attrKey, i})
	}
	c.compileAutoApprovers(doc)
	rcp, _, _ := field(doc, "randomizeClientPort")
	c.p.randomizeClientPort, _ = rcp.(bool)
	tests, testKey, _ := field(doc, "tests")
	for i, v := range c.list(tests, []any{testKey}) {
		c.compileTest(v, []any{testKey, i})
	}
	sshTests, sshTestKey, _ := field(doc, "sshTests")
	for i, v := range c.list(sshTests, []any{sshTestKey}) {
		c.compileSSHTest(v, []any{sshTestKey, i})
	}
	c.notModelled(doc)
	c.p.errs = c.errs
	c.p.unchecked = c.unchecked
	return c.p, c.errs
}

// notModelled records, as checks not made, the documented features this package does not
// evaluate (see VALIDATION.md, "Not modelled"): IP sets and device postures.
func (c *compiler) notModelled(doc map[string]any) {
	for _, key := range []string{"ipsets", "postures", "defaultSrcPosture"} {
		if v, k, ok := field(doc, key); ok && v != nil {
			c.unchecked = append(c.unchecked, Error{Path: []any{k}, Message: fmt.Sprintf("%q is not modelled by tailaudit: it is neither checked nor applied to access", key)})
		}
	}
	for _, sec := range []struct{ section, key string }{{"grants", "srcPosture"}, {"acls", "srcPosture"}, {"tests", "srcPostureAttrs"}} {
		list, sk, _ := field(doc, sec.section)
		items, _ := list.([]any)
		for i, it := range items {
			m, _ := it.(map[string]any)
			if v, k, ok := field(m, sec.key); ok && v != nil {
				c.unchecked = append(c.unchecked, Error{Path: []any{sk, i, k}, Message: fmt.Sprintf("%q is not modelled by tailaudit: the entry is evaluated as if every device met every posture", sec.key)})
			}
		}
	}
}

// list returns v as an array, reporting anything else but null.
func (c *compiler) list(v any, path []any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	c.errorf(path, "expected an array, got %s", typeName(v))
	return nil
}

// object returns v as an object, reporting anything else.
func (c *compiler) object(v any, path []any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		c.errorf(path, "expected an object, got %s", typeName(v))
	}
	return m, ok
}

// strings returns the strings of an array field, reporting non-strings.
func (c *compiler) strings(v any, path []any) []string {
	if s, ok := v.(string); ok { // Tailscale accepts a lone string where a list is expected.
		return []string{strings.TrimSpace(s)}
	}
	var out []string
	for i, e := range c.list(v, path) {
		s, ok := e.(string)
		if !ok {
			c.errorf(at(path, i), "expected a string, got %s", typeName(e))
			continue
		}
		out = append(out, strings.TrimSpace(s)) // Tailscale trims the space around every listed value
	}
	return out
}

func (c *compiler) compileGroups(doc map[string]any) {
	v, key, ok := field(doc, "groups")
	if !ok || v == nil {
		return
	}
	m, ok := c.object(v, []any{key})
	if !ok {
		return
	}
	names := sortedKeys(m)
	for _, name := range names {
		if !strings.HasPrefix(name, "group:") || len(name) == len("group:") {
			c.errorf([]any{key, name}, "group %q: group names must start with 'group:'", name)
			continue
		}
		c.p.groups[name] = nil
	}
	// Tailscale reports the last offending group first; keep its order for the first error.
	for _, name := range slices.Backward(names) {
		if _, ok := c.p.groups[name]; !ok {
			continue
		}
		path := []any{key, name}
		var members []string
		for i, mem := range c.strings(m[name], path) {
			switch {
			case strings.HasPrefix(mem, "group:"):
				c.errorf(at(path, i), "groups[%q]: %q: group members cannot be recursive", name, mem)
			case mem == "" || strings.ContainsAny(mem, " \t"):
				c.errorf(at(path, i), "groups[%q]: %q: invalid group member", name, mem)
			case strings.HasPrefix(mem, "tag:") || strings.HasPrefix(mem, "autogroup:"):
				c.errorf(at(path, i), "groups[%q]: %q: group members must be users", name, mem)
			case !strings.Contains(mem, "@"):
				c.errorf(at(path, i), "groups[%q]: %q: user names must contain an @", name, mem)
			default:
				members = append(members, strings.TrimPrefix(mem, "user:"))
			}
		}
		c.p.groups[name] = members
	}
}

func (c *compiler) compileTagOwners(doc map[string]any) {
	v, key, ok := field(doc, "tagOwners")
	if !ok || v == nil {
		return
	}
	m, ok := c.object(v, []any{key})
	if !ok {
		return
	}
	for _, tag := range sortedKeys(m) {
		path := []any{key, tag}
		if !strings.HasPrefix(tag, "tag:") {
			c.errorf(path, "tagOwners[%q]: tags must start with 'tag:'", tag)
			continue
		}
		if err := checkTagName(tag); err != nil {
			c.errorf(path, "tagOwners[%q]: %v", tag, err)
			continue
		}
		c.p.tagOwners[tag] = true
	}
	for _, tag := range sortedKeys(m) {
		path := []any{key, tag}
		owners := c.strings(m[tag], path)
		if c.p.tagOwners[tag] {
			c.p.owners[tag] = owners
		}
		for i, owner := range owners {
			a, err := parseAlias(owner)
			switch {
			case err != nil:
				c.errorf(at(path, i), "tagOwners[%q]: %v", tag, err)
			case a.kind == kindGroup && !c.hasGroup(a.name):
				c.errorf(at(path, i), "tagOwners[%q]: group %q not found", tag, a.name)
			case a.kind == kindTag && !c.p.tagOwners[a.name]:
				c.errorf(at(path, i), "tagOwners[%q]: tag %q not found", tag, a.name)
			case a.kind == kindUser, a.kind == kindGroup, a.kind == kindTag:
			case a.kind == kindAutogroup && roleAutogroups[a.name] != "", a.kind == kindAutogroup && a.name == agMember:
			default:
				c.errorf(at(path, i), "tagOwners[%q]: %q cannot own tags", tag, owner)
			}
		}
	}
}

func (c *compiler) hasGroup(name string) bool {
	_, ok := c.p.groups[name]
	return ok
}

func (c *compiler) compileHosts(doc map[string]any) {
	v, key, ok := field(doc, "hosts")
	if !ok || v == nil {
		return
	}
	m, ok := c.object(v, []any{key})
	if !ok {
		return
	}
	for _, name := range sortedKeys(m) {
		path := []any{key, name}
		if a, err := parseAlias(name); err != nil || a.kind != kindHost {
			c.errorf(path, "hosts[%q]: host names must be plain names, not selectors or addresses", name)
			continue
		}
		s, ok := m[name].(string)
		if !ok {
			c.errorf(path, "hosts[%q]: expected a string, got %s", name, typeName(m[name]))
			continue
		}
		p, ok := parseIPOrPrefix(s)
		if !ok || strings.HasPrefix(s, "[") {
			c.errorf(path, "hosts[%q]: %q: invalid IP address or CIDR prefix", name, s)
			continue
		}
		if p.Masked() != p {
			c.errorf(path, "hosts[%q]: %q: prefix has host bits set", name, s)
			continue
		}
		c.p.hosts[name] = p
	}
}

// side says where a selector stands, for the rules on what may stand there.
type side int

const (
	sideSrc side = iota
	sideDst
)

// checkAlias parses sel and checks that it may stand on side s of an acl or grant.
func (c *compiler) checkAlias(sel string, s side, path []any, isACL bool) (alias, bool) {
	a, err := parseAlias(sel)
	if err != nil {
		c.errorf(path, "%v", err)
		return alias{}, false
	}
	switch a.kind {
	case kindTag:
		if !c.p.tagOwners[a.name] {
			if s == sideSrc {
				c.errorf(path, "src=tag not found: %q", a.name)
			} else {
				c.errorf(path, "dst=%q: tag not found: %q", a.name, a.name)
			}
			return a, false
		}
	case kindGroup:
		if !c.hasGroup(a.name) {
			if s == sideSrc {
				c.errorf(path, "src=group not found: %q", a.name)
			} else {
				c.errorf(path, "dst=%q: group not found: %q", a.name, a.name)
			}
			return a, false
		}
	case kindHost:
		if _, ok := c.p.hosts[a.name]; !ok {
			c.errorf(path, "%q: host not found", a.name)
			return a, false
		}
	case kindUserDomain:
		if !c.domainOK(sel, a.name, path) {
			c.errorf(path, "%s is not associated with this Tailnet and cannot be used in user:*@<domain> expressions", a.name)
			return a, false
		}
	case kindAutogroup:
		switch {
		case a.name == agSelf && s == sideSrc:
			c.errorf(path, "%q not valid on the src side of a rule", a.name)
			return a, false
		case a.name == agInternet && s == sideSrc:
			c.errorf(path, "%q not valid on the src side of a rule", a.name)
			return a, false
		case a.name == agDanger && s == sideDst:
			c.errorf(path, "cannot use autogroup:danger-all as a dst")
			return a, false
		case a.name == agNonroot:
			c.errorf(path, "%q is only valid in ssh users", a.name)
			return a, false
		}
	case kindPrefix:
		if s == sideDst && a.prefix.Bits() == 0 {
			c.errorf(path, "dst %q: to allow all IP addresses, use \"*\" or \"autogroup:internet\"", a.prefix.String())
			return a, false
		}
	}
	return a, true
}

// domainOK reports whether domain, from value sel at path, is one of the tailnet's domains. Without
// them it records the check as not made and lets the value pass.
func (c *compiler) domainOK(sel, domain string, path []any) bool {
	if len(c.opts.domains) == 0 {
		c.unchecked = append(c.unchecked, Error{Path: path, Message: fmt.Sprintf("%q: not checked against the tailnet's domains, which are not known (set the tailnetDomains parameter or give a snapshot)", sel)})
		return true
	}
	return slices.Contains(c.opts.domains, domain)
}

// checkSelfSources applies the rule that autogroup:self destinations need identity sources.
// ACLs, unlike grants, also accept "*" there.
func (c *compiler) checkSelfSources(srcs, dsts []alias, path []any, isACL bool) bool {
	if !slices.ContainsFunc(dsts, func(a alias) bool { return a.kind == kindAutogroup && a.name == agSelf }) {
		return true
	}
	for _, a := range srcs {
		switch {
		case a.kind == kindUser, a.kind == kindGroup, a.kind == kindUserDomain:
		case a.kind == kindWildcard && isACL:
		case a.kind == kindAutogroup && (a.name == agMember || roleAutogroups[a.name] != ""):
		default:
			c.errorf(path, "autogroup:self can only be used with users, groups, or supported autogroups")
			return false
		}
	}
	return true
}

func (c *compiler) compileACL(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	r := &rule{path: path}
	okAll := true
	action, actionKey, hasAction := field(m, "action")
	switch s, _ := action.(string); {
	case !hasAction || action == nil:
		c.errorf(at(path, actionKey), "action must be specified")
		okAll = false
	case strings.TrimSpace(s) != "accept":
		c.errorf(at(path, actionKey), "action=%q is not supported", fmt.Sprint(action))
		okAll = false
	}
	srcV, srcKey, _ := field(m, "src")
	for i, s := range c.strings(srcV, at(path, srcKey)) {
		a, ok := c.checkAlias(s, sideSrc, at(path, srcKey, i), true)
		okAll = okAll && ok
		r.src = append(r.src, a)
	}
	var protos []int
	if pv, pk, ok := field(m, "proto"); ok && pv != nil {
		ps, _ := pv.(string)
		if f, isNum := pv.(float64); isNum {
			ps = fmt.Sprint(f)
		}
		var err error
		if protos, err = parseProto(ps); err != nil {
			c.errorf(at(path, pk), "%v", err)
			okAll = false
		}
	}
	line := ipLine{protos: protos}
	dstV, dstKey, _ := field(m, "dst")
	r.dstKey = dstKey
	for i, s := range c.strings(dstV, at(path, dstKey)) {
		p := at(path, dstKey, i)
		host, portStr, err := SplitHostPorts(s)
		if err != nil {
			c.errorf(p, "%v", err)
			okAll = false
			continue
		}
		a, ok := c.checkAlias(host, sideDst, p, true)
		okAll = okAll && ok
		ports, err := parsePorts(portStr)
		if err != nil {
			c.errorf(p, "dst=%q: %v", s, err)
			okAll = false
			continue
		}
		if !protoHasPorts(protos) && !(len(ports) == 1 && ports[0] == allPorts) {
			c.errorf(p, "dst %q: protocol %v does not support specific ports", s, protos)
			okAll = false
		}
		r.dst = append(r.dst, a)
		line.dsts = append(line.dsts, dstPorts{alias: a, ports: ports})
	}
	r.lines = []ipLine{line}
	if okAll && c.checkSelfSources(r.src, r.dst, path, true) {
		c.p.rules = append(c.p.rules, r)
	}
}

func (c *compiler) compileGrant(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	r := &rule{path: path}
	okAll := true
	srcV, srcKey, _ := field(m, "src")
	for i, s := range c.strings(srcV, at(path, srcKey)) {
		a, ok := c.checkAlias(s, sideSrc, at(path, srcKey, i), false)
		okAll = okAll && ok
		r.src = append(r.src, a)
	}
	dstV, dstKey, _ := field(m, "dst")
	r.dstKey = dstKey
	for i, s := range c.strings(dstV, at(path, dstKey)) {
		a, ok := c.checkAlias(s, sideDst, at(path, dstKey, i), false)
		okAll = okAll && ok
		r.dst = append(r.dst, a)
	}
	ipV, ipKey, _ := field(m, "ip")
	ips := c.strings(ipV, at(path, ipKey))
	appV, appKey, hasApp := field(m, "app")
	var app map[string]any
	if hasApp && appV != nil {
		app, _ = c.object(appV, at(path, appKey))
	}
	if len(ips) == 0 && len(app) == 0 {
		c.errorf(path, "ip and app can not both be empty")
		return
	}
	for i, s := range ips {
		protos, ports, err := parseIPSpec(s)
		if err != nil {
			c.errorf(at(path, ipKey, i), "%v", err)
			okAll = false
			continue
		}
		line := ipLine{protos: protos}
		for _, a := range r.dst {
			line.dsts = append(line.dsts, dstPorts{alias: a, ports: ports})
		}
		r.lines = append(r.lines, line)
	}
	for _, name := range sortedKeys(app) {
		if err := checkCapName(name); err != nil {
			c.errorf(at(path, appKey, name), "%v", err)
			okAll = false
		}
	}
	if len(app) > 0 {
		r.app = app
		if slices.ContainsFunc(r.dst, func(a alias) bool { return a.kind == kindAutogroup && a.name == agInternet }) {
			c.errorf(at(path, dstKey), "cannot use app grants with autogroup:internet")
			okAll = false
		}
	}
	viaV, viaKey, _ := field(m, "via")
	for i, s := range c.strings(viaV, at(path, viaKey)) {
		if !strings.HasPrefix(s, "tag:") {
			c.errorf(at(path, viaKey, i), "via %q: via must name tags", s)
			okAll = false
			continue
		}
		if !c.p.tagOwners[s] {
			c.errorf(at(path, viaKey, i), "tag %q not found", s)
			okAll = false
			continue
		}
		r.via = append(r.via, s)
	}
	if okAll && c.checkSelfSources(r.src, r.dst, path, false) {
		c.p.rules = append(c.p.rules, r)
	}
}

// parseIPSpec parses one entry of a grant's "ip": "*", "22", "80-443", "tcp:443", "udp:*", "icmp:*".
func parseIPSpec(s string) ([]int, []PortRange, error) {
	if s == "*" {
		return nil, []PortRange{allPorts}, nil
	}
	protoStr, portStr, hasProto := strings.Cut(s, ":")
	if !hasProto {
		ports, err := parsePorts(s)
		return nil, ports, err
	}
	var protos []int
	if protoStr != "*" {
		var err error
		if protos, err = parseProto(protoStr); err != nil {
			return nil, nil, err
		}
	}
	ports, err := parsePorts(portStr)
	if err != nil {
		return nil, nil, err
	}
	if !protoHasPorts(protos) && !(len(ports) == 1 && ports[0] == allPorts) {
		return nil, nil, fmt.Errorf("ip %q: protocol %s does not support specific ports", s, protoStr)
	}
	return protos, ports, nil
}

// allowedTailscaleCaps are the tailscale.com capabilities a grant may hand out.
var allowedTailscaleCaps = []string{
	"tailscale.com/cap/drive",
	"tailscale.com/cap/kubernetes",
	"tailscale.com/cap/relay",
	"tailscale.com/cap/tsidp",
	"tailscale.com/cap/webui",
	"tailscale.com/cap/golink",
	"tailscale.com/cap/services",
}

// checkCapName applies the control plane's rules for capability names.
func checkCapName(name string) error {
	domain, rest, ok := strings.Cut(name, "/")
	if !ok || rest == "" || domain == "" || strings.ContainsAny(domain, ":@ ") || !strings.Contains(domain, ".") {
		return fmt.Errorf("capability name must have the form {domain}/{path}")
	}
	if strings.EqualFold(domain, "tailscale.com") && !slices.Contains(allowedTailscaleCaps, name) {
		return fmt.Errorf("capability name must not be in the tailscale.com domain")
	}
	return nil
}

func (c *compiler) compileNodeAttr(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	tv, tk, _ := field(m, "target")
	targets := c.strings(tv, at(path, tk))
	av, _, _ := field(m, "attr")
	attrs := anyStrings(av) // checked by the document's shape, not here
	if s, ok := av.(string); ok {
		attrs = []string{s}
	}
	appv, _, _ := field(m, "app")
	app, _ := appv.(map[string]any)
	c.p.attrs = append(c.p.attrs, nodeAttr{path: path, targets: targets, attrs: attrs, app: app, tkey: tk})
	for i, s := range targets {
		p := at(path, tk, i)
		a, err := parseAlias(s)
		if err != nil {
			c.errorf(p, "%v", err)
			continue
		}
		switch {
		case a.kind == kindTag && !c.p.tagOwners[a.name]:
			c.errorf(p, "tag not found: %q", a.name)
		case a.kind == kindGroup && !c.hasGroup(a.name):
			c.errorf(p, "group not found: %q", a.name)
		case a.kind == kindHost:
			if _, ok := c.p.hosts[a.name]; !ok {
				c.errorf(p, "%q: invalid address", s)
			}
		case a.kind == kindAutogroup && (a.name == agSelf || a.name == agInternet || a.name == agDanger || a.name == agNonroot):
			c.errorf(p, "internal server error")
		}
	}
	pv, pk, _ := field(m, "ipPool")
	for i, s := range c.strings(pv, at(path, pk)) {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			c.errorf(at(path, pk, i), "IPPool(%s): %v", s, err)
			continue
		}
		if pfx.Overlaps(netip.MustParsePrefix("100.100.0.0/16")) || pfx.Overlaps(netip.MustParsePrefix("100.115.92.0/23")) {
			c.errorf(at(path, pk, i), "IPPool(%s): network within reserved range", s)
		}
	}
}

func (c *compiler) compileAutoApprovers(doc map[string]any) {
	v, key, ok := field(doc, "autoApprovers")
	if !ok || v == nil {
		return
	}
	m, ok := c.object(v, []any{key})
	if !ok {
		return
	}
	check := func(path []any, owners []string) {
		for i, s := range owners {
			a, err := parseAlias(s)
			switch {
			case err != nil:
				c.errorf(at(path, i), "%v", err)
			case a.kind == kindTag && !c.p.tagOwners[a.name]:
				c.errorf(at(path, i), "tag not found: %q", a.name)
			case a.kind == kindGroup && !c.hasGroup(a.name):
				c.errorf(at(path, i), "group not found: %q", a.name)
			}
		}
	}
	if rv, rk, ok := field(m, "routes"); ok && rv != nil {
		if routes, ok := c.object(rv, []any{key, rk}); ok {
			for _, pfx := range sortedKeys(routes) {
				path := []any{key, rk, pfx}
				if _, err := netip.ParsePrefix(pfx); err != nil {
					c.errorf(path, "autoApprovers routes: %q: invalid prefix", pfx)
					continue
				}
				by := c.strings(routes[pfx], path)
				c.p.approvers = append(c.p.approvers, approval{path: path, route: pfx, by: by})
				check(path, by)
			}
		}
	}
	if ev, ek, ok := field(m, "exitNode"); ok {
		by := c.strings(ev, []any{key, ek})
		c.p.approvers = append(c.p.approvers, approval{path: []any{key, ek}, by: by})
		check([]any{key, ek}, by)
	}
}
