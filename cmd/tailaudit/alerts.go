package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/events"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/output"
)

type alertsOptions struct {
	IO       *iostreams
	Rules    ruleSource
	Events   []string // files, directories or "-"
	Snapshot string   // the latest snapshot, as input.tailnet
	Before   string   // --before and --after: two snapshots for the drift rules
	After    string
	SkipBad  bool
	FailOn   string
	Formats  []string // format or format=path
}

// maxReportedSkips is how many skipped entries --skip-bad lists on stderr; the rest are counted.
const maxReportedSkips = 10

func newAlertsCmd(s *iostreams, runF func(context.Context, *alertsOptions) error) *cobra.Command {
	opts := &alertsOptions{IO: s}
	if runF == nil {
		runF = runAlerts
	}
	cmd := &cobra.Command{
		Use:   "alerts --events FILE... [--snapshot SNAP] [--before OLD --after NEW]",
		Short: "Judge audit and flow log events, and snapshot drift, with the alert rules",
		Long: `Read Tailscale configuration audit log and network flow log events and judge each with the alert
rules (tailaudit.alerts.*): the built-in pack and any custom rules. Events may come as the API's
response, one entry per line (what 'tailaudit collect --events-since' writes), a JSON array, the
log-streaming envelope, or Datadog's attributes; from files, directories, gzipped (.gz) or - for stdin.
With --snapshot, rules also see the tailnet as input.tailnet; with --before and --after, the drift
rules (tailaudit.alerts.drift_*) judge what changed between two snapshots.

Each alert has a stable id (rule, dedup key and window start), so that a re-send is recognisable.
A bad entry stops the run with its file:line or JSON pointer (exit 2); --skip-bad counts, reports
and skips it instead.

Outputs: -f FORMAT on stdout, -f FORMAT=FILE to a file (written atomically). Formats: ` + strings.Join(output.AlertFormats(), ", ") + `.

Exit codes: 0 no alert at or above --fail-on; 1 alerts at or above it; 2 the run could not be done.`,
		Example: `  # The audit log collect wrote, with the snapshot
  tailaudit alerts --events audit.jsonl --snapshot snapshot.json

  # Elastic Common Schema documents for a log shipper, failing on critical alerts only
  tailaudit alerts --events logs/ -f ecs=alerts.ndjson --fail-on critical

  # What changed between yesterday's and today's snapshots
  tailaudit alerts --before yesterday.json --after today.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Events = append(opts.Events, args...)
			if (opts.Before == "") != (opts.After == "") {
				return &usageError{fmt.Errorf("--before and --after go together: the two snapshots to compare")}
			}
			if len(opts.Events) == 0 && opts.Before == "" {
				return &usageError{fmt.Errorf("alerts needs events (--events FILE) or two snapshots (--before OLD --after NEW)")}
			}
			return runF(cmd.Context(), opts)
		},
	}
	opts.Formats = []string{"text"}
	cmd.Flags().VarP(&alertTargets{specs: &opts.Formats}, "format", "f", "output `FORMAT[=FILE]` (repeatable): "+strings.Join(output.AlertFormats(), ", "))
	cmd.Flags().StringArrayVar(&opts.Events, "events", nil, "audit or flow log `FILE`, directory, or - for stdin (repeatable)")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE`, as input.tailnet")
	cmd.Flags().StringVar(&opts.Before, "before", "", "the older snapshot `FILE` of a drift comparison")
	cmd.Flags().StringVar(&opts.After, "after", "", "the newer snapshot `FILE` of a drift comparison")
	cmd.Flags().BoolVar(&opts.SkipBad, "skip-bad", false, "count, report and skip entries that cannot be read, instead of stopping")
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "high", "exit 1 when an alert is at or above this `SEVERITY`")
	opts.Rules.addFlags(cmd)
	return cmd
}

// alertTargets is alerts' repeatable -f FORMAT[=FILE]; the first one given replaces the default.
type alertTargets struct {
	specs *[]string
	set   bool
}

func (v *alertTargets) String() string { return strings.Join(*v.specs, ",") }

func (v *alertTargets) Type() string { return "format" }

func (v *alertTargets) Set(s string) error {
	if _, err := output.ParseAlertTarget(s); err != nil {
		return err
	}
	if !v.set {
		*v.specs, v.set = nil, true
	}
	*v.specs = append(*v.specs, s)
	return nil
}

func runAlerts(ctx context.Context, opts *alertsOptions) error {
	s := opts.IO
	failOn, err := severityFlag("fail-on", opts.FailOn)
	if err != nil {
		return err
	}
	var targets []output.Target
	for _, spec := range opts.Formats {
		t, err := output.ParseAlertTarget(spec)
		if err != nil {
			return &usageError{fmt.Errorf("--format: %w", err)}
		}
		targets = append(targets, t)
	}
	if err := output.CheckTargets(targets, append([]string{opts.Snapshot, opts.Before, opts.After}, opts.Events...)); err != nil {
		return &usageError{err}
	}
	cfg, eng, err := opts.Rules.engine(ctx, s)
	if err != nil {
		return err
	}
	in := engine.AlertInput{Params: cfg.Params, Now: s.now()}
	if opts.Snapshot != "" {
		if in.Tailnet, _, err = inputs.Snapshot(opts.Snapshot); err != nil {
			return err
		}
	}
	stream, err := eng.Alerts(in)
	if err != nil {
		return err
	}
	var alerts []finding.Alert
	if len(opts.Events) > 0 {
		st, err := events.Read(opts.Events, events.Options{Stdin: s.In, SkipBad: opts.SkipBad}, func(ev *events.Event) error {
			as, err := stream.Add(ctx, &engine.Event{Time: ev.Time, Doc: ev.Doc, File: ev.File, Line: ev.Line, Pointer: ev.Pointer})
			alerts = append(alerts, as...)
			return err
		})
		if err != nil {
			return err
		}
		if st.Skipped > 0 {
			fmt.Fprintf(s.Err, "tailaudit: skipped %d bad log entries (--skip-bad):\n", st.Skipped)
			for _, e := range st.Errors[:min(len(st.Errors), maxReportedSkips)] {
				fmt.Fprintf(s.Err, "  %s\n", e)
			}
			if st.Skipped > maxReportedSkips {
				fmt.Fprintf(s.Err, "  and %d more\n", st.Skipped-maxReportedSkips)
			}
		}
	}
	if opts.Before != "" {
		var before, after *tailnet.Snapshot
		if before, _, err = inputs.Snapshot(opts.Before); err != nil {
			return err
		}
		if after, _, err = inputs.Snapshot(opts.After); err != nil {
			return err
		}
		drift, err := stream.Drift(ctx, before, after)
		if err != nil {
			return err
		}
		alerts = append(alerts, drift...)
	}
	if err := output.WriteAlerts(ctx, targets, alerts, s.Out); err != nil {
		return err
	}
	for _, a := range alerts {
		if a.Severity.AtLeast(failOn) {
			return &exitError{Code: 1}
		}
	}
	return nil
}
