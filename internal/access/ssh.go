package access

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// SSHPolicy is the SSH policy the control plane sends a node (tailcfg.SSHPolicy's JSON shape).
// Rules are evaluated in order; the first match wins.
type SSHPolicy struct {
	Rules []SSHRule `json:"rules"`
}

// SSHRule is one rule of an SSHPolicy.
type SSHRule struct {
	Principals []SSHPrincipal    `json:"principals"`
	SSHUsers   map[string]string `json:"sshUsers"`
	Action     SSHAction         `json:"action"`
	AcceptEnv  []string          `json:"acceptEnv,omitempty"`
}

// SSHPrincipal names a connecting node by address.
type SSHPrincipal struct {
	NodeIP string `json:"nodeIP,omitempty"`
	Any    bool   `json:"any,omitempty"`
}

// SSHAction is what happens to a matching connection.
type SSHAction struct {
	Accept                    bool   `json:"accept,omitempty"`
	Reject                    bool   `json:"reject,omitempty"`
	HoldAndDelegate           string `json:"holdAndDelegate,omitempty"`
	AllowAgentForwarding      bool   `json:"allowAgentForwarding,omitempty"`
	AllowLocalPortForwarding  bool   `json:"allowLocalPortForwarding,omitempty"`
	AllowRemotePortForwarding bool   `json:"allowRemotePortForwarding,omitempty"`
}

// checkActionURL is where the control plane sends "check" connections for re-authentication.
const checkActionURL = "https://unused/machine/ssh/action/$SRC_NODE_ID/to/$DST_NODE_ID?local_user=$LOCAL_USER"

// maxCheckPeriod is the longest checkPeriod the control plane accepts.
const maxCheckPeriod = 168 * time.Hour

type sshRule struct {
	path        []any
	action      string // "accept" or "check"
	checkPeriod time.Duration
	src, dst    []alias
	users       []string
	acceptEnv   []string
}

