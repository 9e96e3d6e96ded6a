package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// TestInputValueIsInterfaceToValue checks that the input converted in parts is the value OPA's
// ast.InterfaceToValue gives for the whole document: with a snapshot whose arrays are split into
// several parts, one too small to split, and none.
func TestInputValueIsInterfaceToValue(t *testing.T) {
	for _, devices := range []int{0, 100, 9000} {
		t.Run(fmt.Sprintf("devices=%d", devices), func(t *testing.T) {
			doc := map[string]any{"now": "2026-11-24T12:00:00Z", "params": map[string]any{"staleDays": json.Number("30")}, "policy": map[string]any{"acls": []any{}}}
			if devices > 0 {
				raw, err := json.Marshal(synth.Snapshot(1, devices, devices/10+1, devices/20+1))
				if err != nil {
					t.Fatal(err)
				}
				d := json.NewDecoder(bytes.NewReader(raw))
				d.UseNumber()
				var snap map[string]any
				if err := d.Decode(&snap); err != nil {
					t.Fatal(err)
				}
				doc["tailnet"] = snap
			}
			want, err := ast.InterfaceToValue(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := inputValue(doc)
			if err != nil {
				t.Fatal(err)
			}
			if got.Compare(want) != 0 {
				t.Errorf("inputValue differs from ast.InterfaceToValue")
			}
		})
	}
}

// TestInputValueSharesTerms checks that the input value gives one term for every occurrence of an
// object key and of a short string, and a term of its own to each long string, and that the values
// are still those of ast.InterfaceToValue.
func TestInputValueSharesTerms(t *testing.T) {
	long := "nodekey:6ac47795ff1fae520f9d2e01b19ccf3d60d595ebbfac83fd9bb28077e70e2baa"
	item := func() any {
		return map[string]any{"os": "linux", "nodeKey": long, "tags": []any{"tag:ci"}, "n": json.Number("12345678901234567890"), "seen": nil, "ok": true}
	}
	devices := []any{item(), item()}
	doc := map[string]any{"now": "2026-11-24T12:00:00Z", "tailnet": map[string]any{"devices": devices}}
	got, err := inputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ast.InterfaceToValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(want) != 0 {
		t.Fatalf("converted value differs from ast.InterfaceToValue's")
	}
	arr, _ := got.(ast.Object).Get(ast.StringTerm("tailnet")).Value.(ast.Object).Get(ast.StringTerm("devices")).Value.(*ast.Array)
	a, b := arr.Elem(arr.Len()-2).Value.(ast.Object), arr.Elem(arr.Len()-1).Value.(ast.Object)
	keyTerm := func(o ast.Object, key string) *ast.Term {
		for _, k := range o.Keys() {
			if k.Value.Compare(ast.String(key)) == 0 {
				return k
			}
		}
		t.Fatalf("no key %s", key)
		return nil
	}
	for _, key := range []string{"os", "nodeKey", "tags"} {
		if keyTerm(a, key) != keyTerm(b, key) {
			t.Errorf("key %q is two terms", key)
		}
	}
	if a.Get(ast.StringTerm("os")) != b.Get(ast.StringTerm("os")) {
		t.Errorf("the short string value is two terms")
	}
	if a.Get(ast.StringTerm("nodeKey")) == b.Get(ast.StringTerm("nodeKey")) {
		t.Errorf("the long string value is shared; only strings of up to %d bytes should be", maxConvString)
	}
}

// TestInputConverterBound checks that the input's converter still shares a string that first
// occurs after more distinct short strings than the alert converter keeps.
func TestInputConverterBound(t *testing.T) {
	var items []any
	for i := range maxConvStrings + 10 {
		items = append(items, fmt.Sprintf("host-%d", i))
	}
	items = append(items, "1.86.2", "1.86.2")
	v, err := (&converter{limit: snapshotStrings}).value(items)
	if err != nil {
		t.Fatal(err)
	}
	arr := v.(*ast.Array)
	if arr.Elem(arr.Len()-1) != arr.Elem(arr.Len()-2) {
		t.Errorf("a string first seen after %d others is not shared", maxConvStrings+10)
	}
}

// TestConverterErrors checks that a value the converter cannot read fails as InterfaceToValue
// fails.
func TestConverterErrors(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"n": make(chan int)}}}
	_, want := ast.InterfaceToValue(doc)
	_, got := (&converter{limit: snapshotStrings}).value(doc)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Errorf("error %v, want %v", got, want)
	}
}
