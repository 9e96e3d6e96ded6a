package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesLintArgs(t *testing.T) {
	testParse(t, newRulesLintCmd, []parseCase[rulesLintOptions]{
		{"builtin", "", &rulesLintOptions{Format: "text"}},
		{"dirs", "rules more", &rulesLintOptions{Dirs: []string{"rules", "more"}, Format: "text"}},
		{"sarif", "rules -f sarif", &rulesLintOptions{Dirs: []string{"rules"}, Format: "sarif"}},
		{"github", "rules --format github", &rulesLintOptions{Dirs: []string{"rules"}, Format: "github"}},
		{"unknown_format", "rules -f junit", nil},
	})
}

// lintRule is a clean rule; lintTest its clean test, with a firing and a silent case.
const lintRule = `# METADATA
# title: Finance reaches prod
# custom:
#   id: ACME-FIN-001
#   severity: high
package tailaudit.policy.finance

deny contains "finance reaches prod" if {
	some acl in input.policy.acls
	"group:finance" in acl.src
}
`

const lintTest = `package tailaudit.policy.finance_test

import data.tailaudit.policy.finance

test_fires if {
	count(finance.deny) == 1 with input as {"policy": {"acls": [{"src": ["group:finance"]}]}}
}

test_silent if {
	results := finance.deny with input as {"policy": {"acls": [{"src": ["group:eng"]}]}}
	count(results) == 0
}
`

// TestRulesLintFindsEachMistake writes a rule directory with one mistake and checks that lint
// reports it, of its kind, at its line (and column where OPA gives one), and nothing else.
func TestRulesLintFindsEachMistake(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string // over finance.rego and finance_test.rego
		want  string            // the only problem: file:line[:col]: ... [check]
	}{
		{"clean", nil, ""},
		{"syntax", map[string]string{"finance.rego": strings.Replace(lintRule, "some acl in", "some acl in in", 1)}, "finance.rego:9:"},
		{"unused_variable", map[string]string{"finance.rego": strings.Replace(lintRule, `"group:finance" in acl.src`, "\"group:finance\" in acl.src\n\tx := 1", 1)}, "finance.rego:11:2: assigned var x unused [compile]"},
		{"network_builtin", map[string]string{"finance.rego": strings.Replace(lintRule, `"group:finance" in acl.src`, "\"group:finance\" in acl.src\n\thttp.send({\"method\": \"get\", \"url\": \"https://example.com\"})", 1)}, "finance.rego:11:2: undefined function http.send (network built-ins are off"},
		{"not_formatted", map[string]string{"finance.rego": strings.Replace(lintRule, "\tsome acl", "    some acl", 1)}, "finance.rego:9:1: not formatted as opa fmt writes it"},
		{"missing_id", map[string]string{"finance.rego": strings.Replace(lintRule, "#   id: ACME-FIN-001\n", "", 1)}, "finance.rego:1: METADATA of tailaudit.policy.finance: custom.id is required"},
		{"unknown_severity", map[string]string{"finance.rego": strings.Replace(lintRule, "severity: high", "severity: urgent", 1)}, "finance.rego:1: METADATA of tailaudit.policy.finance: custom.severity"},
		{"unknown_control", map[string]string{"finance.rego": strings.Replace(lintRule, "severity: high", "severity: high\n#   controls: {soc2: [CC99.9]}", 1)}, `unknown control "CC99.9" [metadata]`},
		{"duplicate_id", map[string]string{"other.rego": strings.Replace(lintRule, "policy.finance", "policy.other", 1)}, "rule id ACME-FIN-001 is already used by tailaudit.policy.finance"},
		{"builtin_id", map[string]string{"finance.rego": strings.Replace(lintRule, "ACME-FIN-001", "TA-SSH-001", 1)}, "rule id TA-SSH-001 is already used"},
		{"deny_not_a_set", map[string]string{"finance.rego": strings.Replace(lintRule, `deny contains "finance reaches prod" if {`, `deny := "finance reaches prod" if {`, 1)}, "finance.rego:8:1: deny must be a partial set rule"},
		{"no_test_file", map[string]string{"finance_test.rego": ""}, "finance.rego:6:1: rule ACME-FIN-001 (tailaudit.policy.finance) has no test: add a _test.rego"},
		{"no_firing_case", map[string]string{"finance_test.rego": strings.Replace(lintTest, "count(finance.deny) == 1", "count(finance.deny) == 0", 1)}, "finance.rego:6:1: rule ACME-FIN-001 has no test that makes it fire"},
		{"no_silent_case", map[string]string{"finance_test.rego": strings.Replace(lintTest, "count(results) == 0", "count(results) == 1", 1)}, "finance.rego:6:1: rule ACME-FIN-001 has no test that keeps it silent"},
		{"silent_by_empty_set", map[string]string{"finance_test.rego": strings.Replace(lintTest, "count(results) == 0", "results == set()", 1)}, ""},
		{"silent_by_negation", map[string]string{"finance_test.rego": strings.Replace(lintTest, "count(results) == 0", "not \"finance reaches prod\" in results", 1)}, ""},
		{"fires_by_some", map[string]string{"finance_test.rego": strings.Replace(lintTest, "count(finance.deny) == 1 with", "some r in finance.deny with", 1)}, ""},
		{"unknown_policy_key", map[string]string{"finance.rego": strings.Replace(lintRule, "input.policy.acls", "input.policy.acl", 1)}, "finance.rego:9:14: no input document has this path: undefined ref: input.policy.acl[_] [input]"},
		{"unknown_acl_field", map[string]string{"finance.rego": strings.Replace(lintRule, "acl.src", "acl.source", 1)}, "finance.rego:10:21: no input document has this path: undefined ref: acl.source [input]"},
		{"unknown_device_field", map[string]string{"finance.rego": strings.Replace(lintRule, "some acl in input.policy.acls\n\t\"group:finance\" in acl.src", "some d in input.tailnet.devices\n\td.nodeID == \"n1\"", 1)}, "finance.rego:10:2: no input document has this path: undefined ref: d.nodeID [input]"},
		{"reserved_package", map[string]string{"lib.rego": "package tailaudit.lib.tailnet\n\nx := 1\n"}, "lib.rego:1:1: package tailaudit.lib.tailnet: tailaudit.lib is reserved"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"finance.rego": lintRule, "finance_test.rego": lintTest}
			for name, text := range tt.files {
				files[name] = text
			}
			for name, text := range files {
				if text != "" {
					write(t, dir, "rules/"+name, text)
				}
			}
			stdout, stderr, code := tailaudit(t, dir, nil, "rules", "lint", filepath.Join(dir, "rules"))
			stdout = strings.ReplaceAll(stdout, filepath.Join(dir, "rules")+string(filepath.Separator), "")
			if tt.want == "" {
				if code != 0 || stdout != "" {
					t.Errorf("exit code %d, want 0; stdout:\n%s%s", code, stdout, stderr)
				}
				return
			}
			if code != 1 {
				t.Errorf("exit code %d, want 1; stderr: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("got problems:\n%s\nwant the one problem %q", stdout, tt.want)
			}
		})
	}
}