func (c *compiler) compileSSH(v any, path []any) {
	m, ok := c.object(v, path)
	if !ok {
		return
	}
	r := &sshRule{path: path}
	okAll := true
	action, actionKey, hasAction := field(m, "action")
	s, _ := action.(string)
	s = strings.TrimSpace(s)
	switch {
	case !hasAction || action == nil:
		c.errorf(at(path, actionKey), "action must be specified")
		okAll = false
	case s != "accept" && s != "check":
		c.errorf(at(path, actionKey), "%q is not a valid action", fmt.Sprint(action))
		okAll = false
	default:
		r.action = s
	}
	if pv, pk, ok := field(m, "checkPeriod"); ok && pv != nil {
		s, _ := pv.(string)
		switch d, err := time.ParseDuration(s); {
		case s == "always":
		case err != nil:
			c.errorf(at(path, pk), "%v", err)
			okAll = false
		case d < 0:
			c.errorf(at(path, pk), "checkPeriod %v must be a positive duration", d)
			okAll = false
		case d > maxCheckPeriod:
			c.errorf(at(path, pk), "checkPeriod %v is above the max (168h)", d)
			okAll = false
		default:
			r.checkPeriod = d
		}
	}
	srcV, srcKey, _ := field(m, "src")
	for i, s := range c.strings(srcV, at(path, srcKey)) {
		p := at(path, srcKey, i)
		a, err := parseAlias(s)
		switch {
		case err != nil:
			c.errorf(p, "%v", err)
			okAll = false
			continue
		case a.kind == kindUserDomain && !c.domainOK(s, a.name, p):
			c.errorf(p, "[ssh] %s is not associated with this Tailnet and cannot be used in user:*@<domain> expressions", a.name)
			okAll = false
			continue
		case a.kind == kindAutogroup && a.name != agMember && a.name != agTagged && roleAutogroups[a.name] == "":
			c.errorf(p, "%q not valid on the src side of an ssh rule", a.name)
			okAll = false
			continue
		}
		a, ok := c.checkAlias(s, sideSrc, p, false)
		okAll = okAll && ok
		r.src = append(r.src, a)
	}
	dstV, dstKey, _ := field(m, "dst")
	for i, s := range c.strings(dstV, at(path, dstKey)) {
		p := at(path, dstKey, i)
		a, err := parseAlias(s)
		if err == nil {
			if msg := sshDstKindError(a); msg != "" {
				c.errorf(p, "dst=%q: %s", s, msg)
				okAll = false
				continue
			}
		}
		a, ok := c.checkAlias(s, sideDst, p, false)
		okAll = okAll && ok
		r.dst = append(r.dst, a)
	}
	if okAll && !c.checkSSHPairs(r.src, r.dst, at(path, dstKey)) {
		okAll = false
	}
	usersV, usersKey, _ := field(m, "users")
	users := c.strings(usersV, at(path, usersKey))
	for i := range users {
		users[i] = strings.TrimSpace(users[i])
	}
	if len(users) == 0 {
		c.errorf(at(path, usersKey), "users must be specified")
		okAll = false
	}
	for i, u := range users {
		p := at(path, usersKey, i)
		switch {
		case u == "" || u == "*":
			c.errorf(p, "user %q is not valid", u)
			okAll = false
		case strings.HasPrefix(u, "localpart:*@") && u != "localpart:*@":
			// The control plane accepts other "localpart:" spellings and ignores them.
			if domain := strings.TrimPrefix(u, "localpart:*@"); !c.domainOK(u, domain, p) {
				c.errorf(p, "%s is not associated with this Tailnet and cannot be used in user:*@<domain> expressions", domain)
				okAll = false
			}
		}
	}
	r.users = users
	if ev, ek, ok := field(m, "acceptEnv"); ok {
		r.acceptEnv = c.strings(ev, at(path, ek))
		for i, name := range r.acceptEnv {
			if !validAcceptEnv(name) {
				c.errorf(at(path, ek, i), "acceptEnv=%q: invalid environment variable name", name)
				okAll = false
			}
		}
	}
	if okAll && c.checkSelfSources(r.src, r.dst, path, false) {
		c.p.ssh = append(c.p.ssh, r)
	}
}

// sshDstKindError says why a selector may not stand in an SSH rule's dst, or returns "". Tailscale
// SSH connects to devices by identity: tags, a user's own devices and the device autogroups; never
// to "*", hosts, addresses or groups of other users' devices.
func sshDstKindError(a alias) string {
	switch a.kind {
	case kindWildcard:
		return `"*" is not a valid ssh destination; name tags, autogroup:tagged or autogroup:self`
	case kindHost, kindPrefix:
		return "hosts and IP addresses are not valid ssh destinations; name the devices' tags"
	case kindGroup, kindUserDomain:
		return "groups of users are not valid ssh destinations; use autogroup:self"
	case kindAutogroup:
		if a.name != agSelf && a.name != agMember && a.name != agTagged {
			return fmt.Sprintf("%q not valid on the dst side of an ssh rule", a.name)
		}
	}
	return ""
}

// checkSSHPairs applies Tailscale SSH's rule on who may connect where: tagged devices may be
// reached from any source, but a user's devices only from that same user, so a tagged source may
// only name tagged destinations and a user destination only its own user as source.
// autogroup:self is judged by checkSelfSources, with Tailscale's message.
func (c *compiler) checkSSHPairs(srcs, dsts []alias, path []any) bool {
	for k, d := range dsts {
		switch {
		case d.kind == kindUser:
			for _, s := range srcs {
				if s.kind != kindUser || s.name != d.name {
					c.errorf(at(path, k), "dst=%q: a user's devices can only be ssh destinations of that same user, not of %q", d.String(), s.String())
					return false
				}
			}
		case d.kind == kindAutogroup && d.name == agMember:
			for _, s := range srcs {
				if s.kind == kindTag || s.kind == kindAutogroup && s.name == agTagged {
					c.errorf(at(path, k), "dst=%q: tagged sources can only ssh to tagged destinations, not %q", d.String(), s.String())
					return false
				}
			}
		}
	}
	return true
}

