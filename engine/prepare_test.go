package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/policies"
)

// TestShardsPreparedForPresentDocuments checks that an evaluation prepares the queries of the rules
// whose input document it has and no others (a policy-only check does not prepare the tailnet
// rules), that a later evaluation with the tailnet prepares those too, and that evaluating again
// reuses what was prepared and gives the same report.
func TestShardsPreparedForPresentDocuments(t *testing.T) {
	ctx := context.Background()
	eng, err := New(ctx, WithRuleDirs("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	prepared := func() []string {
		var out []string
		for doc, d := range eng.docs {
			if len(d.groups) > 0 {
				out = append(out, doc)
			}
		}
		slices.Sort(out)
		return out
	}
	if got := prepared(); len(got) > 0 {
		t.Fatalf("after New, prepared %v, want none", got)
	}
	if _, ok := eng.docs["tailnet"]; !ok {
		t.Fatal("testdata/rules has no tailnet rule; the test needs one")
	}
	pol, err := policyfile.Parse("policy.hujson", []byte(`{"ssh": [{"action": "accept", "src": ["group:b"], "dst": ["tag:x"], "users": ["root"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	first, err := eng.Evaluate(ctx, Input{Policy: pol, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := prepared(); !slices.Equal(got, []string{"policy"}) {
		t.Errorf("after a policy-only evaluation, prepared %v, want [policy]", got)
	}
	groups := slices.Clone(eng.docs["policy"].groups)
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{map[string]any{"nodeId": "n1", "name": "db-1", "stale": true}}}}
	if _, err := eng.Evaluate(ctx, Input{Policy: pol, Tailnet: snap, Now: now}); err != nil {
		t.Fatal(err)
	}
	if got := prepared(); !slices.Contains(got, "tailnet") {
		t.Errorf("after an evaluation with a snapshot, prepared %v, want tailnet among them", got)
	}
	again, err := eng.Evaluate(ctx, Input{Policy: pol, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(groups, eng.docs["policy"].groups) {
		t.Error("a second evaluation prepared the policy queries again")
	}
	if len(first.Findings) == 0 || !slices.EqualFunc(first.Findings, again.Findings, func(a, b finding.Finding) bool {
		return a.Rule.ID == b.Rule.ID && a.Result == b.Result && a.Message == b.Message && a.Fingerprint == b.Fingerprint
	}) {
		t.Errorf("the policy-only reports differ, or are empty: %d and %d findings", len(first.Findings), len(again.Findings))
	}
}

// TestDocumentsPreparedTogether evaluates the policy and a snapshot on an engine that has not yet
// prepared either, so that the two documents are prepared at once, with New's one compiler (custom
// rules) and with a compiler per document (the embedded rules alone), and checks that every present
// document's rules are prepared with the compiler they should be. Under -race it also checks that
// preparing two documents at once on one compiler is safe (OPA's prepare only reads a compiler it
// is given when it is given no modules).
func TestDocumentsPreparedTogether(t *testing.T) {
	ctx := context.Background()
	pol, err := policyfile.Parse("policy.hujson", []byte(`{"ssh": [{"action": "accept", "src": ["group:b"], "dst": ["tag:x"], "users": ["root"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{map[string]any{"nodeId": "n1", "name": "db-1", "stale": true}}}}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for name, opts := range map[string][]Option{
		"custom":   {WithRuleDirs("testdata/rules")},
		"embedded": {WithEmbeddedRules(policies.FS)},
	} {
		eng, err := New(ctx, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Evaluate(ctx, Input{Policy: pol, Tailnet: snap, Now: now}); err != nil {
			t.Fatal(err)
		}
		for _, doc := range []string{"policy", "tailnet"} {
			if d := eng.docs[doc]; d == nil || len(d.groups) == 0 || d.compiler == nil {
				t.Errorf("%s: the %s rules were not prepared", name, doc)
			}
		}
		if shared := eng.docs["policy"].compiler == eng.docs["tailnet"].compiler; shared != (name == "custom") {
			t.Errorf("%s: the documents share a compiler: %v", name, shared)
		}
	}
}
