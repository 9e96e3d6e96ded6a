package access

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// claim is what one entry of tagOwners, autoApprovers, nodeAttrs or groups says: these selectors
// may do something.
type claim struct {
	path []any
	sels []string
}

// claimChange is the principals that gain or lose what a key (a tag, a route, an attribute, a
// group) stands for, and the entries responsible.
type claimChange struct {
	key   string
	names []string
	rules []RuleRef
}

// expand returns the identities a selector of p stands for: a group's members, anything else
// itself, so that renaming a group changes nothing.
func expand(p *Policy, sel string) []string {
	a, err := parseAlias(sel)
	if err != nil {
		return []string{sel}
	}
	switch a.kind {
	case kindGroup:
		var out []string
		for _, m := range p.groups[a.name] {
			out = append(out, strings.ToLower(strings.TrimSuffix(m, "@")))
		}
		return out
	case kindUser:
		return []string{strings.ToLower(strings.TrimSuffix(a.name, "@"))}
	}
	return []string{a.String()}
}

// diffClaims compares, key by key, the identities the claims of each side give.
func diffClaims(pols [2]*Policy, claims [2]map[string][]claim) (added, removed []claimChange) {
	keys := map[string]bool{}
	for _, side := range claims {
		for k := range side {
			keys[k] = true
		}
	}
	idents := func(side int, cs []claim) map[string]bool {
		out := map[string]bool{}
		for _, c := range cs {
			for _, s := range c.sels {
				for _, id := range expand(pols[side], s) {
					out[id] = true
				}
			}
		}
		return out
	}
	for _, k := range sortedKeys(keys) {
		ids := [2]map[string]bool{idents(sideBase, claims[sideBase][k]), idents(sideHead, claims[sideHead][k])}
		for side, other := range []int{sideHead, sideBase} {
			var extra []string
			for id := range ids[side] {
				if !ids[other][id] {
					extra = append(extra, id)
				}
			}
			if len(extra) == 0 {
				continue
			}
			slices.Sort(extra)
			ch := claimChange{key: k, names: coverIdentities(pols[side], claims[side][k], extra)}
			for _, c := range claims[side][k] {
				if slices.ContainsFunc(c.sels, func(s string) bool {
					return slices.ContainsFunc(expand(pols[side], s), func(id string) bool { return slices.Contains(extra, id) })
				}) {
					ch.rules = append(ch.rules, RuleRef{Head: side == sideHead, Path: slices.Clone(c.path)})
				}
			}
			if side == sideHead {
				added = append(added, ch)
			} else {
				removed = append(removed, ch)
			}
		}
	}
	return added, removed
}

// coverIdentities names identities by the selectors of the claims that stand for several of them
// entirely (groups), and the rest one by one.
func coverIdentities(p *Policy, cs []claim, ids []string) []string {
	var sels []string
	for _, c := range cs {
		for _, s := range c.sels {
			if a, err := parseAlias(s); err == nil && a.kind == kindGroup && !slices.Contains(sels, s) {
				sels = append(sels, s)
			}
		}
	}
	slices.SortStableFunc(sels, func(a, b string) int { return len(expand(p, b)) - len(expand(p, a)) })
	covered := map[string]bool{}
	var out []string
	for _, s := range sels {
		members := expand(p, s)
		if len(members) == 0 || slices.ContainsFunc(members, func(m string) bool { return !slices.Contains(ids, m) }) {
			continue
		}
		if !slices.ContainsFunc(members, func(m string) bool { return !covered[m] }) {
			continue
		}
		out = append(out, s)
		for _, m := range members {
			covered[m] = true
		}
	}
	for _, id := range ids {
		if !covered[id] {
			out = append(out, id)
		}
	}
	return out
}

