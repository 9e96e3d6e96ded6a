package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/policies"
)

// results maps rule id to result and message.
func results(rep *finding.Report) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Findings {
		out[f.Rule.ID] = string(f.Result) + ": " + f.Message
	}
	return out
}

// TestRuleBudget checks that a rule that spins past its budget is an error result naming it, and
// that the other rules are still evaluated.
func TestRuleBudget(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/spin"), engine.WithRuleTimeout(50*time.Millisecond), engine.WithParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"T-SPIN-001":  "error: rule T-SPIN-001 did not finish within its evaluation budget of 50ms",
		"T-QUICK-001": "fail: the policy has no tests",
	}
	if d := cmp.Diff(want, results(rep)); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if !rep.Failed() {
		t.Error("the gate passed with a rule that timed out")
	}
}

// TestRunDeadline checks that the caller's deadline stops the whole evaluation with an error.
func TestRunDeadline(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/spin"), engine.WithRuleTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = eng.Evaluate(ctx, engine.Input{Policy: mustPolicy(t, `{}`), Now: now})
	if err == nil || !strings.Contains(err.Error(), "the run's time limit was reached") {
		t.Errorf("Evaluate() error = %v, want the run's time limit", err)
	}
}

// TestTestBudget checks that a rule test that spins past the budget fails.
func TestTestBudget(t *testing.T) {
	run, err := engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithRuleDirs("testdata/spin"), engine.WithRuleTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) != 1 || run.Results[0].Error == nil {
		t.Errorf("results = %+v, want test_spins to end in an error", run.Results)
	}
}

// TestExpandersBounded checks that numbers.range, numbers.range_step and net.cidr_expand refuse to
// build more than their documented limit, as an error result of the rule, and work below it.
func TestExpandersBounded(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithRuleDirs("testdata/expand"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := results(rep)
	for id, want := range map[string]string{
		"T-EXP-RANGE":     "error: rule T-EXP-RANGE failed to evaluate: testdata/expand/range.rego:9: eval_builtin_error: tailaudit.bounded.numbers.range: a range from 0 to 1000000000 has more than 100000 numbers",
		"T-EXP-RANGESTEP": "error: rule T-EXP-RANGESTEP failed to evaluate: testdata/expand/range_step.rego:9: eval_builtin_error: tailaudit.bounded.numbers.range_step: a range from 0 to 100000000 has more than 100000 numbers",
		"T-EXP-CIDR6":     "error: rule T-EXP-CIDR6 failed to evaluate: testdata/expand/cidr6.rego:9: eval_builtin_error: tailaudit.bounded.net.cidr_expand: \"::/0\" holds more than 65536 addresses",
		"T-EXP-CIDR4":     "error: rule T-EXP-CIDR4 failed to evaluate: testdata/expand/cidr4.rego:9: eval_builtin_error: tailaudit.bounded.net.cidr_expand: \"10.0.0.0/8\" holds more than 65536 addresses",
		"T-EXP-DYNAMIC":   "error: rule T-EXP-DYNAMIC failed to evaluate: testdata/expand/dynamic.rego:9: eval_builtin_error: tailaudit.bounded.numbers.range: a range from 0 to 1000000000 has more than 100000 numbers",
		"T-EXP-SMALL":     "fail: 100000 numbers, 65536 addresses",
	} {
		if !strings.Contains(got[id], want) {
			t.Errorf("%s = %q, want it to contain %q", id, got[id], want)
		}
	}
}

// TestUnreadableTimeIsAnError checks that a snapshot built without the loader's checks, with a
// lastSeen that names no real instant, makes the rule reading it an error result, never a pass.
func TestUnreadableTimeIsAnError(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range []string{"2020-02-30T00:00:00Z", "2026-11-24T24:00:00Z"} {
		snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{
			map[string]any{"id": "1", "nodeId": "n1", "name": "old-1", "lastSeen": ts},
			map[string]any{"id": "2", "nodeId": "n2", "name": "new-1", "lastSeen": "2026-11-24T11:00:00Z"},
		}}}
		rep, err := eng.Evaluate(context.Background(), engine.Input{Tailnet: snap, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Findings {
			if f.Rule.ID == "TA-DEV-004" {
				got = append(got, string(f.Result)+": "+f.Message)
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], "error: rule TA-DEV-004 failed to evaluate") || !strings.Contains(got[0], ts) {
			t.Errorf("lastSeen %s: TA-DEV-004 findings = %q, want one error naming the time", ts, got)
		}
	}
}

// TestExpandersMockable checks that a rule test can still replace a guarded built-in with "with".
func TestExpandersMockable(t *testing.T) {
	run, err := engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithRuleDirs("testdata/expand_mock"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) != 1 || run.Results[0].Fail || run.Results[0].Error != nil {
		t.Errorf("results = %+v, want test_range_mocked to pass", run.Results)
	}
}
