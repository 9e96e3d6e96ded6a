package assess_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/assess"
)

func day(d int, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

func TestEventsRead(t *testing.T) {
	src := `{"eventTime":"2026-11-17T08:00:03Z","type":"CONFIG"}

{"logged":"2026-11-17T08:00:00Z","virtualTraffic":[]}
{"eventTime":"2026-11-18T10:00:00+02:00"}
`
	var ev assess.Events
	if err := ev.Read("audit.jsonl", strings.NewReader(src)); err != nil {
		t.Fatal(err)
	}
	want := assess.Events{Times: []time.Time{time.Date(2026, 11, 17, 8, 0, 3, 0, time.UTC), day(18, 8)}, Other: 1}
	if d := cmp.Diff(want, ev); d != "" {
		t.Errorf("Read (-want +got):\n%s", d)
	}
}

func TestEventsReadErrors(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"not_json", "{\"eventTime\":\"2026-11-17T08:00:03Z\"}\n{oops\n", "audit.jsonl:2:2: not a JSON object"},
		{"not_an_object", "[1]\n", "audit.jsonl:1:1: not a JSON object"},
		{"time_not_string", "{\"type\":1, \"eventTime\":5}\n", "audit.jsonl:1:12: eventTime must be a string"},
		{"bad_time", "{\"eventTime\":\"2026-02-30T00:00:00Z\"}\n", `audit.jsonl:1:2: eventTime "2026-02-30T00:00:00Z" is not an RFC 3339 time`},
		{"too_long", "{\"x\":\"" + strings.Repeat("a", 17<<20) + "\"}\n", "audit.jsonl:1: a line longer than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ev assess.Events
			err := ev.Read("audit.jsonl", strings.NewReader(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCover(t *testing.T) {
	period := assess.Period{From: day(10, 0), To: day(20, 0)}
	for _, tt := range []struct {
		name    string
		times   []time.Time
		covered bool
		gaps    []finding.Gap
		inside  int
		reason  string
	}{
		{"covered", []time.Time{day(12, 0), day(10, 1), day(14, 0), day(16, 0), day(18, 0), day(19, 23)}, true, nil, 6, ""},
		{"starts_late", []time.Time{day(14, 0), day(16, 0), day(18, 0), day(19, 0)}, false,
			[]finding.Gap{{From: day(10, 0), To: day(14, 0), Duration: "96h0m0s"}}, 4, "1 stretch(es) longer than 72h0m0s without an event, the longest 96h0m0s from 2026-11-10T00:00:00Z"},
		{"gap_in_the_middle_and_end", []time.Time{day(10, 5), day(11, 0), day(17, 0), day(9, 0), day(25, 0)}, false,
			[]finding.Gap{{From: day(11, 0), To: day(17, 0), Duration: "144h0m0s"}}, 3, "the longest 144h0m0s"}, // 17th to 20th is 72h: not longer than the threshold
		{"none_inside", []time.Time{day(1, 0), day(25, 0)}, false,
			[]finding.Gap{{From: day(10, 0), To: day(20, 0), Duration: "240h0m0s"}}, 0, "no configuration audit event falls between"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := assess.Cover(period, &assess.Events{Times: tt.times, Other: 2}, 72*time.Hour)
			if c.Covered != tt.covered || c.InPeriod != tt.inside || c.Events != len(tt.times) || c.Other != 2 {
				t.Errorf("Cover = %+v, want covered %v with %d of %d inside", c, tt.covered, tt.inside, len(tt.times))
			}
			if d := cmp.Diff(tt.gaps, c.Gaps); d != "" {
				t.Errorf("gaps (-want +got):\n%s", d)
			}
			if !strings.Contains(c.Reason, tt.reason) || (tt.reason == "") != (c.Reason == "") {
				t.Errorf("reason = %q, want %q", c.Reason, tt.reason)
			}
		})
	}
	c := assess.Cover(period, &assess.Events{Times: []time.Time{day(15, 0), day(9, 0)}}, 24*time.Hour)
	if !c.First.Equal(day(9, 0)) || !c.Last.Equal(day(15, 0)) {
		t.Errorf("first %v last %v, want the earliest and latest read", c.First, c.Last)
	}
}

// TestAssessPeriod: a period and events reach the report.
func TestAssessPeriod(t *testing.T) {
	p := &assess.Period{From: day(10, 0), To: day(20, 0)}
	got, err := assess.Assess(report(nil), nil, nil, assess.Options{Now: now, Period: p, Events: &assess.Events{Times: []time.Time{day(11, 0)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Period == nil || got.Period.Events == nil || got.Period.Events.Covered || got.Period.Events.GapThreshold != "72h0m0s" {
		t.Errorf("period = %+v, want uncovered events with the default threshold", got.Period)
	}
}

func FuzzEventsRead(f *testing.F) {
	f.Add([]byte("{\"eventTime\":\"2026-11-17T08:00:03Z\"}\n{\"logged\":1}\n"))
	f.Add([]byte("{\"eventTime\":5}\n"))
	f.Add([]byte("\n\n[1,2]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		var ev assess.Events
		if err := ev.Read("f.jsonl", bytes.NewReader(src)); err != nil {
			if len(source.All(err)) == 0 {
				t.Fatalf("error %v (%T) holds no *source.Error", err, err)
			}
			return
		}
		c := assess.Cover(assess.Period{From: day(10, 0), To: day(20, 0)}, &ev, time.Hour)
		if c.Events != len(ev.Times) || c.InPeriod > c.Events || (c.Covered && len(c.Gaps) > 0) {
			t.Fatalf("inconsistent coverage %+v", c)
		}
	})
}
