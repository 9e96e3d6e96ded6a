package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

// Namespaces are the Rego package prefixes that hold rules, each with the input document it needs.
var namespaces = []struct{ prefix, document string }{
	{"tailaudit.policy.", "policy"},
	{"tailaudit.tailnet.", "tailnet"},
	{"tailaudit.alerts.", "event"},
	{"tailaudit.change.", "change"},
}

// resultSets are the rule names a rule package may define, and what their results become.
var resultSets = map[string]finding.Result{"deny": finding.Fail, "warn": finding.Warn, "manual": finding.Manual, "alert": finding.AlertResult}

// rule is a loaded rule package.
type rule struct {
	meta      finding.Rule
	pkg       string                // e.g. tailaudit.policy.ssh_root_accept
	document  string                // the input document it needs: policy, tailnet, event, change
	sets      []string              // which of deny, warn, manual it defines, sorted
	resources string                // snapshot key of the array it examines, for per-resource pass records
	requires  []string              // snapshot keys it needs
	params    map[string]*paramSpec // the parameters it reads, with their types and ranges
	alert     *alertSpec            // an alert rule's windows, thresholds and suppression
	drift     bool                  // an alert rule of tailaudit.alerts.drift_*, judging two snapshots
	badMeta   bool                  // its METADATA was rejected (already reported)
}

// LoadErrors is every problem found while loading rules: syntax errors, bad metadata, duplicate ids,
// each at its file and line.
type LoadErrors []*source.Error

func (es LoadErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns each problem, so that errors.As and source.All find them.
func (es LoadErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// regoFile is one Rego file to load.
type regoFile struct {
	name    string // path shown to users
	text    string
	builtin bool
}

// readFS reads every .rego file under root of fsys, leaving out tests unless withTests. Like the
// go tool, it does not descend into directories named testdata below root: they hold fixtures of
// Go tests (Rego that needs data those tests generate), not rules.
func readFS(fsys fs.FS, root, display string, builtin, withTests bool) ([]regoFile, error) {
	var out []regoFile
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && d.Name() == "testdata" {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || (!withTests && strings.HasSuffix(p, "_test.rego")) {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := p
		if display != "" {
			name = filepath.Join(display, filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(p, root), "/")))
		}
		out = append(out, regoFile{name: name, text: string(b), builtin: builtin})
		return nil
	})
	return out, err
}

// readDir reads a user rule directory (or a single .rego file).
func readDir(dir string, withTests bool) ([]regoFile, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("rule directory: %w", err)
	}
	if !fi.IsDir() {
		if !strings.HasSuffix(dir, ".rego") {
			return nil, fmt.Errorf("rule path %s: not a directory or a .rego file", dir)
		}
		b, err := os.ReadFile(dir)
		if err != nil {
			return nil, fmt.Errorf("read rule: %w", err)
		}
		return []regoFile{{name: dir, text: string(b)}}, nil
	}
	srcs, err := readFS(os.DirFS(dir), ".", dir, false, withTests)
	if err != nil {
		return nil, fmt.Errorf("read rule directory %s: %w", dir, err)
	}
	return srcs, nil
}

// parseModules parses every file as Rego v1 with METADATA annotations, on every CPU Go may use.
// Of files with the same name, the first is parsed. Errors come in file order.
func parseModules(srcs []regoFile) (map[string]*ast.Module, error) {
	mods, _, err := parseFiles(srcs, parseModule)
	return mods, err
}

// parseModule parses one file as Rego v1 with METADATA annotations.
func parseModule(f regoFile) (*ast.Module, LoadErrors) {
	m, err := ast.ParseModuleWithOpts(f.name, f.text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, astErrors(f.name, err)
	}
	return m, nil
}

