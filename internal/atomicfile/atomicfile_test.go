package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	failing := func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return errors.New("renderer broke")
	}
	if err := atomicfile.Write(path, failing); err == nil {
		t.Fatal("Write() with a failing writer succeeded")
	}
	assertFile(t, path, "old")
	assertEntries(t, dir, 1)

	if err := atomicfile.Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "new")
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want the old file's 0600 kept", fi.Mode().Perm())
	}
	assertEntries(t, dir, 1)
}

func TestCreateThenDiscard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.sarif")
	p, err := atomicfile.Create(path, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err })
	if err != nil {
		t.Fatal(err)
	}
	p.Discard()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("destination exists after Discard: %v", err)
	}
	assertEntries(t, dir, 0)
}

func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := atomicfile.Write(dir, func(io.Writer) error { return nil }); err == nil {
		t.Error("Write() over a directory succeeded")
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Errorf("%s = %q, want %q", path, b, want)
	}
}

func assertEntries(t *testing.T, dir string, want int) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) != want {
		t.Errorf("%s holds %d entries, want %d (no temporary files left)", dir, len(entries), want)
	}
}
