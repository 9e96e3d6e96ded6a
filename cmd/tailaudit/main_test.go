package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const demoPolicy = "../../fixtures/demo/policy.hujson"

// tailaudit runs the CLI in process, in dir (the test's temporary directory when empty), with a fixed
// clock and no environment.
func tailaudit(t *testing.T, dir string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	var out, errOut bytes.Buffer
	s := &iostreams{
		In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: dir,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) },
	}
	code = run(context.Background(), args, s)
	return out.String(), errOut.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./cmd/tailaudit -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCheckDemo(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "check", abs(t, demoPolicy))
	if code != 1 {
		t.Errorf("exit code = %d, want 1 (high findings); stderr:\n%s", code, stderr)
	}
	stdout = strings.ReplaceAll(stdout, abs(t, "../.."), "%ROOT%")
	golden(t, "check_demo_text", stdout)
}

// mediumPolicy is a valid policy whose worst finding is of medium severity.
const mediumPolicy = "testdata/medium.hujson"

func TestCheckFailOn(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{nil, 0}, // the default gate is high
		{[]string{"--fail-on", "critical"}, 0},
		{[]string{"--fail-on", "high"}, 0},
		{[]string{"--fail-on", "medium"}, 1},
		{[]string{"--fail-on", "LOW"}, 1},
		{[]string{"--fail-on", "severe"}, 2},
	} {
		t.Run(strings.Join(append([]string{"fail_on"}, tt.args...), "_"), func(t *testing.T) {
			_, stderr, code := tailaudit(t, "", nil, append([]string{"check", abs(t, mediumPolicy), "-f", "json"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit code = %d, want %d; stderr: %s", code, tt.want, stderr)
			}
		})
	}
}

func TestCheckConfigFailOn(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, ".tailaudit.hujson", `{"failOn": "medium"}`)
	if _, stderr, code := tailaudit(t, dir, nil, "check", abs(t, mediumPolicy), "-f", "json"); code != 1 {
		t.Errorf("with failOn medium in the config: exit code = %d, want 1; stderr: %s", code, stderr)
	}
	if _, _, code := tailaudit(t, dir, nil, "check", abs(t, mediumPolicy), "-f", "json", "--fail-on", "high"); code != 0 {
		t.Errorf("--fail-on high over the config: exit code = %d, want 0", code)
	}
}

func TestCheckSeveralOutputs(t *testing.T) {
	dir := t.TempDir()
	summary := write(t, dir, "summary.md", "written by an earlier step\n")
	stdout, stderr, code := tailaudit(t, dir, map[string]string{"GITHUB_STEP_SUMMARY": summary},
		"check", abs(t, demoPolicy), "-f", "github", "-f", "github-summary", "-f", "sarif="+filepath.Join(dir, "out.sarif"), "-f", "json="+filepath.Join(dir, "out.json"), "-f", "junit="+filepath.Join(dir, "out.xml"))
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "::error file=") || !strings.Contains(stdout, "title=TA-SSH-001") {
		t.Errorf("github output has no error annotation for TA-SSH-001:\n%s", stdout)
	}
	for _, name := range []string{"out.sarif", "out.json"} {
		var v map[string]any
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || json.Unmarshal(b, &v) != nil {
			t.Errorf("%s: not written as JSON (%v)", name, err)
		}
	}
	if b, err := os.ReadFile(summary); err != nil || !bytes.HasPrefix(b, []byte("written by an earlier step\n# tailaudit report")) || !bytes.Contains(b, []byte("TA-SSH-001")) {
		t.Errorf("job summary not appended to GITHUB_STEP_SUMMARY after what was there (%v):\n%s", err, b)
	}
}

