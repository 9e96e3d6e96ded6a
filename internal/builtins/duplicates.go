package builtins

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"
)

// duplicatesFunction is tailscale.duplicates(list): [[k, first], ...] for every entry k of list
// that repeats an earlier entry, first being the index where that entry first appears. Entries are
// compared in a canonical form in which every list directly under an object entry is a sorted set,
// so entries that differ only in the order or repetition of their sources, destinations or users
// are the same rule. It equals this Rego, computed in Go:
//
//	canonical(e) := json.marshal({k: v2 | some k, v in e; v2 := as_set(v)}) if is_object(e)
//	canonical(e) := json.marshal(e) if not is_object(e)
//	as_set(v) := sort({x | some x in v}) if is_array(v)
//	as_set(v) := v if not is_array(v)
//	[[k, first] | some k, e in list; first := min({i | some i, f in list; canonical(f) == canonical(e)}); first < k]
func duplicatesFunction() Function {
	return Function{
		Decl: &rego.Function{
			Name:        "tailscale.duplicates",
			Description: "the entries of a list that repeat an earlier one, the order and repetition of their list items ignored",
			Decl:        types.NewFunction(types.Args(types.NewArray(nil, types.A)), types.NewArray(nil, types.NewArray([]types.Type{types.N, types.N}, nil))),
		},
		Impl: builtinDuplicates,
	}
}

func builtinDuplicates(_ rego.BuiltinContext, terms []*ast.Term) (*ast.Term, error) {
	list, ok := terms[0].Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("want an array, got %s", ast.ValueName(terms[0].Value))
	}
	first := make(map[string]int, list.Len())
	var out []*ast.Term
	for k := range list.Len() {
		key, err := canonicalEntry(list.Elem(k).Value)
		if err != nil {
			return nil, err
		}
		if i, seen := first[key]; seen {
			out = append(out, ast.ArrayTerm(ast.InternedTerm(k), ast.InternedTerm(i)))
			continue
		}
		first[key] = k
	}
	return ast.ArrayTerm(out...), nil
}

// canonicalEntry is json.marshal of the entry with each list under an object entry made a set, as
// OPA's json.marshal writes it (ast.JSON, then encoding/json).
func canonicalEntry(v ast.Value) (string, error) {
	if obj, ok := v.(ast.Object); ok {
		canon := ast.NewObject()
		obj.Foreach(func(key, value *ast.Term) {
			if arr, ok := value.Value.(*ast.Array); ok {
				set := ast.NewSet()
				arr.Foreach(set.Add)
				value = ast.NewTerm(set)
			}
			canon.Insert(key, value)
		})
		v = canon
	}
	x, err := ast.JSON(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(x)
	return string(b), err
}
