package builtins_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/builtins"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// duplicatesInRego is what tailscale.duplicates must equal: the canonical comparison written in
// Rego, as TA-DUP-001 had it before the built-in.
const duplicatesInRego = `package dup

canonical(entry) := json.marshal({key: as_set(value) | some key, value in entry}) if is_object(entry)

canonical(entry) := json.marshal(entry) if not is_object(entry)

as_set(value) := sort({x | some x in value}) if is_array(value)

as_set(value) := value if not is_array(value)

by_rego(list) := [[k, first] |
	canon := [canonical(e) | some e in list]
	some k, c in canon
	first := min({i | some i, d in canon; d == c})
	first < k
]
`

// TestDuplicatesAgreesWithRego checks tailscale.duplicates against the same comparison in Rego on
// the acls, grants and ssh of both synth shapes (which hold reordered copies) and on entries of
// every kind: lists with repeated and reordered items, nested lists (compared as they are), values
// that are not lists, entries that are not objects, numbers.
func TestDuplicatesAgreesWithRego(t *testing.T) {
	var opts []func(*rego.Rego)
	for _, f := range builtins.Functions() {
		opts = append(opts, rego.FunctionDyn(f.Decl, f.Impl))
	}
	opts = append(opts, rego.Module("dup.rego", duplicatesInRego), rego.Query(`x := data.dup.by_rego(input); y := tailscale.duplicates(input)`))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string][]any{
		"kinds": {
			map[string]any{"src": []any{"a", "b", "a"}, "dst": []any{"x:1"}},
			map[string]any{"dst": []any{"x:1"}, "src": []any{"b", "a"}},
			map[string]any{"src": []any{"b", "a"}, "dst": []any{"x:1"}, "proto": "tcp"},
			map[string]any{"src": []any{[]any{"b", "a"}}, "dst": []any{"x:1"}},
			map[string]any{"src": []any{[]any{"a", "b"}}, "dst": []any{"x:1"}},
			map[string]any{"src": []any{[]any{"b", "a"}}, "dst": []any{"x:1"}},
			"a string", []any{"b", "a"}, []any{"a", "b"}, "a string", 3, 3.5, 3,
			map[string]any{"n": []any{1, 2, 2}}, map[string]any{"n": []any{2, 1}},
			map[string]any{"app": map[string]any{"c": []any{map[string]any{"u": []any{"*"}}}}},
			map[string]any{"app": map[string]any{"c": []any{map[string]any{"u": []any{"*"}}}}},
			map[string]any{}, map[string]any{},
		},
		"empty": {},
	}
	for _, gen := range []struct {
		name string
		f    func(int64, int) []byte
	}{{"synth", synth.Policy}, {"wide", synth.PolicyWide}} {
		f, err := policyfile.Parse("policy.hujson", gen.f(3, 400))
		if err != nil {
			t.Fatal(err)
		}
		for _, section := range []string{"acls", "grants", "ssh"} {
			lists[gen.name+"/"+section], _ = f.Doc[section].([]any)
		}
	}
	found := 0
	for name, list := range lists {
		rs, err := pq.Eval(context.Background(), rego.EvalInput(list))
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v %v", name, rs, err)
		}
		want, got := rs[0].Bindings["x"], rs[0].Bindings["y"]
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-Rego +tailscale.duplicates):\n%s", name, d)
		}
		found += len(got.([]any))
	}
	if found < 10 {
		t.Errorf("%d duplicates found in all lists; the comparison proves little", found)
	}
}