// validAcceptEnv reports whether name can match an environment variable's name: not empty, and
// without "=", spaces or control characters. "*" and "?" are wildcards.
func validAcceptEnv(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r == '=' || r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// sshUsers renders the users list as the login map of an SSHRule.
func (r *sshRule) sshUsers() map[string]string {
	m := map[string]string{"root": ""}
	for _, u := range r.users {
		switch {
		case u == "root":
			m["root"] = "root"
		case u == agNonroot:
			m["*"] = "="
		case isLocalpart(u):
		default:
			m[u] = u
		}
	}
	return m
}

// localpartDomains returns the domains of the rule's "localpart:*@domain" users.
func (r *sshRule) localpartDomains() []string {
	var out []string
	for _, u := range r.users {
		if isLocalpart(u) {
			out = append(out, strings.TrimPrefix(u, "localpart:*@"))
		}
	}
	return out
}

func (r *sshRule) sshAction() SSHAction {
	if r.action == "check" {
		return SSHAction{HoldAndDelegate: checkActionURL}
	}
	return SSHAction{Accept: true, AllowAgentForwarding: true, AllowLocalPortForwarding: true, AllowRemotePortForwarding: true}
}

// principals lists the addresses of nodes as SSH principals, sorted by address.
func (r *resolver) principals(nodes []int) []SSHPrincipal {
	var addrs []netip.Addr
	for _, j := range nodes {
		addrs = append(addrs, r.ips[j]...)
	}
	slices.SortFunc(addrs, netip.Addr.Compare) // duplicates stay, as the control plane keeps them
	out := make([]SSHPrincipal, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, SSHPrincipal{NodeIP: a.String()})
	}
	return out
}

// sshSources returns the nodes an SSH rule's sources name. autogroup:tagged names a node
// once per tag it carries, and the control plane lists its addresses that many times.
func (r *resolver) sshSources(srcs []alias) []int {
	var out []int
	for j := range r.topo.Nodes {
		for _, a := range srcs {
			if r.nodeMatches(a, j) {
				out = append(out, j)
				if a.kind == kindAutogroup && a.name == agTagged {
					for range r.topo.Nodes[j].Tags[1:] {
						out = append(out, j)
					}
				}
				break
			}
		}
	}
	return out
}

// sshSourceSet is what one SSH rule's sources resolve to, shared by every node's policy.
type sshSourceSet struct {
	nodes      []int           // sshSources
	principals []SSHPrincipal  // of nodes
	byOwner    map[*User][]int // the untagged nodes, by owner, in order
	ownerPrs   map[*User][]SSHPrincipal
	byUser     []sshPrincipals // see sourcesByUser
}

// sshPrincipals are the principals of some nodes, owned by user (nil: tagged or ownerless).
type sshPrincipals struct {
	principals []SSHPrincipal
	user       *User
}

func (r *resolver) sshSourceSet(ru *sshRule) *sshSourceSet {
	if set, ok := r.sshSrcCache[ru]; ok {
		return set
	}
	set := &sshSourceSet{nodes: r.sshSources(ru.src), byOwner: map[*User][]int{}, ownerPrs: map[*User][]SSHPrincipal{}}
	set.principals = r.principals(set.nodes)
	for _, j := range set.nodes {
		if u := r.owner[j]; u != nil && !r.topo.Nodes[j].IsTagged() {
			set.byOwner[u] = append(set.byOwner[u], j)
		}
	}
	r.sshSrcCache[ru] = set
	return set
}

// ownedSources returns whether u owns any of the sources, and the principals of those it owns.
func (r *resolver) ownedSources(set *sshSourceSet, u *User) (bool, []SSHPrincipal) {
	nodes := set.byOwner[u]
	if len(nodes) == 0 {
		return false, nil
	}
	prs, ok := set.ownerPrs[u]
	if !ok {
		prs = r.principals(nodes)
		set.ownerPrs[u] = prs
	}
	return true, prs
}

