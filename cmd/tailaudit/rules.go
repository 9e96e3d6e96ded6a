package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func newRulesCmd(s *iostreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, describe, scaffold, lint and bundle rules",
		Long: `List and describe the rules tailaudit runs, and write your own.

A rule is a Rego v1 package with a METADATA block (title, custom.id, custom.severity, and
custom.remediation, custom.controls, custom.params) in one of four namespaces, each reading one
input document:

  tailaudit.policy.*   input.policy   the policy file, keys in their canonical spelling
  tailaudit.tailnet.*  input.tailnet  a snapshot (check --snapshot), the API's fields
  tailaudit.change.*   input.change   before, after and access (added, removed) (check --base)
  tailaudit.alerts.*   input.event    one audit log event, with input.window

Every rule also sees input.now (never read the clock) and input.params: read them with
params.merged({"staleDays": 90}) after 'import data.tailaudit.lib.params', and declare each in
custom.params ({type: integer, minimum: 1}).

Results: 'deny contains result if {...}' fails, warn advises, alert rules define alert. A result
is a string or {msg, path, resource, evidence, severity}; path (such as ["policy", "acls", 3])
becomes file:line:column.

Built-ins: tailscale.reachable(input.policy, "group:contractors", "tag:pci", 5432) is true when
the source can connect; tailscale.reach(...) adds because (the rules that allow it, as paths);
tailscale.resolve(input, "tag:pci") gives {nodes, prefixes}; tailscale.validate(input.policy)
what Tailscale would refuse; tailscale.test_results(input.policy) every tests/sshTests result;
tailscale.attr_grants(input, "funnel") the nodeAttrs targets granting an attribute,
tailscale.nodes_with_capability(input, "funnel") and tailscale.node_capabilities(input) the
snapshot's nodes' capabilities.

The workflow:
  tailaudit rules new ACME-PCI-001 --namespace policy --dir rules   # a rule and its tests
  tailaudit test rules                                             # run the tests
  tailaudit rules lint rules -f github                             # everything wrong, at its line
  tailaudit rules bundle rules -o rules.tar.gz --sign-key key.pem   # a signed OPA bundle
  tailaudit check policy.hujson --bundle rules.tar.gz --bundle-key pub.pem

Test each rule with one case that makes it fire and one that keeps it silent (rules lint checks).
policies/README.md ("Writing rules of your own") has the details, and fixtures/rules three worked
examples.`,
	}
	cmd.AddCommand(newRulesListCmd(s, nil), newRulesShowCmd(s, nil), newRulesNewCmd(s, nil), newRulesLintCmd(s, nil), newRulesBundleCmd(s, nil))
	return cmd
}

type rulesListOptions struct {
	IO     *iostreams
	Rules  ruleSource
	Format string // text or json
}

func newRulesListCmd(s *iostreams, runF func(context.Context, *rulesListOptions) error) *cobra.Command {
	opts := &rulesListOptions{IO: s}
	if runF == nil {
		runF = runRulesList
	}
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List every rule with its id, severity, title and namespace",
		Example: "  tailaudit rules list\n  tailaudit rules list --rules ./rules -f json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	addFormatFlag(cmd, &opts.Format, "text", "json")
	opts.Rules.addFlags(cmd)
	return cmd
}

func runRulesList(ctx context.Context, opts *rulesListOptions) error {
	s := opts.IO
	_, eng, err := opts.Rules.engine(ctx, s)
	if err != nil {
		return err
	}
	rules := eng.Rules()
	if opts.Format == "json" {
		return writeJSON(s.Out, rulesDocument{Rules: append([]finding.Rule{}, rules...)}) // [] rather than null
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTITLE\tNAMESPACE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Title, r.Namespace)
	}
	return tw.Flush()
}

type rulesShowOptions struct {
	IO     *iostreams
	Rules  ruleSource
	ID     string
	Format string // text or json
}

func newRulesShowCmd(s *iostreams, runF func(context.Context, *rulesShowOptions) error) *cobra.Command {
	opts := &rulesShowOptions{IO: s}
	if runF == nil {
		runF = runRulesShow
	}
	cmd := &cobra.Command{
		Use:     "show <RULE-ID>",
		Short:   "Describe one rule: what it checks, how to fix it, the controls it evidences and where it lives",
		Example: "  tailaudit rules show TA-SSH-001\n  tailaudit rules show TA-SSH-001 -f json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	addFormatFlag(cmd, &opts.Format, "text", "json")
	opts.Rules.addFlags(cmd)
	return cmd
}

func runRulesShow(ctx context.Context, opts *rulesShowOptions) error {
	s := opts.IO
	_, eng, err := opts.Rules.engine(ctx, s)
	if err != nil {
		return err
	}
	r, ok := eng.Rule(opts.ID)
	if !ok {
		return &exitError{Code: 2, Err: fmt.Errorf("no rule with id %q (see 'tailaudit rules list')", opts.ID)}
	}
	if opts.Format == "json" {
		return writeJSON(s.Out, r)
	}
	return describeRule(s.Out, r)
}

// rulesDocument is what 'rules list -f json' prints: every rule, each as 'rules show -f json' prints
// it and as check's JSON report lists it (finding.Rule). Fields are only ever added.
type rulesDocument struct {
	Rules []finding.Rule `json:"rules"`
}

func describeRule(w io.Writer, r finding.Rule) error {
	fmt.Fprintf(w, "%s  %s\n\n", r.ID, r.Title)
	fmt.Fprintf(w, "Severity:   %s\n", r.Severity)
	fmt.Fprintf(w, "Namespace:  %s\n", r.Namespace)
	where := r.Source.String()
	if r.Builtin {
		where += " (built in)"
	}
	fmt.Fprintf(w, "Defined in: %s\n", where)
	if r.EffectiveOn != "" {
		fmt.Fprintf(w, "Effective:  %s (failures before then are warnings)\n", r.EffectiveOn)
	}
	if r.Description != "" {
		fmt.Fprintf(w, "\n%s\n", r.Description)
	}
	if r.Remediation != "" {
		fmt.Fprintf(w, "\nHow to fix:\n  %s\n", strings.ReplaceAll(r.Remediation, "\n", "\n  "))
	}
	if len(r.Controls) > 0 {
		fmt.Fprintln(w, "\nControls:")
		for _, fw := range sortedKeys(r.Controls) {
			fmt.Fprintf(w, "  %-9s %s\n", fw, strings.Join(r.Controls[fw], ", "))
		}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
