package output

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// marshalledReport is the report as encoding/json writes it whole, with the defaults the JSON
// renderer applies: findings sorted, [] for no rules or findings, the current schema version.
func marshalledReport(t *testing.T, r *finding.Report, indent bool) []byte {
	t.Helper()
	out := *r
	out.Findings = sorted(r)
	if out.Findings == nil {
		out.Findings = []finding.Finding{}
	}
	if out.Rules == nil {
		out.Rules = []finding.Rule{}
	}
	if out.SchemaVersion == "" {
		out.SchemaVersion = finding.SchemaVersion
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJSONStreamsWhatMarshalWrites checks that the streamed JSON report, indented and compact, is
// byte for byte what encoding/json writes for the whole report: on a report with every member of
// finding.Report set (so a member the renderer forgets fails here), on one compared with a base,
// and on an empty one.
func TestJSONStreamsWhatMarshalWrites(t *testing.T) {
	full := baselineReport()
	full.Inputs = []finding.Input{{Kind: "policy", Path: "policy.hujson", SHA256: "ab"}}
	full.Diagnostics = []finding.Diagnostic{{Level: "warning", Message: "a <warning> & more"}}
	full.Tool = finding.Tool{Name: "tailaudit", Version: "v1"}
	v := reflect.ValueOf(*full)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("the full report leaves finding.Report.%s unset; set it so the renderer is checked on it", v.Type().Field(i).Name)
		}
	}
	for _, tt := range []struct {
		name string
		r    *finding.Report
	}{
		{"full", full},
		{"test_report", testReport()},
		{"empty", &finding.Report{}},
	} {
		for _, compact := range []bool{false, true} {
			var got bytes.Buffer
			if err := (JSON{Compact: compact}).Render(&got, tt.r); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(marshalledReport(t, tt.r, !compact)), got.String()); d != "" {
				t.Errorf("%s, compact %v: streamed JSON differs from encoding/json's (-marshal +streamed):\n%s", tt.name, compact, d)
			}
		}
	}
}

// TestJSONStreamNesting checks the stream's layout of nested and empty containers against
// json.MarshalIndent and json.Marshal.
func TestJSONStreamNesting(t *testing.T) {
	doc := map[string]any{"a": []any{}, "b": []any{1, map[string]any{}, []any{"x", map[string]any{"y": []any{2}}}}, "c": map[string]any{}}
	for _, indent := range []bool{false, true} {
		var got bytes.Buffer
		s := newJSONStream(&got, indent)
		s.beginObject()
		s.key("a")
		s.beginArray()
		s.end()
		s.key("b")
		s.beginArray()
		s.value(1)
		s.beginObject()
		s.end()
		s.beginArray()
		s.value("x")
		s.value(map[string]any{"y": []any{2}})
		s.end()
		s.end()
		s.member("c", map[string]any{})
		s.end()
		if err := s.finish(); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(doc)
		if indent {
			want, _ = json.MarshalIndent(doc, "", "  ")
		}
		if d := cmp.Diff(string(want)+"\n", got.String()); d != "" {
			t.Errorf("indent %v (-want +got):\n%s", indent, d)
		}
	}
}

// TestSARIFStreamsWhatMarshalWrites checks that the streamed SARIF log, indented and compact, is
// byte for byte what encoding/json writes for the whole log.
func TestSARIFStreamsWhatMarshalWrites(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    *finding.Report
	}{
		{"test_report", testReport()},
		{"baseline", baselineReport()},
		{"empty", &finding.Report{}},
	} {
		for _, compact := range []bool{false, true} {
			s := SARIF{Root: "/work", Compact: compact}
			var got, want bytes.Buffer
			if err := s.Render(&got, tt.r); err != nil {
				t.Fatal(err)
			}
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if !compact {
				enc.SetIndent("", "  ")
			}
			if err := enc.Encode(s.log(tt.r)); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.String(), got.String()); d != "" {
				t.Errorf("%s, compact %v: streamed SARIF differs from encoding/json's (-marshal +streamed):\n%s", tt.name, compact, d)
			}
		}
	}
}
