package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// action is the part of action.yml the test reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			Uses  string            `yaml:"uses"`
			With  map[string]string `yaml:"with"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var expression = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// TestAction runs the shell steps of action.yml (not its uses: steps) as GitHub would on a pull
// request, against a git repository with a base and a head commit, and checks the job summary, the
// step outputs and the exit status.
func TestAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tailaudit")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (GitHub's runners have it)")
	}
	root := abs(t, "../..")
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using = %q, want composite", a.Runs.Using)
	}
	if len(a.Runs.Steps) == 0 || !strings.HasPrefix(a.Runs.Steps[0].Uses, "actions/setup-go@") || a.Runs.Steps[0].With["cache-dependency-path"] == "" {
		t.Errorf("the first step should be actions/setup-go, caching on the action's go.sum")
	}
	for _, in := range []string{"policy-file", "base-ref", "fail-on", "new-only", "rules", "config", "sarif-file"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml has no input %s", in)
		}
	}
	temp := t.TempDir()

	// run executes the shell steps with inputs laid over the defaults, in the repository repo, and
	// returns the job summary, the step outputs and the last step's exit code.
	run := func(t *testing.T, repo string, inputs map[string]string) (summary string, outputs map[string]string, code int) {
		t.Helper()
		summaryFile, outputFile := filepath.Join(t.TempDir(), "summary.md"), filepath.Join(t.TempDir(), "output")
		value := func(expr string) string {
			switch {
			case expr == "github.action_path":
				return root
			case expr == "runner.temp":
				return temp
			case strings.HasPrefix(expr, "inputs."):
				name := strings.TrimPrefix(expr, "inputs.")
				if v, ok := inputs[name]; ok {
					return v
				}
				return a.Inputs[name].Default
			}
			t.Fatalf("action.yml uses ${{ %s }}, which this test does not know", expr)
			return ""
		}
		expand := func(s string) string {
			return expression.ReplaceAllStringFunc(s, func(m string) string { return value(expression.FindStringSubmatch(m)[1]) })
		}
		for _, step := range a.Runs.Steps {
			if step.Run == "" {
				continue
			}
			if step.Shell != "bash" {
				t.Fatalf("step %q has shell %q; composite run steps need shell: bash", step.Name, step.Shell)
			}
			cmd := exec.Command("bash", "-e", "-c", expand(step.Run))
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+root, "RUNNER_TEMP="+temp, "GITHUB_EVENT_NAME=pull_request",
				"GITHUB_STEP_SUMMARY="+summaryFile, "GITHUB_OUTPUT="+outputFile, "GITHUB_WORKSPACE="+repo)
			for k, v := range step.Env {
				cmd.Env = append(cmd.Env, k+"="+expand(v))
			}
			out, err := cmd.CombinedOutput()
			code = cmd.ProcessState.ExitCode()
			if err != nil && step.ID != "check" {
				t.Fatalf("step %q: %v\n%s", step.Name, err, out)
			}
			if step.ID == "check" && !strings.Contains(string(out), "::") {
				t.Errorf("the check step wrote no workflow commands (annotations):\n%s", out)
			}
		}
		s, _ := os.ReadFile(summaryFile)
		o, _ := os.ReadFile(outputFile)
		outputs = map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(o)), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				outputs[k] = v
			}
		}
		for name, out := range a.Outputs {
			if want := "${{ steps.check.outputs." + name + " }}"; out.Value != want {
				t.Errorf("action output %s = %q, want %q", name, out.Value, want)
			}
			if _, ok := outputs[name]; !ok {
				t.Errorf("the check step did not set output %s", name)
			}
		}
		return string(s), outputs, code
	}

	demo := demoEdit(t)
	for _, tt := range []struct {
		name        string
		head        string
		wantCode    int
		wantOutputs map[string]string
		wantSummary []string
	}{
		{
			name: "change_adds_access_and_a_high_finding",
			head: demoEdit(t, lastSSHRule, lastSSHRule+"\n\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:staging\"], \"users\": [\"root\"]},",
				aclsStart, aclsStart+"\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:db:5432\"]},\n"),
			wantCode:    1,
			wantOutputs: map[string]string{"new-findings": "4", "access-added": "4", "access-removed": "0"},
			wantSummary: []string{"# tailaudit: failed at high on new findings", "### Network access added", "`group:eng` | `tag:db`",
				"## New in this change", "TA-CHG-002", "ssh[5] newly lets group:eng log in as root on tag:staging"},
		},
		{
			name:        "change_keeps_old_findings",
			head:        demoEdit(t, aclsStart, aclsStart+"\t\t// Comments only.\n"),
			wantCode:    0,
			wantOutputs: map[string]string{"new-findings": "0", "access-added": "0", "access-removed": "0"},
			wantSummary: []string{"# tailaudit: passed at high on new findings", "No finding is new"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			gitCommit(t, repo, map[string]string{"policy.hujson": demo})
			base, err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
			if err != nil {
				t.Fatal(err)
			}
			gitCommit(t, repo, map[string]string{"policy.hujson": tt.head})
			summary, outputs, code := run(t, repo, map[string]string{"base-ref": strings.TrimSpace(string(base))})
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\n%s", code, tt.wantCode, summary)
			}
			for k, want := range tt.wantOutputs {
				if outputs[k] != want {
					t.Errorf("output %s = %q, want %q", k, outputs[k], want)
				}
			}
			if outputs["sarif-file"] != "tailaudit.sarif" {
				t.Errorf("output sarif-file = %q, want tailaudit.sarif", outputs["sarif-file"])
			}
			if _, err := os.Stat(filepath.Join(repo, "tailaudit.sarif")); err != nil {
				t.Errorf("no SARIF file: %v", err)
			}
			for _, want := range tt.wantSummary {
				if !strings.Contains(summary, want) {
					t.Errorf("job summary has no %q:\n%s", want, summary)
				}
			}
		})
	}

	// A signed rule bundle from the rules-bundle input: its rule's findings reach the SARIF file.
	t.Run("rules_bundle", func(t *testing.T) {
		repo := t.TempDir()
		if _, stderr, code := tailaudit(t, repo, nil, "rules", "new", "ACME-PROD-001", "--namespace", "policy", "--dir", filepath.Join(repo, "rules")); code != 0 {
			t.Fatal(stderr)
		}
		key, _ := bundleKeys(t, repo, "key")
		if _, stderr, code := tailaudit(t, repo, nil, "rules", "bundle", filepath.Join(repo, "rules"), "-o", filepath.Join(repo, "rules.tar.gz"), "--sign-key", key); code != 0 {
			t.Fatal(stderr)
		}
		write(t, repo, "policy.hujson", `{"tagOwners": {"tag:prod": ["autogroup:admin"]}, "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:prod:*"]}]}`)
		_, _, code := run(t, repo, map[string]string{"base-ref": "", "rules-bundle": "rules.tar.gz", "rules-bundle-key": "key.pub.pem"})
		if code != 1 {
			t.Errorf("exit code %d, want 1 (the bundle's rule fails the policy)", code)
		}
		sarif, err := os.ReadFile(filepath.Join(repo, "tailaudit.sarif"))
		if err != nil || !strings.Contains(string(sarif), "ACME-PROD-001") {
			t.Errorf("the SARIF file has no finding of the bundle's rule (%v)", err)
		}
	})

}
