package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJSONLayout checks where JSON outputs are indented: on a terminal, and everywhere with
// --indent; compact in pipes and files, and everywhere with --compact. Whatever the layout, the
// report is the same JSON value.
func TestJSONLayout(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		tty                  bool
		flags                []string
		wantStdout, wantFile bool // indented
	}{
		{"pipe", false, nil, false, false},
		{"terminal", true, nil, true, false},
		{"pipe_indent", false, []string{"--indent"}, true, true},
		{"terminal_compact", true, []string{"--compact"}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "out.sarif")
			var out, errOut bytes.Buffer
			s := &iostreams{In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: dir, OutTTY: tt.tty,
				Getenv: func(string) string { return "" },
				Now:    func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }}
			args := append([]string{"check", abs(t, demoPolicy), "-f", "json", "-f", "sarif=" + file}, tt.flags...)
			if code := run(context.Background(), args, s); code != 1 {
				t.Fatalf("exit code %d, want 1; stderr: %s", code, errOut.String())
			}
			sarif, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []struct {
				what   string
				b      []byte
				indent bool
			}{{"stdout", out.Bytes(), tt.wantStdout}, {"file", sarif, tt.wantFile}} {
				if got := bytes.Count(o.b, []byte("\n")) > 1; got != o.indent {
					t.Errorf("%s indented = %v, want %v", o.what, got, o.indent)
				}
				var want bytes.Buffer
				if err := json.Indent(&want, o.b, "", "  "); err != nil {
					t.Fatalf("%s is not JSON: %v", o.what, err)
				}
				if o.indent && want.String() != string(o.b) {
					t.Errorf("%s is not indented as json.Indent indents it", o.what)
				}
			}
		})
	}
}

// TestCompactAndIndentExclusive checks that --compact and --indent together are a usage error.
func TestCompactAndIndentExclusive(t *testing.T) {
	_, stderr, code := tailaudit(t, "", nil, "check", abs(t, demoPolicy), "--compact", "--indent")
	if code != 2 || !strings.Contains(stderr, "compact") {
		t.Errorf("exit code %d, stderr %q; want 2 and a word on --compact and --indent", code, stderr)
	}
}
