package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesNewArgs(t *testing.T) {
	testParse(t, newRulesNewCmd, []parseCase[rulesNewOptions]{
		{"policy", "ACME-PCI-001 --namespace policy", &rulesNewOptions{ID: "ACME-PCI-001", Namespace: "policy", Dir: "."}},
		{"tailnet_dir", "ACME-DEV-001 --namespace tailnet --dir rules", &rulesNewOptions{ID: "ACME-DEV-001", Namespace: "tailnet", Dir: "rules"}},
		{"change", "acme-1 --namespace change", &rulesNewOptions{ID: "acme-1", Namespace: "change", Dir: "."}},
		{"no_namespace", "ACME-1", nil},
		{"unknown_namespace", "ACME-1 --namespace dns", nil},
		{"alerts", "ACME-ALERT-1 --namespace alerts", &rulesNewOptions{ID: "ACME-ALERT-1", Namespace: "alerts", Dir: "."}},
		{"no_id", "--namespace policy", nil},
		{"id_with_a_slash", "../x --namespace policy", nil},
		{"two_ids", "A-1 B-1 --namespace policy", nil},
	})
}

// TestRulesNewPassesTest scaffolds a rule for each namespace and runs the generated tests
// and the linter on them as written.
func TestRulesNewPassesTestAndLint(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	for _, ns := range ruleNamespaces {
		id := "ACME-" + strings.ToUpper(ns) + "-001"
		stdout, stderr, code := tailaudit(t, dir, nil, "rules", "new", id, "--namespace", ns, "--dir", rules)
		if code != 0 {
			t.Fatalf("rules new %s: exit code %d, stderr:\n%s", id, code, stderr)
		}
		name := strings.ToLower(strings.ReplaceAll(id, "-", "_"))
		if want := filepath.Join(rules, name+".rego") + "\n" + filepath.Join(rules, name+"_test.rego") + "\n"; stdout != want {
			t.Errorf("rules new %s: stdout %q, want %q", id, stdout, want)
		}
		if !strings.Contains(stderr, "fill in custom.controls") {
			t.Errorf("rules new %s: stderr does not ask for the controls:\n%s", id, stderr)
		}
	}
	stdout, stderr, code := tailaudit(t, dir, nil, "test", rules, "-v")
	if code != 0 {
		t.Fatalf("test: exit code %d\n%s%s", code, stdout, stderr)
	}
	if want := 2 * len(ruleNamespaces); !strings.Contains(stdout, fmt.Sprintf("PASS: %d/%d\n", want, want)) {
		t.Errorf("test: want %d passing tests:\n%s", want, stdout)
	}
	stdout, stderr, code = tailaudit(t, dir, nil, "rules", "lint", rules)
	if code != 0 || stdout != "" {
		t.Errorf("rules lint: exit code %d\n%s%s", code, stdout, stderr)
	}
}

func TestRulesNewRefuses(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	if _, stderr, code := tailaudit(t, dir, nil, "rules", "new", "ACME-1", "--namespace", "policy", "--dir", rules); code != 0 {
		t.Fatalf("first rules new: exit code %d: %s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(rules, "acme_1.rego"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, id, ns, want string
	}{
		{"same_file", "ACME-1", "tailnet", "acme_1.rego already exists"},
		{"id_in_dir", "acme-1", "policy", "acme_1.rego already exists"},
		{"builtin_id", "TA-SSH-001", "policy", "rule id TA-SSH-001 is already used by tailaudit.policy.ssh_root_accept"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, dir, nil, "rules", "new", tt.id, "--namespace", tt.ns, "--dir", rules)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
	after, _ := os.ReadFile(filepath.Join(rules, "acme_1.rego"))
	if string(after) != string(before) {
		t.Error("a refused rules new changed the existing rule")
	}
}

// TestFixtureRules runs the worked example rules' tests and lints them: they are what the README
// shows a company writing.
func TestFixtureRules(t *testing.T) {
	dir := "../../fixtures/rules"
	stdout, stderr, code := tailaudit(t, "", nil, "test", dir)
	if code != 0 || !strings.Contains(stdout, "PASS: 7/7") {
		t.Errorf("test %s: exit code %d\n%s%s", dir, code, stdout, stderr)
	}
	stdout, stderr, code = tailaudit(t, "", nil, "rules", "lint", dir)
	if code != 0 || stdout != "" {
		t.Errorf("rules lint %s: exit code %d\n%s%s", dir, code, stdout, stderr)
	}
}
