package policyfile

import (
	"testing"

	"github.com/tailscale/hujson"
)

// TestUnquoteIsLiteralString checks unquote's shortcut against hujson's own decoding of every kind
// of literal: plain strings, escapes, non-ASCII and invalid UTF-8, quotes and control characters,
// and the literals that are not strings.
func TestUnquoteIsLiteralString(t *testing.T) {
	for _, lit := range []string{
		`""`, `"tag:prod"`, `"group:eng@example.com"`, `"*:22,80-90"`, `"a b/c~d"`,
		`"\""`, `"a\\b"`, `"\u00e9t\u00e9"`, `"\n"`, `"\/"`, `"üñï"`, "\"bad\xffbyte\"", "\"\xc3\"",
		"\"tab\there\"", `"x"y"`, `"`, `12`, `-1.5e3`, `true`, `false`, `null`,
	} {
		if got, want := unquote(hujson.Literal(lit)), hujson.Literal(lit).String(); got != want {
			t.Errorf("unquote(%s) = %q, want %q", lit, got, want)
		}
	}
}

// FuzzUnquote holds unquote to hujson's decoding on any literal.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"tag:prod"`, `"a\"b"`, "\"\xff\"", `"é"`, `3`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		if got, want := unquote(hujson.Literal(lit)), hujson.Literal(lit).String(); got != want {
			t.Errorf("unquote(%q) = %q, want %q", lit, got, want)
		}
	})
}
