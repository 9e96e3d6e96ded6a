package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/policies"
)

// TestResourceIDsAgreeWithRego checks that the ids the engine reads from snapshot items for pass
// records (resourceID) are the ids the built-in rules put in their results (the *_resource helpers
// of policies/lib/tailnet.rego), for every item shape the snapshot schema lets through. If they
// disagreed, a device a rule failed would also be counted as passed. Items are decoded as
// tailnet.Decode does (numbers kept as json.Number), or built in Go as a program calling Evaluate
// may build them, and given to Rego as Evaluate gives them.
func TestResourceIDsAgreeWithRego(t *testing.T) {
	helpers := map[string]string{"devices": "device_resource", "users": "user_resource", "keys": "key_resource", "webhooks": "webhook_resource"}
	items := map[string][]string{
		"devices": {
			`{"nodeId": "nABC123CNTRL", "id": "12345", "name": "db-1.tail.ts.net", "hostname": "db-1"}`,
			`{"nodeId": "nABC123CNTRL", "id": "12345", "hostname": "db-1"}`,
			`{"nodeId": "", "id": "12345", "name": "db-1.tail.ts.net"}`,
			`{"id": "12345", "name": "db-1.tail.ts.net"}`,
			`{"id": 12345, "name": "db-1.tail.ts.net"}`,
			`{"id": 1.5e3, "name": "db-1.tail.ts.net"}`,
			`{"id": 123456789012345678901234567890, "name": "db-1.tail.ts.net"}`,
			`{"id": true, "name": "db-1.tail.ts.net"}`,
			`{"nodeId": 42, "id": "7", "name": "db-1.tail.ts.net"}`,
			`{"nodeId": null, "id": "7", "name": "db-1.tail.ts.net"}`,
			`{"nodeId": "n1", "name": ""}`,
			`{"nodeId": "n1", "name": 5}`,
			`{"name": "db-1.tail.ts.net"}`,
			`{"id": null, "name": "db-1.tail.ts.net"}`,
			`{"id": ["12345"], "name": "db-1.tail.ts.net"}`,
			`{"id": -0, "name": "db-1.tail.ts.net"}`,
			`{"id": 1e21, "name": "db-1.tail.ts.net"}`,
		},
		"users": {
			`{"id": "u123", "loginName": "lee@acme.example", "displayName": "Lee"}`,
			`{"id": "u123", "displayName": "Lee"}`,
			`{"id": 123, "loginName": "lee@acme.example"}`,
			`{"id": 1.5e3, "loginName": "lee@acme.example"}`,
			`{"loginName": "lee@acme.example"}`,
			`{"id": "", "loginName": "lee@acme.example"}`,
			`{"id": null, "loginName": "lee@acme.example"}`,
			`{"id": {"n": 1}, "loginName": "lee@acme.example"}`,
			`{"nodeId": "n1", "id": "u1"}`,
		},
		"keys": {
			`{"id": "kABC", "description": "ci runner", "keyType": "auth"}`,
			`{"id": "kABC"}`,
			`{"id": 99, "description": "ci runner"}`,
			`{"description": "ci runner"}`,
			`{"id": "", "description": "ci runner"}`,
			`{"id": false, "description": "ci runner"}`,
		},
		"webhooks": {
			`{"endpointId": "w1", "endpointUrl": "https://hooks.example"}`,
			`{"endpointId": "", "id": "w1"}`,
		},
	}
	eng, err := New(context.Background(), WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	all, err := eng.modules.all()
	if err != nil {
		t.Fatal(err)
	}
	c, err := eng.compile(all)
	if err != nil {
		t.Fatal(err)
	}
	for collection, list := range items {
		query := "r := data.tailaudit.lib.tailnet." + helpers[collection] + "(input.item)"
		pq, err := rego.New(append(eng.regoOptions(c), rego.Query(query))...).PrepareForEval(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		check := func(label string, item map[string]any) {
			t.Helper()
			value, err := ast.InterfaceToValue(map[string]any{"item": item})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := pq.Eval(context.Background(), rego.EvalParsedInput(value))
			if err != nil {
				t.Fatalf("%s %s: %v", collection, label, err)
			}
			var regoID any = "(undefined)"
			if len(rs) == 1 {
				regoID = rs[0].Bindings["r"].(map[string]any)["id"]
			}
			if goID := resourceID(collection, item); regoID != goID {
				t.Errorf("%s %s: Rego id %#v, engine id %#v", collection, label, regoID, goID)
			}
		}
		for _, text := range list {
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			var item map[string]any
			if err := dec.Decode(&item); err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			check(text, item)
		}
		for _, id := range []any{12345, int64(-7), 12345.0, 1.5, 1e21, 123456789.0, true} {
			check(fmt.Sprintf("Go %T %v", id, id), map[string]any{"id": id, "name": "x"})
		}
	}
}
