package access

import (
	"slices"
	"strings"
)

// sshEntry is one SSH rule of one side.
type sshEntry struct {
	side, rule int // rule indexes Policy.ssh
	action     string
	users      []string
}

// sshModel evaluates both policies' SSH rules over the nodes of one universe, by classes of nodes.
type sshModel struct {
	u        *universe
	pols     [2]*Policy
	res      [2]*resolver
	entries  []sshEntry
	logins   []string
	srcNodes [][]int // nodes per source class
	dstNodes [][]int
	rel      [2]map[uint64][]int32
	// autogroup:self, user by user.
	selfUsers   []int // topology indexes of users owning untagged nodes
	selfEntries []sshEntry
	selfClass   [][]int
	self        [2]map[uint64][]int32
}

func newSSHModel(u *universe, pols [2]*Policy, res [2]*resolver) *sshModel {
	s := &sshModel{u: u, pols: pols, res: res}
	n := len(u.topo.Nodes)
	src, dst := newClassifier(n), newClassifier(n)
	loginSet := map[string]bool{"root": true, agNonroot: true}
	owned := map[int]bool{}
	for i, node := range u.topo.Nodes {
		if us := res[sideBase].owner[i]; us != nil && !node.IsTagged() {
			owned[userIndex(u.topo, us)] = true
		}
	}
	for i := range u.topo.Users {
		if owned[i] {
			s.selfUsers = append(s.selfUsers, i)
		}
	}
	self := newClassifier(len(s.selfUsers))
	for side, p := range pols {
		r := res[side]
		for k, ru := range p.ssh {
			for _, x := range ru.users {
				loginSet[x] = true
			}
			e := sshEntry{side: side, rule: k, action: ru.action, users: ru.users}
			if len(ru.src) == 0 {
				continue
			}
			var dsts []int
			for _, a := range ru.dst {
				if !isSelf(a) {
					dsts = append(dsts, r.nodes(a)...)
				}
			}
			if len(dsts) > 0 {
				var srcs []int // the nodes sshSources names, through the per-selector cache
				for _, a := range ru.src {
					srcs = append(srcs, r.nodes(a)...)
				}
				src.add(pointSpans(srcs))
				dst.add(pointSpans(dsts))
				s.entries = append(s.entries, e)
			}
			if slices.ContainsFunc(ru.dst, isSelf) {
				var members []int
				for k, i := range s.selfUsers {
					us := &u.topo.Users[i]
					if slices.ContainsFunc(ru.src, func(a alias) bool { return a.kind != kindTag && r.userMatches(a, us) }) {
						members = append(members, k)
					}
				}
				self.add(pointSpans(members))
				s.selfEntries = append(s.selfEntries, e)
			}
		}
	}
	for l := range loginSet {
		s.logins = append(s.logins, l)
	}
	slices.Sort(s.logins)
	_, srcByComp, srcNodes := src.classes()
	_, dstByComp, dstNodes := dst.classes()
	s.srcNodes, s.dstNodes = srcNodes, dstNodes
	s.rel = [2]map[uint64][]int32{{}, {}}
	for k, e := range s.entries {
		for _, a := range srcByComp[k] {
			for _, b := range dstByComp[k] {
				key := pairKey(a, b)
				s.rel[e.side][key] = append(s.rel[e.side][key], int32(k))
			}
		}
	}
	_, selfByComp, selfClass := self.classes()
	s.selfClass = selfClass
	s.self = [2]map[uint64][]int32{{}, {}}
	for k, e := range s.selfEntries {
		for _, c := range selfByComp[k] {
			key := pairKey(c, 0)
			s.self[e.side][key] = append(s.self[e.side][key], int32(k))
		}
	}
	return s
}

// loginMatches reports whether an SSH rule's users let in login, one of the logins the policies
// name (autogroup:nonroot standing for any non-root login no policy names).
func loginMatches(users []string, login string) bool {
	for _, x := range users {
		switch {
		case x == login:
			return true
		case x == agNonroot && login != "root" && !isLocalpart(login):
			return true
		}
	}
	return false
}

// sshAction returns what the entries let login do: check wins over accept, as the control plane
// puts check rules first; "" when they do not let it in.
func sshAction(ids []int32, entries []sshEntry, login string) string {
	action := ""
	for _, k := range ids {
		e := entries[k]
		if loginMatches(e.users, login) {
			if e.action == "check" {
				return "check"
			}
			action = e.action
		}
	}
	return action
}

