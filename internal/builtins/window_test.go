package builtins_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/builtins"
)

// oldWindowRego is the Rego tailscale.in_change_window replaced in policy_outside_change_window,
// with the windows and the event time read from input.windows and input.ts.
const oldWindowRego = `package oldwindow

_days := {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

_weekday := {"Monday": 0, "Tuesday": 1, "Wednesday": 2, "Thursday": 3, "Friday": 4, "Saturday": 5, "Sunday": 6}

_ns := time.parse_rfc3339_ns(input.ts)

_day := _weekday[time.weekday(_ns)]

_minute := (c[0] * 60) + c[1] if c := time.clock(_ns)

outside if not _in_window

# new is the same question as policy_outside_change_window now asks it.
new if not _new_in

_new_in if tailscale.in_change_window(input.windows, input.ts)

_in_window if {
	some w in input.windows
	parts := split(lower(trim_space(w)), " ")
	count(parts) == 2
	_day_in(parts[0])
	hours := split(parts[1], "-")
	count(hours) == 2
	_minutes(hours[0]) <= _minute
	_minute < _minutes(hours[1])
}

_day_in(spec) if {
	ends := split(spec, "-")
	count(ends) == 2
	first := _days[ends[0]]
	last := _days[ends[1]]
	first <= _day
	_day <= last
}

_day_in(spec) if {
	not contains(spec, "-")
	some d in split(spec, ",")
	_days[d] == _day
}

_minutes(hhmm) := (to_number(p[0]) * 60) + to_number(p[1]) if {
	p := split(hhmm, ":")
	count(p) == 2
}
`

// TestInChangeWindowAgreesWithRego holds tailscale.in_change_window to the Rego it replaced: the
// same answer, and an error exactly where the Rego (with strict built-in errors, as the engine
// runs it) fails, on window boundaries, offsets from UTC, malformed windows and event times.
func TestInChangeWindowAgreesWithRego(t *testing.T) {
	weekdays := []any{"mon-fri 08:00-18:00"}
	for _, tt := range []struct {
		name    string
		windows []any
		ts      any // nil leaves input.ts out
		in      bool
		err     bool
	}{
		{"tuesday morning", weekdays, "2026-11-17T10:12:44Z", true, false},
		{"saturday night", weekdays, "2026-11-22T02:47:13Z", false, false},
		{"start minute is in", weekdays, "2026-11-16T08:00:00Z", true, false},
		{"just before the start", weekdays, "2026-11-16T07:59:59.999Z", false, false},
		{"last second before the end", weekdays, "2026-11-20T17:59:59Z", true, false},
		{"end minute is out", weekdays, "2026-11-20T18:00:00Z", false, false},
		{"offset behind UTC, in", weekdays, "2026-11-17T07:30:00-02:00", true, false},
		{"offset ahead of UTC, out", weekdays, "2026-11-17T09:30:00+02:00", false, false},
		{"local saturday, UTC friday", weekdays, "2026-11-21T01:00:00+05:00", false, false},
		{"local monday, UTC sunday", weekdays, "2026-11-23T00:30:00+02:00", false, false},
		{"local sunday, UTC monday", weekdays, "2026-11-22T23:30:00-09:00", true, false},
		{"weekend list", []any{"sat,sun 00:00-23:59"}, "2026-11-22T02:47:13Z", true, false},
		{"weekend list, last minute out", []any{"sat,sun 00:00-23:59"}, "2026-11-22T23:59:30Z", false, false},
		{"list with a gap", []any{"mon,wed,fri 09:00-17:00"}, "2026-11-17T10:00:00Z", false, false},
		{"list with an empty day", []any{"tue, 09:00-17:00"}, "2026-11-17T10:00:00Z", true, false},
		{"case and outer space", []any{"  MON-Fri 08:00-18:00 "}, "2026-11-17T10:00:00Z", true, false},
		{"two inner spaces", []any{"mon-fri  08:00-18:00"}, "2026-11-17T10:00:00Z", false, false},
		{"reversed range", []any{"fri-mon 00:00-23:59"}, "2026-11-17T10:00:00Z", false, false},
		{"whole week to 24:00", []any{"mon-sun 00:00-24:00"}, "2026-11-22T23:59:59Z", true, false},
		{"short numbers", []any{"mon-fri 8:5-18:0"}, "2026-11-17T08:05:00Z", true, false},
		{"fractional hour", []any{"mon-fri 8.5:00-18:00"}, "2026-11-17T08:29:00Z", false, false},
		{"signed hour", []any{"mon-fri +8:00-18:00"}, "2026-11-17T08:00:00Z", true, false},
		{"no colon", []any{"mon-fri 0800-1800"}, "2026-11-17T10:00:00Z", false, false},
		{"three hours", []any{"mon-fri 08:00-18:00-19:00"}, "2026-11-17T10:00:00Z", false, false},
		{"unknown days", []any{"weekdays 9-5"}, "2026-11-17T10:12:44Z", false, false},
		{"no windows", []any{}, "2026-11-17T10:12:44Z", false, false},
		{"second window allows", []any{"sat,sun 00:00-23:59", "mon-fri 08:00-18:00"}, "2026-11-17T10:00:00Z", true, false},
		{"bad start on an allowed day", []any{"mon-fri xx:00-18:00"}, "2026-11-17T10:00:00Z", false, true},
		{"bad start on another day", []any{"mon-fri xx:00-18:00"}, "2026-11-21T10:00:00Z", false, false},
		{"bad end after the start", []any{"mon-fri 08:00-18:yy"}, "2026-11-17T10:00:00Z", false, true},
		{"bad end before the start", []any{"mon-fri 08:00-18:yy"}, "2026-11-17T07:00:00Z", false, false},
		{"infinite hour", []any{"mon-fri inf:00-18:00"}, "2026-11-17T10:00:00Z", false, true},
		{"bad window after an allowing one", []any{"mon-fri 08:00-18:00", "mon-fri xx:00-18:00"}, "2026-11-17T10:00:00Z", true, false},
		{"bad window before an allowing one", []any{"mon-fri xx:00-18:00", "mon-fri 08:00-18:00"}, "2026-11-17T10:00:00Z", false, true},
		{"unparsable time", weekdays, "yesterday", false, true},
		{"unparsable time, no known day", []any{"weekdays 9-5"}, "yesterday", false, false},
		{"time out of range", weekdays, "1600-01-01T00:00:00Z", false, true},
		{"time not a string", weekdays, 5, false, true},
		{"time missing", weekdays, nil, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			input := map[string]any{"windows": tt.windows}
			if tt.ts != nil {
				input["ts"] = tt.ts
			}
			oldOut, oldErr := windowEval(t, "data.oldwindow.outside", input)
			newOut, newErr := windowEval(t, "data.oldwindow.new", input)
			if (oldErr != nil) != tt.err || (newErr != nil) != tt.err {
				t.Fatalf("errors: Rego %v, built-in %v; want an error: %v", oldErr, newErr, tt.err)
			}
			if tt.err {
				return
			}
			if oldOut != !tt.in || newOut != !tt.in {
				t.Errorf("outside every window: Rego %v, built-in %v, want %v", oldOut, newOut, !tt.in)
			}
		})
	}
}

// windowEval reports whether query has a result, with strict built-in errors as the engine runs.
func windowEval(t *testing.T, query string, input map[string]any) (bool, error) {
	t.Helper()
	opts := []func(*rego.Rego){rego.Query(query), rego.Module("old.rego", oldWindowRego), rego.Input(input), rego.StrictBuiltinErrors(true)}
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	return len(rs) > 0, err
}
