package assess_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/assess"
)

const goodEntry = `{"framework": "x", "control": "c3", "statement": "reviewed", "by": "ciso", "date": "2026-10-01", "expires": "2027-09-30", "evidence": "https://wiki/review"}`

func TestParseAttestations(t *testing.T) {
	src := "// reviewed quarterly\n{\"attestations\": [\n  " + goodEntry + ", // trailing comma\n]}\n"
	got, err := assess.ParseAttestations("a.hujson", []byte(src), []frameworks.Catalog{testCatalog()})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Attestation{{Framework: "x", Control: "C3", Statement: "reviewed", By: "ciso", Date: "2026-10-01", Expires: "2027-09-30", Evidence: "https://wiki/review", Source: "a.hujson:3"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseAttestations (-want +got):\n%s", d)
	}
}

func TestParseAttestationsErrors(t *testing.T) {
	entry := func(old, new string) string {
		return "{\"attestations\": [\n" + strings.Replace(goodEntry, old, new, 1) + "\n]}"
	}
	for _, tt := range []struct {
		name, src string
		want      string // file:line:column: message, in part
	}{
		{"syntax", "{\"attestations\": [\n{\"framework\": }]}", "a.hujson:2:"},
		{"not_an_object", "[]", "a.hujson:1:1: an attestations file is an object"},
		{"no_list", "{}", `a.hujson:1:1: no "attestations" array`},
		{"unknown_top_key", "{\n  \"attest\": []}", `a.hujson:2:3: unknown key "attest"`},
		{"list_not_array", "{\"attestations\": {}}", "a.hujson:1:18: attestations must be an array"},
		{"entry_not_object", "{\"attestations\": [\n 1]}", "a.hujson:2:2: attestations[0] must be an object"},
		{"unknown_field", entry(`"by"`, `"owner": "x", "by"`), `a.hujson:2:62: attestations[0]: unknown key "owner"`},
		{"repeated_field", entry(`"by"`, `"by": "x", "by"`), `a.hujson:2:73: duplicate key "by"`},
		{"not_a_string", entry(`"ciso"`, `7`), "attestations[0].by must be a string"},
		{"missing_fields", "{\"attestations\": [\n  {\"framework\": \"x\", \"control\": \"C3\"}]}", "a.hujson:2:3: attestations[0]: missing statement, by, date, expires, evidence"},
		{"bad_date", entry("2026-10-01", "2026-02-30"), `a.hujson:2:84: attestations[0].date "2026-02-30" is not a day`},
		{"bad_expiry", entry("2027-09-30", "next year"), `attestations[0].expires "next year" is not a day`},
		{"expiry_before_date", entry("2027-09-30", "2026-09-30"), "attestations[0].expires 2026-09-30 is before its date 2026-10-01"},
		{"unknown_framework", entry(`"x"`, `"sox"`), `a.hujson:2:15: attestations[0]: unknown framework "sox" (known: x)`},
		{"unknown_control", entry(`"c3"`, `"C9"`), `a.hujson:2:31: attestations[0]: x has no control "C9"`},
		{"too_deep", strings.Repeat("[", 40), "a.hujson:1:17:"},
		{"empty", " \n", "the attestations file is empty"},
		{"bad_utf8", "{\"attestations\": [\xff]}", "a.hujson:1:"},
		{"too_large", "{\"attestations\": []}" + strings.Repeat(" ", assess.MaxAttestationsSize), "attestations files larger than 1 MB are not read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := assess.ParseAttestations("a.hujson", []byte(tt.src), []frameworks.Catalog{testCatalog()})
			if err == nil {
				t.Fatalf("ParseAttestations succeeded, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if len(source.All(err)) == 0 {
				t.Errorf("error %v holds no *source.Error", err)
			}
		})
	}
}

func FuzzParseAttestations(f *testing.F) {
	f.Add([]byte("{\"attestations\": [" + goodEntry + "]}"))
	f.Add([]byte("{\"attestations\": [/* c */]}"))
	f.Add([]byte(`{"attestations": [{"framework": "x"}]}`))
	f.Add([]byte("[[[[\"\\\"]]]"))
	cats := []frameworks.Catalog{testCatalog()}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := assess.ParseAttestations("f.hujson", src, cats)
		if err != nil {
			if len(source.All(err)) == 0 {
				t.Fatalf("error %v (%T) holds no *source.Error", err, err)
			}
			return
		}
		for _, a := range got {
			if a.Framework != "x" || a.Date == "" || a.Expires < a.Date || a.By == "" {
				t.Fatalf("accepted an invalid attestation %+v", a)
			}
		}
	})
}
