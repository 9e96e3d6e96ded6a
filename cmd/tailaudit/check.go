package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/config"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/output"
)

type checkOptions struct {
	IO       *iostreams
	Rules    ruleSource
	Policy   string   // path, "-" for stdin, or "" when only a snapshot is checked
	Snapshot string   // path of a tailnet snapshot, or ""
	Base     string   // --base: the policy before the change, as a file or a git revision; "" for none
	NewOnly  bool     // --new-only: only findings the base does not have count against --fail-on
	Formats  []string // format or format=path
	FailOn   string
	failOnOK bool // --fail-on was given, overriding the config file
	Verbose  bool
	// PrintInput: write the input document the rules would see, as JSON, to stdout, and evaluate
	// nothing.
	PrintInput bool
	Compact    bool // --compact: JSON outputs without indentation, also on a terminal
	Indent     bool // --indent: JSON outputs indented, also in files and pipes
	// NoAggregate: --no-aggregate, every finding listed on its own, also where a rule groups the
	// findings of one cause.
	NoAggregate bool
}

// layout says which JSON outputs are written compact: all of them unless they are for a person
// to read, on a terminal (or --indent asks for indentation everywhere; --compact for none).
func (o *checkOptions) layout(s *iostreams) output.Settings {
	return output.Settings{Compact: o.Compact || (!s.OutTTY && !o.Indent), CompactFiles: !o.Indent}
}