// parseFiles parses each file with parse, the files shared out between as many goroutines as Go
// may use CPUs. Of files with the same name, the first is parsed; the modules come by name and in
// file order (names), and the errors in file order.
func parseFiles(srcs []regoFile, parse func(regoFile) (*ast.Module, LoadErrors)) (map[string]*ast.Module, []string, error) {
	seen := make(map[string]bool, len(srcs))
	var files []regoFile
	for _, f := range srcs {
		if !seen[f.name] {
			seen[f.name] = true
			files = append(files, f)
		}
	}
	parsed := make([]*ast.Module, len(files))
	errs := make([]LoadErrors, len(files))
	eachIndex(len(files), func(i int) { parsed[i], errs[i] = parse(files[i]) })
	mods := make(map[string]*ast.Module, len(files))
	names := make([]string, 0, len(files))
	var all LoadErrors
	for i, f := range files {
		all = append(all, errs[i]...)
		if parsed[i] != nil {
			mods[f.name] = parsed[i]
			names = append(names, f.name)
		}
	}
	if len(all) > 0 {
		return nil, nil, all
	}
	return mods, names, nil
}

// eachIndex calls do(i) for i from 0 to n-1, on as many goroutines as Go may use CPUs.
func eachIndex(n int, do func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			do(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(i)
			}
		})
	}
	wg.Wait()
}

// parseHeader parses what a built-in rule file declares before its rules: the comments and METADATA
// up to and including its package clause (the first line that starts with "package "). With the
// result sets its rules define (declaredSets), that is what loading needs of a rule that is not
// compiled: for the embedded rules, TestHeadersLoadAsFullModules checks that the two give the same
// rules as parsing the whole file.
func parseHeader(f regoFile) (*ast.Module, LoadErrors) {
	end := len(f.text)
	for at := 0; at < len(f.text); {
		line, _, _ := strings.Cut(f.text[at:], "\n")
		if strings.HasPrefix(line, "package ") {
			end = at + len(line)
			break
		}
		at += len(line) + 1
	}
	return parseModule(regoFile{name: f.name, text: f.text[:end], builtin: f.builtin})
}

