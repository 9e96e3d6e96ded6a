package assess

import (
	"fmt"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/frameworks"
)

// TailscaleConfigLogDays is how long Tailscale itself keeps configuration audit logs: anything
// longer needs them streamed to a destination that keeps them.
const TailscaleConfigLogDays = 90

// Retention checks a framework's retention rule against the snapshot's log streaming. configured
// is the organisation's period in months (0 for none): it replaces a configurable default and can
// only raise a fixed minimum. With a period and a catalogue that asks for it, the default is at
// least the period plus the time to fieldwork.
//
// The API shows whether logs leave the tailnet, never how long the destination keeps them, so a
// configured stream is at best partial; no configuration stream fails any period longer than
// Tailscale's own 90 days. HIPAA's period is for documentation, not logs: it is manual.
func Retention(cat frameworks.Catalog, configured int, period *Period, snap *tailnet.Snapshot) finding.RetentionResult {
	r := cat.Retention
	req := finding.RetentionRequirement{
		Description: r.Description, Basis: r.Basis, Scope: r.Scope,
		MinimumMonths: r.MinimumMonths, ImmediatelyAvailableMonths: r.ImmediatelyAvailableMonths,
		Configurable: r.Configurable, Configured: configured,
	}
	var notes string
	switch {
	case configured > 0 && r.Configurable:
		req.MinimumMonths = configured
	case configured > 0 && configured < r.MinimumMonths:
		notes = fmt.Sprintf("; the configured %d months is below the minimum, which applies", configured)
	case configured > 0:
		req.MinimumMonths = configured
	}
	if period != nil && r.PeriodPlusMonths > 0 {
		need := calendarMonths(period.From, period.To) + r.PeriodPlusMonths
		switch {
		case configured == 0 && need > req.MinimumMonths:
			req.MinimumMonths = need
		case configured > 0 && need > req.MinimumMonths:
			notes += fmt.Sprintf("; %d months is less than the period plus %d months (%d): the start of the period may be gone by fieldwork", req.MinimumMonths, r.PeriodPlusMonths, need)
		}
	}
	out := finding.RetentionResult{Requirement: req}
	if r.Scope == "documentation" {
		out.Status = finding.ControlManual
		out.Reason = fmt.Sprintf("the %d months apply to documentation (policies, assessments, records such as this pack), not to log streaming: keep the pack and attest the document retention", req.MinimumMonths) + notes
		if snap != nil {
			out.Streams = streams(snap)
		}
		return out
	}
	if snap == nil {
		out.Status, out.Reason = finding.ControlNotAssessed, "no snapshot: log streaming is unknown"+notes
		return out
	}
	if why, missing := snap.Missing(tailnet.EndpointLogstream); missing {
		out.Status, out.Reason = finding.ControlNotAssessed, "the snapshot has no log streaming data: "+why+notes
		return out
	}
	out.Streams = streams(snap)
	var cfg finding.LogStream
	for _, s := range out.Streams {
		if s.LogType == "configuration" {
			cfg = s
		}
	}
	if !cfg.Configured {
		if req.MinimumMonths*31 <= TailscaleConfigLogDays {
			out.Status = finding.ControlPartial
			out.Reason = fmt.Sprintf("configuration audit logs are not streamed; Tailscale's own %d days cover %d months only if nothing is lost", TailscaleConfigLogDays, req.MinimumMonths) + notes
			return out
		}
		out.Status = finding.ControlFail
		out.Reason = fmt.Sprintf("configuration audit logs are not streamed: Tailscale keeps them %d days, less than the %d months required", TailscaleConfigLogDays, req.MinimumMonths) + notes
		return out
	}
	out.Status = finding.ControlPartial
	out.Reason = fmt.Sprintf("configuration audit logs stream to %s; the API cannot show how long it keeps them: attest that it keeps %d months", cfg.DestinationType, req.MinimumMonths)
	if req.ImmediatelyAvailableMonths > 0 {
		out.Reason += fmt.Sprintf(", the latest %d at hand", req.ImmediatelyAvailableMonths)
	}
	if cfg.LastError != "" {
		out.Reason += "; the stream reports an error: " + cfg.LastError
	}
	out.Reason += notes
	return out
}

// calendarMonths counts the calendar months from from to to, a part month counting as one.
func calendarMonths(from, to time.Time) int {
	from, to = from.UTC(), to.UTC()
	n := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if from.AddDate(0, n, 0).Before(to) {
		n++
	}
	return max(n, 0)
}

// streams reads the snapshot's log streaming: configuration, then network. The configuration sits
// under "config" or, in older snapshots, directly in the log type's object.
func streams(snap *tailnet.Snapshot) []finding.LogStream {
	ls, _ := snap.Raw[tailnet.EndpointLogstream].(map[string]any)
	var out []finding.LogStream
	for _, lt := range []string{"configuration", "network"} {
		s := finding.LogStream{LogType: lt}
		entry, _ := ls[lt].(map[string]any)
		cfg, _ := entry["config"].(map[string]any)
		if len(cfg) == 0 {
			if _, direct := entry["destinationType"]; direct {
				cfg = entry
			}
		}
		s.DestinationType, _ = cfg["destinationType"].(string)
		s.URL, _ = cfg["url"].(string)
		s.Configured = s.DestinationType != ""
		if st, ok := entry["status"].(map[string]any); ok {
			s.LastError, _ = st["lastError"].(string)
			if at, ok := st["lastActivity"].(string); ok {
				s.LastActivity, _ = time.Parse(time.RFC3339Nano, at)
			}
		}
		out = append(out, s)
	}
	return out
}