// compareSSH returns the logins whose action differs between the sides, as deltas whose key
// carries the login and the action.
func compareSSH(rel [2]map[uint64][]int32, entries []sshEntry, logins []string) (added, removed []delta) {
	keys := map[uint64]bool{}
	for _, side := range rel {
		for k := range side {
			keys[k] = true
		}
	}
	sorted := make([]uint64, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		for _, login := range logins {
			b, h := sshAction(rel[sideBase][k], entries, login), sshAction(rel[sideHead][k], entries, login)
			if b == h {
				continue
			}
			mk := func(side int, action string) delta {
				dl := delta{src: int32(k >> 32), dst: int32(uint32(k)), key: grantKey{proto: -2, app: login, value: action}, ports: []PortRange{allPorts}}
				for _, e := range rel[side][k] {
					if entries[e].action == action && loginMatches(entries[e].users, login) {
						dl.entries = append(dl.entries, e)
					}
				}
				return dl
			}
			if h != "" {
				added = append(added, mk(sideHead, h))
			}
			if b != "" {
				removed = append(removed, mk(sideBase, b))
			}
		}
	}
	return added, removed
}

// covers returns side's principals as sets of nodes and of self users.
func (s *sshModel) covers(side int) (nodes, users *coverSet) {
	nodes = newCoverSet(oneByOne(func(i int) string { return s.u.display[i] }))
	users = newCoverSet(oneByOne(func(k int) string { return s.u.userName(s.selfUsers[k]) }))
	r := s.res[side]
	byEmail := map[string][]int{} // untagged nodes by owner, as nodes(user) finds them
	for i, n := range s.u.topo.Nodes {
		if us := r.owner[i]; us != nil && !n.IsTagged() {
			byEmail[strings.ToLower(us.Email)] = append(byEmail[strings.ToLower(us.Email)], i)
		}
	}
	for _, a := range candidateAliases(s.pols[side], s.u) {
		if isInternet(a) {
			continue
		}
		rank := kindRank(a)
		if a.kind == kindUser && strings.Contains(a.name, "@") {
			nodes.add(a.String(), rank, byEmail[strings.ToLower(a.name)])
		} else {
			nodes.add(a.String(), rank, r.nodes(a))
		}
		var us []int
		for k, i := range s.selfUsers {
			if a.kind != kindTag && a.kind != kindHost && a.kind != kindPrefix && r.userMatches(a, &s.u.topo.Users[i]) {
				us = append(us, k)
			}
		}
		users.add(a.String(), rank, us)
	}
	return nodes, users
}

// report adds the SSH changes to d.
func (s *sshModel) report(d *Diff) {
	added, removed := compareSSH(s.rel, s.entries, s.logins)
	selfAdded, selfRemoved := compareSSH(s.self, s.selfEntries, s.logins)
	for side, ds := range [2][]delta{removed, added} {
		nodes, users := s.covers(side)
		ns := group(ds, namer(s.srcNodes, nodes), namer(s.dstNodes, nodes))
		self := [][]delta{selfRemoved, selfAdded}[side]
		selfNs := group(self, namer(s.selfClass, users), selfName)
		type key struct{ src, dst, action string }
		var order []key
		merged := map[key]*SSHChange{}
		seen := map[*SSHChange]map[[2]int]bool{} // the rules each change lists
		add := func(ns []named, entries []sshEntry) {
			for _, n := range ns {
				k := key{n.src, n.dst, n.key.value}
				c, ok := merged[k]
				if !ok {
					c = &SSHChange{Src: n.src, Dst: n.dst, Action: n.key.value}
					merged[k] = c
					order = append(order, k)
				}
				if !slices.Contains(c.Users, n.key.app) {
					c.Users = append(c.Users, n.key.app)
				}
				c.Root = c.Root || n.key.app == "root"
				for _, e := range n.entries {
					en := entries[e]
					if k := [2]int{en.side, en.rule}; !seen[c][k] {
						if seen[c] == nil {
							seen[c] = map[[2]int]bool{}
						}
						seen[c][k] = true
						c.Rules = append(c.Rules, RuleRef{Head: en.side == sideHead, Path: slices.Clone(s.pols[en.side].ssh[en.rule].path)})
					}
				}
			}
		}
		add(ns, s.entries)
		add(selfNs, s.selfEntries)
		var out []SSHChange
		for _, k := range order {
			c := merged[k]
			slices.SortFunc(c.Users, func(a, b string) int {
				if (a == "root") != (b == "root") {
					if a == "root" {
						return -1
					}
					return 1
				}
				return strings.Compare(a, b)
			})
			out = append(out, *c)
		}
		if side == sideHead {
			d.SSH.Added = out
		} else {
			d.SSH.Removed = out
		}
	}
}
