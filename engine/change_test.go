package engine_test

import (
	"context"
	"testing"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/policies"
)

// TestChangeInput checks that with a base, the change rules see the access diff and their findings
// are located in the changed file; without one they are not assessed.
func TestChangeInput(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	parse := func(name, src string) *policyfile.File {
		f, err := policyfile.Parse(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	base := parse("base.hujson", `{"groups": {"group:ops": ["o@example.com"]}, "grants": [{"src": ["group:ops"], "dst": ["autogroup:internet"], "ip": ["*"]}]}`)
	head := parse("head.hujson", "{\"groups\": {\"group:ops\": [\"o@example.com\"]},\n\"grants\": [\n  {\"src\": [\"group:ops\"], \"dst\": [\"autogroup:internet\"], \"ip\": [\"*\"]},\n  {\"src\": [\"autogroup:member\"], \"dst\": [\"autogroup:internet\"], \"ip\": [\"*\"]},\n]}")
	rep, err := eng.Evaluate(ctx, engine.Input{Policy: head, Base: base, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got *finding.Finding
	for i, f := range rep.Findings {
		if f.Rule.ID == "TA-CHG-008" && f.Result == finding.Fail {
			got = &rep.Findings[i]
		}
	}
	if got == nil {
		t.Fatalf("no TA-CHG-008 finding: %+v", rep.Findings)
	}
	if want := (finding.Location{File: "head.hujson", Line: 4, Column: 3, Path: "/grants/1"}); *got.Location != want {
		t.Errorf("TA-CHG-008 at %+v, want %+v", *got.Location, want)
	}

	rep, err = eng.Evaluate(ctx, engine.Input{Policy: head, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Rule.ID == "TA-CHG-008" && f.Result != finding.NotAssessed {
			t.Errorf("without a base TA-CHG-008 is %s, want not assessed", f.Result)
		}
	}
}
