package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Pending is new content written to a temporary file beside its destination, not yet in place.
type Pending struct {
	tmp, path string
}

// Create writes the content write produces to a temporary file in the directory of path, synced
// and closed, keeping the permissions of an existing file at path (0644 for a new one). On error
// the temporary file is removed and path is untouched. Call Commit to put it in place, or Discard.
func Create(path string, write func(io.Writer) error) (_ *Pending, err error) {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<16)
	if err := write(w); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := f.Chmod(mode); err != nil {
		return nil, err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return nil, err
	}
	return &Pending{tmp: f.Name(), path: path}, nil
}

// Commit renames the new content over the destination.
func (p *Pending) Commit() error {
	if err := os.Rename(p.tmp, p.path); err != nil {
		os.Remove(p.tmp)
		return err
	}
	return nil
}

// Discard removes the new content; the destination keeps what it had.
func (p *Pending) Discard() { os.Remove(p.tmp) }

// Write creates and commits in one step.
func Write(path string, write func(io.Writer) error) error {
	p, err := Create(path, write)
	if err != nil {
		return err
	}
	return p.Commit()
}
