package builtins

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

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
// OPA's json.marshal writes it (ast.JSON, then encoding/json). appendJSON writes the common values
// the way encoding/json does; a value it does not write goes through ast.JSON and encoding/json.
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
	if b, ok := appendJSON(nil, v); ok {
		return string(b), nil
	}
	return marshalJSON(v)
}

func marshalJSON(v ast.Value) (string, error) {
	x, err := ast.JSON(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(x)
	return string(b), err
}

// appendJSON appends what json.Marshal(ast.JSON(v)) writes: sets as their sorted elements,
// objects with their keys sorted. ok is false for a value it leaves to them: an object key that is
// not a string, a number or string whose writing it does not repeat.
func appendJSON(b []byte, v ast.Value) ([]byte, bool) {
	switch v := v.(type) {
	case ast.Null:
		return append(b, "null"...), true
	case ast.Boolean:
		return strconv.AppendBool(b, bool(v)), true
	case ast.Number:
		if !plainInt(string(v)) {
			return b, false // what encoding/json writes for other numbers is left to it
		}
		return append(b, v...), true
	case ast.String:
		return appendJSONString(b, string(v))
	case *ast.Array:
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendJSON(b, v.Elem(i).Value); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case ast.Set:
		b = append(b, '[')
		ok := true
		for i, x := range v.Slice() { // sorted, as ast.JSON lists them
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSON(b, x.Value); !ok {
				break
			}
		}
		return append(b, ']'), ok
	case ast.Object:
		keys := make([]string, 0, v.Len())
		values := make(map[string]ast.Value, v.Len())
		ok := true
		v.Foreach(func(k, x *ast.Term) {
			s, isString := k.Value.(ast.String)
			if !isString {
				ok = false
				return
			}
			keys = append(keys, string(s))
			values[string(s)] = x.Value
		})
		if !ok {
			return b, false
		}
		slices.Sort(keys) // encoding/json sorts a map's keys
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSONString(b, k); !ok {
				return b, false
			}
			b = append(b, ':')
			if b, ok = appendJSON(b, values[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// plainInt holds for an integer as JSON writes it: an optional minus, then 0 or digits not
// starting with 0.
func plainInt(n string) bool {
	n = strings.TrimPrefix(n, "-")
	if n == "" || (n[0] == '0' && len(n) > 1) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// appendJSONString writes s quoted when it is printable ASCII that encoding/json writes as it is
// (no quote, backslash or the HTML characters it escapes).
func appendJSONString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return b, false
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
