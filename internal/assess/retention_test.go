package assess_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/assess"
)

func snapshot(logstream any) *tailnet.Snapshot {
	s := tailnet.New("acme.example", now, tailnet.Tool{Name: "tailaudit", Version: "test"})
	if logstream != nil {
		s.Set(tailnet.EndpointLogstream, logstream)
	}
	return s
}

func TestRetention(t *testing.T) {
	fixed := frameworks.Retention{Description: "d", Basis: "10.5.1", Scope: "logs", MinimumMonths: 12, ImmediatelyAvailableMonths: 3}
	org := frameworks.Retention{Description: "d", Basis: "policy", Scope: "logs", MinimumMonths: 15, ImmediatelyAvailableMonths: 12, PeriodPlusMonths: 3, Configurable: true}
	docs := frameworks.Retention{Description: "d", Basis: "164.316(b)(2)(i)", Scope: "documentation", MinimumMonths: 72}
	streamed := map[string]any{"configuration": map[string]any{
		"config": map[string]any{"destinationType": "s3"},
		"status": map[string]any{"lastActivity": "2026-11-24T11:55:00Z", "lastError": ""},
	}, "network": map[string]any{}}
	legacy := map[string]any{"configuration": map[string]any{"destinationType": "splunk", "url": "https://splunk.example"}}
	broken := map[string]any{"configuration": map[string]any{"config": map[string]any{"destinationType": "s3"}, "status": map[string]any{"lastError": "403 from bucket"}}}
	year := &assess.Period{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tt := range []struct {
		name       string
		r          frameworks.Retention
		configured int
		period     *assess.Period
		snap       *tailnet.Snapshot
		status     finding.ControlStatus
		months     int
		reason     string
	}{
		{"no_snapshot", fixed, 0, nil, nil, "not_assessed", 12, "no snapshot"},
		{"not_collected", fixed, 0, nil, snapshot(nil), "not_assessed", 12, "logstream: not in snapshot"},
		{"not_streamed", fixed, 0, nil, snapshot(map[string]any{}), "fail", 12, "Tailscale keeps them 90 days, less than the 12 months"},
		{"streamed", fixed, 0, nil, snapshot(streamed), "partial", 12, "stream to s3; the API cannot show how long it keeps them: attest that it keeps 12 months, the latest 3 at hand"},
		{"streamed_directly_configured", fixed, 0, nil, snapshot(legacy), "partial", 12, "stream to splunk"},
		{"stream_error", fixed, 0, nil, snapshot(broken), "partial", 12, "the stream reports an error: 403 from bucket"},
		{"fixed_minimum_cannot_be_lowered", fixed, 6, nil, snapshot(streamed), "partial", 12, "the configured 6 months is below the minimum, which applies"},
		{"fixed_minimum_can_be_raised", fixed, 24, nil, snapshot(streamed), "partial", 24, "keeps 24 months"},
		{"organisation_sets_it", org, 6, nil, snapshot(streamed), "partial", 6, "keeps 6 months"},
		{"default_covers_period_plus_lag", org, 0, year, snapshot(streamed), "partial", 15, "keeps 15 months"},
		{"longer_period_raises_default", org, 0, &assess.Period{From: year.From, To: year.To.AddDate(0, 6, 1)}, snapshot(streamed), "partial", 22, "keeps 22 months"},
		{"configured_shorter_than_period_warns", org, 12, year, snapshot(streamed), "partial", 12, "less than the period plus 3 months (15)"},
		{"documentation_is_manual", docs, 0, nil, snapshot(map[string]any{}), "manual", 72, "apply to documentation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := assess.Retention(frameworks.Catalog{ID: "x", Retention: tt.r}, tt.configured, tt.period, tt.snap)
			if got.Status != tt.status || got.Requirement.MinimumMonths != tt.months || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("Retention = %s, %d months, %q; want %s, %d months, reason containing %q", got.Status, got.Requirement.MinimumMonths, got.Reason, tt.status, tt.months, tt.reason)
			}
		})
	}
	got := assess.Retention(frameworks.Catalog{Retention: fixed}, 0, nil, snapshot(streamed))
	if len(got.Streams) != 2 || !got.Streams[0].Configured || got.Streams[0].LastActivity.IsZero() || got.Streams[1].Configured {
		t.Errorf("streams = %+v, want configuration streamed with its last activity, network not", got.Streams)
	}
}
