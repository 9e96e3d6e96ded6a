package collect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/tailaudit/tailaudit/internal/tailnet"
	tailscale "tailscale.com/client/tailscale/v2"
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
// JSON object per line, atomically (a temporary file in the same directory, then a rename).
func (e *Events) WriteJSONL(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriter(f)
	for _, entries := range [][]json.RawMessage{e.Configuration, e.Network} {
		for _, entry := range entries {
			var line bytes.Buffer
			if err := json.Compact(&line, entry); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			line.WriteByte('\n')
			if _, err := w.Write(line.Bytes()); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
