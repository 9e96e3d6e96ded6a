package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/evidence"
)

func TestKeygenArgs(t *testing.T) {
	testParse(t, newKeygenCmd, []parseCase[keygenOptions]{
		{"output", "-o k", &keygenOptions{Out: "k"}},
		{"no_output", "", nil},
		{"argument", "-o k extra", nil},
	})
}

func TestVerifyArgs(t *testing.T) {
	testParse(t, newVerifyCmd, []parseCase[verifyOptions]{
		{"dir", "pack", &verifyOptions{Dir: "pack"}},
		{"key", "pack --key k.pub", &verifyOptions{Dir: "pack", Key: "k.pub"}},
		{"no_dir", "", nil},
		{"two_dirs", "a b", nil},
	})
}

// sealedPack writes a few files into a new directory and seals it with the private key at key.
func sealedPack(t *testing.T, key string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"report.md": "# r\n", "evidence/snapshot.json": "{}"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	priv, _, err := evidence.ReadPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Seal(dir, evidence.Manifest{Tool: "tailaudit", Created: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}, priv); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestKeygenAndVerify(t *testing.T) {
	keys := t.TempDir()
	key := filepath.Join(keys, "ev.key")
	if _, stderr, code := tailaudit(t, "", nil, "keygen", "-o", key); code != 0 || !strings.Contains(stderr, "fingerprint") {
		t.Fatalf("keygen: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := tailaudit(t, "", nil, "keygen", "-o", key); code != 2 || !strings.Contains(stderr, "already exists") {
		t.Errorf("keygen over an existing key: exit %d, stderr %q; want 2 and a refusal", code, stderr)
	}
	other := filepath.Join(keys, "other.key")
	if _, _, code := tailaudit(t, "", nil, "keygen", "-o", other); code != 0 {
		t.Fatal("keygen other")
	}
	tests := []struct {
		name      string
		edit      func(dir string) error
		args      []string
		code      int
		stdout    []string // substrings
		stderrHas string
	}{
		{name: "intact", code: 0, stdout: []string{"OK, 2 files, signed by key"}, stderrHas: "pass --key"},
		{name: "intact_pinned", args: []string{"--key", key + ".pub"}, code: 0, stdout: []string{"OK, 2 files, signed"}},
		{name: "other_key", args: []string{"--key", other + ".pub"}, code: 1, stdout: []string{"bad signature: the pack was signed by another key", "FAILED"}},
		{name: "private_key_as_key", args: []string{"--key", key}, code: 2, stderrHas: "a private key"},
		{name: "changed", edit: func(dir string) error { return os.WriteFile(filepath.Join(dir, "report.md"), []byte("# R\n"), 0o644) }, code: 1, stdout: []string{"changed: report.md", "FAILED"}},
		{name: "added", edit: func(dir string) error { return os.WriteFile(filepath.Join(dir, "new.txt"), nil, 0o644) }, code: 1, stdout: []string{"added:   new.txt"}},
		{name: "removed", edit: func(dir string) error { return os.Remove(filepath.Join(dir, "evidence", "snapshot.json")) }, code: 1, stdout: []string{"removed: evidence/snapshot.json"}},
		{name: "no_manifest", edit: func(dir string) error { return os.Remove(filepath.Join(dir, evidence.ManifestFile)) }, code: 2, stderrHas: "not an evidence pack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := sealedPack(t, key)
			if tt.edit != nil {
				if err := tt.edit(dir); err != nil {
					t.Fatal(err)
				}
			}
			stdout, stderr, code := tailaudit(t, "", nil, append([]string{"verify", dir}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrHas, stderr)
			}
		})
	}
}
