package alertstate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the state file inside the state directory.
const FileName = "tailaudit.db"

// formatVersion is written in the meta bucket; a state of another version is refused.
const formatVersion = "1"

// The buckets of the state file.
var (
	bucketMeta     = []byte("meta")
	bucketCursors  = []byte("cursors")  // source → cursor JSON
	bucketSuppress = []byte("suppress") // rule \x00 dedup → until (RFC 3339)
	bucketActors   = []byte("actors")   // actor → first seen (RFC 3339)
	bucketRaised   = []byte("raised")   // alert id → alert time (RFC 3339)
	bucketHistory  = []byte("history")  // time (RFC 3339, fixed width) \x00 digest → event JSON
	bucketOutbox   = []byte("outbox")   // sink name \x00 alert id → item JSON
	allBuckets     = [][]byte{bucketMeta, bucketCursors, bucketSuppress, bucketActors, bucketRaised, bucketHistory, bucketOutbox}
	// bucketStaged lists the raised ids and outbox keys a run has put but not committed: 'r' or
	// 'o', then the key → when. States written before it have none; a writable Open adds it.
	bucketStaged = []byte("staged")
)

// ErrLocked is returned by Open when another run holds the state for longer than it waited.
var ErrLocked = errors.New("locked by another run")

// Store is an open state directory. Only one process opens it at a time (the file is locked).
type Store struct {
	db  *bolt.DB
	dir string
}

// Open opens the state in dir, creating the directory (0700) and the file (0600) when they do not
// exist. When another run holds it, Open waits up to wait (0: not at all) and then returns an
// error wrapping ErrLocked. A file that is not a tailaudit state, or is damaged, is an error and is left as it is:
// Open never creates a state over an existing file. readOnly opens an existing state without
// changing it (and fails when there is none).
func Open(dir string, wait time.Duration, readOnly bool) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if readOnly {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("state %s: no state yet (a run with --state creates it)", dir)
			}
			return nil, fmt.Errorf("state %s: %w", dir, err)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state %s: %w", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("state %s: %w", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("state %s: not a directory", dir)
	}
	if wait <= 0 {
		wait = time.Nanosecond // bbolt waits for ever on 0; here 0 means do not wait
	}
	db, err := openBolt(path, wait, readOnly)
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("state %s: %w (waited %s; see --state-wait)", dir, ErrLocked, wait)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("state %s: cannot open %s for writing: %w", dir, FileName, err)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
			return nil, fmt.Errorf("state %s: %s is damaged or not a tailaudit state (%v); it was left as it is: move it away to start afresh", dir, FileName, err)
		}
		return nil, fmt.Errorf("state %s: %w", dir, err)
	}
	s := &Store{db: db, dir: dir}
	if err := s.check(readOnly); err != nil {
		db.Close()
		return nil, err
	}
	if !readOnly {
		// What a run that crashed staged is removed: it did not commit.
		if err := s.unstage(); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// openBolt opens the file, turning a panic of the reader on a damaged file into an error.
func openBolt(path string, wait time.Duration, readOnly bool) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %v", berrors.ErrInvalid, r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: wait, ReadOnly: readOnly})
}

// check makes sure the file is a tailaudit state of this version, creating the buckets of a new one.
func (s *Store) check(readOnly bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("state %s: %s is damaged (%v); it was left as it is: move it away to start afresh", s.dir, FileName, r)
		}
	}()
	view := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if empty {
				return errFresh
			}
			return fmt.Errorf("state %s: %s is a bbolt file but not a tailaudit state; it was left as it is", s.dir, FileName)
		}
		if v := meta.Get([]byte("version")); !bytes.Equal(v, []byte(formatVersion)) {
			return fmt.Errorf("state %s: %s has format version %q; this tailaudit reads version %s", s.dir, FileName, v, formatVersion)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("state %s: %s lacks its %s bucket; it was left as it is", s.dir, FileName, b)
			}
		}
		return nil
	}
	err = s.db.View(view)
	fresh := errors.Is(err, errFresh)
	if err != nil && !fresh {
		return err
	}
	if readOnly {
		return nil
	}
	if !fresh {
		var staged bool
		_ = s.db.View(func(tx *bolt.Tx) error { staged = tx.Bucket(bucketStaged) != nil; return nil })
		if staged {
			return nil
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketStaged); err != nil {
			return fmt.Errorf("state %s: %w", s.dir, err)
		}
		if !fresh {
			return nil // a state from before staging: it has the other buckets
		}
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("state %s: %w", s.dir, err)
			}
		}
		return tx.Bucket(bucketMeta).Put([]byte("version"), []byte(formatVersion))
	})
}

var errFresh = errors.New("fresh state")

// Dir is the state directory.
func (s *Store) Dir() string { return s.dir }

// Close releases the state.
func (s *Store) Close() error { return s.db.Close() }

// view runs fn in a read transaction; on a state too new to have the buckets, fn sees nil buckets.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if err := s.db.View(fn); err != nil {
		return fmt.Errorf("state %s: %w", s.dir, err)
	}
	return nil
}

func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("state %s: %w", s.dir, err)
	}
	return nil
}

func stamp(t time.Time) []byte { return []byte(t.UTC().Format(time.RFC3339Nano)) }

func parseStamp(b []byte) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, string(b))
	return t
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

func getJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
