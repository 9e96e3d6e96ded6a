package policyfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
)

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for _, tt := range []struct {
		name       string
		src        string
		line, col  int
		msgContain string
	}{
		{"empty_file", "", 1, 1, "file is empty"},
		{"only_comments", "// nothing here\n", 2, 1, "unexpected end of file"},
		{"not_hujson", "acls = []\n", 1, 1, "invalid HuJSON"},
		{"missing_value", "{\n \"acls\":\n}", 3, 1, "invalid HuJSON"},
		{"unterminated_string", "{\n  \"acls\": [\"x],\n}", 2, 12, "string is not closed"},
		{"array_not_object", `[{"acls": []}]`, 1, 1, "must be a JSON object, not an array"},
		{"string_not_object", `"acls"`, 1, 1, "must be a JSON object, not a string"},
		{"acls_not_array", "{\n  \"acls\": {\"action\": \"accept\"},\n}", 2, 11, "acls: want an array, got an object"},
		{"src_is_string", "{\"acls\": [\n  {\"action\": \"accept\", \"src\": \"*\", \"dst\": [\"*:*\"]},\n]}", 2, 31, "acls[0].src: want an array, got a string"},
		{"group_member_number", `{"groups": {"group:eng": [1]}}`, 1, 27, `groups."group:eng"[0]: want a string, got a number`},
		// VALIDATION.md PF-03: no documented rule or recording has Tailscale take a lone string for a list.
		{"nodeattrs_target_is_string", `{"nodeAttrs": [{"target": "tag:x", "attr": ["funnel"]}]}`, 1, 27, "nodeAttrs[0].target: want an array, got a string"},
		{"nodeattrs_attr_is_string", `{"nodeAttrs": [{"target": ["*"], "attr": "funnel"}]}`, 1, 42, "nodeAttrs[0].attr: want an array, got a string"},
		{"test_accept_string", "{\"tests\": [{\"src\": \"a@b.c\", \"accept\": \"tag:x:22\"}]}", 1, 39, "tests[0].accept: want an array, got a string"},
		{"duplicate_key_any_case", "{\n\"acls\": [],\n\"ACLs\": [],\n}", 3, 1, `duplicate key "ACLs"`},
		{"invalid_utf8", "{\"hosts\": {\"a\": \"\xff\"}}", 1, 18, "invalid UTF-8"},
		{"deep_nesting", deep, 1, 65, "nested more than 64 levels"},
		{"deep_nesting_in_derpmap", `{"derpMap": ` + strings.Repeat(`{"a":`, 80) + "1" + strings.Repeat("}", 80) + "}", 1, 0, "nested more than 64 levels"},
		{"malformed_waiver", "{\n  // tailaudit:ignore TA-SSH-001 until=tomorrow reason=\"x\" by=me\n  \"ssh\": [],\n}", 2, 6, "until must be a date"},
		{"waiver_without_reason", "{\n  // tailaudit:ignore TA-SSH-001 until=2027-01-01 by=me\n  \"ssh\": [],\n}", 2, 6, "a reason is required"},
		{"waiver_without_by", "{\n  \"ssh\": [\n    // tailaudit:ignore TA-SSH-001 until=2027-01-01 reason=\"x\"\n    {},\n  ],\n}", 3, 8, "malformed tailaudit:ignore comment: who accepted the risk is required: by="},
		{"waiver_with_empty_by", "{\n  /* tailaudit:ignore TA-SSH-001 until=2027-01-01 reason=\"x\" by= */\n  \"ssh\": [],\n}", 2, 6, "who accepted the risk is required"},
		{"waiver_with_empty_quoted_by", "{\n  // tailaudit:ignore TA-SSH-001 until=2027-01-01 reason=\"x\" by=\"\"\n  \"ssh\": [],\n}", 2, 6, "who accepted the risk is required"},
		{"too_large", "{\"hosts\": {}}" + strings.Repeat(" ", policyfile.MaxSize), 1, policyfile.MaxSize + 1, "larger than 10 MB"},
		{"duplicate_key_same_case", "{\n\"hosts\": {\"a\": \"100.64.0.1\",\n  \"a\": \"100.64.0.2\"}}", 3, 3, `duplicate key "a" (first written at line 2)`},
		{"duplicate_key_escaped", "{\"hosts\": {\"a\": \"100.64.0.1\", \"\\u0061\": \"100.64.0.2\"}}", 1, 31, `duplicate key "a"`},
		{"huge_exponent", "{\n  \"nodeAttrs\": [{\"target\": [\"*\"], \"attr\": [1e100000]}]}", 2, 44, "number 1e100000 has an exponent beyond"},
		{"number_out_of_range", "{\"x\": 1e400}", 1, 7, "number 1e400 is out of range"},
		{"byte_order_mark", "\ufeff{}", 1, 1, "byte order mark"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policyfile.Parse("policy.hujson", []byte(tt.src))
			var perr *source.Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse() error = %v, want *source.Error", err)
			}
			if perr.File != "policy.hujson" || perr.Line != tt.line || (tt.col != 0 && perr.Column != tt.col) {
				t.Errorf("Parse() error at %s:%d:%d, want policy.hujson:%d:%d (%v)", perr.File, perr.Line, perr.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.msgContain) {
				t.Errorf("Parse() error = %q, want it to contain %q", err, tt.msgContain)
			}
		})
	}
}

