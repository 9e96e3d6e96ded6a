package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/alertstate"
	"github.com/tailaudit/tailaudit/internal/events"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/output"
	"github.com/tailaudit/tailaudit/internal/sink"
)

type alertsOptions struct {
	IO       *iostreams
	Rules    ruleSource
	Events   []string // files, directories or "-"
	Snapshot string   // the latest snapshot, as input.tailnet
	Policy   string   // the current policy file, as input.policy; default the snapshot's
	Before   string   // --before and --after: two snapshots for the drift rules
	After    string
	SkipBad  bool
	FailOn   string
	Formats  []string // format or format=path

	State     string        // --state DIR: cursor, memory and outbox across runs
	StateWait time.Duration // how long to wait for another run holding the state
	Sinks     []string      // --sink SPEC: where alerts are delivered through the outbox
	RetryOnly bool          // deliver the outbox, read no events
	Status    bool          // print the state and exit
	StdinName string        // --stdin-name: the cursor of --events - is "-:NAME", not "-"

	read   func(events.Stats) // when set, given what the run read of the events (for tests)
	judged func()             // when set, called once every alert is written, before the outputs end (for tests)
}

// maxReportedSkips is how many skipped entries --skip-bad lists on stderr; the rest are counted.
const maxReportedSkips = 10

