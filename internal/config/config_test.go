package config_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/config"
)

func TestParse(t *testing.T) {
	src := `{
	// Gate on medium and above in this repository.
	"failOn": "Medium",
	"rules": ["./rules", "/abs/rules"],
	"params": {"maxCheckPeriod": "8h"},
	"retentionMonths": {"iso27001": 24},
	"waivers": [
		{"rule": "TA-SSH-001", "path": "/ssh/2", "reason": "break-glass", "by": "sec@example.com", "expires": "2027-01-31"},
		{"rule": "TA-DEV-004", "resource": "db-1", "reason": "decommissioning", "by": "ops@example.com", "expires": "2026-12-31",},
	],
}`
	cfg, err := config.Parse("repo/.tailaudit.hujson", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(src))
	want := &config.Config{
		Path:     "repo/.tailaudit.hujson",
		SHA256:   hex.EncodeToString(sum[:]),
		FailOn:   finding.Medium,
		RuleDirs: []string{"repo/rules", "/abs/rules"},
		Params:   map[string]any{"maxCheckPeriod": "8h"},
		ParamsAt: map[string]finding.Location{"maxCheckPeriod": {File: "repo/.tailaudit.hujson", Line: 5, Column: 31}},
		Waivers: []finding.Waiver{
			{Rules: []string{"TA-SSH-001"}, Path: "/ssh/2", Reason: "break-glass", By: "sec@example.com", Expires: "2027-01-31",
				Source: "repo/.tailaudit.hujson:8", Written: finding.Location{File: "repo/.tailaudit.hujson", Line: 8, Column: 3}},
			{Rules: []string{"TA-DEV-004"}, Resource: "db-1", Reason: "decommissioning", By: "ops@example.com", Expires: "2026-12-31",
				Source: "repo/.tailaudit.hujson:9", Written: finding.Location{File: "repo/.tailaudit.hujson", Line: 9, Column: 3}},
		},
		RetentionMonths: map[string]int{"iso27001": 24},
	}
	if d := cmp.Diff(want, cfg); d != "" {
		t.Errorf("Parse() (-want +got):\n%s", d)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      string
	}{
		{"not_hujson", "{\n  failOn: high\n}", ".tailaudit.hujson:2:3: invalid HuJSON"},
		{"unclosed_string_value", "{\n  \"failOn\": \"high,\n  \"rules\": [\"./rules\"],\n}", ".tailaudit.hujson:2:13: string is not closed"},
		{"unclosed_string_key", "{\n  \"failOn: high\n}", ".tailaudit.hujson:2:3: string is not closed"},
		{"unclosed_string_at_end", "{\"rules\": [\"./ru", ".tailaudit.hujson:1:12: string is not closed"},
		{"unclosed_string_escaped_quote", "{\"failOn\": \"high\\\"}\n", ".tailaudit.hujson:1:12: string is not closed"},
		{"unexpected_end", "{\"failOn\": \"high\"", ".tailaudit.hujson:1:18: invalid HuJSON: unexpected end of file"},
		{"unknown_setting", "{\n  \"failon\": \"high\",\n  \"rule\": []\n}", `.tailaudit.hujson:3:3: unknown setting "rule"`},
		{"bad_fail_on", "{\"failOn\": \"severe\"}", `.tailaudit.hujson:1:2: failOn: unknown severity "severe"`},
		{"wrong_type", "{\"rules\": \"./rules\"}", ".tailaudit.hujson:1:20: rules: want []string, got string"},
		{"waiver_without_reason", "{\"waivers\": [\n  {\"rule\": \"X-1\", \"path\": \"/a\", \"by\": \"me\", \"expires\": \"2027-01-01\"},\n]}", ".tailaudit.hujson:2:3: waivers[0]: reason is required"},
		{"waiver_two_scopes", "{\"waivers\": [{\"rule\": \"X-1\", \"path\": \"/a\", \"resource\": \"b\", \"reason\": \"r\", \"by\": \"me\", \"expires\": \"2027-01-01\"}]}", "give exactly one of fingerprint, path or resource"},
		{"waiver_bad_date", "{\"waivers\": [{\"rule\": \"X-1\", \"path\": \"/a\", \"reason\": \"r\", \"by\": \"me\", \"expires\": \"next year\"}]}", `expires must be a date like 2027-01-31, not "next year"`},
		{"waiver_relative_path", "{\"waivers\": [{\"rule\": \"X-1\", \"path\": \"ssh/2\", \"reason\": \"r\", \"by\": \"me\", \"expires\": \"2027-01-01\"}]}", "path must be a JSON pointer"},
		// The guards every input parser shares: a million [ once overflowed the stack.
		{"million_brackets", strings.Repeat("[", 1<<20), ".tailaudit.hujson:1:65: values are nested more than 64 levels deep"},
		{"deep_params", "{\"params\": {\"x\": " + strings.Repeat("{\"a\": ", 100) + "1" + strings.Repeat("}", 100) + "}}", ".tailaudit.hujson:1:"},
		{"duplicate_setting", "{\n  \"failOn\": \"low\",\n  \"failOn\": \"critical\"\n}", `.tailaudit.hujson:3:3: duplicate key "failOn" (first written at line 2)`},
		{"duplicate_param", "{\"params\": {\"staleDays\": 30, \"staleDays\": 9999}}", `.tailaudit.hujson:1:30: duplicate key "staleDays"`},
		{"huge_exponent", "{\"params\": {\"staleDays\": 1e100000}}", ".tailaudit.hujson:1:26: number 1e100000 has an exponent beyond ±999"},
		{"invalid_utf8", "{\"failOn\": \"hi\xffgh\"}", ".tailaudit.hujson:1:15: invalid UTF-8 byte 0xff"},
		{"empty", " \n", ".tailaudit.hujson:1:1: file is empty"},
		{"byte_order_mark", "\ufeff{}", ".tailaudit.hujson:1:1: the file starts with a byte order mark"},
		{"retention_not_months", "{\"retentionMonths\": {\"iso27001\": 0}}", `.tailaudit.hujson:1:22: retentionMonths.iso27001: 0 is not a number of months`},
		{"retention_not_integer", "{\"retentionMonths\": {\"soc2\": 1.5}}", ".tailaudit.hujson:1:"},
		{"too_large", "{}" + strings.Repeat(" ", config.MaxSize), ".tailaudit.hujson:1:10485761: file is 10.0 MB; config files larger than 10 MB are not read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse(".tailaudit.hujson", []byte(tt.src))
			var cerr *source.Error
			if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() error = %v, want *source.Error containing %q", err, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Find("", dir)
	if err != nil || cfg.FailOn != finding.High || cfg.Path != "" {
		t.Fatalf("Find() with no file = %+v, %v; want defaults", cfg, err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(`{"failOn": "low"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if cfg, err = config.Find("", dir); err != nil || cfg.FailOn != finding.Low {
		t.Fatalf("Find() = %+v, %v; want failOn low from the file", cfg, err)
	}
	if _, err := config.Find(filepath.Join(dir, "missing.hujson"), dir); err == nil {
		t.Error("Find() with a named missing file succeeded")
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"failOn": "low", "rules": ["./rules"], "params": {"staleDays": 30}}`,
		"{\n  // a comment\n  \"waivers\": [{\"rule\": \"X-1\", \"path\": \"/a\", \"reason\": \"r\", \"by\": \"me\", \"expires\": \"2027-01-01\"},],\n}",
		`[[[[[[[[`, `{"failOn": "low", "failOn": "high"}`, `{"params": {"x": 1e100000}}`, "\xef\xbb\xbf{}", "{\"a\": \"\xff\"}",
		`{"rules": "x"}`, "{\"failOn\": \"high", "{\"failOn\": /* open",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		_, err := config.Parse(".tailaudit.hujson", src)
		if err == nil {
			return
		}
		var cerr *source.Error
		if !errors.As(err, &cerr) {
			t.Fatalf("error %v is not a *source.Error", err)
		}
		if lines := strings.Count(string(src), "\n") + 1; cerr.Line > lines || cerr.Line > 0 && cerr.Column < 1 {
			t.Fatalf("error %v is outside the input's %d lines", err, lines)
		}
	})
}
