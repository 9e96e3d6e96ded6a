package builtins_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/internal/builtins"
)

// nowNS is 2026-11-24T12:00:00Z in nanoseconds since 1970.
const nowNS = "1795521600000000000"

// TestDaysSince holds tailscale.days_since to the Rego it replaces in device_not_seen,
// floor((now_ns - time.parse_rfc3339_ns(ts)) / ns_per_day), on whole and fractional days, with
// offsets, fractions of seconds and the ends of the range OPA accepts; and checks its undefined and
// error cases. After the clock it rounds down where OPA's floor does not (floor(-0.5) is 0 in OPA
// v1.22), so that comparison is left to the wanted values: a rule compares the days with a limit
// of zero or more, which no timestamp after the clock reaches either way.
func TestDaysSince(t *testing.T) {
	for _, tt := range []struct {
		ts   string
		want int64
	}{
		{"2026-11-24T12:00:00Z", 0},
		{"2026-11-24T11:59:59Z", 0},
		{"2026-11-23T12:00:00Z", 1},
		{"2026-11-23T12:00:00.000000001Z", 0},
		{"2026-08-26T12:00:00Z", 90},
		{"2026-08-26T12:00:01Z", 89},
		{"2026-08-26T13:00:00+01:00", 90},
		{"1970-01-01T00:00:00Z", 20781},
		{"1678-01-01T00:00:00Z", 127431},
		{"2026-11-24T12:00:00.5Z", -1},
		{"2026-11-25T12:00:00Z", -1},
		{"2026-11-25T12:00:01Z", -2},
		{"2262-01-01T00:00:00Z", -85870},
	} {
		got := queryValue(t, `tailscale.days_since(`+quote(tt.ts)+`, `+nowNS+`)`)
		if tt.want >= 0 {
			want := queryValue(t, `floor((`+nowNS+` - time.parse_rfc3339_ns(`+quote(tt.ts)+`)) / (((24 * 60) * 60) * 1000000000))`)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("days_since(%q) against the Rego (-rego +built-in):\n%s", tt.ts, d)
			}
		}
		if n, _ := got.(json.Number).Int64(); n != tt.want {
			t.Errorf("days_since(%q) = %v, want %d", tt.ts, got, tt.want)
		}
	}
	for _, unset := range []string{`""`, `"0001-01-01T00:00:00Z"`, `null`, `5`, `["2026-11-24T12:00:00Z"]`} {
		if got := queryValue(t, `tailscale.days_since(`+unset+`, `+nowNS+`)`); got != nil {
			t.Errorf("days_since(%s) = %v, want undefined (not set)", unset, got)
		}
	}
	for _, tt := range []struct{ call, err string }{
		{`tailscale.days_since("yesterday", ` + nowNS + `)`, `cannot parse "yesterday"`},
		{`tailscale.days_since("1600-01-01T00:00:00Z", ` + nowNS + `)`, "time outside of valid range"},
		{`tailscale.days_since("2300-01-01T00:00:00Z", ` + nowNS + `)`, "time outside of valid range"},
		{`tailscale.days_since("2026-11-24T12:00:00Z", 1.5)`, "now_ns must be a whole number"},
	} {
		if err := evalStrict(tt.call, nil); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: error %v, want one containing %q", tt.call, err, tt.err)
		}
	}
}

// TestDeviceNamesAgreesWithRego holds tailscale.device_names to the comprehension it replaces in
// device_names_in_ct_logs: sort({n | some d in devices; n := device_name(d); n != ""}), with
// lib/tailnet's device_name.
func TestDeviceNamesAgreesWithRego(t *testing.T) {
	const module = `package names

device_name(d) := n if {
	n := d.name
	is_string(n)
	n != ""
} else := n if {
	n := d.hostname
	is_string(n)
} else := ""

names(tailnet) := sort({n | some d in tailnet.devices; n := device_name(d); n != ""})
`
	for _, tt := range []struct {
		name    string
		tailnet string
		want    []any
	}{
		{"sorted", `{"devices": [{"name": "b"}, {"name": "a"}, {"name": "c"}]}`, []any{"a", "b", "c"}},
		{"distinct", `{"devices": [{"name": "a"}, {"name": "a"}, {"hostname": "a"}]}`, []any{"a"}},
		{"hostname_when_no_name", `{"devices": [{"name": "", "hostname": "h"}, {"hostname": "g"}, {"name": 5, "hostname": "f"}]}`, []any{"f", "g", "h"}},
		{"empty_left_out", `{"devices": [{"name": "", "hostname": ""}, {"name": ""}, {}, {"hostname": 7}, "x", 3]}`, []any{}},
		{"byte_order", `{"devices": [{"name": "b"}, {"name": "B"}, {"name": "é"}, {"name": "a-1"}, {"name": "a.1"}]}`, []any{"B", "a-1", "a.1", "b", "é"}},
		{"no_devices", `{"devices": []}`, []any{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := queryValue(t, `tailscale.device_names(`+tt.tailnet+`)`)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("device_names (-want +got):\n%s", d)
			}
			rs, err := rego.New(rego.Module("names.rego", module), rego.Query(`data.names.names(`+tt.tailnet+`)`)).Eval(context.Background())
			if err != nil || len(rs) != 1 {
				t.Fatalf("the Rego: %v %v", rs, err)
			}
			if d := cmp.Diff(rs[0].Expressions[0].Value, got); d != "" {
				t.Errorf("device_names against the Rego (-rego +built-in):\n%s", d)
			}
		})
	}
	for _, notDevices := range []string{`"acme"`, `{}`, `{"devices": "a"}`, `null`} {
		if got := queryValue(t, `tailscale.device_names(`+notDevices+`)`); !cmp.Equal(got, []any{}) {
			t.Errorf("device_names(%s) = %v, want []", notDevices, got)
		}
	}
}

// queryValue evaluates query with the built-ins and returns its value, nil when undefined.
func queryValue(t *testing.T, query string) any {
	t.Helper()
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	rs, err := rego.New(append(opts, rego.Query(query), rego.StrictBuiltinErrors(true))...).Eval(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rs) == 0 {
		return nil
	}
	return rs[0].Expressions[0].Value
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
