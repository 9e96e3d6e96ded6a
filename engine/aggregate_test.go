package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
)

// TestAggregateMetadata reads custom.aggregate: a list of evidence keys, possibly empty, kept on the
// rule for the renderers; anything else is a load error at the key's line.
func TestAggregateMetadata(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pkg     string
		custom  string
		want    *finding.Aggregate
		wantErr string
	}{
		{"absent", "tailaudit.tailnet.agg", "", nil, ""},
		{"keys", "tailaudit.tailnet.agg", "#   aggregate: [clientVersion, minClientVersion]\n", &finding.Aggregate{By: []string{"clientVersion", "minClientVersion"}}, ""},
		{"empty_list_is_one_cause", "tailaudit.policy.agg", "#   aggregate: []\n", &finding.Aggregate{By: []string{}}, ""},
		{"not_a_list", "tailaudit.tailnet.agg", "#   aggregate: clientVersion\n", nil, "agg.rego:6: METADATA of tailaudit.tailnet.agg: custom.aggregate must be a list of evidence keys"},
		{"not_strings", "tailaudit.tailnet.agg", "#   aggregate: [1, 2]\n", nil, "custom.aggregate must be a list of evidence keys"},
		{"empty_key", "tailaudit.tailnet.agg", "#   aggregate: [\"\"]\n", nil, "custom.aggregate names an empty evidence key"},
		{"twice", "tailaudit.tailnet.agg", "#   aggregate: [a, a]\n", nil, `custom.aggregate names the evidence key "a" twice`},
		{"alert_rule", "tailaudit.alerts.agg", "#   aggregate: [a]\n", nil, "custom.aggregate is for check rules"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			set := "deny"
			if strings.HasPrefix(tt.pkg, "tailaudit.alerts.") {
				set = "alert"
			}
			src := "# METADATA\n# title: Aggregated\n# custom:\n#   id: T-AGG-001\n#   severity: low\n" + tt.custom +
				"package " + tt.pkg + "\n\n" + set + " contains {\"msg\": \"x\"} if false\n"
			e, err := engine.New(context.Background(), engine.WithRuleFiles(engine.RuleFile{Name: "agg.rego", Text: src}))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got *finding.Aggregate
			for _, r := range e.Rules() {
				if r.ID == "T-AGG-001" {
					got = r.Aggregate
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Rule.Aggregate (-want +got):\n%s", d)
			}
		})
	}
}
