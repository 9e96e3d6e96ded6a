package builtins

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestDeviceIndexIsTheEvaluations checks that tailscale.device reads the index the evaluation's
// Cache keeps, built once for every query (an alert run makes one query per event around the same
// snapshot term), and that a snapshot other than the evaluated input's is indexed on its own,
// leaving the Cache's alone.
func TestDeviceIndexIsTheEvaluations(t *testing.T) {
	term := func(v any) *ast.Term {
		val, err := ast.InterfaceToValue(v)
		if err != nil {
			t.Fatal(err)
		}
		return ast.NewTerm(val)
	}
	tailnet := term(map[string]any{"devices": []any{map[string]any{"nodeId": "n1", "addresses": []any{"100.64.0.1"}}}})
	other := term(map[string]any{"devices": []any{map[string]any{"nodeId": "n1", "addresses": []any{"100.64.0.1"}}}})
	f := deviceFunction()
	pq, err := rego.New(rego.FunctionDyn(f.Decl, f.Impl), rego.Query(`x := tailscale.device(input.tailnet, "100.64.0.1").nodeId`)).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache(ast.NewObject([2]*ast.Term{ast.StringTerm("tailnet"), tailnet}), nil, nil)
	eval := func(tn *ast.Term, event string) {
		t.Helper()
		input := ast.NewObject([2]*ast.Term{ast.StringTerm("event"), ast.StringTerm(event)}, [2]*ast.Term{ast.StringTerm("tailnet"), tn})
		rs, err := pq.Eval(context.Background(), rego.EvalParsedInput(input), rego.EvalInterQueryBuiltinValueCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Bindings["x"] != "n1" {
			t.Fatalf("event %s: got %v, want n1", event, rs)
		}
	}
	eval(other, "e0")
	if cache.devices != nil {
		t.Fatalf("another snapshot's devices went into the evaluation's index: %v", cache.devices)
	}
	eval(tailnet, "e1")
	first := cache.devices
	if first == nil || first["100.64.0.1"] == nil {
		t.Fatalf("the evaluation's index was not kept: %v", first)
	}
	first["kept"] = first["100.64.0.1"] // marks the index, to see the next query read this one
	eval(tailnet, "e2")
	if cache.devices["kept"] == nil {
		t.Errorf("the second query built the index again")
	}
}
