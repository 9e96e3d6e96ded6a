package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// Lint checks, one kind of mistake each:
const (
	LintSyntax   = "syntax"   // the file does not parse as Rego v1
	LintCompile  = "compile"  // OPA's strict compile with tailaudit's built-ins and sandbox fails
	LintFormat   = "format"   // the file is not as opa fmt writes it
	LintMetadata = "metadata" // the rule contract: METADATA, result sets, reserved packages, ids
	LintTests    = "tests"    // a rule with no test, or no firing or no silent case
	LintInput    = "input"    // a reference to an input path the input documents never have
)

// LintProblem is one thing wrong with a rule before it runs, at its file, line and column.
type LintProblem struct {
	Check string `json:"check"`
	source.Error
}

// Lint checks the rule directories (WithRuleDirs) the way a rule author's pull request gate
// would, and returns every problem, sorted by file and line. The built-in rules are loaded so that
// user rules can import their libraries; they are checked themselves only when builtin is true.
// An error is returned only when the rules cannot be read, or when there are none to check.
//
// A test "fires" a rule when one of its expressions needs the rule's deny, warn, manual or alert set
// to hold something: count(rule.deny) == 1, count(rule.deny) > 0, some r in rule.deny, rule.deny[_],
// x in rule.deny. It is "silent" when an expression needs the set empty: count(rule.deny) == 0,
// count(rule.deny) < 1, rule.deny == set(), not rule.deny[_]. Only the test_ rules' own bodies are
// read, not helper functions they call; the set is named through the rule's package (imported or
// in full), or through a variable bound to it (results := rule.deny with input as ...).
func Lint(ctx context.Context, builtin bool, opts ...Option) ([]*LintProblem, error) {
	e := &Engine{settings: newSettings(opts)}
	srcs, builtinFiles, err := e.sources(true)
	if err != nil {
		return nil, err
	}
	checked := func(name string) bool { return builtin || !builtinFiles[name] }
	var problems []*LintProblem
	add := func(check string, errs ...*source.Error) {
		for _, se := range errs {
			if se.File == "" || checked(se.File) {
				problems = append(problems, &LintProblem{Check: check, Error: *se})
			}
		}
	}
	mods := map[string]*ast.Module{}
	nChecked := 0
	for _, s := range srcs {
		if checked(s.name) {
			nChecked++
		}
		m, err := ast.ParseModuleWithOpts(s.name, s.text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			add(LintSyntax, astErrors(s.name, err)...)
			continue
		}
		mods[s.name] = m
		if checked(s.name) {
			add(LintFormat, formatProblem(s.name, s.text, m)...)
		}
	}
	if nChecked == 0 {
		return nil, fmt.Errorf("no .rego files to check in %s", strings.Join(e.ruleDirs, ", "))
	}
	rules, metaErrs := gatherRules(mods, builtinFiles, e.knownControl, nil)
	add(LintMetadata, metaErrs...)
	nRules := 0
	for _, r := range rules {
		if checked(r.meta.Source.File) {
			nRules++
		}
	}
	if nRules == 0 && len(problems) == 0 {
		return nil, fmt.Errorf("no rules to check in %s: a rule is a package under tailaudit.policy, tailaudit.tailnet, tailaudit.change or tailaudit.alerts defining deny, warn or alert", strings.Join(e.ruleDirs, ", "))
	}

	strict := e.newCompiler().WithStrict(true).WithEnablePrintStatements(true)
	strict.Compile(mods)
	compileErrs := explainSandbox(astErrors("", strict.Errors), e.allowNetwork)
	add(LintCompile, compileErrs...)
	// The strict compile reports what is wrong at a place already; the schema pass adds only the
	// references it finds elsewhere.
	at := func(se *source.Error) string { return fmt.Sprintf("%s:%d:%d", se.File, se.Line, se.Column) }
	seen := map[string]bool{}
	for _, ce := range compileErrs {
		seen[at(ce)] = true
	}
	for _, ie := range e.inputProblems(mods) {
		if !seen[at(ie)] {
			ie.Msg = "no input document has this path: " + localVar.ReplaceAllString(firstLine(ie.Msg), "[_]")
			add(LintInput, ie)
		}
	}
	add(LintTests, testProblems(rules, mods, checked)...)

	slices.SortStableFunc(problems, func(a, b *LintProblem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return problems, nil
}

// formatProblem reports a file that opa fmt would change, at the first line that differs.
func formatProblem(name, text string, m *ast.Module) []*source.Error {
	got, err := format.AstWithOpts(m, format.Opts{RegoVersion: ast.RegoV1, ParserOptions: &ast.ParserOptions{RegoVersion: ast.RegoV1}})
	if err != nil || bytes.Equal(got, []byte(text)) {
		// A module the formatter cannot print is left to the compile checks.
		return nil
	}
	want, have := strings.Split(string(got), "\n"), strings.Split(text, "\n")
	line := 1
	for line <= len(want) && line <= len(have) && want[line-1] == have[line-1] {
		line++
	}
	msg := "not formatted as opa fmt writes it (run: go tool opa fmt -w " + name + ")"
	if line <= len(want) {
		msg = fmt.Sprintf("not formatted as opa fmt writes it: this line would read %q (run: opa fmt -w)", strings.TrimSpace(want[line-1]))
	}
	return []*source.Error{{File: name, Line: line, Column: 1, Msg: msg}}
}

// inputSchema is the JSON Schema of the input document rules see: the policy file, the snapshot,
// a change, the clock and params. A reference that fits none of it is a mistake.
func inputSchema() (map[string]any, error) {
	var snap map[string]any
	if err := json.Unmarshal(tailnet.SchemaJSON(), &snap); err != nil {
		return nil, fmt.Errorf("read the snapshot schema: %w", err)
	}
	defs, _ := snap["definitions"].(map[string]any)
	delete(snap, "definitions")
	delete(snap, "$schema")
	delete(snap, "$id")
	pol := policyfile.Schema()
	object := map[string]any{"type": "object"}
	// The access diff: {src, dst, proto, ports, portRanges, rules} per change.
	access := map[string]any{"type": "object", "properties": map[string]any{
		"added":   map[string]any{"type": "array", "items": object},
		"removed": map[string]any{"type": "array", "items": object},
	}}
	return map[string]any{
		"type":        "object",
		"definitions": defs,
		"properties": map[string]any{
			"policy":      pol,
			"policy_meta": object,
			"tailnet":     snap,
			"change": map[string]any{"type": "object", "properties": map[string]any{
				// Two policy files for change rules; two snapshots for drift alert rules.
				"before": map[string]any{"anyOf": []any{pol, snap}}, "after": map[string]any{"anyOf": []any{pol, snap}},
				"access": access,
				"diff":   object,
				// Drift alert rules: the two snapshots' policy files, when they differ (driftChange).
				"policy": map[string]any{"type": "object", "properties": map[string]any{
					"before": pol, "after": pol, "access": access, "diff": object,
				}},
			}},
			"now":    map[string]any{"type": "string"},
			"params": object,
			"event":  object,
			"window": map[string]any{"type": "array", "items": object},
			// With tailaudit alerts --state: whether the event's actor was never seen before.
			"first": map[string]any{"type": "object", "properties": map[string]any{"actor": map[string]any{"type": "boolean"}}},
		},
	}, nil
}

// inputProblems type-checks the rule modules (not the tests, which build inputs of their own)
// against the input schema.
func (e *Engine) inputProblems(mods map[string]*ast.Module) []*source.Error {
	schema, err := inputSchema()
	if err != nil {
		return []*source.Error{{Msg: err.Error()}}
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, schema)
	rulesOnly := map[string]*ast.Module{}
	for name, m := range mods {
		if !strings.HasSuffix(name, "_test.rego") {
			rulesOnly[name] = m.Copy()
		}
	}
	c := e.newCompiler().WithSchemas(ss).WithEnablePrintStatements(true)
	c.Compile(rulesOnly)
	var out []*source.Error
	for _, ae := range c.Errors {
		if ae.Code != ast.TypeErr {
			continue
		}
		out = append(out, astErrors("", ast.Errors{ae})[0])
	}
	return out
}

// localVar is a variable the compiler made up, as it appears in an error message.
var localVar = regexp.MustCompile(`\[__local[0-9]+__\]`)

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// testProblems reports each checked rule with no test, or without a firing and a silent case.
func testProblems(rules []*rule, mods map[string]*ast.Module, checked func(string) bool) []*source.Error {
	type cases struct{ tested, fires, silent bool }
	byPkg := map[string]*cases{}
	for _, r := range rules {
		byPkg["data."+r.pkg] = &cases{}
	}
	for name, m := range mods {
		if !strings.HasSuffix(name, "_test.rego") {
			continue
		}
		aliases := map[string]ast.Ref{}
		for _, imp := range m.Imports {
			ref, ok := imp.Path.Value.(ast.Ref)
			if !ok || !ref.HasPrefix(ast.DefaultRootRef) {
				continue
			}
			alias := string(imp.Alias)
			if alias == "" {
				alias = string(ref[len(ref)-1].Value.(ast.String))
			}
			aliases[alias] = ref
		}
		for _, rl := range m.Rules {
			if !strings.HasPrefix(rl.Head.Name.String(), "test_") {
				continue
			}
			vars := map[string]string{} // variables bound to a result set, such as results := rule.deny
			for _, expr := range rl.Body {
				pkg, kind := classifyTestExpr(expr, aliases, vars)
				c := byPkg[pkg]
				if c == nil {
					continue
				}
				c.tested = true
				c.fires = c.fires || kind == firing
				c.silent = c.silent || kind == silent
			}
		}
	}
	var out []*source.Error
	for _, r := range rules {
		file := r.meta.Source.File
		if !checked(file) {
			continue
		}
		c := byPkg["data."+r.pkg]
		var msg string
		switch {
		case !c.tested:
			msg = fmt.Sprintf("rule %s (%s) has no test: add a _test.rego whose test_ rules read its %s", r.meta.ID, r.pkg, strings.Join(r.sets, " or "))
		case !c.fires:
			msg = fmt.Sprintf("rule %s has no test that makes it fire (such as: some r in rule.deny with input as ...)", r.meta.ID)
		case !c.silent:
			msg = fmt.Sprintf("rule %s has no test that keeps it silent (such as: count(rule.deny) == 0 with input as ...)", r.meta.ID)
		default:
			continue
		}
		line := r.meta.Source.Line
		for _, m := range mods {
			if packageName(m) == r.pkg && m.Package.Location.File == file {
				line = m.Package.Location.Row
			}
		}
		out = append(out, &source.Error{File: file, Line: line, Column: 1, Msg: msg})
	}
	return out
}

type testKind int

const (
	noCase testKind = iota
	firing
	silent
)

// classifyTestExpr says whether expr needs a rule's result set non-empty (firing) or empty
// (silent), and which rule package it reads; see Lint for the patterns.
func classifyTestExpr(expr *ast.Expr, aliases map[string]ast.Ref, vars map[string]string) (string, testKind) {
	pkg := ""
	setRef := func(t *ast.Term) bool {
		if v, ok := t.Value.(ast.Var); ok && vars[string(v)] != "" {
			pkg = vars[string(v)]
			return true
		}
		ref, ok := t.Value.(ast.Ref)
		if !ok || len(ref) < 2 {
			return false
		}
		head, ok := ref[0].Value.(ast.Var)
		if !ok {
			return false
		}
		var full ast.Ref
		if base, isAlias := aliases[string(head)]; isAlias {
			full = base.Concat(ref[1:])
		} else if ref.HasPrefix(ast.DefaultRootRef) {
			full = ref
		} else {
			return false
		}
		for i := 1; i < len(full); i++ {
			s, isStr := full[i].Value.(ast.String)
			if !isStr {
				return false
			}
			if _, isSet := resultSets[string(s)]; isSet {
				pkg = full[:i].String()
				return true
			}
		}
		return false
	}
	found := false
	ast.WalkTerms(expr, func(t *ast.Term) bool {
		if !found && setRef(t) {
			found = true
		}
		return found
	})
	if !found {
		return "", noCase
	}
	if (expr.IsAssignment() || expr.IsEquality()) && len(expr.Operands()) == 2 {
		if v, ok := expr.Operand(0).Value.(ast.Var); ok && setRef(expr.Operand(1)) {
			vars[string(v)] = pkg
			return pkg, noCase
		}
	}
	if expr.Negated {
		return pkg, silent
	}
	if expr.IsCall() && len(expr.Operands()) == 2 {
		op := expr.Operator().String()
		a, b := expr.Operands()[0], expr.Operands()[1]
		if isEmptyCollection(b) || isEmptyCollection(a) {
			if op == "equal" || op == "eq" {
				return pkg, silent
			}
		}
		n, counted := countComparedTo(a, b, setRef)
		if !counted {
			n, counted = countComparedTo(b, a, setRef)
			op = map[string]string{"lt": "gt", "gt": "lt", "lte": "gte", "gte": "lte"}[op] + map[string]string{"equal": "equal", "eq": "eq", "neq": "neq"}[op]
		}
		if counted {
			switch {
			case (op == "equal" || op == "eq") && n == 0, op == "lt" && n <= 1, op == "lte" && n == 0:
				return pkg, silent
			}
		}
	}
	return pkg, firing
}

// countComparedTo reports whether a is count(SET) and b a number, and the number.
func countComparedTo(a, b *ast.Term, setRef func(*ast.Term) bool) (int, bool) {
	call, ok := a.Value.(ast.Call)
	if !ok || len(call) != 2 || call[0].String() != "count" || !setRef(call[1]) {
		return 0, false
	}
	num, ok := b.Value.(ast.Number)
	if !ok {
		return 0, false
	}
	n, ok := num.Int()
	return n, ok
}

func isEmptyCollection(t *ast.Term) bool {
	switch v := t.Value.(type) {
	case ast.Set:
		return v.Len() == 0
	case *ast.Array:
		return v.Len() == 0
	case ast.Call:
		return len(v) == 1 && v[0].String() == "set"
	}
	return false
}
