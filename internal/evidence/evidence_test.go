package evidence_test

import (
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/evidence"
)

// writePack writes a small pack of files into a new directory and seals it, signed with key when
// key is not nil.
func writePack(t *testing.T, key ed25519.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"report.html":               "<!doctype html><title>r</title>",
		"report.json":               `{"schema":"x"}` + "\n",
		"evidence/snapshot.json":    `{"devices":[]}`,
		"evidence/policy.hujson":    "{}\n",
		"evidence/events/a.jsonl":   "{}\n{}\n",
		"controls.csv":              "framework,control\n",
		"assessment-results.json":   "{}",
		"empty-but-still-a-file.md": "x",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := evidence.Manifest{Tool: "tailaudit", Version: "test", RuleBundle: "abc", Command: []string{"tailaudit", "report"}, Created: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	got, err := evidence.Seal(dir, m, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != len(files) {
		t.Fatalf("manifest lists %d files, want %d", len(got.Files), len(files))
	}
	return dir
}

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	pub, err := evidence.GenerateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	priv, warnings, err := evidence.ReadPrivateKey(path)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("ReadPrivateKey = %v, %v", warnings, err)
	}
	return pub, priv
}

// named reports whether r names file as changed, added or removed.
func named(r *evidence.Result, file string) bool {
	return slices.Contains(r.Changed, file) || slices.Contains(r.Added, file) || slices.Contains(r.Removed, file)
}

// TestVerify_EveryByteOfEveryFile changes the first, a middle and the last byte of each file of a
// signed pack in turn: verification must fail and name that file.
func TestVerify_EveryByteOfEveryFile(t *testing.T) {
	pub, priv := newKey(t)
	for _, pinned := range []bool{false, true} {
		want := ed25519.PublicKey(nil)
		if pinned {
			want = pub
		}
		for _, unsigned := range []bool{false, true} {
			if unsigned && pinned {
				continue
			}
			key := priv
			if unsigned {
				key = nil
			}
			files := packFiles(t, writePack(t, key))
			for _, file := range files {
				for _, where := range []string{"first", "middle", "last"} {
					t.Run(strings.Join([]string{map[bool]string{true: "unsigned", false: "signed"}[unsigned], map[bool]string{true: "pinned", false: "unpinned"}[pinned], file, where}, "/"), func(t *testing.T) {
						dir := writePack(t, key)
						p := filepath.Join(dir, filepath.FromSlash(file))
						data, err := os.ReadFile(p)
						if err != nil {
							t.Fatal(err)
						}
						i := map[string]int{"first": 0, "middle": len(data) / 2, "last": len(data) - 1}[where]
						data[i] ^= 0x01
						if err := os.WriteFile(p, data, 0o644); err != nil {
							t.Fatal(err)
						}
						r, err := evidence.Verify(dir, want)
						if err != nil {
							t.Fatal(err)
						}
						if r.OK() {
							t.Fatalf("Verify after changing byte %d of %s: OK, want a failure", i, file)
						}
						if !named(r, file) {
							t.Errorf("Verify after changing %s: changed %v, added %v, removed %v; want %s named", file, r.Changed, r.Added, r.Removed, file)
						}
					})
				}
			}
		}
	}
}

