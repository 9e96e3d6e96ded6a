package engine

import (
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// termEvaluation is an evaluation with a policy and a snapshot document, enough to read results.
func termEvaluation() *evaluation {
	return &evaluation{
		doc: map[string]any{"policy": map[string]any{}, "tailnet": map[string]any{}},
		in:  Input{Tailnet: &tailnet.Snapshot{Name: "snap.json"}},
	}
}

// TestDecodeTermAgreesWithDecode holds the reading of results as Rego terms to the reading of the
// same results converted to Go: the same finding, path and error, for well-formed results and for
// every way a result can be wrong.
func TestDecodeTermAgreesWithDecode(t *testing.T) {
	results := []string{
		`"a message"`,
		`""`,
		`1`,
		`null`,
		`["msg"]`,
		`{"msg"}`,
		`{"msg": "device x is old"}`,
		`{"msg": "device x is old", "severity": "high"}`,
		`{"msg": "device x is old", "severity": "HIGH "}`,
		`{"msg": "device x is old", "severity": "urgent"}`,
		`{"msg": "device x is old", "severity": 3}`,
		`{"msg": ""}`,
		`{"msg": 7}`,
		`{"message": "no msg"}`,
		`{"msg": "m", "path": ["tailnet", "devices", 3]}`,
		`{"msg": "m", "path": ["tailnet", "devices", 3, "tags", 0]}`,
		`{"msg": "m", "path": ["policy", "acls", 1]}`,
		`{"msg": "m", "path": ["policy", "acls", -1]}`,
		`{"msg": "m", "path": ["policy", "acls", 1.5]}`,
		`{"msg": "m", "path": ["policy", true]}`,
		`{"msg": "m", "path": ["nowhere", 1]}`,
		`{"msg": "m", "path": []}`,
		`{"msg": "m", "path": "policy"}`,
		`{"msg": "m", "path": {"tailnet", "devices"}}`,
		`{"msg": "m", "resource": {"type": "device", "id": "n1", "name": "laptop"}}`,
		`{"msg": "m", "resource": {"type": "device", "id": "n1"}}`,
		`{"msg": "m", "resource": {"name": "laptop"}}`,
		`{"msg": "m", "resource": {"type": null, "id": "n1", "name": null}}`,
		`{"msg": "m", "resource": {"type": "device"}}`,
		`{"msg": "m", "resource": {"type": "device", "id": ""}}`,
		`{"msg": "m", "resource": {"type": "device", "id": 12}}`,
		`{"msg": "m", "resource": {"id": "n1", "owner": "ada"}}`,
		`{"msg": "m", "resource": {"id": "n1", 1: "x"}}`,
		`{"msg": "m", "resource": "n1"}`,
		`{"msg": "m", "evidence": {"days": 214, "tags": {"tag:a", "tag:b"}, "seen": null}}`,
		`{"msg": "m", "evidence": null}`,
		`{"msg": "m", "evidence": [1, 2.5, "x"]}`,
		`{"msg": "m", 1: "a number key"}`,
		`{"msg": "m", ["a"]: "an array key", "severity": "low"}`,
		`{"msg": "device d runs 1.72.1", "path": ["tailnet", "devices", 29726], "resource": {"type": "device", "id": "n0", "name": "d"}, "evidence": {"clientVersion": "1.72.1", "minimum": "1.80.0"}, "severity": "medium"}`,
	}
	for _, text := range results {
		t.Run(text, func(t *testing.T) {
			term := ast.MustParseTerm(text)
			ev := termEvaluation()
			gotF, gotPath, gotErr := ev.decodeTerm(finding.Warn, term)
			ev = termEvaluation()
			wantF, wantPath, wantErr := ev.decode(finding.Warn, goValue(term.Value))
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			}
			if !reflect.DeepEqual(gotF, wantF) {
				t.Errorf("finding\n%#v\nwant\n%#v", gotF, wantF)
			}
			if !reflect.DeepEqual(gotPath, wantPath) {
				t.Errorf("path %#v, want %#v", gotPath, wantPath)
			}
		})
	}
}

// TestDecodeTermReadsTheTerm checks that a well-formed result is read from its term, not converted
// to Go maps whole first: reading it takes fewer allocations than converting and decoding it.
func TestDecodeTermReadsTheTerm(t *testing.T) {
	term := ast.MustParseTerm(`{"msg": "device d runs 1.72.1", "path": ["tailnet", "devices", 29726], "resource": {"type": "device", "id": "n0", "name": "d"}, "evidence": {"clientVersion": "1.72.1"}}`)
	ev := termEvaluation()
	fromTerm := testing.AllocsPerRun(100, func() { _, _, _ = ev.decodeTerm(finding.Warn, term) })
	whole := testing.AllocsPerRun(100, func() { _, _, _ = ev.decode(finding.Warn, goValue(term.Value)) })
	if fromTerm >= whole {
		t.Errorf("reading the term takes %v allocations, converting it whole %v", fromTerm, whole)
	}
}

// TestResultTermsOrder checks that the results of a set binding come in the order converting the
// set to Go lists them, which decides the occurrence numbers of identical fingerprints.
func TestResultTermsOrder(t *testing.T) {
	set := ast.MustParseTerm(`{"b", {"msg": "a"}, "a", 3, ["x"]}`)
	want := goValue(set.Value).([]any)
	got := resultTerms(set)
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i := range got {
		if g := goValue(got[i].Value); !reflect.DeepEqual(g, want[i]) {
			t.Errorf("result %d is %v, want %v", i, g, want[i])
		}
	}
	if got := resultTerms(ast.BooleanTerm(true)); len(got) != 0 {
		t.Errorf("a boolean binding gives %d results, want none", len(got))
	}
	if got := resultTerms(nil); len(got) != 0 {
		t.Errorf("no binding gives %d results, want none", len(got))
	}
}
