package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/policies"
)

type rulesLintOptions struct {
	IO     *iostreams
	Dirs   []string
	Format string // text, json, sarif or github
}

func newRulesLintCmd(s *iostreams, runF func(context.Context, *rulesLintOptions) error) *cobra.Command {
	opts := &rulesLintOptions{IO: s}
	if runF == nil {
		runF = runRulesLint
	}
	cmd := &cobra.Command{
		Use:   "lint [DIR...]",
		Short: "Find what makes rules wrong before they run, each at file:line:column",
		Long: `Check rule directories (with no DIR, the built-in rules) for:

  syntax    a file that does not parse as Rego v1
  compile   OPA's strict compile (unused variables and imports, shadowed names, deprecated or
            sandboxed built-ins), with tailaudit's tailscale.* built-ins and rule sandbox
  format    a file that opa fmt would change
  metadata  the rule contract: METADATA without title, custom.id or custom.severity, an unknown
            severity or control id, a duplicate id, deny/warn/alert that is not a partial set
            rule, a package under a built-in namespace
  tests     a rule with no test, or without a test that makes it fire (one that needs its set
            non-empty: some r in rule.deny, count(rule.deny) == 1) and one that keeps it silent
            (count(rule.deny) == 0, not rule.deny[_]); only test_ rules' own bodies are read
  input     a reference to an input path no input document has (input.policy, input.tailnet,
            input.change, input.event...), type-checked against their JSON Schemas

Exit codes: 0 no problems; 1 problems; 2 the rules could not be read, or there are none.`,
		Example: "  tailaudit rules lint ./rules\n  tailaudit rules lint ./rules -f github\n  tailaudit rules lint ./rules -f sarif > lint.sarif",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			return runF(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd, &opts.Format, "text", "json", "sarif", "github")
	return cmd
}

func runRulesLint(ctx context.Context, opts *rulesLintOptions) error {
	s := opts.IO
	src := ruleSource{NoBuiltin: true}
	_, engOpts, err := src.load(ctx, s)
	if err != nil {
		return err
	}
	engOpts = append(engOpts, engine.WithRuleDirs(opts.Dirs...), engine.WithBuiltinRules(policies.FS))
	problems, err := engine.Lint(ctx, len(opts.Dirs) == 0, engOpts...)
	if err != nil {
		return &exitError{Code: 2, Err: err}
	}
	switch opts.Format {
	case "json":
		err = writeJSON(s.Out, lintDocument{Problems: append([]*engine.LintProblem{}, problems...)})
	case "sarif":
		err = writeJSON(s.Out, lintSARIF(problems))
	case "github":
		err = writeLintGitHub(s.Out, problems)
	default:
		err = writeLintText(s.Out, problems)
	}
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &exitError{Code: 1, Err: fmt.Errorf("%d problem(s) in the rules", len(problems))}
	}
	return nil
}

// lintDocument is what 'rules lint -f json' prints.
type lintDocument struct {
	Problems []*engine.LintProblem `json:"problems"`
}

func writeLintText(w io.Writer, problems []*engine.LintProblem) error {
	for _, p := range problems {
		if _, err := fmt.Fprintf(w, "%s [%s]\n", p.Error.Error(), p.Check); err != nil {
			return err
		}
	}
	return nil
}

// writeLintGitHub prints one workflow command per problem, so that Actions annotates the line.
func writeLintGitHub(w io.Writer, problems []*engine.LintProblem) error {
	data := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	for _, p := range problems {
		where := "file=" + prop.Replace(filepath.ToSlash(p.File))
		if p.Line > 0 {
			where += fmt.Sprintf(",line=%d", p.Line)
		}
		if p.Column > 0 {
			where += fmt.Sprintf(",col=%d", p.Column)
		}
		if _, err := fmt.Fprintf(w, "::error %s,title=%s::%s\n", where, prop.Replace("rules lint: "+p.Check), data.Replace(p.Msg)); err != nil {
			return err
		}
	}
	return nil
}

// lintSARIF is a SARIF 2.1.0 log of the problems, one reporting rule per check.
func lintSARIF(problems []*engine.LintProblem) map[string]any {
	checks := []string{engine.LintSyntax, engine.LintCompile, engine.LintFormat, engine.LintMetadata, engine.LintTests, engine.LintInput}
	var rules []any
	for _, c := range checks {
		rules = append(rules, map[string]any{"id": c, "name": c})
	}
	results := []any{}
	for _, p := range problems {
		region := map[string]any{}
		if p.Line > 0 {
			region["startLine"] = p.Line
		}
		if p.Column > 0 {
			region["startColumn"] = p.Column
		}
		loc := map[string]any{"artifactLocation": map[string]any{"uri": filepath.ToSlash(p.File)}}
		if len(region) > 0 {
			loc["region"] = region
		}
		results = append(results, map[string]any{
			"ruleId":    p.Check,
			"level":     "error",
			"message":   map[string]any{"text": p.Msg},
			"locations": []any{map[string]any{"physicalLocation": loc}},
		})
	}
	return map[string]any{
		"$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "tailaudit rules lint", "informationUri": "https://github.com/tailaudit/tailaudit", "rules": rules}},
			"results": results,
		}},
	}
}
