package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFormatFlagEverywhere checks that every command that prints has the same -f/--format flag, and
// that an unknown format is a usage error (exit code 2) naming the valid ones, before anything runs.
func TestFormatFlagEverywhere(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		valid string
	}{
		{[]string{"check", demoPolicy}, "github, github-summary, json, junit, markdown, sarif, text"},
		{[]string{"test"}, "text, json"},
		{[]string{"rules", "list"}, "text, json"},
		{[]string{"rules", "show", "TA-SSH-001"}, "text, json"},
		{[]string{"frameworks", "list"}, "text, json"},
		{[]string{"frameworks", "show", "soc2"}, "text, json"},
		{[]string{"explain", demoPolicy, "--src", "group:eng"}, "text, json"},
	} {
		name := strings.Join(tt.args[:len(tt.args)-1], " ")
		t.Run(name, func(t *testing.T) {
			help, _, _ := tailaudit(t, "", nil, append(tt.args, "--help")...)
			if !strings.Contains(help, "-f, --format FORMAT") {
				t.Errorf("help has no -f, --format FORMAT flag:\n%s", help)
			}
			for _, flag := range []string{"-f", "--format"} {
				stdout, stderr, code := tailaudit(t, "", nil, append(tt.args, flag, "yaml")...)
				want := `unknown output format "yaml" (valid formats: ` + tt.valid + ")"
				if code != 2 || stdout != "" || !strings.Contains(stderr, want) || !strings.Contains(stderr, "Run 'tailaudit --help'") {
					t.Errorf("%s yaml: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, %q and the usage hint", flag, code, stdout, stderr, want)
				}
			}
		})
	}
}

// TestJSONOfRulesAndFrameworks pins the fields of the JSON that rules and frameworks print, which
// the README documents: they may grow, but these must stay.
func TestJSONOfRulesAndFrameworks(t *testing.T) {
	keys := func(t *testing.T, doc string, path ...any) []string {
		t.Helper()
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("not JSON: %v\n%.300s", err, doc)
		}
		for _, p := range path {
			switch p := p.(type) {
			case string:
				v = v.(map[string]any)[p]
			case int:
				v = v.([]any)[p]
			}
		}
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object: %v", path, v)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		stdout, stderr, code := tailaudit(t, "", nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit code %d; stderr %s", args, code, stderr)
		}
		return stdout
	}

	rule := []string{"builtin", "controls", "description", "id", "namespace", "remediation", "severity", "source", "title"}
	show := run(t, "rules", "show", "TA-SSH-001", "-f", "json")
	if d := cmp.Diff(rule, keys(t, show)); d != "" {
		t.Errorf("rules show -f json: fields (-want +got):\n%s", d)
	}
	list := run(t, "rules", "list", "-f", "json")
	if d := cmp.Diff([]string{"rules"}, keys(t, list)); d != "" {
		t.Errorf("rules list -f json: fields (-want +got):\n%s", d)
	}
	var rules struct{ Rules []json.RawMessage }
	if err := json.Unmarshal([]byte(list), &rules); err != nil || len(rules.Rules) < 60 {
		t.Fatalf("rules list -f json: %d rules (%v), want every built-in rule", len(rules.Rules), err)
	}
	var shown, listed any
	if err := json.Unmarshal([]byte(show), &shown); err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		if strings.Contains(string(r), `"id": "TA-SSH-001"`) {
			if err := json.Unmarshal(r, &listed); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d := cmp.Diff(shown, listed); d != "" {
		t.Errorf("rules list -f json describes TA-SSH-001 otherwise than rules show -f json (-show +list):\n%s", d)
	}

	fwList := run(t, "frameworks", "list", "-f", "json")
	if d := cmp.Diff([]string{"frameworks"}, keys(t, fwList)); d != "" {
		t.Errorf("frameworks list -f json: fields (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"automated", "controls", "id", "manual", "name", "partial", "retention", "version"}, keys(t, fwList, "frameworks", 0)); d != "" {
		t.Errorf("frameworks list -f json: framework fields (-want +got):\n%s", d)
	}
	fwShow := run(t, "frameworks", "show", "soc2", "-f", "json")
	if d := cmp.Diff([]string{"controls", "id", "name", "retention", "version"}, keys(t, fwShow)); d != "" {
		t.Errorf("frameworks show -f json: fields (-want +got):\n%s", d)
	}
	for _, i := range []int{0, 1, 2} {
		got := keys(t, fwShow, "controls", i)
		if !slices.Contains(got, "id") || !slices.Contains(got, "title") || slices.ContainsFunc(got, func(k string) bool {
			return !slices.Contains([]string{"checks", "frequency", "guidance", "id", "manual", "objective", "pointInTime", "population", "requirement", "title"}, k)
		}) {
			t.Errorf("frameworks show -f json: control %d has fields %q; want id, title and only catalogue fields besides", i, got)
		}
	}
}
