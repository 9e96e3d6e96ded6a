package tailnet_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

const fixture = "testdata/snapshot.json"

func load(t *testing.T) *tailnet.Snapshot {
	t.Helper()
	s, err := tailnet.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoad(t *testing.T) {
	s := load(t)
	if got, want := s.Tailnet(), "example.com"; got != want {
		t.Errorf("Tailnet() = %q, want %q", got, want)
	}
	if want := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC); !s.CollectedAt.Equal(want) {
		t.Errorf("CollectedAt = %v, want %v", s.CollectedAt, want)
	}
	dev := s.Raw["devices"].([]any)[0].(map[string]any)
	// Numbers stay json.Number: a 21-digit integer keeps every digit.
	if got, want := dev["bigCounter"], json.Number("123456789012345678901"); got != want {
		t.Errorf("bigCounter = %#v, want %#v", got, want)
	}
	// Fields the schema does not know are kept.
	if _, ok := dev["someFutureField"].(map[string]any); !ok {
		t.Errorf("someFutureField dropped: %#v", dev["someFutureField"])
	}
	if text, ok := s.PolicyHuJSON(); !ok || !strings.Contains(text, `"acls"`) {
		t.Errorf("PolicyHuJSON() = %q, %v", text, ok)
	}
}

func TestMissing(t *testing.T) {
	s := load(t)
	for _, tt := range []struct {
		endpoint    string
		wantMissing bool
		wantReason  string
	}{
		{"devices", false, ""},
		{"webhooks", true, "webhooks: HTTP 403: API token lacks the webhooks:read scope"},
		{"nonesuch", true, "nonesuch: not in snapshot"},
	} {
		reason, missing := s.Missing(tt.endpoint)
		if missing != tt.wantMissing || reason != tt.wantReason {
			t.Errorf("Missing(%q) = %q, %v; want %q, %v", tt.endpoint, reason, missing, tt.wantReason, tt.wantMissing)
		}
	}
	delete(s.Raw, "policy")
	if text, ok := s.PolicyHuJSON(); ok {
		t.Errorf("PolicyHuJSON() without policy = %q, true", text)
	}
}

