package output

import (
	"bufio"
	"errors"
	"io"
	"os"
)

// spool is a temporary file of the system's in which an encoder keeps what it rendered of the
// alerts until it writes them out, so that their number does not weigh on memory.
type spool struct {
	f    *os.File
	w    *bufio.Writer
	size int64
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "tailaudit-alerts-*.spool")
	if err != nil {
		return nil, err
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (s *spool) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.size += int64(n)
	return n, err
}

// section returns a reader of n bytes from off, once what is buffered is written out.
func (s *spool) section(off, n int64) (io.Reader, error) {
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	return io.NewSectionReader(s.f, off, n), nil
}

// close removes the file.
func (s *spool) close() error {
	if s == nil {
		return nil
	}
	return errors.Join(s.f.Close(), os.Remove(s.f.Name()))
}