func newAlertsCmd(s *iostreams, runF func(context.Context, *alertsOptions) error) *cobra.Command {
	opts := &alertsOptions{IO: s}
	if runF == nil {
		runF = runAlerts
	}
	cmd := &cobra.Command{
		Use:   "alerts --events FILE... [--snapshot SNAP] [--policy FILE] [--before OLD --after NEW]",
		Short: "Judge audit and flow log events, and snapshot drift, with the alert rules",
		Long: `Read Tailscale configuration audit log and network flow log events and judge each with the alert
rules (tailaudit.alerts.*): the built-in pack and any custom rules. Events may come as the API's
response, one entry per line (what 'tailaudit collect --events-since' writes), a JSON array, the
log-streaming envelope, or Datadog's attributes; from files, directories, gzipped (.gz) or - for stdin.
With --snapshot, rules also see the tailnet as input.tailnet, and the policy file stored in it as
input.policy unless --policy names the current policy file; with --before and --after, the drift
rules (tailaudit.alerts.drift_*) judge what changed between two snapshots.

Each alert has a stable id (rule, dedup key and window start), so that a re-send is recognisable.
A bad entry stops the run with its file:line or JSON pointer (exit 2); --skip-bad counts, reports
and skips it instead.

Outputs: -f FORMAT on stdout, -f FORMAT=FILE to a file (written atomically). Formats: ` + strings.Join(output.AlertFormats(), ", ") + `.

With --state DIR, runs remember what they judged (a scheduled run judges each event once): a
cursor per source, the suppression memory, the actors seen (input.first), the events a later
window needs, and an outbox. With --sink SPEC (repeatable), each new alert is put in the outbox
before any sink is tried and leaves it only when the sink acknowledged it; a run first retries
what earlier runs could not deliver, with backoff and the sink's Retry-After. A file unchanged
since the last run (same size and SHA-256) is not decoded, and a JSONL file that grew is read from
where the last run stopped; a run with nothing new and no --before loads no rules, so it does not
report a broken rule. An event older than its source's cursor that appears later (written after
newer ones) is not judged; when it is in the part of a file added since the last run, it is
counted, a stderr line names the source and the first such line, and --status shows the total.
Stdin has one cursor, "-", shared by every pipeline that feeds --events - into one state: give
each pipeline its own with --stdin-name NAME (letters, digits, '.', '_', '-').
Sinks: ` + strings.Join(sink.Kinds(), ", ") + `.
--retry-only delivers the outbox and reads no events; --status prints the cursors, the outbox and
the suppression memory. Secrets come from the environment and are never stored.

Exit codes: 0 no alert at or above --fail-on; 1 alerts at or above it; 2 the run could not be done,
or a sink has failed ` + strconv.Itoa(alertstate.FailingAfter) + ` times or more for an alert (which stays in the outbox).`,
		Example: `  # The audit log collect wrote, with the snapshot
  tailaudit alerts --events audit.jsonl --snapshot snapshot.json

  # Elastic Common Schema documents for a log shipper, failing on critical alerts only
  tailaudit alerts --events logs/ -f ecs=alerts.ndjson --fail-on critical

  # What changed between yesterday's and today's snapshots
  tailaudit alerts --before yesterday.json --after today.json

  # Every five minutes from cron: new events only, delivered at least once
  tailaudit alerts --state /var/lib/tailaudit --events /var/log/tailscale/audit.jsonl --sink slack=https://hooks.slack.com/services/...

  # What the state holds
  tailaudit alerts --state /var/lib/tailaudit --status`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Events = append(opts.Events, args...)
			if (opts.Before == "") != (opts.After == "") {
				return &usageError{fmt.Errorf("--before and --after go together: the two snapshots to compare")}
			}
			if opts.Policy == inputs.Stdin && slices.Contains(opts.Events, inputs.Stdin) {
				return &usageError{fmt.Errorf("--policy - and --events - both read stdin: give one of them a file")}
			}
			if opts.State == "" {
				for flag, set := range map[string]bool{"--sink": len(opts.Sinks) > 0, "--retry-only": opts.RetryOnly, "--status": opts.Status} {
					if set {
						return &usageError{fmt.Errorf("%s needs --state DIR: the outbox and the cursors live there", flag)}
					}
				}
			}
			if opts.StdinName != "" {
				if err := checkStdinName(opts); err != nil {
					return &usageError{err}
				}
			}
			if opts.RetryOnly && len(opts.Sinks) == 0 {
				return &usageError{fmt.Errorf("--retry-only needs the --sink specs to deliver to (their secrets are not stored)")}
			}
			if opts.Status && (opts.RetryOnly || len(opts.Events) > 0 || opts.Before != "") {
				return &usageError{fmt.Errorf("--status prints the state only: give it no events, snapshots or --retry-only")}
			}
			if opts.RetryOnly && (len(opts.Events) > 0 || opts.Before != "") {
				return &usageError{fmt.Errorf("--retry-only reads no events or snapshots")}
			}
			if len(opts.Events) == 0 && opts.Before == "" && !opts.Status && !opts.RetryOnly {
				return &usageError{fmt.Errorf("alerts needs events (--events FILE) or two snapshots (--before OLD --after NEW)")}
			}
			if len(opts.Sinks) > 0 && !cmd.Flags().Changed("format") {
				opts.Formats = nil // the sinks are the output unless -f asks for more
			}
			return runF(cmd.Context(), opts)
		},
	}
	opts.Formats = []string{"text"}
	cmd.Flags().VarP(&alertTargets{specs: &opts.Formats}, "format", "f", "output `FORMAT[=FILE]` (repeatable): "+strings.Join(output.AlertFormats(), ", "))
	cmd.Flags().StringArrayVar(&opts.Events, "events", nil, "audit or flow log `FILE`, directory, or - for stdin (repeatable)")
	cmd.Flags().StringVar(&opts.Snapshot, "snapshot", "", "tailnet snapshot `FILE`, as input.tailnet")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "the current policy `FILE`, as input.policy (default: the policy stored in --snapshot)")
	cmd.Flags().StringVar(&opts.Before, "before", "", "the older snapshot `FILE` of a drift comparison")
	cmd.Flags().StringVar(&opts.After, "after", "", "the newer snapshot `FILE` of a drift comparison")
	cmd.Flags().BoolVar(&opts.SkipBad, "skip-bad", false, "count, report and skip entries that cannot be read, instead of stopping")
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "high", "exit 1 when an alert is at or above this `SEVERITY`")
	cmd.Flags().StringVar(&opts.State, "state", "", "state `DIR`: cursors, suppression and first-seen memory, and the outbox, across runs")
	cmd.Flags().DurationVar(&opts.StateWait, "state-wait", 30*time.Second, "how long to wait for another run holding the state before giving up (0: not at all)")
	cmd.Flags().StringArrayVar(&opts.Sinks, "sink", nil, "deliver alerts to `SPEC` (repeatable): "+strings.Join(sink.Kinds(), ", ")+", as kind=URL")
	cmd.Flags().BoolVar(&opts.RetryOnly, "retry-only", false, "deliver what waits in the outbox, reading no events")
	cmd.Flags().StringVar(&opts.StdinName, "stdin-name", "", "give --events - a cursor of its own in --state, named `NAME` (default: one cursor, -, for every stdin feed)")
	cmd.Flags().BoolVar(&opts.Status, "status", false, "print the cursors, the outbox and the suppression memory of --state, and exit")
	opts.Rules.addFlags(cmd)
	cmd.AddCommand(newAlertsTemplatesCmd(s, nil))
	return cmd
}

