package builtins

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/internal/access"
)

// TestToTermIsTheJSONTerm checks toTerm against what OPA reads from the value's JSON, the way the
// built-ins' answers were made before toTerm converted them directly: every kind of value the
// built-ins answer with, and the ones JSON changes (strings that are not valid UTF-8, HTML
// characters, floats, structs).
func TestToTermIsTheJSONTerm(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"bools", []any{true, false}},
		{"ints", []any{0, -1, 65535, 1 << 40}},
		{"strings", []any{"", "tag:prod", "a<b>&c", "ünï\u2028", "\x00\x1f\"\\"}},
		{"invalid utf-8", []any{"bad\xffbyte", "\xc3", map[string]any{"k\xfe": "v"}}},
		{"floats", []any{1.5, 1e21, 1e-7, 100.0}},
		{"string list", []string{"b", "a", "b"}},
		{"nested", map[string]any{"refs": []any{map[string]any{"path": []any{"policy", "acls", 3, "src", 0}, "alias": "group:eng"}}, "named": map[string]any{}}},
		{"empty", map[string]any{"a": []any{}, "b": []string{}, "c": map[string]any{}}},
		{"structs", map[string]any{"prefix": netip.MustParsePrefix("10.0.0.0/8"), "because": []access.Because{{Path: []any{"acls", 1}}}}},
		{"typed maps", map[string]any{"m": map[string][]string{"x": {"y"}}, "n": map[string]int{"z": 2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ast.ValueFromReader(strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			got, err := toTerm(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got.Value.Compare(want) != 0 || got.String() != want.String() {
				t.Errorf("toTerm(%#v) = %s, want %s", tt.v, got, want)
			}
		})
	}
}