// declaredSets returns the result sets the rules of a file define, in the order they first appear:
// the names of resultSets that start a line followed by " contains" and then no letter, digit or
// underscore ("deny contains result if {").
func declaredSets(text string) []string {
	var sets []string
	for line := range strings.Lines(text) {
		for set := range resultSets {
			rest, ok := strings.CutPrefix(line, set+" contains")
			if ok && (rest == "" || !isWordByte(rest[0])) && !slices.Contains(sets, set) {
				sets = append(sets, set)
			}
		}
	}
	return sets
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// astErrors turns OPA's errors into LoadErrors with file, line and column.
func astErrors(file string, err error) LoadErrors {
	var aerrs ast.Errors
	if !errors.As(err, &aerrs) {
		return LoadErrors{{File: file, Msg: err.Error()}}
	}
	out := make(LoadErrors, 0, len(aerrs))
	for _, e := range aerrs {
		le := &source.Error{File: file, Msg: e.Message}
		if e.Location != nil {
			if e.Location.File != "" {
				le.File = e.Location.File
			}
			le.Line, le.Column = e.Location.Row, e.Location.Col
		}
		out = append(out, le)
	}
	return out
}

// documentFor returns the input document a package's rules need, or "" when the package holds no
// rules (a library, or a test).
func documentFor(pkg string) string {
	if strings.HasSuffix(pkg, "_test") {
		return ""
	}
	for _, ns := range namespaces {
		if strings.HasPrefix(pkg, ns.prefix) {
			return ns.document
		}
	}
	return ""
}

// packageName renders a module's package path without the data. prefix.
func packageName(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

// collectRules finds the rule packages among mods and validates their metadata. declared gives, for
// the modules of mods parsed only up to their package clause (parseHeader), the result sets their
// rules define (declaredSets); it is nil when every module was parsed whole.
func collectRules(mods map[string]*ast.Module, builtin map[string]bool, knownControl func(framework, id string) bool, declared map[string][]string) ([]*rule, error) {
	rules, errs := gatherRules(mods, builtin, knownControl, declared)
	if len(errs) > 0 {
		return nil, errs
	}
	return rules, nil
}

// gatherRules is collectRules that also returns the rules it could read when others are wrong, for
// the linter.
func gatherRules(mods map[string]*ast.Module, builtin map[string]bool, knownControl func(framework, id string) bool, declared map[string][]string) ([]*rule, LoadErrors) {
	byPkg := map[string]*rule{}
	names := make([]string, 0, len(mods))
	for name := range mods {
		names = append(names, name)
	}
	slices.Sort(names)
	errs := reservedPackages(names, mods, builtin)
	for _, name := range names {
		m := mods[name]
		pkg := packageName(m)
		doc := documentFor(pkg)
		if doc == "" {
			continue
		}
		r := byPkg[pkg]
		if r == nil {
			r = &rule{pkg: pkg, document: doc}
			byPkg[pkg] = r
		}
		if sets, header := declared[name]; header {
			for _, set := range sets {
				if !slices.Contains(r.sets, set) {
					r.sets = append(r.sets, set)
				}
			}
		}
		for _, rl := range m.Rules {
			set := rl.Head.Name.String()
			if len(rl.Head.Reference) > 0 {
				set = rl.Head.Reference[0].Value.(ast.Var).String()
			}
			if _, ok := resultSets[set]; !ok {
				continue
			}
			if msg := resultSetShape(rl, set); msg != "" {
				errs = append(errs, &source.Error{File: name, Line: rl.Location.Row, Column: rl.Location.Col, Msg: msg})
				continue
			}
			if !slices.Contains(r.sets, set) {
				r.sets = append(r.sets, set)
			}
		}
		for _, a := range m.Annotations {
			if a.Scope != "package" && a.Scope != "subpackages" {
				continue
			}
			if r.meta.ID != "" {
				errs = append(errs, &source.Error{File: name, Line: a.Location.Row, Msg: fmt.Sprintf("package %s has METADATA in more than one place", pkg)})
				continue
			}
			if err := r.readMetadata(name, a, builtin[name], knownControl, metadataLines(m, a)); err != nil {
				errs = append(errs, err)
				r.badMeta = true
			}
		}
		if r.meta.Source == nil {
			r.meta.Source = &finding.Location{File: name, Line: m.Package.Location.Row}
		}
	}
	seen := map[string]*rule{}
	var rules []*rule
	pkgs := make([]string, 0, len(byPkg))
	for pkg := range byPkg {
		pkgs = append(pkgs, pkg)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		r := byPkg[pkg]
		if len(r.sets) == 0 {
			continue // a helper package in a rule namespace: it reports nothing
		}
		slices.Sort(r.sets)
		if r.badMeta {
			continue
		}
		if slices.Contains(r.sets, "alert") {
			if msg := alertShape(r); msg != "" {
				errs = append(errs, &source.Error{File: r.meta.Source.File, Line: r.meta.Source.Line, Msg: msg})
				continue
			}
		}
		if r.meta.ID == "" {
			errs = append(errs, &source.Error{File: r.meta.Source.File, Line: r.meta.Source.Line, Msg: fmt.Sprintf("rule package %s has no METADATA block with custom.id and custom.severity", pkg)})
			continue
		}
		if other, dup := seen[r.meta.ID]; dup {
			at := r // a user rule reusing a built-in id is the one at fault, wherever it sorts
			if r.meta.Builtin && !other.meta.Builtin {
				at, other = other, r
			}
			errs = append(errs, &source.Error{File: at.meta.Source.File, Line: at.meta.Source.Line, Msg: fmt.Sprintf("rule id %s is already used by %s (%s:%d)", at.meta.ID, other.pkg, other.meta.Source.File, other.meta.Source.Line)})
			continue
		}
		seen[r.meta.ID] = r
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b *source.Error) int {
			return strings.Compare(fmt.Sprintf("%s:%09d", a.File, a.Line), fmt.Sprintf("%s:%09d", b.File, b.Line))
		})
	}
	return rules, errs
}