// checkStdinName refuses a --stdin-name that names nothing: without --state or --events -, or
// with characters that would make the cursor's name hard to read in --status.
func checkStdinName(opts *alertsOptions) error {
	switch {
	case opts.State == "":
		return fmt.Errorf("--stdin-name needs --state DIR: it names the cursor of --events - there")
	case !slices.Contains(opts.Events, inputs.Stdin):
		return fmt.Errorf("--stdin-name names the cursor of --events -, and no --events - is given")
	}
	for _, r := range opts.StdinName {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("--stdin-name %q: use letters, digits, '.', '_' and '-' only", opts.StdinName)
		}
	}
	return nil
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
	if opts.Status {
		return runAlertsStatus(opts)
	}
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
	if err := output.CheckTargets(targets, append([]string{opts.Snapshot, opts.Policy, opts.Before, opts.After}, opts.Events...)); err != nil {
		return &usageError{err}
	}
	sinks, err := parseSinks(opts)
	if err != nil {
		return err
	}
	var st *alertstate.Store
	if opts.State != "" {
		if st, err = alertstate.Open(opts.State, opts.StateWait, false); err != nil {
			return err
		}
		defer st.Close()
	}
	// What earlier runs could not deliver goes first, so that an outage's backlog is not held up
	// behind new alerts; a sink that fails now is not tried again in this run.
	down := map[string]bool{}
	var passes []alertstate.Pass
	if len(sinks) > 0 {
		p, err := st.Deliver(ctx, sinks, s.now, down)
		passes = append(passes, p...)
		if err != nil {
			return err
		}
	}
	failed := false
	if !opts.RetryOnly {
		if err := writeAlerts(ctx, opts, st, sinks, targets, func(a *finding.Alert) { failed = failed || a.Severity.AtLeast(failOn) }); err != nil {
			return err
		}
		if len(sinks) > 0 {
			p, err := st.Deliver(ctx, sinks, s.now, down)
			passes = append(passes, p...)
			if err != nil {
				return err
			}
		}
	}
	if st != nil && len(sinks) > 0 {
		if err := reportDelivery(s, st, sinks, passes); err != nil {
			return err
		}
	}
	if failed {
		return &exitError{Code: 1}
	}
	return nil
}