// sourcesByUser splits the sources by owner (users in ID order, tagged nodes last).
func (r *resolver) sourcesByUser(set *sshSourceSet) []sshPrincipals {
	if set.byUser != nil {
		return set.byUser
	}
	var tagged []int
	for _, j := range set.nodes {
		if r.owner[j] == nil || r.topo.Nodes[j].IsTagged() {
			tagged = append(tagged, j)
		}
	}
	us := slices.Collect(maps.Keys(set.byOwner))
	sort.Slice(us, func(a, b int) bool { return us[a].ID < us[b].ID })
	set.byUser = []sshPrincipals{}
	for _, u := range us {
		_, prs := r.ownedSources(set, u)
		set.byUser = append(set.byUser, sshPrincipals{prs, u})
	}
	if len(tagged) > 0 {
		set.byUser = append(set.byUser, sshPrincipals{r.principals(tagged), nil})
	}
	return set.byUser
}

// sshPolicy computes node i's SSH policy.
func (r *resolver) sshPolicy(i int) SSHPolicy {
	pol := SSHPolicy{Rules: []SSHRule{}}
	node := &r.topo.Nodes[i]
	for _, ru := range r.p.ssh {
		set := r.sshSourceSet(ru)
		sources := set.nodes
		if len(sources) == 0 {
			continue
		}
		action := ru.sshAction()
		users := ru.sshUsers()
		domains := ru.localpartDomains()
		// emit adds a rule for principals pr, the addresses of a non-empty list of nodes
		// owned by u (nil: tagged or ownerless).
		emit := func(pr []SSHPrincipal, u *User) {
			pol.Rules = append(pol.Rules, SSHRule{Principals: pr, SSHUsers: users, Action: action, AcceptEnv: ru.acceptEnv})
			if u == nil {
				return
			}
			local, domain, _ := strings.Cut(u.Email, "@")
			for _, d := range domains {
				if strings.EqualFold(d, domain) {
					pol.Rules = append(pol.Rules, SSHRule{Principals: pr, SSHUsers: map[string]string{local: local}, Action: action, AcceptEnv: ru.acceptEnv})
					break
				}
			}
		}
		selfRule := false
		if slices.ContainsFunc(ru.dst, isSelf) && !node.IsTagged() && r.owner[i] != nil {
			selfRule = true
			if ok, pr := r.ownedSources(set, r.owner[i]); ok {
				emit(pr, r.owner[i])
			}
		}
		isDst := false
		for _, a := range ru.dst {
			if !isSelf(a) && r.nodeMatches(a, i) {
				isDst = true
				break
			}
		}
		if !isDst {
			// With localpart users, a source that is not a destination still gets the
			// rules for its own identity.
			if len(domains) > 0 && !selfRule && slices.Contains(sources, i) {
				if node.IsTagged() || r.owner[i] == nil {
					emit(r.principals([]int{i}), nil)
				} else if ok, pr := r.ownedSources(set, r.owner[i]); ok {
					emit(pr, r.owner[i])
				}
			}
			continue
		}
		if len(domains) > 0 {
			for _, s := range r.sourcesByUser(set) {
				emit(s.principals, s.user)
			}
		} else {
			emit(set.principals, nil)
		}
	}
	// Check rules come before accept rules.
	slices.SortStableFunc(pol.Rules, func(a, b SSHRule) int {
		ac, bc := a.Action.HoldAndDelegate != "", b.Action.HoldAndDelegate != ""
		switch {
		case ac == bc:
			return 0
		case ac:
			return -1
		}
		return 1
	})
	return pol
}

// isLocalpart reports whether u is a "localpart:*@domain" user; other "localpart:" spellings
// are taken as literal login names.
func isLocalpart(u string) bool {
	return strings.HasPrefix(u, "localpart:*@") && u != "localpart:*@"
}
