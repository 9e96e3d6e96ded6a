package builtins

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/access"
	"github.com/tailaudit/tailaudit/internal/synth"
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

// TestCanonicalEntryIsJSON checks appendJSON against ast.JSON and encoding/json, the way
// canonicalEntry wrote every entry before, on values of every kind: the ones it writes and the
// ones it leaves to them (escapes, HTML characters, non-ASCII, invalid UTF-8, numbers that are not
// plain integers, non-string keys), alone and nested.
func TestCanonicalEntryIsJSON(t *testing.T) {
	for _, src := range []string{
		`{"action": "accept", "src": ["b", "a", "b"], "dst": ["tag:x:22", "*:*"], "n": 3}`,
		`{"z": {"y": [3, 1, 2], "x": null}, "a": [true, false, true], "m": [[2, 1], [1, 2]]}`,
		`{"src": ["a<b", "c&d", "e>f"], "q": "say \"hi\"", "p": "back\\slash", "t": "tab\there"}`,
		`{"src": ["é", "ü", "\u2028"], "emoji": "\ud83d\ude00"}`,
		`{"n": [1.5, 1e3, -0, 0, -12, 1.0, 100000000000000000000000]}`,
		`[1, "x", {"b": 1, "a": 2}]`, `"plain"`, `42`, `null`, `{}`, `[]`, `{"": ""}`,
	} {
		v, err := ast.ValueFromReader(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		checkCanonical(t, v)
	}
	for _, v := range []ast.Value{
		ast.NewObject([2]*ast.Term{ast.StringTerm("bad\xff"), ast.StringTerm("x")}),
		ast.NewObject([2]*ast.Term{ast.StringTerm("k"), ast.ArrayTerm(ast.StringTerm("\xc3"), ast.StringTerm("a"))}),
		ast.NewObject([2]*ast.Term{ast.IntNumberTerm(1), ast.StringTerm("one")}),
		ast.SetTerm(ast.StringTerm("b"), ast.StringTerm("a")).Value,
		ast.Number("007"), ast.Number("+5"),
	} {
		checkCanonical(t, v)
	}
}

func checkCanonical(t *testing.T, v ast.Value) {
	t.Helper()
	want, wantErr := marshalJSON(v)
	if b, ok := appendJSON(nil, v); ok && (wantErr != nil || string(b) != want) {
		t.Errorf("appendJSON(%v) = %s, want %s (err %v)", v, b, want, wantErr)
	}
	got, err := canonicalEntry(v)
	if obj, isObj := v.(ast.Object); isObj {
		canon := ast.NewObject()
		obj.Foreach(func(k, x *ast.Term) {
			if arr, ok := x.Value.(*ast.Array); ok {
				set := ast.NewSet()
				arr.Foreach(set.Add)
				x = ast.NewTerm(set)
			}
			canon.Insert(k, x)
		})
		want, wantErr = marshalJSON(canon)
	}
	if got != want || (err == nil) != (wantErr == nil) {
		t.Errorf("canonicalEntry(%v) = %q, %v, want %q, %v", v, got, err, want, wantErr)
	}
}

// TestRefTermsAreToTerm checks the reference objects tailscale.references builds against toTerm of
// the same map, on every reference of both synth shapes and on strings JSON repairs.
func TestRefTermsAreToTerm(t *testing.T) {
	var refs []access.Ref
	for _, src := range [][]byte{synth.Policy(1, 300), synth.PolicyWide(1, 300)} {
		f, err := policyfile.Parse("policy.hujson", src)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, access.References(f.Doc)...)
	}
	refs = append(refs, access.Ref{Path: []any{"acls", 0, "src\xff", 1}, Alias: "bad\xffalias", Section: "acls", Field: "src", Kind: access.RefSelector})
	b := refTerms{strings: map[string]*ast.Term{}}
	for _, r := range refs {
		want, err := toTerm(map[string]any{"path": inputPath(r.Path), "alias": r.Alias, "section": r.Section, "field": r.Field, "kind": r.Kind})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.ref(r)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.String() != want.String() {
			t.Fatalf("ref %v: got %s, want %s", r, got, want)
		}
	}
	if len(refs) < 1000 {
		t.Errorf("only %d references compared", len(refs))
	}
}