func compareMeta(d *Diff, pols [2]*Policy) {
	var owners, approvers, attrs, groups [2]map[string][]claim
	for side, p := range pols {
		owners[side], approvers[side], attrs[side], groups[side] = map[string][]claim{}, map[string][]claim{}, map[string][]claim{}, map[string][]claim{}
		for tag, sels := range p.owners {
			owners[side][tag] = []claim{{path: []any{"tagOwners", tag}, sels: sels}}
		}
		for _, a := range p.approvers {
			route := agInternet
			if a.route != "" {
				pfx, err := netip.ParsePrefix(a.route)
				if err != nil {
					continue
				}
				route = pfx.Masked().String()
			}
			approvers[side][route] = append(approvers[side][route], claim{path: a.path, sels: a.by})
		}
		for _, a := range p.attrs {
			for _, name := range a.attrs {
				attrs[side][name] = append(attrs[side][name], claim{path: a.path, sels: a.targets})
			}
		}
	}
	for name, members := range pols[sideHead].groups {
		if _, ok := pols[sideBase].groups[name]; ok {
			groups[sideHead][name] = []claim{{path: []any{"groups", name}, sels: members}}
			groups[sideBase][name] = []claim{{path: []any{"groups", name}, sels: pols[sideBase].groups[name]}}
		}
	}
	add, rem := diffClaims(pols, owners)
	d.TagOwners.Added, d.TagOwners.Removed = convert(add, func(c claimChange) OwnerChange { return OwnerChange{c.key, c.names, c.rules} }), convert(rem, func(c claimChange) OwnerChange { return OwnerChange{c.key, c.names, c.rules} })
	add, rem = diffClaims(pols, approvers)
	mkA := func(c claimChange) ApproverChange { return ApproverChange{c.key, c.names, c.rules} }
	d.AutoApprovers.Added, d.AutoApprovers.Removed = convert(add, mkA), convert(rem, mkA)
	add, rem = diffClaims(pols, attrs)
	mkN := func(c claimChange) AttrChange { return AttrChange{c.key, c.names, c.rules} }
	d.NodeAttrs.Added, d.NodeAttrs.Removed = convert(add, mkN), convert(rem, mkN)
	add, rem = diffClaims(pols, groups)
	mkG := func(c claimChange) MemberChange { return MemberChange{c.key, c.names, c.rules} }
	d.Groups.Added, d.Groups.Removed = convert(add, mkG), convert(rem, mkG)
	compareTests(d, pols)
}

func convert[T any](cs []claimChange, f func(claimChange) T) []T {
	var out []T
	for _, c := range cs {
		out = append(out, f(c))
	}
	return out
}

// canonical writes a test's selector so that renaming a group does not change it.
func canonical(p *Policy, sel string) string {
	if a, err := parseAlias(sel); err == nil && a.kind == kindGroup {
		members := expand(p, sel)
		slices.Sort(members)
		return "group{" + strings.Join(members, ",") + "}"
	}
	return strings.ToLower(sel)
}

// testResult is an assertion's outcome, by a key that does not depend on how groups are named.
type testResult struct {
	key string
	a   TestAssertion
	got string
}

func testResults(side int, p *Policy) []testResult {
	tests := map[string]*policyTest{}
	for _, t := range p.tests {
		tests[source.Pointer(t.path)] = t
	}
	var out []testResult
	for _, res := range p.RunTests(nil) {
		if len(res.Path) < 3 || res.Want == "" {
			continue
		}
		section, _ := res.Path[0].(string)
		a := TestAssertion{Section: section, Src: res.Src, Dst: res.Dst, Want: res.Want, Rule: RuleRef{Head: side == sideHead, Path: slices.Clone(res.Path)}}
		var dst string
		if t := tests[source.Pointer(res.Path[:2])]; t != nil && section == "tests" {
			a.Proto = t.proto
			host, port, err := SplitHostPorts(res.Dst)
			dst = canonical(p, host) + ":" + port
			if err != nil {
				dst = res.Dst
			}
		} else {
			login, host, _ := strings.Cut(res.Dst, "@")
			dst = login + "@" + canonical(p, host)
		}
		key := strings.Join([]string{section, canonical(p, res.Src), a.Proto, dst, res.Want}, "\x00")
		out = append(out, testResult{key: key, a: a, got: res.Got})
	}
	return out
}

func compareTests(d *Diff, pols [2]*Policy) {
	var results [2][]testResult
	var byKey [2]map[string]testResult
	for side, p := range pols {
		results[side] = testResults(side, p)
		byKey[side] = map[string]testResult{}
		for _, r := range results[side] {
			if _, ok := byKey[side][r.key]; !ok {
				byKey[side][r.key] = r
			}
		}
		var errs []Error
		errs = append(errs, p.errs...)
		for _, res := range p.RunTests(nil) {
			if !res.Passed {
				errs = append(errs, Error{Path: res.Path, Message: "test failed: " + res.String()})
			}
		}
		if side == sideHead {
			d.Validity.Head = errs
		} else {
			d.Validity.Base = errs
		}
	}
	for _, r := range results[sideHead] {
		b, ok := byKey[sideBase][r.key]
		switch {
		case !ok:
			d.Tests.Added = append(d.Tests.Added, r.a)
		case b.got != r.got:
			d.Tests.Changed = append(d.Tests.Changed, OutcomeChange{TestAssertion: r.a, Base: b.got, Head: r.got})
		}
	}
	for _, r := range results[sideBase] {
		if _, ok := byKey[sideHead][r.key]; !ok {
			d.Tests.Removed = append(d.Tests.Removed, r.a)
		}
	}
}
