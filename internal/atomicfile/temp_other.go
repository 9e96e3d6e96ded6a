//go:build !linux

package atomicfile

import "os"

// tempFile is where new content is written before it is put in place: a named file beside the
// destination, which a later run removes if this one is killed before it can.
type tempFile struct {
	f    *os.File
	name string
}

func newTemp(dir, base string) (*tempFile, error) {
	f, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return nil, err
	}
	return &tempFile{f: f, name: f.Name()}, nil
}

// commit gives the content the name path, replacing what was there in one step.
func (t *tempFile) commit(path string) error {
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
	os.Remove(t.name)
}
