package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHostileInput runs check on every file of the malformed-input corpus (testdata/malformed: deep
// nesting, invalid UTF-8, keys written twice, huge exponents, unclosed strings and comments, wrong
// types, empty files, byte order marks, NUL bytes, truncation) and on generated ones too large to
// keep in the repository (a million [, a file one byte over the size limit). Each must stop with
// exit code 2 and an error at file:line:column on stderr: never a panic, never a hang, never a
// report. make harden counts its cases.
func TestHostileInput(t *testing.T) {
	validPolicy := `{"acls": [{"action": "accept", "src": ["group:eng"], "dst": ["tag:web:443"]}], "groups": {"group:eng": ["a@example.com"]}, "tagOwners": {"tag:web": ["group:eng"]}}`
	args := map[string]func(dir, file string) []string{
		"policy": func(dir, file string) []string { return []string{"check", file} },
		"config": func(dir, file string) []string {
			return []string{"check", "--config", file, write(t, dir, "policy.hujson", validPolicy)}
		},
		"snapshot": func(dir, file string) []string { return []string{"check", "--snapshot", file} },
	}
	type hostile struct {
		kind, name string
		content    []byte // nil: the corpus file name
		want       string // what stderr must also hold
	}
	var cases []hostile
	for kind := range args {
		files, err := filepath.Glob(filepath.Join("testdata", "malformed", kind, "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no corpus for %s: %v", kind, err)
		}
		for _, f := range files {
			cases = append(cases, hostile{kind: kind, name: filepath.Base(f)})
		}
	}
	brackets := bytes.Repeat([]byte("["), 1<<20)
	overLimit := append([]byte(`{"acls": []}`), bytes.Repeat([]byte(" "), 10<<20+1-len(`{"acls": []}`))...)
	head := `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "example.com", "collectedAt": "2026-11-24T12:00:00Z", "devices": [`
	var bigSnap bytes.Buffer
	bigSnap.WriteString(head)
	for i := 0; bigSnap.Len() < 10<<20; i++ {
		bigSnap.WriteString(`{"id": "1", "name": "device", "tags": ["tag:a", "tag:b"]},` + "\n")
	}
	bigSnap.WriteString(`{"id": "2", "id": "3"}]}`)
	cases = append(cases,
		hostile{"policy", "million_brackets.hujson", brackets, ""},
		hostile{"config", "million_brackets.hujson", brackets, ""},
		hostile{"snapshot", "million_brackets.json", brackets, ""},
		// A policy file is refused by its size before it is read: there is no line to show.
		hostile{"policy", "10MB_plus_1.hujson", overLimit, "10MB_plus_1.hujson: policy file is 10.0 MB; tailaudit reads at most 10 MB"},
		hostile{"config", "10MB_plus_1.hujson", overLimit, "10MB_plus_1.hujson:1:10485761: file is 10.0 MB; config files larger than 10 MB are not read"},
		hostile{"snapshot", "10MB_then_duplicate_key.json", bigSnap.Bytes(), `: duplicate key "id"`},
	)
	for _, tc := range cases {
		t.Run(tc.kind+"/"+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, tc.name)
			content := tc.content
			if content == nil {
				var err error
				if content, err = os.ReadFile(filepath.Join("testdata", "malformed", tc.kind, tc.name)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(file, content, 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := tailaudit(t, dir, nil, args[tc.kind](dir, file)...)
			if code != 2 || stdout != "" {
				t.Errorf("exit code %d, stdout %.200q; want 2 and nothing. stderr: %.500s", code, stdout, stderr)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("stderr shows a panic: %.2000s", stderr)
			}
			located := regexp.MustCompile(regexp.QuoteMeta(file) + `:\d+:\d+: `)
			if !located.MatchString(stderr) && !strings.HasPrefix(tc.want, tc.name+": policy file is") {
				t.Errorf("stderr = %.500q; want an error at %s:line:column", stderr, file)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr = %.500q; want it to contain %q", stderr, tc.want)
			}
		})
	}
}
