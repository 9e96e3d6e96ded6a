package engine

import (
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// moduleSet is an engine's rule modules, by file: every one parsed by New, or, when New loads
// only the embedded rules, each parsed whole when a compile first needs it (New parses their
// headers only: parseHeader).
type moduleSet struct {
	names []string            // sorted
	pkgs  map[string]string   // by file: its package, as packageName renders it
	paths map[string][]string // by file: its package path, without data
	files map[string]*moduleFile
}

// moduleFile is one file of a moduleSet.
type moduleFile struct {
	src  regoFile
	once sync.Once
	m    *ast.Module // set by parsedModules, or by the first call of module
	errs LoadErrors
}

func (f *moduleFile) module() (*ast.Module, LoadErrors) {
	f.once.Do(func() {
		if f.m == nil {
			f.m, f.errs = parseModule(f.src)
		}
	})
	return f.m, f.errs
}

// parsedModules is the moduleSet of modules already parsed whole.
func parsedModules(mods map[string]*ast.Module) *moduleSet {
	return newModuleSet(mods, func(name string) *moduleFile { return &moduleFile{m: mods[name]} })
}

// headerModules is the moduleSet of srcs, of which headers holds each file's header: each file is
// parsed whole when first needed.
func headerModules(srcs []regoFile, headers map[string]*ast.Module) *moduleSet {
	byName := map[string]regoFile{}
	for _, f := range srcs {
		if _, dup := byName[f.name]; !dup {
			byName[f.name] = f
		}
	}
	return newModuleSet(headers, func(name string) *moduleFile { return &moduleFile{src: byName[name]} })
}

func newModuleSet(mods map[string]*ast.Module, file func(name string) *moduleFile) *moduleSet {
	s := &moduleSet{pkgs: map[string]string{}, paths: map[string][]string{}, files: map[string]*moduleFile{}}
	for name, m := range mods {
		s.names = append(s.names, name)
		s.pkgs[name], s.paths[name] = packageName(m), refPath(m.Package.Path)
		s.files[name] = file(name)
	}
	slices.Sort(s.names)
	return s
}

// parse returns the whole modules of names, parsing those not yet parsed on every CPU Go may use.
// Errors come in the order of names.
func (s *moduleSet) parse(names []string) ([]*ast.Module, error) {
	mods := make([]*ast.Module, len(names))
	errs := make([]LoadErrors, len(names))
	eachIndex(len(names), func(i int) { mods[i], errs[i] = s.files[names[i]].module() })
	var all LoadErrors
	for _, e := range errs {
		all = append(all, e...)
	}
	if len(all) > 0 {
		return nil, all
	}
	return mods, nil
}

// all returns every module, parsed whole.
func (s *moduleSet) all() (map[string]*ast.Module, error) {
	mods, err := s.parse(s.names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*ast.Module, len(mods))
	for i, name := range s.names {
		out[name] = mods[i]
	}
	return out, nil
}

// neededModules returns the modules of set that rules in the packages pkgs need: the modules
// declaring those packages and, transitively, every module whose package a reference in them could
// reach. A module reaches another through an import of data.… or a data.… reference in a rule: the
// reference's leading constant path (data.tailaudit.lib.params.merged; data.tailaudit.policy[x]
// leads with tailaudit.policy) reaches every package that path lies in or above, and a reference
// that leads with no constant (data[x], data itself) reaches every module. Leaving out a module a
// rule does refer to would leave the reference undefined, and a rule could pass what it should
// fail, so the walk errs towards more modules, never fewer. Each round's modules are parsed (when
// not yet parsed) at once.
func neededModules(set *moduleSet, pkgs []string) (map[string]*ast.Module, error) {
	out := map[string]*ast.Module{}
	var next []string
	for _, name := range set.names {
		if slices.Contains(pkgs, set.pkgs[name]) {
			next = append(next, name)
		}
	}
	for len(next) > 0 {
		round := next
		next = nil
		mods, err := set.parse(round)
		if err != nil {
			return nil, err
		}
		for i, name := range round {
			out[name] = mods[i]
		}
		for _, m := range mods {
			for _, p := range dataPaths(m) { // dataPaths lists each path once
				for _, name := range set.names {
					if _, done := out[name]; done || slices.Contains(next, name) {
						continue
					}
					if path := set.paths[name]; hasPrefix(path, p) || hasPrefix(p, path) {
						next = append(next, name)
					}
				}
			}
		}
	}
	return out, nil
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
