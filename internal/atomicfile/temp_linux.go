package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// tempFile is where new content is written before it is put in place. On Linux it is unnamed
// (O_TMPFILE) until committed, so a process killed mid-write leaves nothing behind; where the
// file system cannot make unnamed files, it is a named file that a later run cleans up.
type tempFile struct {
	f    *os.File
	name string // "" while unnamed
}

func newTemp(dir, base string) (*tempFile, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return &tempFile{f: os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)"))}, nil
	}
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EINVAL) {
		return nil, &os.PathError{Op: "create temporary file in", Path: dir, Err: err}
	}
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return nil, err
	}
	return &tempFile{f: f, name: f.Name()}, nil
}

// commit gives the content the name path, replacing what was there in one step.
func (t *tempFile) commit(path string) error {
	if t.name == "" {
		named, err := os.CreateTemp(filepath.Dir(path), tempPattern(filepath.Base(path)))
		if err != nil {
			t.discard()
			return err
		}
		named.Close()
		os.Remove(named.Name()) // linkat does not replace: free the unique name it reserved
		proc := fmt.Sprintf("/proc/self/fd/%d", t.f.Fd())
		if err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, named.Name(), unix.AT_SYMLINK_FOLLOW); err != nil {
			t.discard()
			return &os.LinkError{Op: "link", Old: proc, New: named.Name(), Err: err}
		}
		t.name = named.Name()
	}
	if err := t.f.Close(); err != nil {
		t.discard()
		return err
	}
	if err := os.Rename(t.name, path); err != nil {
		os.Remove(t.name)
		return err
	}
	return nil
}

func (t *tempFile) discard() {
	t.f.Close()
	if t.name != "" {
		os.Remove(t.name)
	}
}