// TestCheckJobSummaryTarget checks that the job summary is written only when asked for, to
// $GITHUB_STEP_SUMMARY or a file, and that asking for it with nowhere to write is a usage error.
func TestCheckJobSummaryTarget(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "step.md")}
	if _, stderr, code := tailaudit(t, dir, env, "check", abs(t, demoPolicy), "-f", "github"); code != 1 {
		t.Fatalf("-f github: exit code = %d, want 1; stderr: %s", code, stderr)
	}
	if _, err := os.Stat(env["GITHUB_STEP_SUMMARY"]); !os.IsNotExist(err) {
		t.Errorf("-f github wrote the job summary (stat: %v); only -f github-summary should", err)
	}

	file := filepath.Join(dir, "summary.md")
	if _, stderr, code := tailaudit(t, dir, nil, "check", abs(t, demoPolicy), "-f", "github-summary="+file); code != 1 {
		t.Fatalf("-f github-summary=FILE: exit code = %d, want 1; stderr: %s", code, stderr)
	}
	if b, err := os.ReadFile(file); err != nil || !bytes.HasPrefix(b, []byte("# tailaudit report")) {
		t.Errorf("-f github-summary=FILE did not write the job summary (%v)", err)
	}

	stdout, stderr, code := tailaudit(t, dir, nil, "check", abs(t, demoPolicy), "-f", "github-summary")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "GITHUB_STEP_SUMMARY, which is not set") {
		t.Errorf("-f github-summary without $GITHUB_STEP_SUMMARY: exit %d, stdout %q, stderr %q; want exit 2 naming the variable", code, stdout, stderr)
	}
}

