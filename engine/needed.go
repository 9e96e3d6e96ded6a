package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// neededModules returns the modules of mods that rules in the packages pkgs need: the modules
// declaring those packages and, transitively, every module whose package a reference in them could
// reach. A module reaches another through an import of data.… or a data.… reference in a rule: the
// reference's leading constant path (data.tailaudit.lib.params.merged; data.tailaudit.policy[x]
// leads with tailaudit.policy) reaches every package that path lies in or above, and a reference
// that leads with no constant (data[x], data itself) reaches every module. Leaving out a module a
// rule does refer to would leave the reference undefined, and a rule could pass what it should
// fail, so the walk errs towards more modules, never fewer.
func neededModules(mods map[string]*ast.Module, pkgs []string) map[string]*ast.Module {
	type node struct {
		name string
		path []string // the package path, without data
	}
	nodes := make([]node, 0, len(mods))
	for _, name := range slices.Sorted(maps.Keys(mods)) {
		nodes = append(nodes, node{name, refPath(mods[name].Package.Path)})
	}
	out := map[string]*ast.Module{}
	var queue []string
	add := func(name string) {
		if _, done := out[name]; !done {
			out[name] = mods[name]
			queue = append(queue, name)
		}
	}
	for _, n := range nodes {
		if slices.Contains(pkgs, packageName(mods[n.name])) {
			add(n.name)
		}
	}
	for len(queue) > 0 {
		m := mods[queue[0]]
		queue = queue[1:]
		for _, p := range dataPaths(m) { // dataPaths lists each path once
			for _, n := range nodes {
				if hasPrefix(n.path, p) || hasPrefix(p, n.path) {
					add(n.name)
				}
			}
		}
	}
	return out
}

// dataPaths returns the leading constant paths (without data) of the module's imports of data and
// of the data references in its rules; an empty path stands for a reference to all of data.
func dataPaths(m *ast.Module) [][]string {
	var out [][]string
	seen := map[string]bool{}
	add := func(ref ast.Ref) {
		if !ref.HasPrefix(ast.DefaultRootRef) {
			return
		}
		p := refPath(ref)
		if key := strings.Join(p, "\x00"); !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, imp := range m.Imports {
		if ref, ok := imp.Path.Value.(ast.Ref); ok {
			add(ref)
		}
	}
	for _, r := range m.Rules {
		ast.WalkRefs(r, func(ref ast.Ref) bool {
			add(ref)
			return false
		})
	}
	return out
}

// refPath is the leading constant strings of a data reference, after data.
func refPath(ref ast.Ref) []string {
	var out []string
	for _, t := range ref[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		out = append(out, string(s))
	}
	return out
}

func hasPrefix(path, prefix []string) bool {
	return len(prefix) <= len(path) && slices.Equal(path[:len(prefix)], prefix)
}
