package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/internal/synth"
)

const demoPR = "../../fixtures/demo/policy-pr.hujson"

func TestDiffArgs(t *testing.T) {
	testParse(t, newDiffCmd, []parseCase[diffOptions]{
		{"two_files", "a.hujson b.hujson", &diffOptions{Base: "a.hujson", Head: "b.hujson", Format: "text"}},
		{"revision", "--base origin/main policy.hujson -f json", &diffOptions{BaseRev: "origin/main", Head: "policy.hujson", Format: "json"}},
		{"snapshot_markdown", "a.hujson b.hujson --snapshot s.json -f markdown", &diffOptions{Base: "a.hujson", Head: "b.hujson", Snapshot: "s.json", Format: "markdown"}},
		{"github", "a.hujson b.hujson -f github", &diffOptions{Base: "a.hujson", Head: "b.hujson", Format: "github"}},
		{"one_file", "a.hujson", nil},
		{"three_files", "a.hujson b.hujson c.hujson", nil},
		{"revision_and_two_files", "--base main a.hujson b.hujson", nil},
		{"unknown_format", "a.hujson b.hujson -f sarif", nil},
		{"nothing", "", nil},
	})
}

// TestDiffDemo is the README's example: the demo policy and the pull request's copy of it.
func TestDiffDemo(t *testing.T) {
	for _, format := range diffFormats {
		t.Run(format, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, "", nil, "diff", abs(t, demoPolicy), abs(t, demoPR), "-f", format)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, stderr)
			}
			golden(t, "diff_demo_"+format, strings.ReplaceAll(stdout, abs(t, "../../fixtures/demo")+"/", "fixtures/demo/"))
		})
	}
}