// packFiles lists every file in dir, slash-separated and relative.
func packFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerify(t *testing.T) {
	pub, priv := newKey(t)
	other, _ := newKey(t)
	tests := []struct {
		name      string
		key       ed25519.PrivateKey
		want      ed25519.PublicKey
		edit      func(t *testing.T, dir string)
		ok        bool
		signature string
		changed   []string
		added     []string
		removed   []string
	}{
		{name: "signed_intact", key: priv, ok: true, signature: evidence.SignatureValid},
		{name: "signed_intact_pinned", key: priv, want: pub, ok: true, signature: evidence.SignatureValid},
		{name: "unsigned_intact", ok: true, signature: evidence.SignatureAbsent},
		{name: "unsigned_but_key_given", want: pub, signature: evidence.SignatureBad, removed: []string{evidence.SignatureFile}},
		{name: "other_key", key: priv, want: other, signature: evidence.SignatureMismatch, changed: []string{evidence.SignatureFile}},
		{name: "file_added", key: priv, edit: write("evidence/extra.txt", "x"), signature: evidence.SignatureValid, added: []string{"evidence/extra.txt"}},
		{name: "file_removed", key: priv, edit: remove("report.json"), signature: evidence.SignatureValid, removed: []string{"report.json"}},
		{name: "sums_removed", key: priv, edit: remove(evidence.SumsFile), signature: evidence.SignatureValid, removed: []string{evidence.SumsFile}},
		{name: "signature_removed", key: priv, edit: remove(evidence.SignatureFile), signature: evidence.SignatureBad, removed: []string{evidence.SignatureFile}},
		{name: "same_length_edit", key: priv, edit: write("report.json", `{"schema":"y"}`+"\n"), signature: evidence.SignatureValid, changed: []string{"report.json"}},
		{name: "manifest_not_json", key: priv, edit: write(evidence.ManifestFile, "nope"), signature: evidence.SignatureBad, changed: []string{evidence.ManifestFile},
			added: []string{"assessment-results.json", "controls.csv", "empty-but-still-a-file.md", "evidence/events/a.jsonl", "evidence/policy.hujson", "evidence/snapshot.json", "report.html", "report.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePack(t, tt.key)
			if tt.edit != nil {
				tt.edit(t, dir)
			}
			r, err := evidence.Verify(dir, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() != tt.ok || r.Signature != tt.signature {
				t.Errorf("OK() = %v, signature %q (%s); want %v, %q", r.OK(), r.Signature, r.Detail, tt.ok, tt.signature)
			}
			for _, c := range []struct {
				what      string
				got, want []string
			}{{"changed", r.Changed, tt.changed}, {"added", r.Added, tt.added}, {"removed", r.Removed, tt.removed}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

func write(name, text string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func remove(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerify_NoManifest(t *testing.T) {
	if _, err := evidence.Verify(t.TempDir(), nil); err != evidence.ErrNoManifest {
		t.Fatalf("Verify(empty dir) error = %v, want ErrNoManifest", err)
	}
}

// TestSHA256SUMS checks that the coreutils tool accepts the pack's SHA256SUMS.
func TestSHA256SUMS(t *testing.T) {
	tool, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("no sha256sum binary to check SHA256SUMS with")
	}
	dir := writePack(t, nil)
	cmd := exec.Command(tool, "--strict", "-c", evidence.SumsFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	write("report.html", "changed")(t, dir)
	if err := exec.Command(tool, "-c", evidence.SumsFile).Run(); err == nil {
		t.Fatal("sha256sum -c accepted a changed file")
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if _, err := evidence.GenerateKey(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %04o, want 0600", fi.Mode().Perm())
	}
	if _, err := evidence.GenerateKey(path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("GenerateKey over an existing key: %v, want a refusal", err)
	}
	if _, err := evidence.ReadPublicKey(path + ".pub"); err != nil {
		t.Errorf("ReadPublicKey(KEY.pub): %v", err)
	}
	if _, err := evidence.ReadPublicKey(path); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("ReadPublicKey(private key): %v, want it named a private key", err)
	}
	if _, _, err := evidence.ReadPrivateKey(path + ".pub"); err == nil || !strings.Contains(err.Error(), "public key") {
		t.Errorf("ReadPrivateKey(public key): %v, want it named a public key", err)
	}
	notKey := filepath.Join(dir, "notkey")
	write("notkey", "hello")(t, dir)
	if _, _, err := evidence.ReadPrivateKey(notKey); err == nil || !strings.Contains(err.Error(), "not a PEM") {
		t.Errorf("ReadPrivateKey(text): %v, want not a PEM", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, warnings, err := evidence.ReadPrivateKey(path)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "readable by others") {
		t.Errorf("ReadPrivateKey(mode 0644) = %q, %v; want one warning", warnings, err)
	}
	// a key file left half-written must not stay: a missing directory fails before anything is created
	if _, err := evidence.GenerateKey(filepath.Join(dir, "missing", "key")); err == nil {
		t.Error("GenerateKey into a missing directory succeeded")
	}
}