// resultSetShape explains what is wrong with a rule defining a result set (deny, warn, manual), or
// returns "": each must be a partial set rule, "deny contains result if { ... }", so that every
// result is one element of the set.
func resultSetShape(rl *ast.Rule, set string) string {
	h := rl.Head
	var got string
	switch {
	case len(h.Args) > 0:
		got = "a function"
	case h.RuleKind() == ast.MultiValue && len(h.Ref()) == 1:
		return ""
	case h.RuleKind() == ast.MultiValue:
		got = "a set under " + h.Ref().String()
	case len(h.Ref()) > 1:
		got = "an object (" + h.Ref().String() + " := ...)"
	default:
		got = "a single value (" + set + " := ...)"
	}
	return fmt.Sprintf("%s must be a partial set rule (%s contains result if { ... }), not %s", set, set, got)
}

// reservedLib is the package prefix of tailaudit's built-in libraries.
const reservedLib = "tailaudit.lib"

// reservedPackages reports user modules that would add to or override what the built-in rules
// rely on: a package, or a rule path, under tailaudit.lib or inside a built-in rule's package.
// Test packages (their last name ends in _test) only add tests, and are allowed.
func reservedPackages(names []string, mods map[string]*ast.Module, builtin map[string]bool) LoadErrors {
	owners := map[string]string{} // built-in package → the file that declares it
	for _, name := range names {
		if pkg := packageName(mods[name]); builtin[name] && documentFor(pkg) != "" {
			owners[pkg] = name
		}
	}
	under := func(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+".") }
	reserved := func(path string) string {
		if under(path, reservedLib) {
			return fmt.Sprintf("%s is reserved for tailaudit's built-in libraries; give your package a name of its own, such as acme.lib", reservedLib)
		}
		for pkg, file := range owners {
			if under(path, pkg) {
				return fmt.Sprintf("%s is the package of a built-in rule (%s); give your rule a package of its own", pkg, file)
			}
		}
		return ""
	}
	var errs LoadErrors
	for _, name := range names {
		m := mods[name]
		pkg := packageName(m)
		if builtin[name] || strings.HasSuffix(pkg, "_test") {
			continue
		}
		if why := reserved(pkg); why != "" {
			errs = append(errs, &source.Error{File: name, Line: m.Package.Location.Row, Column: m.Package.Location.Col, Msg: fmt.Sprintf("package %s: %s", pkg, why)})
			continue
		}
		for _, rl := range m.Rules {
			path := strings.TrimPrefix(rl.Path().String(), "data.")
			if why := reserved(path); why != "" {
				errs = append(errs, &source.Error{File: name, Line: rl.Location.Row, Column: rl.Location.Col, Msg: fmt.Sprintf("rule %s: %s", path, why)})
			}
		}
	}
	return errs
}

