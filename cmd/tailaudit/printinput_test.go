package main

import (
	"bytes"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// echoRule is a rule whose one result carries, as its evidence, the whole input it was given.
const echoRule = `# METADATA
# title: Echo the input
# description: Reports the input document the rule sees, as its evidence.
# custom:
#   id: TEST-ECHO-001
#   severity: info
package tailaudit.policy.echo_input

deny contains {"msg": "the input", "evidence": input}
`

// TestPrintInputIsWhatRulesSee checks that check --print-input writes the very document a rule is
// given as input: a rule that returns its input as evidence reports, for the same config, policy,
// snapshot and base, a document equal to the one printed. It also checks that nothing is evaluated
// (exit code 0 and no report, though the demo has findings at high).
func TestPrintInputIsWhatRulesSee(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".tailaudit.hujson", `{"params": {"staleDays": 45}}`)
	rules := write(t, filepath.Join(dir, "rules"), "echo.rego", echoRule)
	base := write(t, dir, "base.hujson", `{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`)
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"policy", []string{abs(t, demoPolicy)}},
		{"snapshot", []string{"--snapshot", abs(t, demoSnapshot)}},
		{"policy_snapshot_base", []string{abs(t, demoPolicy), "--snapshot", abs(t, demoSnapshot), "--base", base}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			printed, stderr, code := tailaudit(t, dir, nil, append([]string{"check", "--print-input"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("check --print-input: exit code %d, want 0; stderr: %s", code, stderr)
			}
			if strings.Contains(printed, `"findings"`) {
				t.Errorf("check --print-input wrote a report; want only the input document")
			}
			rep := checkJSON(t, dir, append(tt.args, "--rules", rules)...)
			var echoed any
			for _, f := range rep.Findings {
				if f.Rule.ID == "TEST-ECHO-001" && f.Result == finding.Fail {
					echoed = f.Evidence
				}
			}
			if echoed == nil {
				t.Fatal("the echo rule reported no input")
			}
			// Numbers are compared by value: Rego holds 23.0 as 23, the same JSON number.
			if d := cmp.Diff(numbersByValue(decodeJSON(t, []byte(printed))), numbersByValue(roundTrip(t, echoed))); d != "" {
				t.Errorf("printed input and the input the rule saw differ (-printed +seen):\n%s", d)
			}
		})
	}
}

// TestPrintInputRefusesFormat checks that --print-input with --format is a usage error.
func TestPrintInputRefusesFormat(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "check", "--print-input", abs(t, demoPolicy), "-f", "json")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--print-input") {
		t.Errorf("exit code %d, stdout %q, stderr %q; want 2, nothing, and a word on --print-input", code, stdout, stderr)
	}
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%.300s", err, b)
	}
	return v
}

// numbersByValue replaces every JSON number in v by the exact rational it denotes, written in lowest
// terms, so that 23.0 and 23 compare equal and 23.5 and 23 do not.
func numbersByValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(x))
		if !ok {
			return "not a number: " + string(x)
		}
		return "number " + r.RatString()
	case map[string]any:
		for k, e := range x {
			x[k] = numbersByValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersByValue(e)
		}
	}
	return v
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}