func write(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckBadInput covers every kind of bad input the check command must reject with a clear
// message naming the file (and line and column where there is one), exit code 2 and no panic.
func TestCheckBadInput(t *testing.T) {
	big := `{"hosts": {` + strings.Repeat(`"h": "10.0.0.1", `, 50<<20/17) + `}}`
	for _, tt := range []struct {
		name  string
		files map[string]string // written into the working directory
		args  []string
		want  string
	}{
		{"not_hujson", map[string]string{"p.hujson": "acls: []\n"}, []string{"check", "p.hujson"}, "p.hujson:1:1: invalid HuJSON"},
		{"not_an_object", map[string]string{"p.hujson": "[]"}, []string{"check", "p.hujson"}, "p.hujson:1:1: a policy file must be a JSON object, not an array"},
		{"acls_not_array", map[string]string{"p.hujson": "{\n  \"acls\": \"none\"\n}"}, []string{"check", "p.hujson"}, "p.hujson:2:11: acls: want an array, got a string"},
		{"src_is_string", map[string]string{"p.hujson": "{\"acls\": [{\"action\": \"accept\", \"src\": \"*\", \"dst\": [\"*:*\"]}]}"}, []string{"check", "p.hujson"}, "p.hujson:1:39: acls[0].src: want an array, got a string"},
		{"fifty_megabytes", map[string]string{"p.hujson": big}, []string{"check", "p.hujson"}, "p.hujson: policy file is 50.0 MB; tailaudit reads at most 10 MB"},
		{"deeply_nested", map[string]string{"p.hujson": `{"derpMap": ` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}"}, []string{"check", "p.hujson"}, "p.hujson:1:76: values are nested more than 64 levels deep"},
		{"invalid_utf8", map[string]string{"p.hujson": "{\n\"hosts\": {\"a\": \"\xc3\x28\"}}"}, []string{"check", "p.hujson"}, "p.hujson:2:17: invalid UTF-8 byte 0xc3"},
		{"empty_file", map[string]string{"p.hujson": ""}, []string{"check", "p.hujson"}, "p.hujson:1:1: file is empty"},
		{"directory", map[string]string{"policies/x": ""}, []string{"check", "policies"}, "policies: is a directory, not a policy file"},
		{"missing_file", nil, []string{"check", "nope.hujson"}, "nope.hujson: no such policy file"},
		{"not_a_directory_on_the_way", map[string]string{"file": "x"}, []string{"check", "file/p.hujson"}, "file/p.hujson: not a directory"},
		{"rule_syntax_error", map[string]string{"p.hujson": "{}", "rules/bad.rego": "package tailaudit.policy.bad\n\ndeny contains x if {\n\tx := [\n}\n"}, []string{"check", "p.hujson", "--rules", "rules"}, "rules/bad.rego:5:1: unexpected }"},
		{"duplicate_rule_ids", map[string]string{"p.hujson": "{}", "rules/a.rego": dupRule("a"), "rules/b.rego": dupRule("b")}, []string{"check", "p.hujson", "--rules", "rules"}, "rule id ACME-1 is already used by tailaudit.policy.a"},
		{"builtin_rule_id_reused", map[string]string{"p.hujson": "{}", "rules/a.rego": strings.Replace(dupRule("a"), "ACME-1", "TA-SSH-001", 1)}, []string{"check", "p.hujson", "--rules", "rules"}, "rule id TA-SSH-001 is already used by"},
		{"malformed_config", map[string]string{"p.hujson": "{}", ".tailaudit.hujson": "{\n  \"failOn\": high\n}"}, []string{"check", "p.hujson"}, ".tailaudit.hujson:2:13: invalid HuJSON"},
		{"unknown_format", map[string]string{"p.hujson": "{}"}, []string{"check", "p.hujson", "-f", "yaml"}, `unknown output format "yaml"`},
		{"two_outputs_on_stdout", map[string]string{"p.hujson": "{}"}, []string{"check", "p.hujson", "-f", "text", "-f", "json"}, "both write to stdout"},
		{"no_policy", nil, []string{"check"}, "check needs a policy file"},
		{"unknown_flag", nil, []string{"check", "--fial-on", "low"}, "unknown flag: --fial-on"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				write(t, dir, name, content)
			}
			args := tt.args
			for i, a := range args {
				if i > 0 && (strings.HasSuffix(a, ".hujson") || a == "policies" || a == "rules" || strings.HasPrefix(a, "file/")) {
					args[i] = filepath.Join(dir, a)
				}
			}
			stdout, stderr, code := tailaudit(t, dir, nil, args...)
			if code != 2 {
				t.Errorf("exit code = %d, want 2; stdout:\n%s", code, stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
		})
	}
}

func dupRule(pkg string) string {
	return "# METADATA\n# title: Dup\n# custom:\n#   id: ACME-1\n#   severity: low\npackage tailaudit.policy." + pkg + "\n\ndeny contains \"x\" if false\n"
}

func TestCheckUnknownKeysWarnOnly(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", "{\n  \"acls\": [],\n  \"tests\": [{\"src\": \"a@example.com\", \"deny\": [\"10.1.2.3:22\"]}],\n  \"sshTests\": [],\n  \"colour\": \"blue\",\n}")
	stdout, stderr, code := tailaudit(t, dir, nil, "check", p)
	if code != 0 {
		t.Errorf("exit code = %d, want 0 (an unknown key is a warning); stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, `p.hujson:5:3`) || !strings.Contains(stdout, `unknown top-level key "colour"`) {
		t.Errorf("output does not warn about the unknown key at 5:3:\n%s", stdout)
	}
}

// TestFailedRunKeepsOutputs checks that a run that cannot finish leaves an existing output file as
// it was: an error without a place in a file, or an input error asked for in a format that does not
// annotate lines (SARIF and GitHub outputs get the input error as a finding: TestCheckInputError).
func TestFailedRunKeepsOutputs(t *testing.T) {
	for _, tt := range []struct {
		name, policy, output string
		args                 []string
	}{
		{"missing_snapshot_sarif", `{"acls": []}`, "results.sarif", []string{"--snapshot", "missing.json"}},
		{"policy_error_json", "{ not hujson", "results.json", nil},
		{"policy_error_junit", "{ not hujson", "results.xml", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := write(t, dir, tt.output, "previous results")
			pol := write(t, dir, "p.hujson", tt.policy)
			format := strings.TrimPrefix(filepath.Ext(tt.output), ".")
			if format == "xml" {
				format = "junit"
			}
			args := append([]string{"check", pol, "-f", format + "=" + out}, tt.args...)
			if _, _, code := tailaudit(t, dir, nil, args...); code != 2 {
				t.Fatalf("exit code = %d, want 2", code)
			}
			if b, _ := os.ReadFile(out); string(b) != "previous results" {
				t.Errorf("%s = %q, want it untouched", tt.output, b)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("directory holds %d entries, want 2 (no temporary files left)", len(entries))
			}
		})
	}
}

func TestCheckStdin(t *testing.T) {
	var out, errOut bytes.Buffer
	s := &iostreams{In: strings.NewReader(`{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`), Out: &out, Err: &errOut, Dir: t.TempDir(), Now: time.Now}
	if code := run(context.Background(), []string{"check", "-", "-f", "json"}, s); code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"file":"<stdin>"`) || !strings.Contains(out.String(), "TA-ACL-002") {
		t.Errorf("stdin policy not checked as <stdin>:\n%s", out.String())
	}
}

func TestWaiversFromCLI(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", `{
	"acls": [
		// tailaudit:ignore TA-ACL-002 until=2027-01-31 reason="lab tailnet" by=lab@example.com
		{"action": "accept", "src": ["*"], "dst": ["*:*"]},
	],
	"tests": [{"src": "a@example.com", "accept": ["10.1.2.3:22"]}],
}`)
	stdout, stderr, code := tailaudit(t, dir, nil, "check", p, "-f", "json")
	if code != 0 {
		t.Errorf("exit code = %d, want 0 with the only critical finding waived; stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"result":"waived"`) || !strings.Contains(stdout, `"reason":"lab tailnet"`) {
		t.Errorf("waived finding missing from the output:\n%s", stdout)
	}
}

func TestTestCommand(t *testing.T) {
	t.Run("builtin", func(t *testing.T) {
		stdout, stderr, code := tailaudit(t, "", nil, "test")
		if code != 0 || !strings.Contains(stdout, "PASS: ") {
			t.Errorf("tailaudit test = %d, want 0 and a PASS line; stdout:\n%.2000s\nstderr: %s", code, stdout, stderr)
		}
	})
	dir := t.TempDir()
	write(t, dir, "rules/acme.rego", "# METADATA\n# title: No finance to prod\n# custom:\n#   id: ACME-001\n#   severity: high\npackage tailaudit.policy.acme\n\ndeny contains \"finance reaches prod\" if {\n\tsome rule in input.policy.acls\n\t\"group:finance\" in rule.src\n}\n")
	write(t, dir, "rules/acme_test.rego", "package tailaudit.policy.acme_test\n\nimport data.tailaudit.policy.acme\n\ntest_fires if count(acme.deny) == 1 with input as {\"policy\": {\"acls\": [{\"src\": [\"group:finance\"]}]}}\n\ntest_wrong if count(acme.deny) == 5 with input as {\"policy\": {}}\n")
	t.Run("user_failing", func(t *testing.T) {
		stdout, _, code := tailaudit(t, dir, nil, "test", filepath.Join(dir, "rules"))
		if code != 1 || !strings.Contains(stdout, "FAIL: 1/2") {
			t.Errorf("exit code = %d, want 1 and 'FAIL: 1/2'; stdout:\n%s", code, stdout)
		}
	})
}

func TestRulesCommands(t *testing.T) {
	stdout, _, code := tailaudit(t, "", nil, "rules", "list")
	if code != 0 || !strings.Contains(stdout, "TA-SSH-001") || !strings.Contains(stdout, "tailaudit.policy.") {
		t.Errorf("rules list = %d:\n%s", code, stdout)
	}
	stdout, _, code = tailaudit(t, "", nil, "rules", "show", "ta-ssh-001")
	for _, want := range []string{"TA-SSH-001", "Severity:   high", "How to fix:", "Controls:", "soc2", "policies/policy/"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("rules show output lacks %q:\n%s", want, stdout)
		}
	}
	if code != 0 {
		t.Errorf("rules show exit code = %d", code)
	}
	if _, stderr, code := tailaudit(t, "", nil, "rules", "show", "NOPE-1"); code != 2 || !strings.Contains(stderr, `no rule with id "NOPE-1"`) {
		t.Errorf("rules show NOPE-1 = %d, %q", code, stderr)
	}
}

