package alertstate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// RaisedFor is how long the ids of raised alerts are remembered, so that an alert raised again (a
// drift comparison re-run, a threshold window a later run sees whole) is not queued twice.
const RaisedFor = 30 * 24 * time.Hour

// Run is what one run judged, committed at once by Commit.
type Run struct {
	Now        time.Time
	Cursors    map[string]Cursor // the sources read, moved past what was judged
	Suppressed []Suppression     // the whole suppression memory as the run left it
	Actors     []string          // actors the run saw first
	History    []Event           // the events later windows need; they replace the held ones
	Alerts     []finding.Alert   // the alerts the run raised
	Sinks      []string          // the names of the sinks each new alert is queued for
}

// Commit records a run in one transaction: the cursors move, the memories are updated and every
// alert not raised before is put in the outbox for every sink, so that a crash leaves either
// nothing of the run or all of it. It returns the alerts not raised before, in order.
func (s *Store) Commit(r Run) ([]finding.Alert, error) {
	var fresh []finding.Alert
	err := s.update(func(tx *bolt.Tx) error {
		fresh = fresh[:0]
		cursors := tx.Bucket(bucketCursors)
		for src, c := range r.Cursors {
			c.Updated = r.Now.UTC()
			if err := putJSON(cursors, []byte(src), c); err != nil {
				return err
			}
		}
		if err := replace(tx, bucketSuppress, func(b *bolt.Bucket) error {
			for _, sup := range r.Suppressed {
				if sup.Until.Before(r.Now) {
					continue // expired: no later event can be held back by it
				}
				if err := b.Put([]byte(sup.Rule+"\x00"+sup.Dedup), stamp(sup.Until)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		actors := tx.Bucket(bucketActors)
		for _, a := range r.Actors {
			if actors.Get([]byte(a)) == nil {
				if err := actors.Put([]byte(a), stamp(r.Now)); err != nil {
					return err
				}
			}
		}
		if err := replace(tx, bucketHistory, func(b *bolt.Bucket) error {
			for _, ev := range r.History {
				d, err := Digest(ev.Doc)
				if err != nil {
					return err
				}
				if err := putJSON(b, historyKey(ev.Time, d), ev); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		raised := tx.Bucket(bucketRaised)
		var old [][]byte
		_ = raised.ForEach(func(k, v []byte) error {
			if parseStamp(v).Before(r.Now.Add(-RaisedFor)) {
				old = append(old, k)
			}
			return nil
		})
		for _, k := range old {
			if err := raised.Delete(k); err != nil {
				return err
			}
		}
		// Keys are put in key order: bbolt inserts into a node's sorted slice, so random order
		// would move the whole slice on every put of a large run.
		seen := map[string]bool{}
		for _, a := range r.Alerts {
			if raised.Get([]byte(a.ID)) == nil && !seen[a.ID] {
				seen[a.ID] = true
				fresh = append(fresh, a)
			}
		}
		ids := slices.Sorted(maps.Keys(seen))
		times := map[string]time.Time{}
		for _, a := range fresh {
			times[a.ID] = a.Time
		}
		for _, id := range ids {
			if err := raised.Put([]byte(id), stamp(times[id])); err != nil {
				return err
			}
		}
		if len(r.Sinks) == 0 {
			return nil
		}
		type entry struct{ key, value []byte }
		var entries []entry
		for _, a := range fresh {
			data, err := json.Marshal(a)
			if err != nil {
				return fmt.Errorf("alert %s: %w", a.ID, err)
			}
			it, err := json.Marshal(item{Alert: data, Queued: r.Now.UTC(), Next: r.Now.UTC()})
			if err != nil {
				return fmt.Errorf("alert %s: %w", a.ID, err)
			}
			for _, sink := range r.Sinks {
				entries = append(entries, entry{outboxKey(sink, a.Time, a.ID), it})
			}
		}
		slices.SortFunc(entries, func(x, y entry) int { return bytes.Compare(x.key, y.key) })
		outbox := tx.Bucket(bucketOutbox)
		for _, e := range entries {
			if err := outbox.Put(e.key, e.value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// replace empties a bucket and fills it again.
func replace(tx *bolt.Tx, name []byte, fill func(*bolt.Bucket) error) error {
	if err := tx.DeleteBucket(name); err != nil {
		return err
	}
	b, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	return fill(b)
}
