package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
	"github.com/tailaudit/tailaudit/internal/collect"
)

type collectOptions struct {
	IO          *iostreams
	Output      string
	Tailnet     string
	BaseURL     string
	EventsSince string
	EventsOut   string
}

func newCollectCmd(s *iostreams, runF func(context.Context, *collectOptions) error) *cobra.Command {
	opts := &collectOptions{IO: s}
	if runF == nil {
		runF = runCollect
	}
	cmd := &cobra.Command{
		Use:   "collect -o snapshot.json",
		Short: "Write a read-only snapshot of a tailnet from the Tailscale API",
		Long: `Read a tailnet's devices, users, keys, settings, DNS, policy file, log streaming, webhooks,
posture integrations and contacts from the Tailscale API, and write them as one snapshot for
'tailaudit check --snapshot'. Nothing is changed in the tailnet.

Credentials come from the environment, named as the Tailscale Terraform provider names them:
  TAILSCALE_API_KEY                                        an API access token, or
  TAILSCALE_OAUTH_CLIENT_ID + TAILSCALE_OAUTH_CLIENT_SECRET  an OAuth client (read scopes suffice)
  TAILSCALE_TAILNET                                        the tailnet (default "-": the credential's own)
  TAILSCALE_BASE_URL                                       the API server (default https://api.tailscale.com)

An endpoint the credential may not read (HTTP 403) is recorded in the snapshot's collection.errors,
and the rules that need it report "not assessed"; the rest is still collected. Secrets (key
material, webhook secrets, tokens) are never written.`,
		Example: `  # Snapshot the tailnet of an OAuth client
  TAILSCALE_OAUTH_CLIENT_ID=... TAILSCALE_OAUTH_CLIENT_SECRET=... tailaudit collect -o snapshot.json

  # With the last week of configuration audit and network flow logs
  tailaudit collect -o snapshot.json --events-since 7d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "snapshot `FILE` to write (atomically); - for stdout")
	cmd.Flags().StringVar(&opts.Tailnet, "tailnet", "", "tailnet name (default $TAILSCALE_TAILNET or \"-\")")
	cmd.Flags().StringVar(&opts.BaseURL, "base-url", "", "API server (default $TAILSCALE_BASE_URL or https://api.tailscale.com)")
	cmd.Flags().StringVar(&opts.EventsSince, "events-since", "", "also collect audit and flow logs from this long ago, e.g. 7d, 36h")
	cmd.Flags().StringVar(&opts.EventsOut, "events-out", "", "JSONL `FILE` for the logs (default: beside the snapshot, <name>.events.jsonl)")
	return cmd
}

func runCollect(ctx context.Context, opts *collectOptions) error {
	s := opts.IO
	if opts.Output == "" {
		return &usageError{fmt.Errorf("collect needs -o FILE (or -o - for stdout)")}
	}
	copts, err := collect.OptionsFromEnv(s.env)
	if err != nil {
		return err
	}
	if opts.Tailnet != "" {
		copts.Tailnet = opts.Tailnet
	}
	if opts.BaseURL != "" {
		copts.BaseURL = opts.BaseURL
	}
	if opts.EventsSince != "" {
		if copts.EventsSince, err = parseSince(opts.EventsSince); err != nil {
			return &usageError{fmt.Errorf("--events-since: %w", err)}
		}
	}
	eventsOut := eventsPath(opts)
	if copts.EventsSince != 0 && opts.Output != "-" && atomicfile.SameFile(opts.Output, eventsOut) {
		return &usageError{fmt.Errorf("-o %s and --events-out %s are the same file; the events would replace the snapshot", opts.Output, eventsOut)}
	}
	copts.Version = version()
	copts.Clock = s.now
	copts.Logger = loggerFrom(ctx)
	if s.ErrTTY {
		copts.Progress = s.Err
	}
	snap, events, err := collect.Run(ctx, copts)
	if err != nil {
		return err
	}
	for _, e := range snap.Errors() {
		warnCollection(s, e)
	}
	if opts.Output == "-" {
		if err := snap.Encode(s.Out); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	} else if err := snap.Write(opts.Output); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if events == nil || copts.EventsSince == 0 {
		return nil
	}
	for _, e := range events.Errors {
		warnCollection(s, e)
	}
	if err := events.WriteJSONL(eventsOut); err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	fmt.Fprintf(s.Err, "tailaudit: wrote %d configuration and %d network log entries to %s\n", len(events.Configuration), len(events.Network), eventsOut)
	return nil
}

// eventsPath is where collect writes the logs: --events-out, or beside the snapshot as
// <name>.events.jsonl.
func eventsPath(opts *collectOptions) string {
	if opts.EventsOut != "" {
		return opts.EventsOut
	}
	base := opts.Output
	if base == "-" {
		base = "snapshot.json"
	}
	return strings.TrimSuffix(base, filepath.Ext(base)) + ".events.jsonl"
}

// warnCollection prints a collection error: an endpoint that was not collected, or a value (its
// message starts with the value's JSON pointer) that was collected but does not match the schema.
func warnCollection(s *iostreams, e tailnet.CollectionError) {
	if strings.HasPrefix(e.Message, "/") && e.Status == 0 {
		fmt.Fprintf(s.Err, "tailaudit: warning: unexpected value: %s\n", e)
		return
	}
	fmt.Fprintf(s.Err, "tailaudit: warning: not collected: %s\n", e)
}

// parseSince reads a look-back period: a Go duration (36h, 90m) or a number of days (7d).
func parseSince(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days such as 7d", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a period such as 7d or 36h", v)
	}
	return d, nil
}