func TestCollectedAtForms(t *testing.T) {
	for _, tt := range []struct {
		name, at string
		want     time.Time // zero: must be rejected
	}{
		{"utc", "2026-11-24T12:00:00Z", time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)},
		{"offset", "2026-11-24T13:30:00+01:30", time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)},
		{"fraction", "2026-11-24T12:00:00.123456789Z", time.Date(2026, 11, 24, 12, 0, 0, 123456789, time.UTC)},
		{"lower_case_t_z", "2026-11-24t12:00:00z", time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)},
		{"leap_second", "2016-12-31T23:59:60Z", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"month_13", "2026-13-01T00:00:00Z", time.Time{}},
		{"no_zone", "2026-11-24T12:00:00", time.Time{}},
		{"words", "yesterday", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "example.com", "collectedAt": "` + tt.at + `"}`
			s, err := tailnet.Decode("snap.json", strings.NewReader(doc))
			if tt.want.IsZero() {
				var ve *tailnet.ValidationError
				if !errors.As(err, &ve) || ve.Problems[0].Pointer != "/collectedAt" {
					t.Fatalf("Decode(collectedAt %q) = %v, want a /collectedAt validation error", tt.at, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !s.CollectedAt.Equal(tt.want) {
				t.Errorf("CollectedAt = %v, want %v", s.CollectedAt, tt.want)
			}
		})
	}
}

func TestDecodeSyntaxErrors(t *testing.T) {
	valid, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"truncated", `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "x",`, "snap.json:1:59: unexpected end of JSON"},
		{"truncated_fixture", string(valid[:1234]), fmt.Sprintf("snap.json:%d:%d: unexpected end of JSON",
			bytes.Count(valid[:1234], []byte("\n"))+1, 1234-bytes.LastIndexByte(valid[:1234], '\n'))},
		{"empty", ``, "snap.json:1:1: unexpected end of JSON"},
		{"bad_value_line_2", "{\n  \"a\":   x}", "snap.json:2:10: invalid character 'x' looking for beginning of value"},
		{"bad_array_element", `{"devices": [{"id": "1"},  {"id": 2x}]}`, "snap.json:1:36: invalid character 'x' after object key:value pair"},
		{"missing_colon", "{\"a\" \n 1}", "snap.json:2:3: expected colon after object key"},
		{"trailing_data", `{"a": 1}   x`, "snap.json:1:12: invalid character 'x' looking for beginning of value"},
		{"trailing_object", `{"a": 1} {}`, "snap.json:1:10: unexpected data after the snapshot object"},
		{"not_an_object", `[]`, "snap.json:1:1: a snapshot must be a JSON object"},
		// The guards every input parser shares.
		{"duplicate_devices", "{\"devices\": [{\"id\": \"1\"}],\n \"devices\": []}", `snap.json:2:2: duplicate key "devices" (first written at line 1)`},
		{"duplicate_field_in_device", `{"devices": [{"id": "1", "authorized": false, "authorized": true}]}`, `snap.json:1:47: duplicate key "authorized"`},
		{"huge_exponent", "{\"devices\": [\n {\"id\": \"1\", \"n\": 1e100000}]}", "snap.json:2:19: number 1e100000 has an exponent beyond ±999"},
		{"out_of_range", `{"x": -1e400}`, "snap.json:1:7: number -1e400 is out of range"},
		{"deep", `{"settings": ` + strings.Repeat("[", 100000), "snap.json:1:77: values are nested more than 64 levels deep"},
		{"invalid_utf8", "{\"tailnet\": \"ex\xc3\x28mple\"}", "snap.json:1:16: invalid UTF-8 byte 0xc3"},
		{"byte_order_mark", "\ufeff{}", "snap.json:1:1: the file starts with a byte order mark"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tailnet.Decode("snap.json", strings.NewReader(tt.doc))
			var se *source.Error
			if !errors.As(err, &se) || se.File != "snap.json" || se.Line == 0 || se.Column == 0 {
				t.Fatalf("Decode() error = %v (%T), want a *source.Error at a line and column of snap.json", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Decode() error = %q, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestDecodeSchemaErrors(t *testing.T) {
	base := func(extra string) string {
		return `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "example.com", "collectedAt": "2026-11-24T12:00:00Z"` + extra + `}`
	}
	for _, tt := range []struct {
		name, doc string
		want      []*source.Error
		at        string // where the value at fault starts in doc, for its line and column
	}{
		{"device_last_seen", base(`, "devices": [{"id": "1"}, {"id": "2"}, {"id": "3"}, {"id": "4", "lastSeen": "last tuesday"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices/3/lastSeen", Msg: `must be an RFC 3339 date-time, got "last tuesday"`}}, `"last tuesday"`},
		{"device_last_seen_feb_30", base(`, "devices": [{"id": "1", "lastSeen": "2020-02-30T00:00:00Z"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices/0/lastSeen", Msg: `"2020-02-30T00:00:00Z" is not a real date and time: day out of range`}}, `"2020-02-30`},
		{"device_last_seen_hour_24", base(`, "devices": [{"id": "1", "lastSeen": "2026-11-24T24:00:00Z"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices/0/lastSeen", Msg: `"2026-11-24T24:00:00Z" is not a real date and time: hour out of range`}}, `"2026-11-24T24`},
		{"key_expires_month_13", base(`, "keys": [{"id": "k1", "expires": "2027-13-01T00:00:00+02:00"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/keys/0/expires", Msg: `"2027-13-01T00:00:00+02:00" is not a real date and time: month out of range`}}, `"2027-13`},
		{"collected_at_feb_29_2026", `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "example.com", "collectedAt": "2026-02-29T12:00:00Z"}`,
			[]*source.Error{{File: "snap.json", Pointer: "/collectedAt", Msg: `"2026-02-29T12:00:00Z" is not a real date and time: day out of range`}}, `"2026-02-29`},
		{"device_tags_type", base(`, "devices": [{"id": "1", "tags": "tag:prod"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices/0/tags", Msg: "must be array or null, got string"}}, `"tag:prod"`},
		{"device_without_id", base(`, "devices": [{"name": "x"}]`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices/0", Msg: `missing required field "id"`}}, `{"name"`},
		{"devices_not_array", base(`, "devices": {"id": "1"}`),
			[]*source.Error{{File: "snap.json", Pointer: "/devices", Msg: "must be array, got object"}}, `{"id": "1"}`},
		{"settings_type", base(`, "settings": {"devicesApprovalOn": "yes"}`),
			[]*source.Error{{File: "snap.json", Pointer: "/settings/devicesApprovalOn", Msg: "must be boolean, got string"}}, `"yes"`},
		{"missing_tailnet", `{"schemaVersion": "tailaudit.snapshot/v1", "collectedAt": "2026-11-24T12:00:00Z"}`,
			[]*source.Error{{File: "snap.json", Pointer: "", Msg: `missing required field "tailnet"`}}, `{"schemaVersion"`},
		{"collection_error_shape", base(`, "collection": {"errors": [{"endpoint": "keys", "status": "403", "message": "x"}]}`),
			[]*source.Error{{File: "snap.json", Pointer: "/collection/errors/0/status", Msg: "must be integer, got string"}}, `"403"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tailnet.Decode("snap.json", strings.NewReader(tt.doc))
			var ve *tailnet.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Decode() error = %v, want *ValidationError", err)
			}
			for _, w := range tt.want {
				w.Line, w.Column = 1, strings.Index(tt.doc, tt.at)+1
			}
			if d := cmp.Diff(tt.want, ve.Problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if !strings.HasPrefix(err.Error(), "snap.json: does not match the snapshot schema") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestUnsupportedVersion(t *testing.T) {
	_, err := tailnet.Decode("snap.json", strings.NewReader(`{"schemaVersion": "tailaudit.snapshot/v2", "tailnet": "x", "collectedAt": "2026-11-24T12:00:00Z"}`))
	if err == nil || !strings.Contains(err.Error(), `unsupported schemaVersion "tailaudit.snapshot/v2"`) {
		t.Errorf("Decode(v2) error = %v", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	s := load(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Write, want 1 (no temporary files left)", len(entries))
	}
	back, err := tailnet.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s.Raw, back.Raw); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	// Deterministic output.
	var a, b bytes.Buffer
	if err := s.Encode(&a); err != nil {
		t.Fatal(err)
	}
	if err := back.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("Encode is not deterministic across a round trip")
	}
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	s := load(t)
	s.Raw["bad"] = func() {} // cannot be encoded
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(path); err == nil {
		t.Fatal("Write() succeeded with an unencodable value")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file after failed Write = %q, want %q", got, "old")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries after failed Write, want 1", len(entries))
	}
}

func TestNewSetAddErrorValidate(t *testing.T) {
	s := tailnet.New("example.com", time.Date(2026, 11, 24, 12, 0, 0, 0, time.FixedZone("x", 3600)), tailnet.Tool{Name: "tailaudit", Version: "test"})
	s.Set("devices", []any{map[string]any{"id": "1", "nodeId": "n1"}})
	s.AddError(tailnet.CollectionError{Endpoint: "keys", Status: 403, Message: "forbidden", Request: "GET /api/v2/tailnet/example.com/keys"})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.Raw["collectedAt"]; got != "2026-11-24T11:00:00Z" {
		t.Errorf("collectedAt = %v, want UTC", got)
	}
	want := []tailnet.CollectionError{{Endpoint: "keys", Status: 403, Message: "forbidden", Request: "GET /api/v2/tailnet/example.com/keys"}}
	if d := cmp.Diff(want, s.Errors()); d != "" {
		t.Errorf("Errors() (-want +got):\n%s", d)
	}
	s.Set("devices", []any{map[string]any{"id": "1", "lastSeen": "soon"}})
	if err := s.Validate(); err == nil {
		t.Error("Validate() accepted a bad lastSeen")
	}
}

func TestDiff(t *testing.T) {
	old := load(t)
	new := load(t)
	devs := new.Raw["devices"].([]any)
	d0 := devs[0].(map[string]any)
	d0["tags"] = []any{"tag:prod"}
	d0["lastSeen"] = "2026-11-25T00:00:00Z" // volatile: ignored
	new.Raw["devices"] = append(devs[1:], map[string]any{"id": "3", "nodeId": "nNEW", "name": "new.tail1234.ts.net"})
	new.Raw["devices"] = append(new.Raw["devices"].([]any), d0)
	// Remove alice-laptop, and change one user and one setting.
	new.Raw["devices"] = []any{d0, map[string]any{"id": "3", "nodeId": "nNEW", "name": "new.tail1234.ts.net"}}
	new.Raw["users"].([]any)[0].(map[string]any)["role"] = "admin"
	new.Raw["users"].([]any)[0].(map[string]any)["lastSeen"] = "2026-11-25T00:00:00Z"
	new.Raw["settings"].(map[string]any)["devicesApprovalOn"] = false
	new.Raw["keys"] = []any{}

	got := tailnet.Diff(old, new)
	want := &tailnet.ChangeSet{
		Devices: tailnet.ResourceChanges{
			Added:   []tailnet.Resource{{ID: "nNEW", Name: "new.tail1234.ts.net"}},
			Removed: []tailnet.Resource{{ID: "n5SUKe8CNTRL", Name: "alice-laptop.tail1234.ts.net"}},
			Changed: []tailnet.ResourceChange{{
				Resource: tailnet.Resource{ID: "n292kg92CNTRL", Name: "db-1.tail1234.ts.net"},
				Fields:   []tailnet.FieldChange{{Field: "tags", Old: []any{"tag:prod", "tag:db"}, New: []any{"tag:prod"}}},
			}},
		},
		Users: tailnet.ResourceChanges{Changed: []tailnet.ResourceChange{{
			Resource: tailnet.Resource{ID: "12345", Name: "alice@example.com"},
			Fields:   []tailnet.FieldChange{{Field: "role", Old: "owner", New: "admin"}},
		}}},
		Keys:     tailnet.ResourceChanges{Removed: []tailnet.Resource{{ID: "kAbC1CNTRL"}}},
		Settings: []tailnet.FieldChange{{Field: "devicesApprovalOn", Old: true, New: false}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Diff (-want +got):\n%s", d)
	}
	if !tailnet.Diff(old, load(t)).Empty() {
		t.Error("Diff of identical snapshots is not empty")
	}
}

func TestDiffNumbers(t *testing.T) {
	a, b := load(t), load(t)
	a.Raw["settings"].(map[string]any)["devicesKeyDurationDays"] = json.Number("180")
	b.Raw["settings"].(map[string]any)["devicesKeyDurationDays"] = json.Number("180.0")
	if d := tailnet.Diff(a, b); !d.Empty() {
		t.Errorf("180 and 180.0 differ: %+v", d.Settings)
	}
	a.Raw["devices"].([]any)[0].(map[string]any)["bigCounter"] = json.Number("9007199254740993")
	b.Raw["devices"].([]any)[0].(map[string]any)["bigCounter"] = json.Number("9007199254740992")
	if d := tailnet.Diff(a, b); d.Empty() {
		t.Error("distinct large integers compare equal")
	}
}

func TestSchemaJSON(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(tailnet.SchemaJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
}

func FuzzDecode(f *testing.F) {
	valid, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(`{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "x", "collectedAt": "2026-11-24t12:00:00z", "devices": [{"id": "1"}]}`))
	f.Add([]byte(`{"devices": {"a": [1,,2]}}`))
	f.Add([]byte("{\"a\" \n 1}"))
	f.Add([]byte(`{"devices": [{"id": "1", "id": "2"}], "devices": []}`))
	f.Add([]byte(`{"devices": [{"id": "1", "n": 1e999999}], "x": [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]}`))
	f.Add([]byte("{\"tailnet\": \"\\u0061\xc3\", \"\\u0074ailnet\": 1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := tailnet.Decode("fuzz.json", bytes.NewReader(data))
		if err != nil {
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, se := range source.All(err) {
				if se.Line != 0 && (se.Line > lines || se.Column < 1) {
					t.Fatalf("error at %d:%d, outside input of %d lines: %v", se.Line, se.Column, lines, err)
				}
			}
			return
		}
		// Whatever loads must write and load back unchanged.
		var buf bytes.Buffer
		if err := s.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := tailnet.Decode("again.json", &buf)
		if err != nil {
			t.Fatalf("re-decoding encoded snapshot: %v", err)
		}
		if d := cmp.Diff(s.Raw, back.Raw); d != "" {
			t.Fatalf("round trip (-want +got):\n%s", d)
		}
	})
}

// TestSchemaErrorPlaces checks that schema problems are placed at the line and column of the value
// at fault, in streamed arrays, in other top-level values and in the message.
func TestSchemaErrorPlaces(t *testing.T) {
	doc := `{
  "schemaVersion": "tailaudit.snapshot/v1",
  "tailnet": "example.com",
  "collectedAt": "2026-11-24T12:00:00Z",
  "devices": [
    {"id": "1"},
    {
      "id": "2",
      "authorized": "yes"
    }
  ],
  "settings": {
    "devicesApprovalOn":
      "maybe"
  }
}`
	_, err := tailnet.Decode("snap.json", strings.NewReader(doc))
	for _, want := range []string{
		"snap.json:9:21: /devices/1/authorized: must be boolean, got string",
		"snap.json:14:7: /settings/devicesApprovalOn: must be boolean, got string",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode() error = %v, want it to contain %q", err, want)
		}
	}
}