// TestUnclosedString checks that a string or comment left open is reported where it starts, as an
// editor shows it, not where the parser ran out of input.
func TestUnclosedString(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      string // the whole error
	}{
		{"value_in_array", "{\n  \"acls\": [\n    {\n      \"action\": \"accept\",\n     \"dst\": [\"tag:web:443],\n    },\n  ],\n}\n",
			"p.hujson:5:14: string is not closed"},
		{"value_before_more_strings", "{\n  \"acls\": [\n    {\n      \"action\": \"accept\",\n      \"dst\": [\"tag:web:443],\n      \"src\": [\"*\"],\n    },\n  ],\n}\n",
			"p.hujson:5:15: string is not closed"},
		{"key", "{\n  \"acls: [],\n}\n", "p.hujson:2:3: string is not closed"},
		{"at_end_of_file", `{"hosts": {"a": "10.0.0.1`, "p.hujson:1:17: string is not closed"},
		{"escaped_quote_does_not_close", "{\"hosts\": {\"a\": \"x\\\"}\n}", "p.hujson:1:17: string is not closed"},
		{"backslash_before_newline", "{\"hosts\": {\"a\": \"x\\\n\"}}", "p.hujson:1:17: string is not closed"},
		{"after_a_closed_escape", "{\"hosts\": {\"a\\\\\": \"b\\\"c}}\n", "p.hujson:1:19: string is not closed"},
		{"after_comments_with_quotes", "// a \"quoted\" word\n/* and \" one */\n{\"acls\": [\"x]}\n", "p.hujson:3:11: string is not closed"},
		{"slashes_inside_a_string", "{\"hosts\": {\"a\": \"http://x\", \"b\": \"/*\"}, \"c\": \"d}\n", "p.hujson:1:46: string is not closed"},
		{"block_comment", "{\n  /* no end\n  \"acls\": [],\n}\n", "p.hujson:2:3: comment is not closed"},
		{"earlier_error_wins", "{\"acls\" [], \"x\": \"y}\n", `p.hujson:1:9: invalid HuJSON: invalid character '[' after object name`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policyfile.Parse("p.hujson", []byte(tt.src))
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse() error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestParseNormalises(t *testing.T) {
	src := `// Legacy spellings, any case.
{
	"ACLs": [
		{"Action": "allow", "Users": ["autogroup:members"], "Ports": ["tag:prod:22"]},
	],
	"TagOwners": {"tag:Prod": ["group:ops"]},
	"tests": [{"user": "a@example.com", "accept": ["tag:prod:22"]}],
	"hosts": {"MixedCase": "10.0.0.1"},
}`
	f, err := policyfile.Parse("p.hujson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(f.Doc)
	want := `{"acls":[{"action":"accept","dst":["tag:prod:22"],"src":["autogroup:member"]}],"hosts":{"MixedCase":"10.0.0.1"},"tagOwners":{"tag:Prod":["group:ops"]},"tests":[{"accept":["tag:prod:22"],"src":"a@example.com"}]}`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("Doc (-want +got):\n%s", d)
	}
	var legacy []string
	for _, l := range f.Legacy {
		legacy = append(legacy, source.Pointer(l.Path)+" "+l.Was+"→"+l.Now)
	}
	wantLegacy := []string{
		"/policy/acls/0/action allow→accept",
		"/policy/acls/0/users users→src",
		"/policy/acls/0/src/0 autogroup:members→autogroup:member",
		"/policy/acls/0/ports ports→dst",
		"/policy/tests/0/user user→src",
	}
	if d := cmp.Diff(wantLegacy, legacy); d != "" {
		t.Errorf("Legacy (-want +got):\n%s", d)
	}
}

func TestPosition(t *testing.T) {
	src := "{\n\t\"ssh\": [\n\t\t{\n\t\t\t\"action\": \"accept\",\n\t\t\t\"users\": [\"root\", \"ubuntu\"],\n\t\t},\n\t],\n\t\"ACLs\": [{\"users\": [\"*\"]}],\n" +
		"\t\"groups\": {\"a/b~c\": [\"u@x\"],\n" +
		"\t\t\"group:Dev\": [\"u@x\", \"v@x\"]},\n" +
		"\t\"derpMap\": {\"Regions\": {\"900\": {\"x\": [1, 2]}}},\n" +
		"\t\"Unknown\": {\"a\": 1},\n" +
		"\t\"hosts\": null,\n}\n"
	f, err := policyfile.Parse("p.hujson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pointer   string
		line, col int
	}{
		{"", 1, 1},
		{"/ssh", 2, 9},
		{"/ssh/0", 3, 3},
		{"/ssh/0/users/1", 5, 22},
		{"/ssh/0/users/7", 5, 13},    // no such element: the enclosing array
		{"/ssh/0/checkPeriod", 3, 3}, // not written: the enclosing rule
		{"/acls/0/src", 8, 21},       // canonical name of a legacy key
		{"/acls/0/users", 8, 21},     // the legacy name itself
		{"/nothing/at/all", 1, 1},    // falls back to the document
		{"/acls/0/users/0", 8, 21},   // nothing inside a legacy name: the value it names
		{"/acls/0/src/0", 8, 22},
		{"/ssh/0/users/01", 5, 13}, // not how Parse writes index 1
		{"/ssh/0/users/-1", 5, 13},
		{"/ssh/0/Users", 3, 3},               // keys of rules are canonical in pointers
		{"/ACLs", 1, 1},                      // and so are top-level keys
		{"/groups/a~1b~0c/0", 9, 23},         // escaped map key
		{"/groups/group:Dev/1", 10, 24},      // map keys as written
		{"/groups/group:dev", 9, 12},         // not the key written: the map
		{"/derpMap/Regions/900/x/1", 11, 43}, // unchecked values keep their keys
		{"/derpMap/regions", 11, 13},
		{"/Unknown/a", 12, 19}, // an unknown key, as written
		{"/hosts", 13, 11},     // null is a value too
		{"/hosts/x", 13, 11},
		{"acls/0", 1, 1}, // not a pointer: the document
		{"/", 1, 1},
	} {
		pos, ok := f.Position(tt.pointer)
		if !ok || pos.Line != tt.line || pos.Column != tt.col {
			t.Errorf("Position(%q) = %d:%d (%v), want %d:%d", tt.pointer, pos.Line, pos.Column, ok, tt.line, tt.col)
		}
	}
}

// TestPositionConcurrent asks for positions from several goroutines at once, as the engine does
// while it collects findings; under the race detector it fails if Position's lazily built index is
// not safe for that.
func TestPositionConcurrent(t *testing.T) {
	var b strings.Builder
	b.WriteString("{\"groups\": {\n")
	for i := range 200 {
		fmt.Fprintf(&b, "\"group:g%d\": [\"u%d@x\"],\n", i, i)
	}
	b.WriteString("}}\n")
	f, err := policyfile.Parse("p.hujson", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				ptr := fmt.Sprintf("/groups/group:g%d/0", i)
				if pos, ok := f.Position(ptr); !ok || pos.Line != i+2 || pos.Column != len(fmt.Sprintf("\"group:g%d\": [", i))+1 {
					t.Errorf("Position(%q) = %d:%d (%v), want line %d", ptr, pos.Line, pos.Column, ok, i+2)
				}
			}
		})
	}
	wg.Wait()
}

