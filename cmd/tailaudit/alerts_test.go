package main

import (
	"testing"
	"time"
)

func TestAlertsArgs(t *testing.T) {
	testParse(t, newAlertsCmd, []parseCase[alertsOptions]{
		{"events", "--events a.jsonl", &alertsOptions{Events: []string{"a.jsonl"}, Formats: []string{"text"}, FailOn: "high", StateWait: 30 * time.Second}},
		{"positional_and_stdin", "--events a.jsonl b/ -", &alertsOptions{Events: []string{"a.jsonl", "b/", "-"}, Formats: []string{"text"}, FailOn: "high", StateWait: 30 * time.Second}},
		{"every_flag", "--events a.jsonl --events b.json.gz --snapshot s.json --policy p.hujson --before o.json --after n.json --skip-bad --fail-on critical -f ecs=out.ndjson -f markdown --rules r --no-builtin",
			&alertsOptions{Events: []string{"a.jsonl", "b.json.gz"}, Snapshot: "s.json", Policy: "p.hujson", Before: "o.json", After: "n.json", SkipBad: true, FailOn: "critical", StateWait: 30 * time.Second,
				Formats: []string{"ecs=out.ndjson", "markdown"}, Rules: ruleSource{Dirs: []string{"r"}, NoBuiltin: true}}},
		{"drift_only", "--before o.json --after n.json", &alertsOptions{Before: "o.json", After: "n.json", Formats: []string{"text"}, FailOn: "high", StateWait: 30 * time.Second}},
		{"state_and_sinks", "--events a.jsonl --state st --state-wait 5s --sink webhook=https://h/x --sink stdout",
			&alertsOptions{Events: []string{"a.jsonl"}, FailOn: "high", State: "st", StateWait: 5 * time.Second, Sinks: []string{"webhook=https://h/x", "stdout"}}},
		{"sinks_and_format", "--events a.jsonl --state st --sink stdout -f json=a.json",
			&alertsOptions{Events: []string{"a.jsonl"}, Formats: []string{"json=a.json"}, FailOn: "high", State: "st", StateWait: 30 * time.Second, Sinks: []string{"stdout"}}},
		{"retry_only", "--state st --retry-only --sink stdout",
			&alertsOptions{FailOn: "high", State: "st", StateWait: 30 * time.Second, Sinks: []string{"stdout"}, RetryOnly: true}},
		{"status", "--state st --status -f json",
			&alertsOptions{Formats: []string{"json"}, FailOn: "high", State: "st", StateWait: 30 * time.Second, Status: true}},
		{"stdin_name", "--events - --state st --stdin-name ci.audit_1",
			&alertsOptions{Events: []string{"-"}, Formats: []string{"text"}, FailOn: "high", State: "st", StateWait: 30 * time.Second, StdinName: "ci.audit_1"}},
		{"stdin_name_without_state", "--events - --stdin-name ci", nil},
		{"stdin_name_without_stdin", "--events a.jsonl --state st --stdin-name ci", nil},
		{"stdin_name_with_a_slash", "--events - --state st --stdin-name c/i", nil},
		{"stdin_name_with_a_colon", "--events - --state st --stdin-name a:b", nil},
		{"sink_without_state", "--events a.jsonl --sink stdout", nil},
		{"status_without_state", "--status", nil},
		{"retry_only_without_sink", "--state st --retry-only", nil},
		{"retry_only_with_events", "--state st --retry-only --sink stdout --events a.jsonl", nil},
		{"status_with_events", "--state st --status --events a.jsonl", nil},
		{"nothing_to_judge", "", nil},
		{"before_without_after", "--events a.jsonl --before o.json", nil},
		{"policy_and_events_on_stdin", "--events - --policy -", nil},
		{"report_format", "--events a.jsonl -f sarif", nil},
		{"unknown_flag", "--events a.jsonl --skip-bda", nil},
	})
}