// writeAlerts judges the events and snapshots and writes each new alert to the outputs as it is
// raised, holding none of them: with a state, alerts go through a stage, which queues them in
// batches (for the sinks, and as raised) and hands on those not raised before. Outputs are put in
// place only after the state has committed the run; a run that fails leaves the outputs as they
// were and takes back what its stage queued. seen is given every alert written.
func writeAlerts(ctx context.Context, opts *alertsOptions, st *alertstate.Store, sinks []sink.Sink, targets []output.Target, seen func(*finding.Alert)) (err error) {
	s := opts.IO
	out, err := output.NewAlertWriter(ctx, targets, s.Out)
	if err != nil {
		return err
	}
	defer out.Discard()
	write := func(a *finding.Alert) error {
		seen(a)
		return out.Write(a)
	}
	add := write
	var stage *alertstate.Stage
	if st != nil {
		var names []string
		for _, sk := range sinks {
			names = append(names, sk.Name())
		}
		stage = st.Stage(s.now(), names, write)
		add = func(a *finding.Alert) error { return stage.Add(*a) }
		defer func() {
			if err != nil {
				// What is left staged after a failed abort is removed when the state is next opened.
				_ = stage.Abort()
			}
		}()
	}
	commit, err := judgeAlerts(ctx, opts, st, stage, add)
	if err != nil {
		return err
	}
	if stage != nil {
		if err := stage.Flush(); err != nil {
			return err
		}
	}
	if opts.judged != nil {
		opts.judged()
	}
	if err := out.Finish(); err != nil {
		return err
	}
	if commit != nil {
		if err := commit(); err != nil {
			return err
		}
	}
	return out.Commit()
}

// parseSinks builds the --sink sinks; two with one name would share outbox entries, so they are
// refused.
func parseSinks(opts *alertsOptions) ([]sink.Sink, error) {
	s := opts.IO
	client := &http.Client{Transport: s.Transport, Timeout: time.Minute}
	var out []sink.Sink
	names := map[string]bool{}
	for _, spec := range opts.Sinks {
		sk, err := sink.Parse(spec, s.env, client, s.Out)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--sink: %w", err)}
		}
		if names[sk.Name()] {
			return nil, &usageError{fmt.Errorf("--sink: %s is given twice", sk.Name())}
		}
		names[sk.Name()] = true
		out = append(out, sk)
	}
	return out, nil
}

