package assess

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

// maxEventLine is the longest JSONL record ReadEvents accepts.
const maxEventLine = 16 << 20

// Events are the times of configuration audit events read from JSONL files as `collect
// --events-since` writes them: one API log entry per line. Only eventTime is read.
type Events struct {
	Times []time.Time // in the order read, UTC
	Other int         // records without an eventTime: network flow log entries
}

// Read adds the events of one JSONL stream, named name in errors. A blank line is skipped; a line
// that is not a JSON object, or whose eventTime is not an RFC 3339 time, is a *source.Error at its
// line and column.
func (e *Events) Read(name string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec struct {
			EventTime *json.RawMessage `json:"eventTime"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			col := 1
			if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
				col = int(syn.Offset)
			}
			return source.Errorf(name, line, col, "not a JSON object: %v", err)
		}
		if rec.EventTime == nil {
			e.Other++
			continue
		}
		var s string
		if err := json.Unmarshal(*rec.EventTime, &s); err != nil {
			return source.Errorf(name, line, 1+bytes.Index(b, []byte(`"eventTime"`)), "eventTime must be a string, not %s", *rec.EventTime)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return source.Errorf(name, line, 1+bytes.Index(b, []byte(`"eventTime"`)), "eventTime %q is not an RFC 3339 time", s)
		}
		e.Times = append(e.Times, t.UTC())
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return source.Errorf(name, line+1, 0, "a line longer than %d bytes", maxEventLine)
		}
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// Cover reports how the events cover the period: the first and last event read, and every stretch
// inside the period longer than threshold without an event, counting from the period's start to
// the first event and from the last to its end.
func Cover(p Period, ev *Events, threshold time.Duration) *finding.EventCoverage {
	from, to := p.From.UTC(), p.To.UTC()
	c := &finding.EventCoverage{Events: len(ev.Times), Other: ev.Other, GapThreshold: threshold.String()}
	times := slices.Clone(ev.Times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	if len(times) > 0 {
		c.First, c.Last = times[0], times[len(times)-1]
	}
	prev := from
	for _, t := range times {
		if t.Before(from) || !t.Before(to) {
			continue
		}
		c.InPeriod++
		c.Gaps = appendGap(c.Gaps, prev, t, threshold)
		prev = t
	}
	c.Gaps = appendGap(c.Gaps, prev, to, threshold)
	switch {
	case c.InPeriod == 0:
		c.Reason = fmt.Sprintf("no configuration audit event falls between %s and %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	case len(c.Gaps) > 0:
		longest := c.Gaps[0]
		for _, g := range c.Gaps[1:] {
			if g.To.Sub(g.From) > longest.To.Sub(longest.From) {
				longest = g
			}
		}
		c.Reason = fmt.Sprintf("%d stretch(es) longer than %s without an event, the longest %s from %s: either nothing changed then or events are missing",
			len(c.Gaps), threshold, longest.Duration, longest.From.Format(time.RFC3339))
	default:
		c.Covered = true
	}
	return c
}

func appendGap(gaps []finding.Gap, from, to time.Time, threshold time.Duration) []finding.Gap {
	if d := to.Sub(from); d > threshold {
		return append(gaps, finding.Gap{From: from, To: to, Duration: d.String()})
	}
	return gaps
}
