package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckInputError checks that an input error with a place in a file is still written to the
// SARIF and GitHub outputs, as a TA-INPUT-001 finding at that place, while the exit code stays 2 and
// stderr says what is wrong as before.
func TestCheckInputError(t *testing.T) {
	const badPolicy = "{\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n    {\"action\": \"accept\" \"src\": [\"*\"]},\n  ],\n}\n"
	for _, tt := range []struct {
		name       string
		files      map[string]string // written in the working directory
		args       []string          // after "check"; %DIR% is the working directory
		wantStderr string            // the whole of stderr, %DIR% for the working directory
		wantGitHub string            // the workflow command on stdout with -f github
		wantSARIF  string            // a member of the SARIF output, which in a file is compact
	}{
		{
			name:       "policy_syntax",
			files:      map[string]string{"policy.hujson": badPolicy},
			args:       []string{"%DIR%/policy.hujson"},
			wantStderr: "tailaudit: %DIR%/policy.hujson:4:25: invalid HuJSON: invalid character '\"' after object value (expecting ',' or '}')\n",
			wantGitHub: "::error file=policy.hujson,line=4,col=25,title=TA-INPUT-001 input could not be read::invalid HuJSON: invalid character '\"' after object value (expecting ',' or '}')\n",
			wantSARIF:  `"startColumn":25`,
		},
		{
			// Columns: stderr counts bytes, GitHub characters and SARIF UTF-16 code units.
			name:       "policy_syntax_after_non_ascii",
			files:      map[string]string{"policy.hujson": "{\n  \"hosts\": {\"서버\": \"10.0.0.1\" \"db\": \"10.0.0.2\"},\n}\n"},
			args:       []string{"%DIR%/policy.hujson"},
			wantStderr: "tailaudit: %DIR%/policy.hujson:2:34: invalid HuJSON: invalid character '\"' after object value (expecting ',' or '}')\n",
			wantGitHub: "::error file=policy.hujson,line=2,col=30,title=TA-INPUT-001 input could not be read::invalid HuJSON: invalid character '\"' after object value (expecting ',' or '}')\n",
			wantSARIF:  `"startColumn":30`,
		},
		{
			name:       "inline_waiver_without_by",
			files:      map[string]string{"policy.hujson": "{\n  \"acls\": [\n    // tailaudit:ignore TA-ACL-002 until=2027-01-31 reason=\"lab tailnet\"\n    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n  ],\n}\n"},
			args:       []string{"%DIR%/policy.hujson"},
			wantStderr: "tailaudit: %DIR%/policy.hujson:3:8: malformed tailaudit:ignore comment: who accepted the risk is required: by=you@example.com\n",
			wantGitHub: "::error file=policy.hujson,line=3,col=8,title=TA-INPUT-001 input could not be read::malformed tailaudit:ignore comment: who accepted the risk is required: by=you@example.com\n",
			wantSARIF:  `"startLine":3`,
		},
		{
			name: "config_file",
			files: map[string]string{
				"policy.hujson":     `{"acls": []}`,
				".tailaudit.hujson": "{\n  \"failOn\": \"severe\",\n}\n",
			},
			args:       []string{"%DIR%/policy.hujson"},
			wantStderr: "tailaudit: %DIR%/.tailaudit.hujson:2:3: failOn: unknown severity \"severe\" (want one of critical, high, medium, low, info)\n",
			wantGitHub: "::error file=.tailaudit.hujson,line=2,col=3,title=TA-INPUT-001 input could not be read::failOn: unknown severity \"severe\" (want one of critical, high, medium, low, info)\n",
			wantSARIF:  `"uri":".tailaudit.hujson"`,
		},
		{
			name: "rule_metadata",
			files: map[string]string{
				"policy.hujson":     `{"acls": []}`,
				"rules/norule.rego": "package tailaudit.policy.norule\n\ndeny contains \"x\" if false\n",
			},
			args:       []string{"%DIR%/policy.hujson", "--rules", "%DIR%/rules"},
			wantStderr: "tailaudit: load rules:\n%DIR%/rules/norule.rego:1: rule package tailaudit.policy.norule has no METADATA block with custom.id and custom.severity\n",
			wantGitHub: "::error file=rules/norule.rego,line=1,title=TA-INPUT-001 input could not be read::rule package tailaudit.policy.norule has no METADATA block with custom.id and custom.severity\n",
			wantSARIF:  `"uri":"rules/norule.rego"`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				write(t, dir, name, content)
			}
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "%DIR%", dir))
			}
			wantStderr := strings.ReplaceAll(tt.wantStderr, "%DIR%", dir)

			// Text output: stderr only, as before.
			stdout, stderr, code := tailaudit(t, dir, nil, append([]string{"check"}, args...)...)
			if code != 2 || stdout != "" || stderr != wantStderr {
				t.Errorf("check: exit code %d, stdout %q, stderr %q; want 2, nothing, %q", code, stdout, stderr, wantStderr)
			}

			// GitHub annotations on stdout, the job summary and SARIF to files, in one run.
			sarif, summary := filepath.Join(dir, "results.sarif"), filepath.Join(dir, "summary.md")
			stdout, stderr, code = tailaudit(t, dir, nil, append([]string{"check", "-f", "github", "-f", "github-summary=" + summary, "-f", "sarif=" + sarif}, args...)...)
			if code != 2 || stderr != wantStderr {
				t.Errorf("check -f github -f github-summary -f sarif: exit code %d, stderr %q; want 2, %q", code, stderr, wantStderr)
			}
			if b, err := os.ReadFile(summary); err != nil || !strings.Contains(string(b), "TA-INPUT-001") {
				t.Errorf("job summary (%v) does not name TA-INPUT-001:\n%s", err, b)
			}
			if !strings.HasPrefix(stdout, tt.wantGitHub) {
				t.Errorf("github output:\n%s\nwant it to start with:\n%s", stdout, tt.wantGitHub)
			}
			b, err := os.ReadFile(sarif)
			if err != nil {
				t.Fatalf("SARIF output not written: %v", err)
			}
			for _, want := range []string{tt.wantSARIF, `"executionSuccessful":false`, `"id":"TA-INPUT-001"`, `"level":"error"`} {
				if !strings.Contains(string(b), want) {
					t.Errorf("SARIF output does not contain %s:\n%s", want, b)
				}
			}
		})
	}
}

// TestCheckInputErrorGolden pins the whole SARIF and GitHub outputs of a policy file that does not
// parse.
func TestCheckInputErrorGolden(t *testing.T) {
	dir := t.TempDir()
	pol := write(t, dir, "policy.hujson", "{\n  // the policy of the demo tailnet\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}\n    {\"action\": \"accept\"},\n  ],\n}\n")
	for _, format := range []string{"sarif", "github"} {
		stdout, stderr, code := tailaudit(t, dir, nil, "check", pol, "-f", format, "--indent")
		if code != 2 {
			t.Errorf("check -f %s: exit code = %d, want 2; stderr: %s", format, code, stderr)
		}
		golden(t, "check_input_error_"+format, stdout)
	}
}
