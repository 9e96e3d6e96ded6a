package engine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/policies"
)

// TestParamDeclarations checks that every parameter a rule passes to params.merged is declared
// with a type and range in its METADATA, that defaults fit, and that rules sharing a parameter
// declare it alike.
func TestParamDeclarations(t *testing.T) {
	for _, tt := range []struct{ dir, want string }{
		{"testdata/params_undeclared", "params_undeclared/acls.rego:10:15: params.merged in tailaudit.policy.params_undeclared: parameter maxAcls has no declaration"},
		{"testdata/params_bad_default", "params_bad_default/acls.rego:12:15: params.merged in tailaudit.policy.params_bad_default: the default of maxAcls does not fit its declaration: want an integer of at least 5, got 2"},
		{"testdata/params_missing_default", "params_missing_default/acls.rego:13:15: params.merged in tailaudit.policy.params_missing_default: custom.params declares minAcls, which has no default here"},
		{"testdata/params_bad_spec", "params_bad_spec/acls.rego:1: METADATA of tailaudit.policy.params_bad_spec: custom.params.maxAcls: type must be one of integer, number"},
		{"testdata/params_conflict", "custom.params.staleDays is an integer, but TA-DEV-004 declares it as an integer from 1 to 3650"},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			_, err := engine.New(context.Background(), engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs(tt.dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestCheckParams checks values against the declarations: a wrong type or a value out of range is
// an error naming the parameter and the rules that read it, before any rule runs.
func TestCheckParams(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs("testdata/params_ok"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		params string
		want   []string
	}{
		{"defaults", `{}`, nil},
		{"good_values", `{"maxAcls": 4, "maxCheckPeriod": "8h", "staleDays": 60, "sensitiveTags": ["tag:prod"], "minClientVersion": "v1.82", "maxLogDelayHours": 1.5}`, nil},
		{"check_period_forever", `{"maxCheckPeriod": "forever"}`, []string{`params.maxCheckPeriod: want a duration such as "12h" from 1m0s to 168h0m0s, got "forever" (read by TA-SSH-004)`}},
		{"check_period_too_long", `{"maxCheckPeriod": "200h"}`, []string{`params.maxCheckPeriod: want a duration such as "12h" from 1m0s to 168h0m0s, got "200h" (read by TA-SSH-004)`}},
		{"stale_days_abc", `{"staleDays": "abc"}`, []string{`params.staleDays: want an integer from 1 to 3650, got "abc" (read by TA-DEV-004)`}},
		{"stale_days_fraction", `{"staleDays": 1.5}`, []string{`params.staleDays: want an integer from 1 to 3650, got 1.5 (read by TA-DEV-004)`}},
		{"stale_days_zero", `{"staleDays": 0}`, []string{`params.staleDays: want an integer from 1 to 3650, got 0 (read by TA-DEV-004)`}},
		{"tags_not_list", `{"sensitiveTags": "tag:prod"}`, []string{`params.sensitiveTags: want a list of strings, got "tag:prod" (read by TA-ACL-004, TA-ACL-005, TA-ALERT-017, TA-CHG-001, TA-FLOW-004)`}},
		{"tags_item_number", `{"sensitiveTags": ["tag:prod", 5]}`, []string{`params.sensitiveTags: item 1: want a string, got 5 (read by TA-ACL-004, TA-ACL-005, TA-ALERT-017, TA-CHG-001, TA-FLOW-004)`}},
		{"version_word", `{"minClientVersion": "latest"}`, []string{`params.minClientVersion: want a version such as "1.80.0", got "latest" (read by TA-DEV-005)`}},
		{"custom_rule_range", `{"maxAcls": 11}`, []string{`params.maxAcls: want an integer from 1 to 10, got 11 (read by T-PAR-001)`}},
		{"unknown", `{"staleDay": 30}`, []string{"params.staleDay: no loaded rule has this parameter (known: adminTags, broadGroupSize, broadSources, changeWindows, exitTrafficBytes, inactiveUserDays, maxAcls,"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.params))
			dec.UseNumber()
			var params map[string]any
			if err := dec.Decode(&params); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range eng.CheckParams(params) {
				got = append(got, e.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("CheckParams() = %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("CheckParams()[%d] = %q, want prefix %q", i, got[i], tt.want[i])
				}
			}
			_, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{}`), Params: params, Now: now})
			if (err != nil) != (tt.want != nil) {
				t.Errorf("Evaluate() error = %v, want one: %v", err, tt.want != nil)
			}
		})
	}
}

// TestParamsReachRules checks that a declared parameter still reaches the rule.
func TestParamsReachRules(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs("testdata/params_ok"))
	if err != nil {
		t.Fatal(err)
	}
	pol := mustPolicy(t, `{"acls": [
		{"action": "accept", "src": ["a@example.com"], "dst": ["b@example.com:22"]},
		{"action": "accept", "src": ["b@example.com"], "dst": ["a@example.com:22"]},
	]}`)
	var got []string
	for _, limit := range []any{json.Number("1"), 2} {
		rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: pol, Params: map[string]any{"maxAcls": limit}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, results(rep)["T-PAR-001"])
	}
	if d := cmp.Diff([]string{"fail: 2 ACLs, more than 1", "pass: no problems found"}, got); d != "" {
		t.Errorf("T-PAR-001 (-want +got):\n%s", d)
	}
}
