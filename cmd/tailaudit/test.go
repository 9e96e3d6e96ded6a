package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
)

type testOptions struct {
	IO        *iostreams
	Rules     ruleSource
	Dirs      []string
	Builtin   bool
	Run       string
	Verbose   bool
	Coverage  bool
	Threshold float64
	Format    string
}

func newTestCmd(s *iostreams, runF func(context.Context, *testOptions) error) *cobra.Command {
	opts := &testOptions{IO: s}
	if runF == nil {
		runF = runTest
	}
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the Rego unit tests of built-in and custom rules",
		Long: `Run Rego unit tests (rules named test_* in *_test.rego files) with OPA's test runner.

With no DIR, the built-in rules' tests run. With DIRs, their tests run against the built-in rules and
libraries, which they may import; add --builtin to run the built-in tests as well. Rules see the same
built-ins and sandbox as in 'tailaudit check'.

Coverage is that of the rules whose tests run: the files in the DIRs (and in --rules or the config
file), and the built-in rules only when their tests run too.`,
		Example: `  # Test the built-in rules
  tailaudit test

  # Test your own rules, with coverage, failing under 80%
  tailaudit test ./rules --coverage --threshold 80`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			if opts.Threshold < 0 || opts.Threshold > 100 {
				return &usageError{fmt.Errorf("--threshold must be a percentage from 0 to 100")}
			}
			if cmd.Flags().Changed("threshold") {
				opts.Coverage = true
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Builtin, "builtin", false, "with DIRs: run the built-in rules' tests too")
	cmd.Flags().StringVar(&opts.Run, "run", "", "run only tests whose name matches this `REGEX`")
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "list every test, not only failures")
	cmd.Flags().BoolVar(&opts.Coverage, "coverage", false, "report the share of rule lines the tests exercise")
	cmd.Flags().Float64Var(&opts.Threshold, "threshold", 0, "with --coverage: fail when coverage is below this `PERCENT`")
	addFormatFlag(cmd, &opts.Format, "text", "json")
	opts.Rules.addFlags(cmd)
	opts.Rules.addLimitFlags(cmd)
	return cmd
}

func runTest(ctx context.Context, opts *testOptions) error {
	s := opts.IO
	ctx, cancel, err := opts.Rules.deadline(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	src := opts.Rules
	src.Dirs = append(slices.Clone(src.Dirs), opts.Dirs...)
	_, engOpts, err := src.load(ctx, s)
	if err != nil {
		return err
	}
	run, err := engine.RunTests(ctx, engine.TestOptions{Builtin: opts.Builtin || (len(src.Dirs) == 0 && len(src.Bundle.Bundles) == 0), Run: opts.Run, Coverage: opts.Coverage}, engOpts...)
	if err != nil {
		return fmt.Errorf("load tests:\n%w", err)
	}
	if len(run.Results) == 0 {
		return &exitError{Code: 2, Err: fmt.Errorf("no tests found (tests are rules named test_* in *_test.rego files)")}
	}
	if opts.Format == "json" {
		if err := writeTestJSON(s.Out, run); err != nil {
			return err
		}
	} else if err := writeTestPretty(s.Out, run, opts.Verbose); err != nil {
		return err
	}
	failed := slices.ContainsFunc(run.Results, func(r *tester.Result) bool { return r.Fail || r.Error != nil })
	if failed {
		return &exitError{Code: 1}
	}
	if run.Coverage != nil && run.Coverage.Coverage < opts.Threshold {
		return &exitError{Code: 1, Err: fmt.Errorf("coverage %.2f%% is below the threshold of %.2f%%", run.Coverage.Coverage, opts.Threshold)}
	}
	return nil
}

// writeTestPretty prints results the way 'opa test' does, then the coverage figure.
func writeTestPretty(w io.Writer, run *engine.TestRun, verbose bool) error {
	ch := make(chan *tester.Result, len(run.Results))
	for _, r := range run.Results {
		ch <- r
	}
	close(ch)
	if err := (tester.PrettyReporter{Output: w, Verbose: verbose, FailureLine: true}).Report(ch); err != nil {
		return err
	}
	if run.Coverage == nil {
		return nil
	}
	fmt.Fprintf(w, "COVERAGE: %.2f%%\n", run.Coverage.Coverage)
	if verbose {
		for _, file := range sortedKeys(run.Coverage.Files) {
			fc := run.Coverage.Files[file]
			fmt.Fprintf(w, "  %6.2f%%  %s%s\n", fc.Coverage, file, uncovered(fc))
		}
	}
	return nil
}

func uncovered(fc *cover.FileReport) string {
	if len(fc.NotCovered) == 0 {
		return ""
	}
	var parts []string
	for _, r := range fc.NotCovered {
		if r.Start.Row == r.End.Row {
			parts = append(parts, fmt.Sprint(r.Start.Row))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r.Start.Row, r.End.Row))
		}
	}
	return "  (not covered: lines " + strings.Join(parts, ", ") + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func writeTestJSON(w io.Writer, run *engine.TestRun) error {
	out := struct {
		Results  []*tester.Result `json:"results"`
		Coverage *cover.Report    `json:"coverage,omitempty"`
	}{run.Results, run.Coverage}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