// readMetadata validates a package's METADATA block.
func (r *rule) readMetadata(file string, a *ast.Annotations, builtin bool, knownControl func(framework, id string) bool, lineOf func(key string) int) *source.Error {
	fail := func(format string, args ...any) *source.Error {
		return &source.Error{File: file, Line: a.Location.Row, Msg: fmt.Sprintf("METADATA of %s: ", r.pkg) + fmt.Sprintf(format, args...)}
	}
	str := func(key string) (string, bool) {
		v, ok := a.Custom[key]
		if !ok {
			return "", true
		}
		s, isStr := v.(string)
		return s, isStr
	}
	id, ok := str("id")
	if !ok || id == "" {
		return fail("custom.id is required (a unique string such as ACME-SSH-001)")
	}
	sevText, ok := str("severity")
	if !ok || sevText == "" {
		return fail("custom.severity is required (critical, high, medium, low or info)")
	}
	sev, err := finding.ParseSeverity(sevText)
	if err != nil {
		return fail("custom.severity: %v", err)
	}
	if a.Title == "" {
		return fail("title is required")
	}
	remediation, ok := str("remediation")
	if !ok {
		return fail("custom.remediation must be a string")
	}
	effective, ok := str("effective_on")
	if t, isTime := a.Custom["effective_on"].(time.Time); isTime { // YAML reads a bare date as a time
		effective, ok = t.Format(time.DateOnly), true
	}
	if !ok {
		return fail("custom.effective_on must be a date like 2027-01-31")
	}
	if effective != "" {
		if _, err := time.Parse(time.DateOnly, effective); err != nil {
			return fail("custom.effective_on must be a date like 2027-01-31, not %q", effective)
		}
	}
	r.resources, ok = str("resources")
	if !ok {
		return fail("custom.resources must name one snapshot collection, such as devices")
	}
	if v, present := a.Custom["requires"]; present {
		list, isList := stringList(v)
		if !isList {
			return fail("custom.requires must be a list of snapshot keys, such as [devices, settings]")
		}
		r.requires = list
	}
	var aggregate *finding.Aggregate
	if v, present := a.Custom["aggregate"]; present {
		keys, err := aggregateKeys(v)
		if err == nil && r.document == "event" {
			err = fmt.Errorf("is for check rules: an alert rule counts events together with threshold and group_by")
		}
		if err != nil {
			e := fail("custom.aggregate %v", err)
			if line := lineOf("aggregate"); line > 0 {
				e.Line = line
			}
			return e
		}
		aggregate = &finding.Aggregate{By: keys}
	}
	controls := map[string][]string{}
	if v, present := a.Custom["controls"]; present {
		m, isMap := v.(map[string]any)
		if !isMap {
			return fail("custom.controls must map a framework id to a list of control ids")
		}
		for fw, ids := range m {
			list, isList := stringList(ids)
			if !isList {
				return fail("custom.controls.%s must be a list of control ids", fw)
			}
			for _, id := range list {
				if knownControl != nil && !knownControl(fw, id) {
					return fail("custom.controls.%s names unknown control %q", fw, id)
				}
			}
			controls[fw] = list
		}
	}
	if v, present := a.Custom["params"]; present {
		m, isMap := v.(map[string]any)
		if !isMap {
			return fail("custom.params must map each parameter the rule reads to its type and range, such as staleDays: {type: integer, minimum: 1}")
		}
		r.params = map[string]*paramSpec{}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			spec, err := parseParamSpec(m[name])
			if err != nil {
				return fail("custom.params.%s: %v", name, err)
			}
			r.params[name] = spec
		}
	}
	for key := range a.Custom {
		switch key {
		case "id", "severity", "remediation", "controls", "effective_on", "resources", "requires", "params", "aggregate":
		case "window", "match", "window_match", "threshold", "group_by", "suppress", "runbook":
		default:
			return fail("unknown key custom.%s (known: id, severity, remediation, controls, effective_on, resources, requires, params, aggregate; for alert rules window, match, window_match, threshold, group_by, suppress, runbook)", key)
		}
	}
	spec, key, err := readAlertSpec(a.Custom)
	if err != nil {
		e := fail("custom.%s: %v", key, err)
		if line := lineOf(key); line > 0 {
			e.Line = line
		}
		return e
	}
	r.alert = spec
	r.meta = finding.Rule{
		ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description), Severity: sev,
		Remediation: strings.TrimSpace(remediation), Namespace: r.pkg, EffectiveOn: effective,
		Source: &finding.Location{File: file, Line: a.Location.Row}, Builtin: builtin, Aggregate: aggregate,
	}
	if len(controls) > 0 {
		r.meta.Controls = controls
	}
	return nil
}

// aggregateKeys reads custom.aggregate: a list, possibly empty, of distinct evidence keys.
func aggregateKeys(v any) ([]string, error) {
	keys, ok := stringList(v)
	if !ok {
		return nil, fmt.Errorf("must be a list of evidence keys whose values make the cause, such as [clientVersion], or [] for one cause per rule")
	}
	for i, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("names an empty evidence key")
		}
		if slices.Contains(keys[:i], k) {
			return nil, fmt.Errorf("names the evidence key %q twice", k)
		}
	}
	return keys, nil
}

func stringList(v any) ([]string, bool) {
	items, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// builtinDisplayPath names an embedded rule file as it sits in the repository.
func builtinDisplayPath(p string) string { return path.Join("policies", p) }
