package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// iostreams is where a command reads and writes. Tests fill it with buffers.
type iostreams struct {
	In             io.Reader
	Out, Err       io.Writer
	OutTTY, ErrTTY bool // colour and progress only on terminals
	Getenv         func(string) string
	Now            func() time.Time  // the clock; nil means time.Now
	Dir            string            // working directory; "" means the process's
	Transport      http.RoundTripper // how bundle URLs are fetched; nil means http.DefaultTransport
}

func (s *iostreams) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *iostreams) env(key string) string {
	if s.Getenv == nil {
		return ""
	}
	return s.Getenv(key)
}

func (s *iostreams) workDir() string {
	if s.Dir != "" {
		return s.Dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// exitError carries an exit code: 1 for findings at or above --fail-on, 2 when the run could not be
// done as asked. Err, when set, is printed to stderr.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// usageError is a mistake in the command line; it is printed with a pointer to --help.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// run executes tailaudit with args and returns the process exit code.
func run(ctx context.Context, args []string, s *iostreams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.ExecuteContext(ctx)
	if err != nil && ctx.Err() != nil {
		// SIGINT or SIGTERM: whatever was under way stopped, and outputs are written only once
		// everything succeeded, so the files that were there are as they were.
		err = &exitError{Code: 2, Err: errors.New("interrupted; existing output files are unchanged")}
	}
	return exitCode(err, s.Err)
}

// exitCode maps an error to the exit code, printing it once.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{Code: 2, Err: err}
	}
	if ee.Err != nil {
		fmt.Fprintln(stderr, "tailaudit:", strings.TrimSpace(ee.Err.Error()))
		var ue *usageError
		if errors.As(ee.Err, &ue) {
			fmt.Fprintln(stderr, "Run 'tailaudit --help' for usage.")
		}
	}
	return ee.Code
}

func newRootCmd(s *iostreams) *cobra.Command {
	var logLevel string
	root := &cobra.Command{
		Use:   "tailaudit",
		Short: "Policy-as-code compliance checks for Tailscale tailnets",
		Long: `tailaudit checks Tailscale policy files (policy.hujson) and tailnet snapshots against Rego rules,
and reports findings with severity, evidence, the exact file line, and the SOC 2, ISO/IEC 27001:2022,
HIPAA and PCI DSS v4.0.1 controls they evidence.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it, or a rule that failed to
evaluate (an error result, whatever --fail-on says); 2 the run could not be done (bad flags,
unreadable or invalid input, a rule that does not compile).`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &usageError{fmt.Errorf("--log-level: %q is not one of debug, info, warn, error", logLevel)}
			}
			cmd.SetContext(withLogger(cmd.Context(), slog.New(newDiagHandler(s.Err, level))))
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", "warn", "diagnostics on stderr: debug, info, warn or error")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(
		newCheckCmd(s, nil),
		newTestCmd(s, nil),
		newRulesCmd(s),
		newFrameworksCmd(s),
		newCollectCmd(s, nil),
		newAlertsCmd(s, nil),
		newExplainCmd(s, nil),
		newDiffCmd(s, nil),
		newVersionCmd(s, nil),
		newReportCmd(s, nil),
		newKeygenCmd(s, nil),
		newVerifyCmd(s, nil),
	)
	return root
}

type loggerKey struct{}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

func loggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// severityFlag validates a --fail-on value.
func severityFlag(name, value string) (finding.Severity, error) {
	sev, err := finding.ParseSeverity(value)
	if err != nil {
		return "", &usageError{fmt.Errorf("--%s: %w", name, err)}
	}
	return sev, nil
}