func TestFrameworksCommands(t *testing.T) {
	stdout, _, code := tailaudit(t, "", nil, "frameworks", "list")
	for _, id := range []string{"soc2", "iso27001", "hipaa", "pci-dss"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("frameworks list lacks %s:\n%s", id, stdout)
		}
	}
	if code != 0 {
		t.Errorf("frameworks list exit code = %d", code)
	}
	stdout, _, code = tailaudit(t, "", nil, "frameworks", "show", "pci-dss")
	if code != 0 || !strings.Contains(stdout, "10.5.1") || !strings.Contains(stdout, "automated") {
		t.Errorf("frameworks show pci-dss = %d:\n%s", code, stdout)
	}
	// The alert rules are summed up on the monitoring control's line, not listed one by one.
	if !strings.Contains(stdout, "TA-LOG-001 (supporting), monitored by ") || strings.Contains(stdout, "TA-ALERT-001") {
		t.Errorf("frameworks show pci-dss does not sum the alert rules up on 10.4.1.1:\n%s", stdout)
	}
	if _, stderr, code := tailaudit(t, "", nil, "frameworks", "show", "nist"); code != 2 || !strings.Contains(stderr, "available: ") {
		t.Errorf("frameworks show nist = %d, %q", code, stderr)
	}
}

func TestHelpTeaches(t *testing.T) {
	stdout, _, code := tailaudit(t, "", nil, "check", "--help")
	for _, want := range []string{"Examples:", "tailaudit:ignore", "--fail-on", "sarif=results.sarif", "Exit codes: 0", "github"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check --help lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("check --help exit code = %d", code)
	}
}

func TestCheckUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which can read any file; the not-a-directory case covers unreadable paths")
	}
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", "{}")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := tailaudit(t, dir, nil, "check", p)
	if code != 2 || !strings.Contains(stderr, "read policy file: ") || !strings.Contains(stderr, "permission denied") {
		t.Errorf("exit code %d, stderr %q; want 2 and a permission error", code, stderr)
	}
}

// TestNetworkBuiltinsOptIn checks the sandbox from the command line: a rule that calls http.send
// does not load until the flag or the environment allows it; a config file in the checked
// directory cannot allow it, and saying so there gets a warning.
func TestNetworkBuiltinsOptIn(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", "{}")
	write(t, dir, "rules/phone.rego", "# METADATA\n# title: Phones home\n# custom:\n#   id: ACME-NET-1\n#   severity: low\npackage tailaudit.policy.phone\n\ndeny contains \"reachable\" if {\n\tinput.policy.never\n\thttp.send({\"method\": \"GET\", \"url\": \"http://127.0.0.1:1\"}).status_code == 200\n}\n")
	rules := filepath.Join(dir, "rules")
	_, stderr, code := tailaudit(t, dir, nil, "check", p, "--rules", rules, "-f", "json")
	if code != 2 || !strings.Contains(stderr, "phone.rego:10:") || !strings.Contains(stderr, "--allow-network-builtins") {
		t.Errorf("without opting in: exit code %d, stderr %q; want 2, the rule's line and the flag to use", code, stderr)
	}
	// With the rule loaded, the run completes (exit 1 is the empty policy's own allow-all finding)
	// and the rule is evaluated: it passes, since input.policy.never is not set.
	loaded := func(name string, env map[string]string, args ...string) {
		t.Helper()
		stdout, stderr, code := tailaudit(t, dir, env, append([]string{"check", p, "--rules", rules, "-f", "json"}, args...)...)
		var rep struct {
			Findings []struct {
				Rule   struct{ ID string }
				Result string
			}
		}
		if code == 2 || json.Unmarshal([]byte(stdout), &rep) != nil {
			t.Fatalf("%s: exit code %d; stderr %q", name, code, stderr)
		}
		for _, f := range rep.Findings {
			if f.Rule.ID == "ACME-NET-1" && f.Result == "pass" {
				return
			}
		}
		t.Errorf("%s: ACME-NET-1 has no pass result", name)
	}
	loaded("--allow-network-builtins", nil, "--allow-network-builtins")
	loaded("TAILAUDIT_ALLOW_NETWORK_BUILTINS", map[string]string{"TAILAUDIT_ALLOW_NETWORK_BUILTINS": "1"})
	write(t, dir, ".tailaudit.hujson", `{"allowNetworkBuiltins": true}`)
	_, stderr, code = tailaudit(t, dir, nil, "check", p, "--rules", rules, "-f", "json")
	if code != 2 || !strings.Contains(stderr, "phone.rego:10:") || !strings.Contains(stderr, "warning: "+filepath.Join(dir, ".tailaudit.hujson")+": allowNetworkBuiltins is ignored") {
		t.Errorf("allowNetworkBuiltins in the config: exit code %d, stderr %q; want 2, the rule's line and a warning that the setting is ignored", code, stderr)
	}
}