func newCheckCmd(s *iostreams, runF func(context.Context, *checkOptions) error) *cobra.Command {
	opts := &checkOptions{IO: s}
	if runF == nil {
		runF = runCheck
	}
	cmd := &cobra.Command{
		Use:   "check [policy.hujson] [--snapshot snapshot.json] [--base BASE|REV]",
		Short: "Check a policy file and a tailnet snapshot against the rules and report findings",
		Long: `Check a Tailscale policy file (HuJSON) and, with --snapshot, a tailnet snapshot from 'tailaudit
collect', against the built-in rules and any custom rules. Every finding has its severity, rule,
message, and file:line:column or tailnet resource. With a snapshot and no policy file, the policy
stored in the snapshot is checked. Rules whose input is missing are reported as not assessed.

With --base, the policy file is judged as a change to BASE: a policy file, or a git revision at
which the policy file is read (git show REV:<path>; a file that did not exist there is compared as
Tailscale's default policy, which allows all traffic). Every finding is then new or unchanged, matched
by fingerprint, and the base's findings that are gone are listed as fixed; the change rules
(tailaudit.change.*) judge what the change does. --new-only lets only new findings fail the run.

Findings at or above --fail-on (default high) make the exit code 1; warnings never do. Findings can
be waived in .tailaudit.hujson or inline, with a comment on the line before the value:
  // tailaudit:ignore TA-SSH-001 until=2027-01-31 reason="break-glass account" by=security@example.com

When ` + strconv.Itoa(output.AggregateMin) + ` or more findings of a rule share a cause (rules declare it with custom.aggregate: the
built-in device, user and key rules do), every output lists them as one entry naming their
resources; --no-aggregate lists each finding on its own. The findings, the counts and the exit code
are the same either way.

Several outputs can be written at once: -f FORMAT writes to stdout, -f FORMAT=FILE to a file (written
atomically: a failed run leaves an existing file as it was). Formats: ` + strings.Join(output.Formats(), ", ") + `.
-f github-summary appends the Markdown job summary to $GITHUB_STEP_SUMMARY (or to FILE), last, once
every other output was written.

Exit codes: 0 nothing failed at or above --fail-on; 1 findings at or above it, or an error result (a
rule that failed to evaluate, whatever --fail-on says); 2 the run could not be done (bad flags, an
unreadable or invalid input, a config error, a rule that does not compile).`,
		Example: `  # Check the policy and print findings
  tailaudit check policy.hujson

  # In GitHub Actions: annotations on the pull request, the job summary, SARIF for code scanning
  tailaudit check policy.hujson -f github -f github-summary -f sarif=results.sarif

  # Gate on medium findings too, with custom rules
  tailaudit check policy.hujson --fail-on medium --rules ./rules

  # The live tailnet too: devices, users, keys, settings, logging
  tailaudit check policy.hujson --snapshot snapshot.json

  # A pull request: what it changes against main, failing only on findings it adds
  tailaudit check policy.hujson --base origin/main --new-only`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && opts.Snapshot == "" {
				return &usageError{fmt.Errorf("check needs a policy file or --snapshot, e.g. tailaudit check policy.hujson")}
			}
			if len(args) == 1 {
				opts.Policy = args[0]
			}
			opts.failOnOK = cmd.Flags().Changed("fail-on")
			if opts.NewOnly && opts.Base == "" {
				return &usageError{fmt.Errorf("--new-only needs --base, the policy to compare with, e.g. --base origin/main")}
			}
			if opts.Base != "" && opts.Policy == "" {
				return &usageError{fmt.Errorf("--base needs the policy file as an argument, e.g. tailaudit check policy.hujson --base origin/main")}
			}
			if opts.PrintInput && cmd.Flags().Changed("format") {
				return &usageError{fmt.Errorf("--print-input writes the input document as JSON to stdout; it takes no --format")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	addTargetsFlag(cmd, &opts.Formats)
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "high", "exit 1 when a finding is at or above this `SEVERITY`: critical, high, medium, low or info")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "text output: under each passing rule, list every value or resource it passed; list the rules not assessed one by one")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE` written by 'tailaudit collect'")
	cmd.Flags().StringVar(&opts.Base, "base", "", "judge the policy as a change to `BASE|REV`: a policy file, or a git revision to read the policy file at")
	cmd.Flags().BoolVar(&opts.NewOnly, "new-only", false, "with --base: only new findings (not in the base) at or above --fail-on fail the run; all are reported")
	cmd.Flags().BoolVar(&opts.Compact, "compact", false, "write JSON outputs (json, sarif) without indentation, also on a terminal (the default for files and pipes)")
	cmd.Flags().BoolVar(&opts.Indent, "indent", false, "indent JSON outputs (json, sarif) in files and pipes too (the default on a terminal)")
	cmd.MarkFlagsMutuallyExclusive("compact", "indent")
	cmd.Flags().BoolVar(&opts.NoAggregate, "no-aggregate", false, fmt.Sprintf("list every finding on its own, also where %d or more of one rule share a cause and are listed as one entry naming their resources", output.AggregateMin))
	cmd.Flags().BoolVar(&opts.PrintInput, "print-input", false, "write the input document the rules see (JSON) to stdout and exit without evaluating")
	opts.Rules.addFlags(cmd)
	opts.Rules.addLimitFlags(cmd)
	return cmd
}

func runCheck(ctx context.Context, opts *checkOptions) (err error) {
	s := opts.IO
	if opts.PrintInput {
		return printInput(ctx, opts)
	}
	targets, err := parseTargets(s, opts.Formats)
	if err != nil {
		return err
	}
	if err := output.CheckTargets(targets, []string{opts.Policy, opts.Snapshot, opts.Rules.configFile(s)}); err != nil {
		return &usageError{err}
	}
	ctx, cancel, err := opts.Rules.deadline(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	defer func() {
		if err != nil {
			err = reportInputError(ctx, s, targets, opts.layout(s), err)
		}
	}()
	// The input files are read and checked while the rules compile, on another core; a config or
	// rule error is still the one reported when both fail, as when they were done one after the
	// other.
	type loaded struct {
		docs *inputs.Documents
		err  error
	}
	pending := make(chan loaded, 1)
	go func() {
		docs, err := inputs.Load(opts.Policy, opts.Snapshot, s.In)
		pending <- loaded{docs, err}
	}()
	cfg, eng, err := opts.Rules.engine(ctx, s)
	got := <-pending
	if err != nil {
		return err
	}
	failOn := cfg.FailOn
	if opts.failOnOK || cfg.Path == "" {
		if failOn, err = severityFlag("fail-on", opts.FailOn); err != nil {
			return err
		}
	}
	in := engine.Input{Now: s.now(), Params: cfg.Params, FailOn: failOn, Waivers: cfg.Waivers}
	if cfg.Path != "" {
		in.Inputs = append(in.Inputs, finding.Input{Kind: "config", Path: cfg.Path, SHA256: cfg.SHA256})
	}
	docs := got.docs
	if got.err != nil {
		return got.err
	}
	in.Policy, in.PolicyError, in.Tailnet = docs.Policy, docs.PolicyError, docs.Snapshot
	in.Inputs = append(in.Inputs, docs.Inputs...)
	if docs.Snapshot != nil {
		noteKeptValues(s, docs.Snapshot)
	}
	var base *inputs.Base
	if opts.Base != "" {
		if base, err = inputs.BasePolicy(ctx, opts.Base, opts.Policy); err != nil {
			return err
		}
		if base.Note != "" {
			fmt.Fprintln(s.Err, "tailaudit: note:", base.Note)
		}
		in.Base = base.File
		in.Inputs = append(in.Inputs, base.Input)
	}
	rep, err := evaluate(ctx, eng, in, opts.NewOnly)
	if err != nil {
		return err
	}
	rep.Tool = finding.Tool{Name: "tailaudit", Version: version(), URI: "https://github.com/tailaudit/tailaudit"}
	var sources output.Sources // the text of the files findings point into, for output columns
	if docs.Policy != nil {
		sources.Add(docs.Policy.Name, docs.Policy.Source())
	}
	if base != nil {
		sources.Add(base.File.Name, base.File.Source())
	}
	settings := opts.layout(s)
	settings.Verbose, settings.Sources = opts.Verbose, &sources
	if !opts.NoAggregate {
		settings.Aggregate = output.AggregateMin
	}
	if err := writeOutputs(ctx, s, targets, rep, settings); err != nil {
		return err
	}
	if rep.Failed() {
		return &exitError{Code: 1}
	}
	return nil
}

// printInput writes the document the rules of this check would see as input, as indented JSON, to
// stdout: what the config file, the policy file, the snapshot and the base give, read and checked
// as check reads them, with no rule compiled or evaluated. It is the document to give opa eval or a
// rule's test, and what input.* means in a rule.
func printInput(ctx context.Context, opts *checkOptions) error {
	s := opts.IO
	cfg, err := config.Find(opts.Rules.ConfigPath, s.workDir())
	if err != nil {
		return err
	}
	in := engine.Input{Now: s.now(), Params: cfg.Params}
	docs, err := inputs.Load(opts.Policy, opts.Snapshot, s.In)
	if err != nil {
		return err
	}
	in.Policy, in.PolicyError, in.Tailnet = docs.Policy, docs.PolicyError, docs.Snapshot
	if opts.Base != "" {
		base, err := inputs.BasePolicy(ctx, opts.Base, opts.Policy)
		if err != nil {
			return err
		}
		in.Base = base.File
	}
	doc, err := engine.Document(in)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(s.Out, 1<<16)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write the input document: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write the input document: %w", err)
	}
	return nil
}

// evaluate judges in and, when it has a base, the base too, and marks each finding new, unchanged or
// fixed. The two evaluations run at once.
func evaluate(ctx context.Context, eng *engine.Engine, in engine.Input, newOnly bool) (*finding.Report, error) {
	if in.Base == nil {
		return eng.Evaluate(ctx, in)
	}
	before := in
	before.Policy, before.Base = in.Base, nil
	before.Inputs = nil
	var baseRep *finding.Report
	var baseErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		baseRep, baseErr = eng.Evaluate(ctx, before)
	}()
	rep, err := eng.Evaluate(ctx, in)
	<-done
	if err != nil {
		return nil, err
	}
	if baseErr != nil {
		return nil, fmt.Errorf("evaluate the base %s: %w", in.Base.Name, baseErr)
	}
	baseRep.Inputs = []finding.Input{{Kind: inputs.KindBasePolicy, Path: in.Base.Name}}
	engine.Compare(baseRep, rep)
	if newOnly {
		rep.Baseline.NewOnly = true
		rep.Summarize()
	}
	return rep, nil
}

// parseTargets reads the --format values. An output that appends (github-summary) without a file
// goes to $GITHUB_STEP_SUMMARY.
func parseTargets(s *iostreams, specs []string) ([]output.Target, error) {
	var targets []output.Target
	for _, spec := range specs {
		format, path, err := output.ParseTarget(spec)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--format: %w", err)}
		}
		if path == "" && output.Appends(format) {
			if path = s.env("GITHUB_STEP_SUMMARY"); path == "" {
				return nil, &usageError{fmt.Errorf("--format: %s appends to $GITHUB_STEP_SUMMARY, which is not set; outside GitHub Actions give a file: -f %s=FILE", format, format)}
			}
		}
		targets = append(targets, output.Target{Format: format, Path: path})
	}
	return targets, nil
}

// writeOutputs renders the report to every target, listing controls in the catalogues' order.
func writeOutputs(ctx context.Context, s *iostreams, targets []output.Target, rep *finding.Report, settings output.Settings) error {
	settings.Frameworks = frameworks.IDs()
	settings.Root = s.workDir()
	settings.Color = s.OutTTY && s.env("NO_COLOR") == ""
	return output.WriteAll(ctx, targets, rep, s.Out, settings)
}

// noteKeptValues says on stderr which values of the snapshot the collector recorded as not matching
// the schema, and so which rules report not assessed for them.
func noteKeptValues(s *iostreams, snap *tailnet.Snapshot) {
	for _, e := range snap.Errors() {
		if e.Pointer != "" {
			fmt.Fprintf(s.Err, "tailaudit: note: %s: %s; the rules that read it report not assessed for it\n", snap.Name, e.Message)
		}
	}
}