func TestDiffJSONSchema(t *testing.T) {
	stdout, _, code := tailaudit(t, "", nil, "diff", demoPolicy, demoPR, "-f", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Access        struct {
			Added []struct {
				Src, Dst, Proto string
				Ports           []string
				Rules           []struct {
					File         string
					Line, Column int
					Path         string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 {
		t.Errorf("schemaVersion = %d, want 1", doc.SchemaVersion)
	}
	found := false
	for _, e := range doc.Access.Added {
		if e.Src == "group:eng" && e.Dst == "tag:monitoring" && e.Proto == "tcp" && strings.Join(e.Ports, ",") == "3000" {
			found = true
			if len(e.Rules) != 1 || e.Rules[0].Path != "/acls/1" || e.Rules[0].Line != 61 || e.Rules[0].Column != 3 || e.Rules[0].File != demoPR {
				t.Errorf("rules = %+v, want %s:61:3 /acls/1", e.Rules, demoPR)
			}
		}
	}
	if !found {
		t.Errorf("no added access group:eng -> tag:monitoring tcp 3000 in %s", stdout)
	}
}

func TestDiffIdentical(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "diff", demoPolicy, demoPolicy)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "No change in access") {
		t.Errorf("stdout = %q, want no change", stdout)
	}
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.hujson", `{"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]}`)
	bad := write(t, dir, "bad.hujson", "{\n  \"acls\": [\n    {\"action\": \"accept\",,}\n  ]\n}")
	rejected := write(t, dir, "rejected.hujson", "{\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"group:nobody\"], \"dst\": [\"*:*\"]}\n  ]\n}")
	big := filepath.Join(dir, "big.hujson")
	if err := os.WriteFile(big, []byte("{\"acls\": []}"+strings.Repeat(" ", 10<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"invalid_head", []string{good, bad}, 2, "", "bad.hujson:3:"},
		{"invalid_base", []string{bad, good}, 2, "", "bad.hujson:3:"},
		{"missing_file", []string{good, filepath.Join(dir, "none.hujson")}, 2, "", "no such policy file"},
		{"too_large", []string{good, big}, 2, "", "tailaudit reads at most 10 MB"},
		{"head_rejected", []string{good, rejected}, 0, "Tailscale would reject HEAD (it accepts BASE):\n  " + rejected + ":3:34 /acls/0/src/0: src=group not found: \"group:nobody\"", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, "", nil, append([]string{"diff"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout with %q, stderr with %q", code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestDiffBaseRevision(t *testing.T) {
	repo := t.TempDir()
	gitCommit(t, repo, map[string]string{"README": "no policy yet"})
	demo, err := os.ReadFile(demoPolicy)
	if err != nil {
		t.Fatal(err)
	}
	head := write(t, repo, "policy.hujson", string(demo))
	// The file is new at HEAD: the base is the default policy, and diff says so.
	stdout, stderr, code := tailaudit(t, repo, nil, "diff", "--base", "HEAD", head)
	if code != 0 || !strings.Contains(stderr, "tailaudit: note: policy.hujson does not exist at HEAD") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "Network access removed") {
		t.Errorf("the demo policy removes access the default policy allows; stdout:\n%s", stdout)
	}
	gitCommit(t, repo, map[string]string{"policy.hujson": string(demo)})
	pr, err := os.ReadFile(demoPR)
	if err != nil {
		t.Fatal(err)
	}
	write(t, repo, "policy.hujson", string(pr))
	stdout, stderr, code = tailaudit(t, repo, nil, "diff", "--base", "HEAD", head)
	want, _, _ := tailaudit(t, "", nil, "diff", demoPolicy, demoPR)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// The same diff as between the two files, but for the base's name: HEAD:policy.hujson.
	if strings.ReplaceAll(stdout, "HEAD:policy.hujson", demoPolicy) != strings.ReplaceAll(want, demoPR, head) {
		t.Errorf("diff --base HEAD differs from diff of the two files:\n%s\nwant as\n%s", stdout, want)
	}
	for _, tt := range []struct{ name, rev, head, want string }{
		{"unknown_revision", "no-such-branch", head, "no such revision"},
		{"not_a_work_tree", "HEAD", write(t, t.TempDir(), "p.hujson", "{}"), "is not in a git work tree"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, repo, nil, "diff", "--base", tt.rev, tt.head)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestDiffLargePolicy diffs two policy files of almost 10 MB, the most tailaudit reads, that
// differ in one rule. It takes tens of seconds, so only with TAILAUDIT_LARGE_TESTS=1 (make
// test-large).
func TestDiffLargePolicy(t *testing.T) {
	if os.Getenv("TAILAUDIT_LARGE_TESTS") != "1" {
		t.Skip("set TAILAUDIT_LARGE_TESTS=1 to diff two 10 MB policies")
	}
	dir := t.TempDir()
	src := string(synth.Policy(1, 115000))
	if len(src) < 9<<20 || len(src) > 10<<20 {
		t.Fatalf("generated policy is %d bytes, want between 9 and 10 MB", len(src))
	}
	basePath := write(t, dir, "base.hujson", src)
	headPath := write(t, dir, "head.hujson", strings.Replace(src, "\"acls\": [\n", "\"acls\": [\n\t\t{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:db:31337\"], \"proto\": \"tcp\"},\n", 1))
	stdout, stderr, code := tailaudit(t, "", nil, "diff", basePath, headPath, "-f", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var rep struct {
		Access struct {
			Added []struct{ Src, Dst, Proto string }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Access.Added) == 0 || rep.Access.Added[0].Dst != "tag:db" || rep.Access.Added[0].Proto != "tcp" {
		t.Errorf("access added = %+v, want everyone to tag:db on tcp", rep.Access.Added)
	}
}

// TestDiffColour checks that the text output is coloured on a terminal only, and never with
// NO_COLOR set.
func TestDiffColour(t *testing.T) {
	for _, tt := range []struct {
		name      string
		tty       bool
		env       map[string]string
		wantColor bool
	}{
		{"terminal", true, nil, true},
		{"pipe", false, nil, false},
		{"terminal_no_color", true, map[string]string{"NO_COLOR": "1"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			s := &iostreams{In: strings.NewReader(""), Out: &out, Err: &errOut, OutTTY: tt.tty, Getenv: func(k string) string { return tt.env[k] }}
			if code := run(context.Background(), []string{"diff", demoPolicy, demoPR}, s); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got := strings.Contains(out.String(), "\x1b[32m+\x1b[0m"); got != tt.wantColor {
				t.Errorf("coloured = %v, want %v:\n%s", got, tt.wantColor, out.String())
			}
		})
	}
}