// TestSchemaRefNeedsNetwork checks 'tailaudit test' and 'tailaudit check': a schema's remote $ref
// reaches the listener only with --allow-network-builtins.
func TestSchemaRefNeedsNetwork(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"type": "object"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", "{}")
	call := fmt.Sprintf("json.match_schema(input.policy, {\"$ref\": %q})", srv.URL+"/s.json")
	write(t, dir, "rules/schema.rego", "# METADATA\n# title: Schema\n# custom:\n#   id: ACME-SCH-1\n#   severity: low\npackage tailaudit.policy.schema\n\ndeny contains \"checked\" if {\n\t[ok, _] := "+call+"\n\tok\n}\n")
	write(t, dir, "rules/schema_test.rego", "package tailaudit.policy.schema_test\n\ntest_ref if {\n\t"+call+"\n}\n")
	rules := filepath.Join(dir, "rules")
	for _, allow := range []bool{false, true} {
		hits.Store(0)
		var extra []string
		if allow {
			extra = []string{"--allow-network-builtins"}
		}
		tailaudit(t, dir, nil, append([]string{"test", rules}, extra...)...)
		tailaudit(t, dir, nil, append([]string{"check", p, "--rules", rules}, extra...)...)
		if got := hits.Load(); (got > 0) != allow {
			t.Errorf("--allow-network-builtins=%v: %d requests reached the listener", allow, got)
		}
	}
}

