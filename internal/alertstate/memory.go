package alertstate

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Suppression is one entry of the suppression memory: rule Rule raises no alert for Dedup before
// Until (custom.suppress, carried across runs).
type Suppression struct {
	Rule, Dedup string
	Until       time.Time
}

// Event is an event held for the windows of later runs, as it was read.
type Event struct {
	Time    time.Time      `json:"time"`
	Doc     map[string]any `json:"doc"`
	File    string         `json:"file,omitempty"`
	Line    int            `json:"line,omitempty"`
	Pointer string         `json:"pointer,omitempty"`
}

// Suppressions returns the suppression memory, by rule and dedup key.
func (s *Store) Suppressions() ([]Suppression, error) {
	var out []Suppression
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSuppress).ForEach(func(k, v []byte) error {
			rule, dedup, _ := strings.Cut(string(k), "\x00")
			out = append(out, Suppression{Rule: rule, Dedup: dedup, Until: parseStamp(v)})
			return nil
		})
	})
	return out, err
}

// Actors returns the first-seen memory: every actor (login name, else id) seen in the events of
// a run, with the time of the run that first saw it.
func (s *Store) Actors() (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketActors).ForEach(func(k, v []byte) error {
			out[string(k)] = parseStamp(v)
			return nil
		})
	})
	return out, err
}

// History returns the events held for later windows, oldest first.
func (s *Store) History() ([]Event, error) {
	var out []Event
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketHistory).ForEach(func(k, v []byte) error {
			var ev Event
			if err := getJSON(v, &ev); err != nil {
				return fmt.Errorf("held event %x: %w", k, err)
			}
			out = append(out, ev)
			return nil
		})
	})
	return out, err
}

// historyKey orders held events by time: big-endian Unix nanoseconds, then a digest.
func historyKey(t time.Time, digest string) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint64(t.UnixNano()))
	b.WriteString(digest)
	return b.Bytes()
}
