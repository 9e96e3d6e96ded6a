package events

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"
)

// A Mark records how much of a regular file a read consumed, so that a later read can tell the file
// unchanged (skip it without decoding) or grown (decode only what follows). Size bytes were read;
// SHA256 is their digest. Lines is how many lines they held, and Resume says the file was one entry
// per line, not gzipped, and ended with a newline: a read of the grown file may start at Size.
type Mark struct {
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
	Lines   int       `json:"lines,omitempty"`
	Resume  bool      `json:"resume,omitempty"`
}

// tally hashes and counts the bytes read through it, and remembers the last one.
type tally struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	last byte
}

func (t *tally) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.h.Write(p[:n])
		t.n += int64(n)
		t.last = p[n-1]
	}
	return n, err
}

func (t *tally) sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// prefixMatches reports whether the first m.Size bytes of f have the digest m.SHA256, hashing them
// into h; f is left at offset m.Size when they do.
func prefixMatches(f *os.File, m Mark, h hash.Hash) (bool, error) {
	n, err := io.CopyN(h, f, m.Size)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("events: %w", err)
	}
	return n == m.Size && hex.EncodeToString(h.Sum(nil)) == m.SHA256, nil
}

// Unchanged reports whether every file paths name (as Read expands them) has a mark in marks whose
// size and digest it still has: a read with those marks would decode nothing. Standard input is
// never unchanged.
func Unchanged(paths []string, marks map[string]Mark) (bool, error) {
	for _, p := range paths {
		if p == "-" {
			return false, nil
		}
		files, err := expand(p)
		if err != nil {
			return false, err
		}
		for _, name := range files {
			m, ok := marks[name]
			if !ok {
				return false, nil
			}
			same, err := fileUnchanged(name, m)
			if err != nil || !same {
				return false, err
			}
		}
	}
	return true, nil
}

func fileUnchanged(name string, m Mark) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, fmt.Errorf("events: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("events: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != m.Size {
		return false, nil
	}
	return prefixMatches(f, m, sha256.New())
}

// resumable reports whether a file of this name, read whole as one entry per line, may be resumed.
func resumable(name string, lines bool, t *tally) bool {
	return lines && !strings.HasSuffix(name, ".gz") && (t.n == 0 || t.last == '\n')
}
