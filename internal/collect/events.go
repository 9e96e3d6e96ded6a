package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"

	tailscale "tailscale.com/client/tailscale/v2"

	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

// Events holds the log entries collected for a window, each as the API returned it (secrets
// stripped).
type Events struct {
	Start, End time.Time
	// Configuration holds configuration audit log entries.
	Configuration []json.RawMessage
	// Network holds network flow log entries.
	Network []json.RawMessage
	// Errors records logs that could not be collected; Endpoint is "configurationLogs" or
	// "networkLogs".
	Errors []tailnet.CollectionError
}

// Event log endpoint names used in Events.Errors.
const (
	EndpointConfigurationLogs = "configurationLogs"
	EndpointNetworkLogs       = "networkLogs"
)

func (c *collector) events(ctx context.Context, now time.Time, since time.Duration) (*Events, error) {
	ev := &Events{Start: now.Add(-since).UTC(), End: now.UTC()}
	q := url.Values{"start": {ev.Start.Format(time.RFC3339)}, "end": {ev.End.Format(time.RFC3339)}}
	for _, src := range []struct {
		endpoint string
		into     *[]json.RawMessage
		fn       func(context.Context) error
	}{
		// The official client has no call for configuration audit logs.
		{EndpointConfigurationLogs, &ev.Configuration, c.rawGet(c.tailnetPath("logging", "configuration"), q)},
		{EndpointNetworkLogs, &ev.Network, func(ctx context.Context) error {
			req := tailscale.NetworkFlowLogsRequest{Start: ev.Start, End: ev.End}
			return c.client.Logging().GetNetworkFlowLogs(ctx, req, func(tailscale.NetworkFlowLog) error { return nil })
		}},
	} {
		start := time.Now()
		entries, err := c.logEntries(ctx, src.fn)
		if ferr := fatal(ctx, []error{err}); err != nil && ferr != nil {
			return nil, ferr
		}
		if err != nil {
			ev.Errors = append(ev.Errors, toCollectionError(src.endpoint, err))
			c.progress(src.endpoint, nil, []error{err}, time.Since(start))
			continue
		}
		*src.into = entries
		c.progress(src.endpoint, make([]any, len(entries)), nil, time.Since(start))
	}
	return ev, nil
}

// logEntries returns the "logs" array of a log response, one raw entry each.
func (c *collector) logEntries(ctx context.Context, fn func(context.Context) error) ([]json.RawMessage, error) {
	r, err := c.call(ctx, jsonBody, fn)
	if err != nil {
		return nil, err
	}
	arr, err := member(r, "logs")
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(arr))
	for _, e := range arr {
		b, err := json.Marshal(scrub(e))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// WriteJSONL writes the configuration audit log entries, then the network flow log entries, one
// JSON object per line, atomically.
func (e *Events) WriteJSONL(path string) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		for _, entries := range [][]json.RawMessage{e.Configuration, e.Network} {
			for _, entry := range entries {
				var line bytes.Buffer
				if err := json.Compact(&line, entry); err != nil {
					return err
				}
				line.WriteByte('\n')
				if _, err := w.Write(line.Bytes()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
