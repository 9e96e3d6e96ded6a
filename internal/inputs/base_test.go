package inputs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/internal/inputs"
)

// gitRepo makes a git repository in a temporary directory and returns its path. Each commit of
// commits writes its files (path → content, "" removes the file) and commits them.
func gitRepo(t *testing.T, commits ...map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	for i, files := range commits {
		for name, content := range files {
			p := filepath.Join(dir, name)
			if content == "" {
				run("rm", "-q", name)
				continue
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			run("add", name)
		}
		run("commit", "-q", "--allow-empty", "-m", "commit "+string(rune('a'+i)))
	}
	return dir
}

func TestBasePolicy(t *testing.T) {
	const (
		v1 = `{"groups": {"group:ops": ["a@example.com"]}}`
		v2 = `{"groups": {"group:ops": ["b@example.com"]}}`
	)
	repo := gitRepo(t,
		map[string]string{"other.txt": "x"},
		map[string]string{"acl/policy.hujson": v1},
		map[string]string{"acl/policy.hujson": v2},
	)
	head := filepath.Join(repo, "acl", "policy.hujson")
	baseFile := write(t, "base.hujson", v1)
	notRepo := write(t, "policy.hujson", v2)
	for _, tt := range []struct {
		name, spec, head string
		wantName         string // the base's file name
		wantMember       string // group:ops's member in the base
		wantNote         string // part of the note, "" for none
		wantErr          string // part of the error
	}{
		{name: "file", spec: baseFile, head: head, wantName: baseFile, wantMember: "a@example.com"},
		{name: "revision", spec: "HEAD~1", head: head, wantName: "HEAD~1:acl/policy.hujson", wantMember: "a@example.com"},
		{name: "branch", spec: "main", head: head, wantName: "main:acl/policy.hujson", wantMember: "b@example.com"},
		{name: "missing_at_revision_is_default", spec: "HEAD~2", head: head, wantName: "HEAD~2:acl/policy.hujson",
			wantNote: "acl/policy.hujson does not exist at HEAD~2; comparing with the policy a tailnet has without a policy file, which allows all traffic"},
		{name: "unknown_revision", spec: "no-such-branch", head: head, wantErr: "--base no-such-branch: no such file, and no such revision in the git repository of"},
		{name: "option_is_not_a_revision", spec: "--all", head: head, wantErr: "no such revision"},
		{name: "not_a_work_tree", spec: "HEAD", head: notRepo, wantErr: "is not in a git work tree, so it cannot be read as a revision"},
		{name: "stdin", spec: "HEAD", head: inputs.Stdin, wantErr: "not on stdin"},
		{name: "empty", spec: "", head: head, wantErr: "give a policy file or a git revision"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := inputs.BasePolicy(context.Background(), tt.spec, tt.head)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("BasePolicy(%q) error = %v, want one containing %q", tt.spec, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("BasePolicy(%q): %v", tt.spec, err)
			}
			if b.File.Name != tt.wantName || b.Input.Path != tt.wantName || b.Input.Kind != inputs.KindBasePolicy {
				t.Errorf("base = %q (record %+v), want %q of kind %s", b.File.Name, b.Input, tt.wantName, inputs.KindBasePolicy)
			}
			if b.Input.SHA256 == "" {
				t.Error("the base's record has no SHA-256")
			}
			if tt.wantNote != "" {
				if b.Note != tt.wantNote {
					t.Errorf("note = %q, want %q", b.Note, tt.wantNote)
				}
				if _, ok := b.File.Doc["acls"]; !ok {
					t.Errorf("the default policy has no acls: %v", b.File.Doc)
				}
				return
			}
			if b.Note != "" {
				t.Errorf("note = %q, want none", b.Note)
			}
			groups, _ := b.File.Doc["groups"].(map[string]any)
			members, _ := groups["group:ops"].([]any)
			if len(members) != 1 || members[0] != tt.wantMember {
				t.Errorf("group:ops = %v, want [%s]", members, tt.wantMember)
			}
		})
	}
}

func TestBasePolicyInvalidAtRevision(t *testing.T) {
	repo := gitRepo(t,
		map[string]string{"policy.hujson": "{\n  \"acls\": [\n    {\"action\": \"accept\",,}\n  ]\n}\n"},
		map[string]string{"policy.hujson": "{}"},
	)
	_, err := inputs.BasePolicy(context.Background(), "HEAD~1", filepath.Join(repo, "policy.hujson"))
	if err == nil || !strings.HasPrefix(err.Error(), "HEAD~1:policy.hujson:3:") {
		t.Fatalf("error = %v, want one at HEAD~1:policy.hujson:3:column", err)
	}
}