// judgeAlerts reads the events and snapshots, judges them and gives add every alert raised. With
// a state, only events past each source's cursor are judged, the windows start with the events
// earlier runs held, and suppression and first-seen memory carry over; the alerts go to stage,
// and judgeAlerts returns the commit that records the run in one transaction, moving the cursors
// and making what the stage queued live (nil when there is nothing to record).
func judgeAlerts(ctx context.Context, opts *alertsOptions, st *alertstate.Store, stage *alertstate.Stage, add func(*finding.Alert) error) (func() error, error) {
	s := opts.IO
	var (
		cursors map[string]alertstate.Cursor
		history []alertstate.Event
		err     error
	)
	if st != nil {
		if cursors, err = st.Cursors(); err != nil {
			return nil, err
		}
		// Nothing new in any source and no drift to judge: the rules are not even loaded.
		if same, err := unchangedSources(s, opts, cursors); err != nil || same {
			if same && opts.read != nil {
				opts.read(events.Stats{Unchanged: len(opts.Events)})
			}
			return nil, err
		}
	}
	cfg, eng, err := opts.Rules.engine(ctx, s)
	if err != nil {
		return nil, err
	}
	in := engine.AlertInput{Params: cfg.Params, Now: s.now()}
	if opts.Snapshot != "" {
		if in.Tailnet, _, err = inputs.Snapshot(opts.Snapshot); err != nil {
			return nil, err
		}
	}
	switch {
	case opts.Policy != "":
		if in.Policy, _, err = inputs.Policy(opts.Policy, s.In); err != nil {
			return nil, err
		}
	case in.Tailnet != nil:
		// Without it, the rules that read the policy stay silent; the snapshot's may be absent.
		in.Policy, _ = inputs.SnapshotPolicy(in.Tailnet)
	}
	if st != nil {
		if in.Suppressed, err = suppressions(st); err != nil {
			return nil, err
		}
		actors, err := st.Actors()
		if err != nil {
			return nil, err
		}
		in.Seen = func(a string) bool { _, ok := actors[a]; return ok }
		// An empty memory would make every actor new: this run records them, alerting on none.
		in.Baseline = len(actors) == 0
		if history, err = st.History(); err != nil {
			return nil, err
		}
	}
	stream, err := eng.Alerts(in)
	if err != nil {
		return nil, err
	}
	for _, h := range history {
		if err := stream.Remember(&engine.Event{Time: h.Time, Doc: h.Doc, File: h.File, Line: h.Line, Pointer: h.Pointer}); err != nil {
			return nil, fmt.Errorf("state %s: %w", opts.State, err)
		}
	}
	moved := map[string]alertstate.Cursor{}
	judged := 0
	var total events.Stats
	var late []lateEvents
	for _, path := range opts.Events {
		src := sourceKey(s, path, opts.StdinName)
		cur, next := cursors[src], cursors[src]
		// The matching and the conversion to Rego of the events decoded while Add is behind run on
		// the decoding goroutine; Add does them for the others.
		prep := stream.Preparer()
		eopts := events.Options{Stdin: s.In, SkipBad: opts.SkipBad, Prepare: func(ev *events.Event) any { return prep.Prepare(ev.Doc) }}
		if st != nil {
			eopts.Marks = eventMarks(cur)
		}
		older := olderEvents{}
		var file *olderFile
		stats, err := events.Read([]string{path}, eopts, func(ev *events.Event) error {
			if st != nil {
				if file == nil || file.name != ev.File {
					if file = older[ev.File]; file == nil {
						file = &olderFile{name: ev.File, firstLine: ev.Line}
						older[ev.File] = file
					}
				}
				d, err := alertstate.Digest(ev.Doc)
				if err != nil {
					return err
				}
				if cur.Past(ev.Time, d) {
					if cur.Older(ev.Time) {
						if file.n == 0 {
							file.firstOlder = ev.Line
						}
						file.n++
					}
					return nil
				}
				next.Advance(ev.Time, d)
			}
			judged++
			prepared, _ := ev.Prepared.(*engine.Prepared)
			as, err := stream.Add(ctx, &engine.Event{Time: ev.Time, Doc: ev.Doc, File: ev.File, Line: ev.Line, Pointer: ev.Pointer, Prepared: prepared})
			if err != nil {
				return err
			}
			for i := range as {
				if err := add(&as[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if st != nil {
			next.Files = fileMarks(stats.Marks)
			if l := older.late(src, cur); l.n > 0 {
				next.Late += l.n
				l.total = next.Late
				late = append(late, l)
			}
		}
		if next.Judged != cur.Judged || next.Late != cur.Late || !sameMarks(cur.Files, next.Files) {
			moved[src] = next
		}
		total.Audit += stats.Audit
		total.Flow += stats.Flow
		total.Unchanged += stats.Unchanged
		total.Resumed += stats.Resumed
		total.Skipped += stats.Skipped
		total.Errors = append(total.Errors, stats.Errors...)
	}
	if opts.read != nil {
		opts.read(total)
	}
	if total.Skipped > 0 {
		fmt.Fprintf(s.Err, "tailaudit: skipped %d bad log entries (--skip-bad):\n", total.Skipped)
		for _, e := range total.Errors[:min(len(total.Errors), maxReportedSkips)] {
			fmt.Fprintf(s.Err, "  %s\n", e)
		}
		if total.Skipped > maxReportedSkips {
			fmt.Fprintf(s.Err, "  and %d more\n", total.Skipped-maxReportedSkips)
		}
	}
	if opts.Before != "" {
		var before, after *tailnet.Snapshot
		if before, _, err = inputs.Snapshot(opts.Before); err != nil {
			return nil, err
		}
		if after, _, err = inputs.Snapshot(opts.After); err != nil {
			return nil, err
		}
		drift, err := stream.Drift(ctx, before, after)
		if err != nil {
			return nil, err
		}
		for i := range drift {
			if err := add(&drift[i]); err != nil {
				return nil, err
			}
		}
	}
	if st == nil {
		return nil, nil
	}
	if judged == 0 && stage.Added() == 0 {
		// Nothing new: only the file marks, if they moved (a file rewritten with old events), and
		// the count of late events.
		if len(moved) > 0 {
			return func() error {
				if err := st.PutCursors(s.now(), moved); err != nil {
					return err
				}
				reportLate(s, late)
				return nil
			}, nil
		}
		return nil, nil
	}
	run := alertstate.Run{Now: s.now(), Cursors: moved, Actors: stream.NewActors(), Stage: stage}
	for _, sup := range stream.Suppressions() {
		run.Suppressed = append(run.Suppressed, alertstate.Suppression{Rule: sup.Rule, Dedup: sup.Dedup, Until: sup.Until})
	}
	for _, ev := range stream.Held() {
		run.History = append(run.History, alertstate.Event{Time: ev.Time, Doc: ev.Doc, File: ev.File, Line: ev.Line, Pointer: ev.Pointer})
	}
	if !in.Baseline || len(run.Actors) == 0 {
		return func() error {
			if err := st.Commit(run); err != nil {
				return err
			}
			reportLate(s, late)
			return nil
		}, nil
	}
	return func() error {
		if err := st.Commit(run); err != nil {
			return err
		}
		reportLate(s, late)
		fmt.Fprintf(s.Err, "tailaudit: the first-seen memory in %s was empty: this run recorded %d actors as its baseline and raised no first-seen alerts (TA-ALERT-029); later runs alert on actors not among them\n", opts.State, len(run.Actors))
		return nil
	}, nil
}

// olderEvents counts, by file, the events of one source that were older than its cursor and so not
// judged.
type olderEvents map[string]*olderFile

type olderFile struct {
	name       string
	firstLine  int   // the line of the first event read from the file
	n          int64 // events older than the cursor
	firstOlder int   // the line of the first of them
}

// lateEvents are the events of one source a run found late and did not judge.
type lateEvents struct {
	source string
	n      int64
	total  int64 // over all runs, as the cursor records
	newest time.Time
	file   string
	line   int // the first late event, in file
}

// late counts the events older than the cursor that the source's earlier runs cannot have read:
// those in the part of a file added since its mark, which is read from the mark on, so that its
// first event comes after the mark's lines. Events older than the cursor in a file read whole, or
// on stdin, cannot be told from events read before: they are not counted.
func (o olderEvents) late(src string, cur alertstate.Cursor) lateEvents {
	l := lateEvents{source: src, newest: cur.Time}
	for _, name := range slices.Sorted(maps.Keys(o)) {
		f := o[name]
		m, ok := cur.Files[name]
		if f.n == 0 || !ok || !m.Resume || f.firstLine <= m.Lines {
			continue
		}
		if l.n == 0 {
			l.file, l.line = name, f.firstOlder
		}
		l.n += f.n
	}
	return l
}

// reportLate says on stderr, a line per source, which events a run did not judge because they
// were older than the cursor, and what to do about them.
func reportLate(s *iostreams, late []lateEvents) {
	for _, l := range late {
		fmt.Fprintf(s.Err, "tailaudit: %s: %s older than the cursor (newest judged %s), not judged: written after newer events (a late log shipper?), the first at %s:%d; to judge them, run tailaudit alerts on them without --state; %d late in all (--status)\n",
			l.source, plural(int(l.n), "event"), stampText(l.newest), l.file, l.line, l.total)
	}
}

// unchangedSources reports whether the run has nothing to judge: no drift comparison, and every
// file of every source still of the size and digest its cursor's mark recorded.
func unchangedSources(s *iostreams, opts *alertsOptions, cursors map[string]alertstate.Cursor) (bool, error) {
	if opts.Before != "" {
		return false, nil
	}
	for _, path := range opts.Events {
		same, err := events.Unchanged([]string{path}, eventMarks(cursors[sourceKey(s, path, opts.StdinName)]))
		if err != nil || !same {
			return false, err
		}
	}
	return true, nil
}

// eventMarks are a cursor's file marks for events.Read; never nil, so that the read records them.
func eventMarks(c alertstate.Cursor) map[string]events.Mark {
	out := make(map[string]events.Mark, len(c.Files))
	for name, m := range c.Files {
		out[name] = events.Mark(m)
	}
	return out
}

func fileMarks(marks map[string]events.Mark) map[string]alertstate.FileMark {
	if len(marks) == 0 {
		return nil
	}
	out := make(map[string]alertstate.FileMark, len(marks))
	for name, m := range marks {
		out[name] = alertstate.FileMark(m)
	}
	return out
}

func sameMarks(a, b map[string]alertstate.FileMark) bool {
	return maps.EqualFunc(a, b, func(x, y alertstate.FileMark) bool {
		return x.Size == y.Size && x.SHA256 == y.SHA256 && x.Lines == y.Lines && x.Resume == y.Resume && x.ModTime.Equal(y.ModTime)
	})
}

func suppressions(st *alertstate.Store) ([]engine.Suppression, error) {
	list, err := st.Suppressions()
	if err != nil {
		return nil, err
	}
	out := make([]engine.Suppression, len(list))
	for i, sup := range list {
		out[i] = engine.Suppression{Rule: sup.Rule, Dedup: sup.Dedup, Until: sup.Until}
	}
	return out, nil
}

// sourceKey names an --events argument for its cursor: "-" for stdin, or "-:NAME" when
// --stdin-name names it, else its absolute path, so that a cron job gets the same cursor whatever
// its working directory.
func sourceKey(s *iostreams, path, stdinName string) string {
	if path == "-" {
		if stdinName != "" {
			return path + ":" + stdinName
		}
		return path
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.workDir(), path)
	}
	return filepath.Clean(path)
}

// reportDelivery says on stderr what did not reach its sink: a line per sink that failed in this
// run or has alerts waiting, and an error (exit 2) when a sink has failed FailingAfter times or
// more for an alert. Alerts queued for a sink this run was not given are pointed out too.
func reportDelivery(s *iostreams, st *alertstate.Store, sinks []sink.Sink, passes []alertstate.Pass) error {
	pending, err := st.Pending()
	if err != nil {
		return err
	}
	given := map[string]bool{}
	for _, sk := range sinks {
		given[sk.Name()] = true
	}
	failedNow := map[string]alertstate.Pass{}
	for _, p := range passes {
		if p.Failed > 0 {
			q := failedNow[p.Sink]
			q.Failed += p.Failed
			q.LastError = p.LastError
			failedNow[p.Sink] = q
		}
	}
	var failing []string
	for _, p := range pending {
		switch {
		case !given[p.Sink]:
			fmt.Fprintf(s.Err, "tailaudit: %d alerts wait in the outbox for %s, which this run was not given\n", p.Items, p.Sink)
		case p.Failing > 0:
			failing = append(failing, p.Sink)
			fmt.Fprintf(s.Err, "tailaudit: %s is failing: %d alerts failed %d times or more and stay in the outbox (%d waiting; last error: %s)\n",
				p.Sink, p.Failing, alertstate.FailingAfter, p.Items, p.LastError)
		case failedNow[p.Sink].Failed > 0:
			fmt.Fprintf(s.Err, "tailaudit: %s: %d delivery attempts failed; %d alerts wait in the outbox, due from %s (last error: %s)\n",
				p.Sink, failedNow[p.Sink].Failed, p.Items, p.NextTry.UTC().Format(time.RFC3339), failedNow[p.Sink].LastError)
		}
	}
	if len(failing) > 0 {
		return &exitError{Code: 2, Err: fmt.Errorf("alerts could not be delivered to %s; see tailaudit alerts --state %s --status", strings.Join(failing, ", "), st.Dir())}
	}
	return nil
}
