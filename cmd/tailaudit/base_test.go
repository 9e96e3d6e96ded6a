package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
)

func TestCheckBaseArgs(t *testing.T) {
	testParse(t, newCheckCmd, []parseCase[checkOptions]{
		{"base_revision", "p.hujson --base origin/main --new-only", &checkOptions{Policy: "p.hujson", Base: "origin/main", NewOnly: true, Formats: []string{"text"}, FailOn: "high"}},
		{"base_file", "p.hujson --base old.hujson", &checkOptions{Policy: "p.hujson", Base: "old.hujson", Formats: []string{"text"}, FailOn: "high"}},
		{"new_only_needs_base", "p.hujson --new-only", nil},
		{"base_needs_policy", "--snapshot s.json --base main", nil},
	})
}

// gitCommit writes files into the git work tree dir (created on first use) and commits them.
func gitCommit(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		run("init", "-q", "-b", "main")
	}
	for name, content := range files {
		write(t, dir, name, content)
		run("add", name)
	}
	run("commit", "-q", "--allow-empty", "-m", "change")
}

// demoEdit is the demo policy with each old string replaced by its new one; the test fails when an
// old string is not there.
func demoEdit(t testing.TB, pairs ...string) string {
	t.Helper()
	b, err := os.ReadFile(demoPolicy)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("the demo policy has no %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

const (
	aclsStart   = "\t\"acls\": [\n"
	lastSSHRule = `{"action": "accept", "src": ["tag:ci"], "dst": ["tag:staging"], "users": ["deploy"]},`
)

func TestCheckBase(t *testing.T) {
	demo := demoEdit(t)
	// A pull request that adds a rule above the others and comments, and keeps every old finding.
	harmless := demoEdit(t, aclsStart, aclsStart+"\t\t// Monitoring scrapes the node exporter.\n\t\t{\"action\": \"accept\", \"src\": [\"group:ops\"], \"dst\": [\"tag:monitoring:9100\"]},\n")
	// One that lets engineers log in to staging as root without check: a new high finding.
	rootSSH := demoEdit(t, lastSSHRule, lastSSHRule+"\n\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:staging\"], \"users\": [\"root\"]},")
	// The same, waived inline.
	waived := demoEdit(t, lastSSHRule, lastSSHRule+"\n\t\t// tailaudit:ignore TA-SSH-001 until=2027-01-31 reason=\"migration week\" by=ops@acme.example\n\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:staging\"], \"users\": [\"root\"]},")
	// One that narrows the contractors' access to the database to its port: a fixed finding.
	narrowed := demoEdit(t, `"dst":    ["tag:staging:443", "tag:db:*"],`, `"dst":    ["tag:staging:443", "tag:db:5432"],`)

	for _, tt := range []struct {
		name      string
		head      string
		args      []string
		wantCode  int
		wantNew   []string // rule ids of new findings
		wantFixed []string // rule ids of fixed findings
		wantGate  string
	}{
		{"unchanged_findings_fail_without_new_only", harmless, nil, 1, nil, nil, "failed"},
		{"unchanged_findings_pass_with_new_only", harmless, []string{"--new-only"}, 0, nil, nil, "passed"},
		{"new_high_finding_fails_with_new_only", rootSSH, []string{"--new-only"}, 1, []string{"TA-CHG-002", "TA-SSH-001", "TA-TEST-004"}, nil, "failed"},
		{"new_finding_below_fail_on_passes", rootSSH, []string{"--new-only", "--fail-on", "critical"}, 0, []string{"TA-CHG-002", "TA-SSH-001", "TA-TEST-004"}, nil, "passed"},
		{"fixed_finding", narrowed, []string{"--new-only"}, 0, nil, []string{"TA-ACL-005"}, "passed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			gitCommit(t, repo, map[string]string{"policy.hujson": demo})
			head := write(t, repo, "policy.hujson", tt.head)
			args := append([]string{"check", head, "--base", "HEAD", "-f", "json"}, tt.args...)
			stdout, stderr, code := tailaudit(t, repo, nil, args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\n%s", code, tt.wantCode, stderr)
			}
			var rep finding.Report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Baseline == nil || rep.Baseline.Base != "HEAD:policy.hujson" {
				t.Fatalf("baseline = %+v, want one against HEAD:policy.hujson", rep.Baseline)
			}
			var gotNew []string
			for _, f := range rep.Findings {
				if f.Baseline == finding.BaselineNew {
					gotNew = append(gotNew, f.Rule.ID)
				}
				if strings.HasPrefix(f.Rule.ID, "TA-CHG-") && f.Result == finding.Fail && (f.Location == nil || f.Location.File != head || f.Location.Line == 0) {
					t.Errorf("change finding %s %q is located at %v, want a line of %s", f.Rule.ID, f.Message, f.Location, head)
				}
			}
			var gotFixed []string
			for _, f := range rep.Baseline.Fixed {
				gotFixed = append(gotFixed, f.Rule.ID)
			}
			if strings.Join(gotNew, ",") != strings.Join(tt.wantNew, ",") || strings.Join(gotFixed, ",") != strings.Join(tt.wantFixed, ",") {
				t.Errorf("new %v, fixed %v; want new %v, fixed %v", gotNew, gotFixed, tt.wantNew, tt.wantFixed)
			}
			if rep.Summary.Gate != tt.wantGate {
				t.Errorf("gate %s, want %s", rep.Summary.Gate, tt.wantGate)
			}
		})
	}

	t.Run("waived_new_finding", func(t *testing.T) {
		repo := t.TempDir()
		gitCommit(t, repo, map[string]string{"policy.hujson": demo})
		head := write(t, repo, "policy.hujson", waived)
		stdout, stderr, code := tailaudit(t, repo, nil, "check", head, "--base", "HEAD", "--new-only", "--fail-on", "critical", "-f", "json")
		if code != 0 {
			t.Fatalf("exit code %d, want 0\n%s", code, stderr)
		}
		var rep finding.Report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, f := range rep.Findings {
			if f.Rule.ID == "TA-SSH-001" && f.Baseline == finding.BaselineNew {
				found = true
				if f.Result != finding.Waived {
					t.Errorf("new TA-SSH-001 is %s, want waived", f.Result)
				}
			}
		}
		if !found {
			t.Error("no new TA-SSH-001 finding")
		}
	})

	t.Run("outputs", func(t *testing.T) {
		repo := t.TempDir()
		gitCommit(t, repo, map[string]string{"policy.hujson": demoEdit(t, lastSSHRule, lastSSHRule+"\n\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:staging\"], \"users\": [\"root\"]},")})
		head := write(t, repo, "policy.hujson", narrowed)
		sarif, md := filepath.Join(repo, "out.sarif"), filepath.Join(repo, "out.md")
		stdout, stderr, code := tailaudit(t, repo, nil, "check", head, "--base", "HEAD", "-f", "text", "-f", "sarif="+sarif, "-f", "markdown="+md)
		if code != 1 {
			t.Fatalf("exit code %d, want 1\n%s", code, stderr)
		}
		for _, want := range []string{"NEW · 0 (compared with HEAD:policy.hujson: 0 new, 11 unchanged, 3 fixed)", "FIXED · 3 (in the base, gone in this version)", "HEAD:policy.hujson:142:80  TA-SSH-001  high  ssh[5] accepts root from group:eng"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("text output has no %q:\n%s", want, stdout)
			}
		}
		if i, j := strings.Index(stdout, "NEW ·"), strings.Index(stdout, "CRITICAL ·"); i < 0 || j < 0 || i > j {
			t.Errorf("text output does not list new findings first:\n%s", stdout)
		}
		b, err := os.ReadFile(sarif)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"baselineState":"unchanged"`, `"baselineState":"absent"`, `"kind":"pass"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("SARIF has no %s", want)
			}
		}
		b, err = os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"## New in this change", "No finding is new", "## Fixed by this change", "HEAD:policy.hujson:142:80"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("Markdown has no %q:\n%s", want, b)
			}
		}
	})
}

