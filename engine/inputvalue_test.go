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