func TestInlineWaivers(t *testing.T) {
	src := `{
	"ssh": [
		// tailaudit:ignore TA-SSH-001,TA-SSH-002 until=2027-01-31 reason="break-glass account" by=sec@example.com
		{"action": "accept", "src": ["group:ops"], "dst": ["tag:prod"], "users": ["root"]},
	],
	// tailaudit:ignore TA-TEST-001 until=2026-12-01 reason="tests arrive next sprint" by=qa@example.com
	"acls": [],
	// tailaudit:ignore TA-X-001 until=2026-12-01 reason="dangling" by=me
}`
	f, err := policyfile.Parse("p.hujson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Waiver{
		{Rules: []string{"TA-SSH-001", "TA-SSH-002"}, Path: "/ssh/0", File: "p.hujson", Reason: "break-glass account", By: "sec@example.com", Expires: "2027-01-31",
			Source: "p.hujson:3", Written: finding.Location{File: "p.hujson", Line: 3, Column: 6}},
		{Rules: []string{"TA-TEST-001"}, Path: "/acls", File: "p.hujson", Reason: "tests arrive next sprint", By: "qa@example.com", Expires: "2026-12-01",
			Source: "p.hujson:6", Written: finding.Location{File: "p.hujson", Line: 6, Column: 5}},
	}
	if d := cmp.Diff(want, f.Waivers); d != "" {
		t.Errorf("Waivers (-want +got):\n%s", d)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0].Error(), "p.hujson:8:5: tailaudit:ignore comment is not on the line before a value") {
		t.Errorf("Warnings = %v, want one about the dangling comment at 8:5", f.Warnings)
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	f, err := policyfile.Parse("p.hujson", []byte("{\n  \"acl\": [],\n  \"acls\": [{\"action\": \"accept\", \"source\": []}],\n}"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		`p.hujson:2:3: unknown top-level key "acl": Tailscale does not read it`,
		`p.hujson:3:33: unknown key in acls[0] "source": Tailscale does not read it`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Warnings (-want +got):\n%s", d)
	}
}

// TestCorpus parses every real-world policy file in the shared corpus. The files SOURCES.md lists as
// invalid HuJSON or of the wrong schema must fail with a line and column; all others must parse.
func TestCorpus(t *testing.T) {
	dir := sharedcorpus.Require(t, "corpus/policies")
	wantError := map[string]int{ // file → line of the error
		"anoopkansupada__tailscale-policy__policy.hujson":                     14,
		"kaywoz__tailscale__old.hujson":                                       63,
		"Jmurp11__homelab__headscale_acl.hujson":                              1,
		"tailscale__tailscale__tsnet_example_tsnet-services_README.md.hujson": 1,
		"tailscale__terraform-provider-tailscale__examples_resources_tailscale_acl_resource.tf_as_hujson_at_73e7c60.hujson": 6,
		"cryan1988__tailscale-infra__tests_conal-access.hujson":                                                             0, // wrong schema: any line
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.hujson"))
	if len(files) == 0 {
		t.Skipf("no policy files in %s", dir)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := policyfile.Parse(name, src)
			wantLine, bad := wantError[name]
			if !bad {
				if err != nil {
					t.Fatalf("Parse() = %v, want success", err)
				}
				if len(f.Doc) == 0 && !bytes.Contains(src, []byte("{}")) {
					t.Errorf("Parse() gave an empty document")
				}
				return
			}
			var perr *source.Error
			if !errors.As(err, &perr) || perr.Line == 0 || perr.Column == 0 {
				t.Fatalf("Parse() = %v, want an error with line and column", err)
			}
			if wantLine != 0 && perr.Line != wantLine {
				t.Errorf("Parse() error at line %d, want %d: %v", perr.Line, wantLine, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`,
		"{\n// tailaudit:ignore TA-A-1 until=2027-01-01 reason=\"x\" by=me\n\"ssh\": []}",
		`{"ACLs": [{"Users": ["autogroup:members"], "Ports": ["a:1"]}], "derpMap": {"Regions": {"900": {}}}}`,
		`[`, `{"a": /* c */ 1,}`, "\xff",
		"{\n  \"acls\": [{\"dst\": [\"tag:web:443],\n  }],\n}\n", "{\"a\\\\\": \"b\\\"c}}\n", "{\n /* open \"x\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := policyfile.Parse("fuzz.hujson", src)
		if err != nil {
			var perr *source.Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is not a *source.Error", err)
			}
			if lines := bytes.Count(src, []byte("\n")) + 1; perr.Line > lines || perr.Line > 0 && perr.Column < 1 {
				t.Fatalf("error %v is outside the input's %d lines", err, lines)
			}
			return
		}
		if _, err := json.Marshal(file.Doc); err != nil {
			t.Fatalf("Doc does not marshal: %v", err)
		}
		for ptr := range map[string]bool{"": true, "/acls/0": true, "acls": true, "/groups/x/0": true} {
			file.Position(ptr)
		}
	})
}
