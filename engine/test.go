package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions selects which Rego unit tests RunTests runs.
type TestOptions struct {
	// Builtin runs the built-in rules' own tests too. When false, the built-in rules and libraries
	// are still loaded, so user tests can import them, but only user tests run.
	Builtin  bool
	Run      string // only tests whose name matches this regular expression
	Coverage bool
	Timeout  time.Duration // per test; 0 means the rule budget (WithRuleTimeout)
	// StrictBuiltinErrors makes a built-in's error (a bad argument, say) fail the test instead of
	// leaving the expression undefined.
	StrictBuiltinErrors bool
}

// TestRun is the outcome of RunTests: the results, in the order OPA reports them, and coverage when
// asked for.
type TestRun struct {
	Results  []*tester.Result
	Coverage *cover.Report
}

// RunTests runs the Rego unit tests (test_ rules in _test.rego files) of the engine's configured rule
// sources with OPA's tester, with the same capabilities and custom built-ins as evaluation.
func RunTests(ctx context.Context, topts TestOptions, opts ...Option) (*TestRun, error) {
	e := &Engine{settings: newSettings(opts)}
	srcs, builtin, err := e.sources(true)
	if err != nil {
		return nil, err
	}
	// The built-in tests run when asked for, or when there are no user rules to test.
	runBuiltin := topts.Builtin || (len(e.ruleDirs) == 0 && len(e.ruleFiles) == 0)
	if !runBuiltin {
		kept := srcs[:0]
		for _, s := range srcs {
			if !(s.builtin && strings.HasSuffix(s.name, "_test.rego")) {
				kept = append(kept, s)
			}
		}
		srcs = kept
	}
	// Coverage is that of the rules whose tests run: the user's files, and the built-in ones only
	// with the built-in tests.
	measured := make(map[string]bool, len(srcs))
	for _, s := range srcs {
		measured[s.name] = runBuiltin || !s.builtin
	}
	mods, err := parseModules(srcs)
	if err != nil {
		return nil, err
	}
	if _, err := collectRules(mods, builtin, e.knownControl, nil); err != nil {
		return nil, err
	}
	compiler := e.newCompiler().WithEnablePrintStatements(true)
	runner := tester.NewRunner().SetCompiler(compiler).SetDefaultRegoVersion(ast.RegoV1).CapturePrintOutput(true).RaiseBuiltinErrors(topts.StrictBuiltinErrors)
	if topts.Run != "" {
		runner = runner.Filter(topts.Run)
	}
	if topts.Timeout <= 0 {
		topts.Timeout = e.ruleTimeout
	}
	runner = runner.SetTimeout(topts.Timeout)
	var cov *cover.Cover
	if topts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	if len(e.functions) > 0 {
		var custom []*tester.Builtin
		for _, f := range e.functions {
			custom = append(custom, &tester.Builtin{
				Decl: &ast.Builtin{Name: f.Decl.Name, Decl: f.Decl.Decl, Nondeterministic: f.Decl.Nondeterministic},
				Func: rego.FunctionDyn(f.Decl, f.Impl),
			})
		}
		runner = runner.AddCustomBuiltins(custom)
	}
	ch, err := runner.SetModules(mods).RunTests(ctx, nil)
	if err != nil {
		if aerrs, ok := err.(ast.Errors); ok {
			return nil, explainSandbox(astErrors("", aerrs), e.allowNetwork)
		}
		return nil, fmt.Errorf("run tests: %w", err)
	}
	run := &TestRun{}
	for r := range ch {
		run.Results = append(run.Results, r)
	}
	if cov != nil {
		rep := coverageOf(cov.Report(mods), measured)
		run.Coverage = &rep
	}
	return run, nil
}

// coverageOf keeps the files of rep that measured marks and recomputes the totals from them. User
// tests exercise built-in libraries too, and neither those lines nor the built-in rules' uncovered
// ones may count towards the coverage of the user's rules.
func coverageOf(rep cover.Report, measured map[string]bool) cover.Report {
	var covered, notCovered int
	for name, fr := range rep.Files {
		if !measured[name] {
			delete(rep.Files, name)
			continue
		}
		covered += fr.CoveredLines
		notCovered += fr.NotCoveredLines
	}
	rep.CoveredLines, rep.NotCoveredLines, rep.Coverage = covered, notCovered, 0
	if total := covered + notCovered; total > 0 {
		rep.Coverage = 100 * float64(covered) / float64(total)
	}
	return rep
}
