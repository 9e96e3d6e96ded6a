package atomicfile_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestSymlinkIsWrittenThrough checks that a symlinked target keeps its link and the file it points
// at gets the content.
func TestSymlinkIsWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link.json is no longer a symlink: %v %v", fi.Mode(), err)
	}
	assertFile(t, real, "new")
	assertEntries(t, dir, 2)
}

// TestDevicesAndPipesAreWrittenDirectly checks targets that cannot be renamed over: /dev/null and a
// FIFO get the content written into them and stay what they are.
func TestDevicesAndPipesAreWrittenDirectly(t *testing.T) {
	if err := atomicfile.Write(os.DevNull, writeString("discarded")); err != nil {
		t.Errorf("Write(%s): %v", os.DevNull, err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Fatalf("%s became a regular file", os.DevNull)
	}
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := atomicfile.Write(fifo, writeString("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the reader of the FIFO got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", fi.Mode())
	}
}

// TestCancelledWriteKeepsTheOldFile checks that a write stops once its context is done (a signal)
// and leaves the destination and its directory as they were.
func TestCancelledWriteKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	endless := func(w io.Writer) error {
		chunk := make([]byte, 1<<16)
		for i := 0; ; i++ {
			if i == 10 {
				cancel() // the signal arrives mid-write
			}
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
	}
	err := atomicfile.WriteContext(ctx, path, endless)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteContext() = %v, want context.Canceled", err)
	}
	assertFile(t, path, "old")
	assertEntries(t, dir, 1)
}

// TestNoTemporaryFileIsVisibleWhileWriting checks that, where the system can make unnamed files,
// nothing appears beside the destination while it is written, so a process killed mid-write
// leaves nothing behind.
func TestNoTemporaryFileIsVisibleWhileWriting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("unnamed temporary files are a Linux feature")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "snapshot.json")
	err := atomicfile.Write(path, func(w io.Writer) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		if len(entries) != 0 {
			t.Errorf("while writing, %s holds %v", dir, entries)
		}
		_, err = io.WriteString(w, "{}")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "{}")
}

// TestStaleTemporaryFilesAreRemoved checks that a named temporary file that a killed run left
// beside the target is removed by the next write, and a fresh one (a run still writing) is not.
func TestStaleTemporaryFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	stale := filepath.Join(dir, ".out.json.123456.tmp")
	fresh := filepath.Join(dir, ".out.json.654321.tmp")
	other := filepath.Join(dir, ".other.json.111.tmp")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{stale, other} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := atomicfile.Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{stale: false, fresh: true, other: true} {
		_, err := os.Stat(p)
		if exists := err == nil; exists != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), exists, want)
		}
	}
}

func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	if err := os.WriteFile(a, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLink(t, os.Symlink(a, filepath.Join(dir, "sym.json")))
	mustLink(t, os.Link(a, filepath.Join(dir, "hard.json")))
	mustLink(t, os.Symlink(filepath.Join(dir, "future.json"), filepath.Join(dir, "dangling.json")))
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{a, filepath.Join(dir, "sub", "..", "a.json"), true},
		{a, filepath.Join(dir, "sym.json"), true},
		{a, filepath.Join(dir, "hard.json"), true},
		{filepath.Join(dir, "dangling.json"), filepath.Join(dir, "future.json"), true},
		{a, filepath.Join(dir, "b.json"), false},
	} {
		if got := atomicfile.SameFile(tt.a, tt.b); got != tt.want {
			t.Errorf("SameFile(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func mustLink(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Skipf("cannot make links here: %v", err)
	}
}

// TestProcFdIsWrittenDirectly is -f json=/dev/stdout with stdout a pipe: the kernel's link is
// followed by opening it, never replaced by a regular file.
func TestProcFdIsWrittenDirectly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/fd is Linux's")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	path := fmt.Sprintf("/proc/self/fd/%d", w.Fd())
	if err := atomicfile.Write(path, writeString(`{"findings": []}`)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if s := <-got; s != `{"findings": []}` {
		t.Errorf("the pipe's reader got %q", s)
	}
}

// TestBeginWritesOverTime writes content a piece at a time: the destination keeps its old content
// until Commit, and a discarded File leaves it and the directory as they were.
func TestBeginWritesOverTime(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alerts.jsonl")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := atomicfile.Begin(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		fmt.Fprintf(f, "line %d\n", i)
		assertFile(t, path, "old")
	}
	f.Discard()
	assertFile(t, path, "old")
	assertEntries(t, dir, 1)

	if f, err = atomicfile.Begin(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "a\n")
	io.WriteString(f, "b\n")
	p, err := f.Finish()
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "old")
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "a\nb\n")
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want the old file's 0640 kept", fi.Mode().Perm())
	}
	assertEntries(t, dir, 1)

	ctx, cancel := context.WithCancel(context.Background())
	if f, err = atomicfile.Begin(ctx, path); err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "cancelled")
	cancel()
	if _, err := f.Finish(); !errors.Is(err, context.Canceled) {
		t.Errorf("Finish after the context was cancelled: %v", err)
	}
	assertFile(t, path, "a\nb\n")
	assertEntries(t, dir, 1)
}

// TestSpool keeps content for a writer aside: the writer gets nothing before Commit, all of it
// then, and nothing when the File is discarded.
func TestSpool(t *testing.T) {
	var out strings.Builder
	f, err := atomicfile.Spool(context.Background(), &out)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<17) // more than the buffer: some of it is in the file before Finish
	io.WriteString(f, big)
	if out.Len() != 0 {
		t.Fatalf("the writer got %d bytes before Commit", out.Len())
	}
	p, err := f.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Fatalf("the writer got %d bytes before Commit", out.Len())
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	if out.String() != big {
		t.Errorf("the writer got %d bytes, want %d", out.Len(), len(big))
	}
	out.Reset()
	if f, err = atomicfile.Spool(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, big)
	f.Discard()
	if out.Len() != 0 {
		t.Errorf("a discarded spool wrote %d bytes", out.Len())
	}
}