func TestRulesLintBuiltinIsClean(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "rules", "lint")
	if code != 0 || stdout != "" {
		t.Errorf("rules lint of the built-in rules: exit code %d\n%s%s", code, stdout, stderr)
	}
}

func TestRulesLintNothingToCheck(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules/README.md", "no rules here")
	write(t, dir, "lib/helpers.rego", "package acme.lib\n\nx := 1\n")
	for _, tt := range []struct{ name, dir, want string }{
		{"no_rego_files", "rules", "no .rego files to check in"},
		{"no_rules", "lib", "no rules to check in"},
		{"missing", "nothere", "rule directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, dir, nil, "rules", "lint", filepath.Join(dir, tt.dir))
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestRulesLintFormats checks the machine formats carry each problem's file, line and column.
func TestRulesLintFormats(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules/finance.rego", strings.Replace(lintRule, "input.policy.acls", "input.policy.acl", 1))
	write(t, dir, "rules/finance_test.rego", lintTest)
	rules := filepath.Join(dir, "rules")
	file := filepath.ToSlash(filepath.Join(rules, "finance.rego"))

	stdout, _, code := tailaudit(t, dir, nil, "rules", "lint", rules, "-f", "json")
	var doc struct {
		Problems []struct {
			Check, File  string
			Line, Column int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 1 || len(doc.Problems) != 1 {
		t.Fatalf("json: exit code %d, %v:\n%s", code, err, stdout)
	}
	if p := doc.Problems[0]; p.Check != "input" || p.Line != 9 || p.Column != 14 {
		t.Errorf("json problem %+v, want input at 9:14", p)
	}

	stdout, _, _ = tailaudit(t, dir, nil, "rules", "lint", rules, "-f", "sarif")
	var log struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
		t.Fatalf("sarif: %v:\n%s", err, stdout)
	}
	r := log.Runs[0].Results[0]
	if loc := r.Locations[0].PhysicalLocation; r.RuleID != "input" || loc.ArtifactLocation.URI != file || loc.Region.StartLine != 9 || loc.Region.StartColumn != 14 {
		t.Errorf("sarif result %+v", r)
	}

	stdout, _, _ = tailaudit(t, dir, nil, "rules", "lint", rules, "-f", "github")
	if want := "::error file=" + file + ",line=9,col=14,title=rules lint%3A input::no input document has this path"; !strings.HasPrefix(stdout, want) {
		t.Errorf("github: %q, want it to start with %q", stdout, want)
	}
}