func TestCheckBaseBadInput(t *testing.T) {
	demo := demoEdit(t)
	repo := t.TempDir()
	gitCommit(t, repo, map[string]string{"README": "no policy yet"})
	head := write(t, repo, "policy.hujson", demo)
	notRepo := write(t, t.TempDir(), "policy.hujson", demo)

	t.Run("missing_at_revision_is_default_policy", func(t *testing.T) {
		stdout, stderr, code := tailaudit(t, repo, nil, "check", head, "--base", "HEAD", "-f", "json")
		if code != 1 {
			t.Fatalf("exit code %d, want 1\n%s", code, stderr)
		}
		if want := "tailaudit: note: policy.hujson does not exist at HEAD; comparing with the policy a tailnet has without a policy file, which allows all traffic"; !strings.Contains(stderr, want) {
			t.Errorf("stderr = %q, want %q", stderr, want)
		}
		var rep finding.Report
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		var fixedAllowAll bool
		for _, f := range rep.Baseline.Fixed {
			fixedAllowAll = fixedAllowAll || f.Rule.ID == "TA-ACL-002"
		}
		if !fixedAllowAll {
			t.Errorf("the allow-all rule of the default policy is not reported fixed: %+v", rep.Baseline.Fixed)
		}
	})
	for _, tt := range []struct {
		name, head, base, want string
	}{
		{"unknown_revision", head, "no-such-branch", "tailaudit: --base no-such-branch: no such file, and no such revision in the git repository of"},
		{"not_a_work_tree", notRepo, "HEAD", "is not in a git work tree, so it cannot be read as a revision"},
		{"base_file_does_not_parse", head, write(t, t.TempDir(), "old.hujson", "{\n  \"acls\": [,\n}"), "old.hujson:2:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, repo, nil, "check", tt.head, "--base", tt.base)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
