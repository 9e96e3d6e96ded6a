package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputsNeverDestroyInputs runs check with outputs that resolve to an input file or to each
// other, under several spellings: each is a usage error (exit 2) that leaves every file as it was.
func TestOutputsNeverDestroyInputs(t *testing.T) {
	policy, err := os.ReadFile(demoPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args func(dir string) []string
		want string
	}{
		{"report_over_the_policy", func(dir string) []string {
			return []string{"check", filepath.Join(dir, "pol.hujson"), "-f", "text=" + filepath.Join(dir, "pol.hujson")}
		}, "would overwrite the input"},
		{"report_over_the_policy_through_a_symlink", func(dir string) []string {
			return []string{"check", filepath.Join(dir, "pol.hujson"), "-f", "json=" + filepath.Join(dir, "link.json")}
		}, "would overwrite the input"},
		{"report_over_the_policy_by_another_spelling", func(dir string) []string {
			return []string{"check", filepath.Join(dir, "pol.hujson"), "-f", "sarif=" + filepath.Join(dir, "sub", "..", "pol.hujson")}
		}, "would overwrite the input"},
		{"report_over_the_config", func(dir string) []string {
			return []string{"check", filepath.Join(dir, "pol.hujson"), "--config", filepath.Join(dir, "cfg.hujson"), "-f", "json=" + filepath.Join(dir, "cfg.hujson")}
		}, "would overwrite the input"},
		{"two_outputs_one_file", func(dir string) []string {
			return []string{"check", filepath.Join(dir, "pol.hujson"), "-f", "json=" + filepath.Join(dir, "a.json"), "-f", "sarif=" + filepath.Join(dir, "sub", "..", "a.json")}
		}, "two outputs write to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "pol.hujson", string(policy))
			write(t, dir, "cfg.hujson", `{"failOn": "high"}`)
			write(t, dir, "a.json", "old")
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("pol.hujson", filepath.Join(dir, "link.json")); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := tailaudit(t, dir, nil, tt.args(dir)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			for name, want := range map[string]string{"pol.hujson": string(policy), "cfg.hujson": `{"failOn": "high"}`, "a.json": "old"} {
				if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
					t.Errorf("%s changed: %.80q", name, got)
				}
			}
			if fi, err := os.Lstat(filepath.Join(dir, "link.json")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("link.json is no longer a symlink")
			}
		})
	}
}

// TestOutputToDevNull checks that the null device is an output like any other, and stays a device.
func TestOutputToDevNull(t *testing.T) {
	_, stderr, code := tailaudit(t, t.TempDir(), nil, "check", demoPolicy, "-f", "json="+os.DevNull, "-f", "sarif="+os.DevNull)
	if code != 1 {
		t.Fatalf("exit code %d, want 1 (the demo has high findings); stderr: %s", code, stderr)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Errorf("%s is now a regular file", os.DevNull)
	}
}

// TestCollectOutputsAreDistinct refuses to write the events over the snapshot.
func TestCollectOutputsAreDistinct(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "s.json")
	write(t, dir, "s.json", "{}")
	env := map[string]string{"TAILSCALE_API_KEY": "tskey-api-x", "TAILSCALE_TAILNET": "example.com", "TAILSCALE_BASE_URL": "http://127.0.0.1:1"}
	_, stderr, code := tailaudit(t, dir, env, "collect", "-o", snap, "--events-since", "1d", "--events-out", filepath.Join(dir, ".", "s.json"))
	if code != 2 || !strings.Contains(stderr, "are the same file") {
		t.Errorf("exit code %d, stderr %q; want 2 and a message that the files are one", code, stderr)
	}
	if got, _ := os.ReadFile(snap); string(got) != "{}" {
		t.Errorf("the snapshot changed: %q", got)
	}
}

// TestInterruptedRunKeepsFiles is a signal arriving before the outputs are written: the run ends
// with exit code 2 and says so, and the existing output file is kept.
func TestInterruptedRunKeepsFiles(t *testing.T) {
	dir := t.TempDir()
	out := write(t, dir, "report.json", "old")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	s := &iostreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr, Dir: dir, Getenv: func(string) string { return "" }}
	code := run(ctx, []string{"check", demoPolicy, "-f", "json=" + out}, s)
	if code != 2 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit code %d, stderr %q; want 2 and interrupted", code, stderr.String())
	}
	if got, _ := os.ReadFile(out); string(got) != "old" {
		t.Errorf("report.json = %.80q, want it kept", got)
	}
}
