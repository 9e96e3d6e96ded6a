package atomicfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Pending is new content, written and synced, that is not yet at its destination.
type Pending struct {
	tmp    *tempFile
	path   string    // the destination, symlinks resolved
	direct bool      // the destination is a device or a pipe: copied into it, not renamed over it
	into   io.Writer // Spool's destination: copied into it
}

// A File is new content being written, a piece at a time, beside its destination (Begin) or
// aside for a writer (Spool): nothing reaches the destination before Finish and then Commit.
// A File is not safe for concurrent use.
type File struct {
	ctx    context.Context
	tmp    *tempFile
	w      *bufio.Writer
	path   string
	direct bool
	mode   fs.FileMode
	into   io.Writer
}

// Create writes the content write produces beside path, synced, keeping the permissions of an
// existing file at path (0644 for a new one). On error nothing is left behind and path is
// untouched. Call Commit to put the content in place, or Discard.
//
// A symlink at path is written through: the file it points at gets the new content and the link
// stays. A device or a pipe at path (/dev/stdout, /dev/null, a FIFO) cannot be replaced; the
// content is kept aside and written into it by Commit. A directory is an error.
func Create(path string, write func(io.Writer) error) (*Pending, error) {
	return CreateContext(context.Background(), path, write)
}

// CreateContext is Create that stops writing, and fails, once ctx is done, so that a signal
// cancels a long write promptly and leaves path as it was.
func CreateContext(ctx context.Context, path string, write func(io.Writer) error) (*Pending, error) {
	f, err := Begin(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := write(f); err != nil {
		f.Discard()
		return nil, err
	}
	return f.Finish()
}

// Begin starts new content for path, as Create writes it, for a writer that produces it over
// time: Write to the File, then Finish it and Commit the Pending, or Discard it. Writes fail once
// ctx is done.
func Begin(ctx context.Context, path string) (*File, error) {
	dest, direct, mode, err := destination(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(dest)
	if direct {
		dir = os.TempDir() // a device's directory is no place for files: the content waits in the system's
	} else {
		removeStale(dir, filepath.Base(dest))
	}
	tmp, err := newTemp(dir, filepath.Base(dest))
	if err != nil {
		return nil, err
	}
	return &File{ctx: ctx, tmp: tmp, w: bufio.NewWriterSize(ctxWriter{ctx, tmp.f}, 1<<16), path: dest, direct: direct, mode: mode}, nil
}

// Spool starts content for w that waits in a temporary file of the system's until Commit copies
// it into w: a run that fails halfway writes nothing to w, and the content is not held in memory.
func Spool(ctx context.Context, w io.Writer) (*File, error) {
	tmp, err := newTemp(os.TempDir(), "tailaudit-spool")
	if err != nil {
		return nil, err
	}
	return &File{ctx: ctx, tmp: tmp, w: bufio.NewWriterSize(ctxWriter{ctx, tmp.f}, 1<<16), into: w}, nil
}

// Write adds p to the content.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Finish writes out what is buffered and syncs the content (a Spool's is not synced: it is only
// copied); on error the content is discarded. Commit the Pending to put it in place.
func (f *File) Finish() (*Pending, error) {
	err := f.w.Flush()
	if err == nil {
		err = f.ctx.Err()
	}
	if err == nil && f.into == nil && !f.direct {
		err = f.tmp.f.Chmod(f.mode)
	}
	if err == nil && f.into == nil {
		err = f.tmp.f.Sync()
	}
	if err != nil {
		f.tmp.discard()
		return nil, err
	}
	return &Pending{tmp: f.tmp, path: f.path, direct: f.direct, into: f.into}, nil
}

// Discard drops the content; the destination keeps what it had.
func (f *File) Discard() { f.tmp.discard() }

// special are the kinds of file that cannot be renamed over: their content is written into them.
const special = fs.ModeDevice | fs.ModeCharDevice | fs.ModeNamedPipe | fs.ModeSocket

// destination returns the file that writing to path changes, whether it must be written into
// directly, and the permissions new content gets. Paths under /dev and /proc (/dev/stdout,
// /proc/self/fd/1) are always written directly: their links are the kernel's, which only opening
// them follows, and what they point at is open in this process already.
func destination(path string) (dest string, direct bool, mode fs.FileMode, err error) {
	fi, statErr := os.Stat(path)
	if statErr == nil && fi.IsDir() {
		return "", false, 0, fmt.Errorf("%s is a directory", path)
	}
	abs, _ := filepath.Abs(path)
	if statErr == nil && (fi.Mode()&special != 0 || strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")) {
		return path, true, 0, nil
	}
	if statErr == nil && !fi.Mode().IsRegular() {
		return "", false, 0, fmt.Errorf("%s is not a regular file", path)
	}
	if dest, err = Resolve(path); err != nil {
		return "", false, 0, err
	}
	mode = 0o644
	if statErr == nil {
		mode = fi.Mode().Perm()
	}
	return dest, false, mode, nil
}

// Commit puts the new content in place: renamed over a file, or copied into a device, a pipe or
// Spool's writer.
func (p *Pending) Commit() error {
	if p.into != nil {
		defer p.tmp.discard()
		return p.copyTo(p.into)
	}
	if p.direct {
		defer p.tmp.discard()
		dst, err := os.OpenFile(p.path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return errors.Join(p.copyTo(dst), dst.Close())
	}
	return p.tmp.commit(p.path)
}

func (p *Pending) copyTo(dst io.Writer) error {
	if _, err := p.tmp.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(dst, p.tmp.f)
	return err
}

// Discard drops the new content; the destination keeps what it had.
func (p *Pending) Discard() { p.tmp.discard() }

// Write creates and commits in one step.
func Write(path string, write func(io.Writer) error) error {
	return WriteContext(context.Background(), path, write)
}

// WriteContext creates and commits in one step, stopping once ctx is done.
func WriteContext(ctx context.Context, path string, write func(io.Writer) error) error {
	p, err := CreateContext(ctx, path, write)
	if err != nil {
		return err
	}
	return p.Commit()
}

// Resolve returns the file that writing to path changes: absolute, with every symlink followed,
// also a symlink whose target does not exist yet. Two paths that Resolve to the same string (or
// that name the same existing file) are one file.
func Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	for range 40 { // as many links as Linux follows
		fi, err := os.Lstat(abs)
		if errors.Is(err, fs.ErrNotExist) {
			dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
			if err != nil {
				return "", fmt.Errorf("%s: directory %s: %w", path, filepath.Dir(abs), err)
			}
			return filepath.Join(dir, filepath.Base(abs)), nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return filepath.EvalSymlinks(abs)
		}
		target, err := os.Readlink(abs)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		abs = target
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// SameFile reports whether paths a and b are one file: the same path once resolved, or, for files
// that exist, the same file under two names (a hard link).
func SameFile(a, b string) bool {
	ra, errA := Resolve(a)
	rb, errB := Resolve(b)
	if errA == nil && errB == nil && ra == rb {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// ctxWriter fails writes once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// staleAfter is how old a named temporary file of ours must be before a later write removes it: a
// run killed mid-write (SIGKILL) cannot remove its own, and one younger than this may belong to a
// run still writing.
const staleAfter = 10 * time.Minute

// tempPattern names the temporary files beside base when the system cannot make unnamed ones.
func tempPattern(base string) string { return "." + base + ".*.tmp" }

// removeStale removes temporary files that an earlier, killed run left beside base.
func removeStale(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, tempPattern(base)))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleAfter {
			os.Remove(m)
		}
	}
}