// TestErrorsFailTheGate checks that a rule that cannot be evaluated fails the gate whatever
// --fail-on says, and that a user module cannot replace a built-in library.
func TestErrorsFailTheGate(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", `{"acls": [{"action": "accept", "src": ["group:a"], "dst": ["tag:b:22"]}], "tests": [{"src": "a@example.com", "deny": ["tag:b:23"]}], "a": 1, "b": 2}`)
	write(t, dir, "conflict/conflict.rego", "# METADATA\n# title: Conflicting\n# custom:\n#   id: ACME-ERR-1\n#   severity: info\npackage tailaudit.policy.conflict\n\nx := input.policy.acls\n\nx := input.policy.tests if input.policy.tests\n\ndeny contains \"conflict\" if x\n")
	_, stderr, code := tailaudit(t, dir, nil, "check", p, "--rules", filepath.Join(dir, "conflict"), "--fail-on", "critical", "--no-builtin")
	if code != 1 {
		t.Errorf("error result at --fail-on critical: exit code %d, want 1; stderr %q", code, stderr)
	}
	write(t, dir, "shadow/tailnet.rego", "package tailaudit.lib.tailnet\n\ndevices := []\n")
	_, stderr, code = tailaudit(t, dir, nil, "check", p, "--rules", filepath.Join(dir, "shadow"))
	if want := filepath.Join(dir, "shadow", "tailnet.rego") + ":1:1: package tailaudit.lib.tailnet: tailaudit.lib is reserved"; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("a user tailaudit.lib package: exit code %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}

// TestEvaluationBounded checks --rule-timeout and --timeout on check and test: a rule that spins
// is an error result naming it (exit 1), a run past --timeout stops with exit code 2.
func TestEvaluationBounded(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "p.hujson", "{}")
	write(t, dir, "rules/spin.rego", "# METADATA\n# title: Spins\n# custom:\n#   id: ACME-SPIN-1\n#   severity: info\npackage tailaudit.policy.spin\n\ndeny contains \"negative\" if {\n\tsome i in numbers.range(1, 50000)\n\tsome j in numbers.range(1, 50000)\n\ti * j < 0\n}\n")
	write(t, dir, "rules/spin_test.rego", "package tailaudit.policy.spin_test\n\nimport data.tailaudit.policy.spin\n\ntest_spin if {\n\tr := spin.deny with input as {\"policy\": {}}\n\tcount(r) == 0\n}\n")
	rules := filepath.Join(dir, "rules")
	stdout, stderr, code := tailaudit(t, dir, nil, "check", p, "--rules", rules, "--no-builtin", "--rule-timeout", "50ms", "-f", "json")
	if code != 1 || !strings.Contains(stdout, `"message":"rule ACME-SPIN-1 did not finish within its evaluation budget of 50ms"`) {
		t.Errorf("check --rule-timeout: exit code %d, stderr %q; want 1 and an error result naming ACME-SPIN-1 in\n%s", code, stderr, stdout)
	}
	_, stderr, code = tailaudit(t, dir, nil, "check", p, "--rules", rules, "--no-builtin", "--timeout", "50ms", "--rule-timeout", "1h")
	if code != 2 || !strings.Contains(stderr, "time limit") {
		t.Errorf("check --timeout: exit code %d, stderr %q; want 2 and the time limit", code, stderr)
	}
	stdout, stderr, code = tailaudit(t, dir, nil, "test", rules, "--rule-timeout", "50ms")
	if code != 1 || !strings.Contains(stdout, "test_spin") {
		t.Errorf("test --rule-timeout: exit code %d, stdout %q, stderr %q; want 1 naming test_spin", code, stdout, stderr)
	}
	_, stderr, code = tailaudit(t, dir, nil, "check", p, "--timeout", "-1s")
	if code != 2 || !strings.Contains(stderr, "--timeout and --rule-timeout must be positive") {
		t.Errorf("check --timeout -1s: exit code %d, stderr %q; want a usage error", code, stderr)
	}
}

// TestBadParamsAreConfigErrors checks that a parameter value outside its declared type or range
// is a config error at its line and column, not a rule that silently passes.
func TestBadParamsAreConfigErrors(t *testing.T) {
	for _, tt := range []struct{ name, params, want string }{
		{"check_period_forever", `"maxCheckPeriod": "forever"`, `.tailaudit.hujson:3:21: params.maxCheckPeriod: want a duration such as "12h" from 1m0s to 168h0m0s, got "forever" (read by TA-SSH-004)`},
		{"stale_days_abc", `"staleDays": "abc"`, `.tailaudit.hujson:3:16: params.staleDays: want an integer from 1 to 3650, got "abc" (read by TA-DEV-004)`},
		{"unknown", `"staleDay": 30`, `.tailaudit.hujson:3:15: params.staleDay: no loaded rule has this parameter`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "p.hujson", `{"ssh": [{"action": "check", "src": ["group:a"], "dst": ["tag:x"], "users": ["root"], "checkPeriod": "720h"}]}`)
			write(t, dir, ".tailaudit.hujson", "{\n\t\"params\": {\n\t\t"+tt.params+",\n\t},\n}\n")
			_, stderr, code := tailaudit(t, dir, nil, "check", p)
			if code != 2 || !strings.Contains(stderr, filepath.Join(dir, tt.want)) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
