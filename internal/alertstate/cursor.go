package alertstate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A Cursor says how far the events of one source have been judged. A source is an --events
// argument as the run named it: a file or directory by its absolute path, "-" for stdin. The cursor
// is the time of the newest event judged and the digests of the events judged at exactly that time:
// an event is new when it is newer than Time, or at Time with a digest not in Digests. So a cron
// job that reads a growing file, a rotated one (the new file's events are newer) or a directory
// holding both judges each event once, whatever order the files come in; an event older than the
// cursor that appears later (written out of order) is not judged. Such late events are counted in
// Late when they can be told from events read before: when they are in the part of a file added
// since the run that marked it.
type Cursor struct {
	Time    time.Time `json:"time"`
	Digests []string  `json:"digests,omitempty"` // of the events at Time, sorted
	Judged  int64     `json:"judged"`            // events judged from this source over all runs
	Late    int64     `json:"late,omitempty"`    // late events found and not judged, over all runs
	Updated time.Time `json:"updated"`           // the run that last moved it
	// Files marks each regular file of the source as the last run read it, by name: a later run
	// skips a file still of that size and digest without decoding it, and reads a one-entry-per-line
	// file that grew from the mark on. The time and digests above still decide what is new.
	Files map[string]FileMark `json:"files,omitempty"`
}

// A FileMark is how much of a file a run read: Size bytes, with that SHA-256 and modification
// time, holding Lines lines; Resume says a grown file may be read from Size on (one entry per line,
// not gzipped, ending with a newline).
type FileMark struct {
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
	Lines   int       `json:"lines,omitempty"`
	Resume  bool      `json:"resume,omitempty"`
}

// Digest identifies an event's content for the cursor: the SHA-256 of its JSON (keys sorted).
func Digest(doc map[string]any) (string, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("digest event: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16]), nil
}

// Past reports whether an event at t with digest d was judged by an earlier run.
func (c Cursor) Past(t time.Time, d string) bool {
	if c.Time.IsZero() {
		return false
	}
	return t.Before(c.Time) || t.Equal(c.Time) && slices.Contains(c.Digests, d)
}

// Older reports whether an event at t is older than the newest event judged: an event Past
// reports as judged although it may never have been, when it was written after newer ones.
func (c Cursor) Older(t time.Time) bool {
	return t.Before(c.Time) // never, for an empty cursor: no event is older than the zero time
}

// Advance moves the cursor over one newly judged event.
func (c *Cursor) Advance(t time.Time, d string) {
	t = t.UTC()
	c.Judged++
	switch {
	case t.After(c.Time) || c.Time.IsZero():
		c.Time, c.Digests = t, []string{d}
	case t.Equal(c.Time):
		if i, found := slices.BinarySearch(c.Digests, d); !found {
			c.Digests = slices.Insert(c.Digests, i, d)
		}
	}
}

// PutCursors records cursors whose file marks moved while no event was judged.
func (s *Store) PutCursors(now time.Time, cursors map[string]Cursor) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCursors)
		for src, c := range cursors {
			c.Updated = now.UTC()
			if err := putJSON(b, []byte(src), c); err != nil {
				return err
			}
		}
		return nil
	})
}

// Cursors returns the cursor of every source.
func (s *Store) Cursors() (map[string]Cursor, error) {
	out := map[string]Cursor{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			var c Cursor
			if err := getJSON(v, &c); err != nil {
				return fmt.Errorf("cursor of %s: %w", k, err)
			}
			out[string(k)] = c
			return nil
		})
	})
	return out, err
}
