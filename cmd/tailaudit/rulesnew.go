package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/policies"
)

// ruleNamespaces are the namespaces 'rules new' writes rules for, each with its template.
var ruleNamespaces = []string{"policy", "tailnet", "change", "alerts"}

type rulesNewOptions struct {
	IO        *iostreams
	ID        string
	Namespace string
	Dir       string
}

func newRulesNewCmd(s *iostreams, runF func(context.Context, *rulesNewOptions) error) *cobra.Command {
	opts := &rulesNewOptions{IO: s}
	if runF == nil {
		runF = runRulesNew
	}
	cmd := &cobra.Command{
		Use:   "new <RULE-ID> --namespace policy|tailnet|change|alerts",
		Short: "Write a new rule and its tests, ready to edit",
		Long: `Write a new rule (ID.rego, with a complete METADATA block) and its tests (ID_test.rego, one case that
makes the rule fire and one that keeps it silent) into --dir. Both pass 'tailaudit test' and
'tailaudit rules lint' as written; edit them from there.

The package is tailaudit.NAMESPACE.ID in lower case with '-' as '_'. The rule's custom.controls is
left empty for you to fill with the framework controls the rule evidences ('tailaudit frameworks
show soc2' lists them).

Namespaces: policy (rules on the policy file, input.policy), tailnet (rules on a snapshot,
input.tailnet), change (rules on a change to the policy file, input.change.before and
input.change.after, with check --base), alerts (alert rules on one audit log event, input.event,
with the recent ones in input.window).`,
		Example: "  tailaudit rules new ACME-PCI-001 --namespace policy --dir rules\n  tailaudit rules new ACME-DEV-001 --namespace tailnet --dir rules",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if !ruleIDPattern.MatchString(opts.ID) {
				return &usageError{fmt.Errorf("rule id %q: use letters, digits and '-', starting with a letter, such as ACME-SSH-001", opts.ID)}
			}
			if !slices.Contains(ruleNamespaces, opts.Namespace) {
				return &usageError{fmt.Errorf("--namespace must be one of %s, not %q", strings.Join(ruleNamespaces, ", "), opts.Namespace)}
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Namespace, "namespace", "", "what the rule judges: "+strings.Join(ruleNamespaces, ", ")+" (required)")
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "`DIR` to write the rule and its test into (created if missing)")
	_ = cmd.MarkFlagRequired("namespace")
	return cmd
}

// ruleIDPattern is what a scaffolded rule's id may be: it becomes a file and package name too.
var ruleIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`)

func runRulesNew(ctx context.Context, opts *rulesNewOptions) error {
	s := opts.IO
	name := strings.ToLower(strings.ReplaceAll(opts.ID, "-", "_"))
	rulePath := filepath.Join(opts.Dir, name+".rego")
	testPath := filepath.Join(opts.Dir, name+"_test.rego")
	for _, p := range []string{rulePath, testPath} {
		if _, err := os.Stat(p); err == nil {
			return &exitError{Code: 2, Err: fmt.Errorf("%s already exists; choose another id or remove it", p)}
		}
	}
	if err := ruleIDTaken(ctx, opts.Dir, opts.ID); err != nil {
		return &exitError{Code: 2, Err: err}
	}
	rule, test := scaffold(opts.Namespace, opts.ID, name)
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return fmt.Errorf("create rule directory: %w", err)
	}
	if err := writeNew(rulePath, rule); err != nil {
		return err
	}
	if err := writeNew(testPath, test); err != nil {
		os.Remove(rulePath)
		return err
	}
	fmt.Fprintln(s.Out, rulePath)
	fmt.Fprintln(s.Out, testPath)
	fmt.Fprintf(s.Err, "tailaudit: %s: fill in custom.controls with the framework controls this rule evidences (see 'tailaudit frameworks show soc2'), and edit the title, description, remediation and severity\n", rulePath)
	fmt.Fprintf(s.Err, "tailaudit: then run: tailaudit test %s && tailaudit rules lint %s\n", opts.Dir, opts.Dir)
	return nil
}

// ruleIDTaken reports an id already used by a built-in rule or by a rule in dir.
func ruleIDTaken(ctx context.Context, dir, id string) error {
	opts := []engine.Option{engine.WithBuiltinRules(policies.FS)}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		opts = append(opts, engine.WithRuleDirs(dir))
	}
	eng, err := engine.New(ctx, opts...)
	if err != nil {
		// The directory's rules do not load: the id cannot be checked against them, and the new
		// rule would not load beside them either.
		return fmt.Errorf("load the rules in %s to check the id is free:\n%w", dir, err)
	}
	if r, ok := eng.Rule(id); ok {
		return fmt.Errorf("rule id %s is already used by %s (%s)", r.ID, r.Namespace, r.Source)
	}
	return nil
}

// writeNew creates path with text, refusing to replace a file.
func writeNew(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &exitError{Code: 2, Err: fmt.Errorf("%s already exists", path)}
	}
	if err != nil {
		return fmt.Errorf("write rule: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
