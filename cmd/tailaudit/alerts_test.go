package main

import "testing"

func TestAlertsArgs(t *testing.T) {
	testParse(t, newAlertsCmd, []parseCase[alertsOptions]{
		{"events", "--events a.jsonl", &alertsOptions{Events: []string{"a.jsonl"}, Formats: []string{"text"}, FailOn: "high"}},
		{"positional_and_stdin", "--events a.jsonl b/ -", &alertsOptions{Events: []string{"a.jsonl", "b/", "-"}, Formats: []string{"text"}, FailOn: "high"}},
		{"every_flag", "--events a.jsonl --events b.json.gz --snapshot s.json --before o.json --after n.json --skip-bad --fail-on critical -f ecs=out.ndjson -f markdown --rules r --no-builtin",
			&alertsOptions{Events: []string{"a.jsonl", "b.json.gz"}, Snapshot: "s.json", Before: "o.json", After: "n.json", SkipBad: true, FailOn: "critical",
				Formats: []string{"ecs=out.ndjson", "markdown"}, Rules: ruleSource{Dirs: []string{"r"}, NoBuiltin: true}}},
		{"drift_only", "--before o.json --after n.json", &alertsOptions{Before: "o.json", After: "n.json", Formats: []string{"text"}, FailOn: "high"}},
		{"nothing_to_judge", "", nil},
		{"before_without_after", "--events a.jsonl --before o.json", nil},
		{"report_format", "--events a.jsonl -f sarif", nil},
		{"unknown_flag", "--events a.jsonl --skip-bda", nil},
	})
}
