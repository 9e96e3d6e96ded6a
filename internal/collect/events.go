package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

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
		path     string
	}{
		// The official client has no call for configuration audit logs, and its call for network
		// flow logs decodes entries into a struct that drops fields; both are read raw, as streams.
		{EndpointConfigurationLogs, &ev.Configuration, c.tailnetPath("logging", "configuration")},
		{EndpointNetworkLogs, &ev.Network, c.tailnetPath("logging", "network")},
	} {
		start := time.Now()
		entries, err := c.logEntries(ctx, src.path, q)
		if ferr := fatal(ctx, []error{err}); err != nil && ferr != nil {
			return nil, ferr
		}
		if err != nil {
			ev.Errors = append(ev.Errors, c.collectionError(src.endpoint, err))
			c.progress(src.endpoint, nil, []error{err}, time.Since(start))
			continue
		}
		*src.into = entries
		c.progress(src.endpoint, make([]any, len(entries)), nil, time.Since(start))
	}
	return ev, nil
}

// logEntries streams the "logs" array of a log response, scrubbing each entry as it arrives, so
// that the body is never held whole; it is bounded by limitLogs.
func (c *collector) logEntries(ctx context.Context, path string, q url.Values) ([]json.RawMessage, error) {
	cp := &capture{limit: limitLogs, stream: true}
	var entries []json.RawMessage
	var decodeErr error
	consume := func(r io.Reader) error {
		if looksLikeHTML(cp.header, nil) {
			decodeErr = errors.New(htmlPage)
			return decodeErr
		}
		entries, decodeErr = c.decodeLogs(r)
		return decodeErr
	}
	callErr := c.rawGet(path, q, consume)(withCapture(ctx, cp))
	if decodeErr == nil {
		if err := c.failure(ctx, cp, callErr); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if decodeErr != nil {
		req := strings.TrimSpace(cp.method + " " + cp.path)
		return nil, &endpointError{request: req, status: cp.status, msg: decodeErr.Error()}
	}
	return entries, nil
}

// decodeLogs reads {"logs": [entry, ...], ...} entry by entry.
func (c *collector) decodeLogs(r io.Reader) ([]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := delim(dec, '{'); err != nil {
		return nil, err
	}
	var out []json.RawMessage
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, streamErr(err)
		}
		if tok != "logs" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, streamErr(err)
			}
			continue
		}
		found = true
		if !dec.More() {
			return nil, errors.New("malformed JSON: no value after \"logs\"")
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, streamErr(err)
		}
		if tok == nil {
			continue // "logs": null, no entries
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, errors.New(`response has no "logs" array`)
		}
		out = []json.RawMessage{}
		for dec.More() {
			var e any
			if err := dec.Decode(&e); err != nil {
				return nil, streamErr(err)
			}
			b, err := json.Marshal(c.sc.value(e))
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		if err := delim(dec, ']'); err != nil {
			return nil, err
		}
	}
	if err := delim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the first value")
	}
	if !found {
		return nil, errors.New(`response has no "logs" array`)
	}
	if out == nil {
		out = []json.RawMessage{}
	}
	return out, nil
}

func delim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return streamErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("malformed JSON: expected %q at byte %d", want, dec.InputOffset())
	}
	return nil
}

// streamErr words an error met while decoding a stream: the transport's own (size, timeout) as
// they are, anything else as malformed JSON.
func streamErr(err error) error {
	if _, ok := errors.AsType[*tooLargeError](err); ok {
		return err
	}
	if _, ok := errors.AsType[*timeoutError](err); ok {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("malformed JSON: unexpected end of the response")
	}
	return fmt.Errorf("malformed JSON: %v", err)
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
