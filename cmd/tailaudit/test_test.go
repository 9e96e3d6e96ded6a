package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// acmeRule is a custom rule with one deny rule, which acmeTest covers.
const acmeRule = `# METADATA
# title: No finance to prod
# custom:
#   id: ACME-001
#   severity: high
package tailaudit.policy.acme

deny contains "finance reaches prod" if {
	some rule in input.policy.acls
	"group:finance" in rule.src
}
`

const acmeTest = `package tailaudit.policy.acme_test

import data.tailaudit.policy.acme

test_fires if count(acme.deny) == 1 with input as {"policy": {"acls": [{"src": ["group:finance"]}]}}
`

// acmeUntested are two more deny rules no test reaches: their heads are the two lines of the ten
// that stay uncovered.
const acmeUntested = `
deny contains "contractors reach prod" if {
	some rule in input.policy.acls
	"group:contractors" in rule.src
}

deny contains "interns reach prod" if {
	some rule in input.policy.acls
	"group:interns" in rule.src
}
`

// TestTestCoverage checks that coverage is that of the rule directories given, not of the built-in
// rules loaded beside them, and that --threshold fails the run below it and only then.
func TestTestCoverage(t *testing.T) {
	for _, tt := range []struct {
		name       string
		rule       string
		args       []string
		wantCode   int
		wantOut    string // a line of stdout
		wantStderr string // "" means stderr is empty
	}{
		{"covered_passes", acmeRule, []string{"--coverage", "--threshold", "100"}, 0, "COVERAGE: 100.00%", ""},
		{"covered_verbose_lists_only_the_dir", acmeRule, []string{"--coverage", "-v"}, 0, "  100.00%  rules/acme.rego", ""},
		{"partly_covered_under_threshold_fails", acmeRule + acmeUntested, []string{"--threshold", "90"}, 1, "COVERAGE: 80.00%",
			"tailaudit: coverage 80.00% is below the threshold of 90.00%\n"},
		{"partly_covered_at_threshold_passes", acmeRule + acmeUntested, []string{"--threshold", "80"}, 0, "COVERAGE: 80.00%", ""},
		{"partly_covered_verbose_names_lines", acmeRule + acmeUntested, []string{"--coverage", "-v"}, 0,
			"   77.78%  rules/acme.rego  (not covered: lines 13, 18)", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "rules/acme.rego", tt.rule)
			write(t, dir, "rules/acme_test.rego", acmeTest)
			stdout, stderr, code := tailaudit(t, dir, nil, append([]string{"test", filepath.Join(dir, "rules")}, tt.args...)...)
			stdout = strings.ReplaceAll(stdout, dir+string(filepath.Separator), "")
			if code != tt.wantCode || stderr != tt.wantStderr {
				t.Errorf("exit code %d, stderr %q; want %d, %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
			if !strings.Contains(stdout, tt.wantOut+"\n") {
				t.Errorf("stdout lacks the line %q:\n%s", tt.wantOut, stdout)
			}
			if strings.Contains(stdout, "policies/") {
				t.Errorf("coverage lists built-in files:\n%s", stdout)
			}
		})
	}
}

// TestTestSkipsTestdata checks that a rule directory's testdata directories, which hold fixtures of
// Go tests, are neither loaded nor tested: the repository's own policies directory passes as a user
// rule directory, though policies/tailnet/testdata/contract holds tests that need generated data.
func TestTestSkipsTestdata(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "rules/acme.rego", acmeRule)
	write(t, dir, "rules/acme_test.rego", acmeTest)
	write(t, dir, "rules/testdata/fixture_test.rego", "package tailaudit.fixture_test\n\ntest_needs_generated_data if data.generated.ok\n")
	write(t, dir, "rules/testdata/broken.rego", "package tailaudit.policy.broken\n\ndeny contains if {\n")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ dir, rules string }{{dir, "rules"}, {root, "policies"}} {
		t.Run(tt.rules, func(t *testing.T) {
			t.Chdir(tt.dir) // as a user runs it, from the directory that holds the rules
			stdout, stderr, code := tailaudit(t, tt.dir, nil, "test", tt.rules)
			if code != 0 {
				t.Errorf("exit code %d, want 0; stderr %s\n%s", code, stderr, stdout)
			}
			if strings.Contains(stdout, "FAIL") {
				t.Errorf("a testdata test ran:\n%s", stdout)
			}
		})
	}
}
