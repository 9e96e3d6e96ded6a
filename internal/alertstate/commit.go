package alertstate

import (
	"time"

	bolt "go.etcd.io/bbolt"
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
	Stage      *Stage            // the alerts the run raised, if any
}

// Commit records a run in one transaction: the cursors move, the memories are updated and the
// alerts the run's stage queued become live in the outbox (the stage's last batch is recorded
// first), so that a crash leaves either nothing of the run or all of it.
func (s *Store) Commit(r Run) error {
	if r.Stage != nil {
		if err := r.Stage.Flush(); err != nil {
			return err
		}
	}
	return s.update(func(tx *bolt.Tx) error {
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
		// The ids raised more than RaisedFor ago are forgotten; not those this run raised, whatever
		// the time of their events.
		raised, staged := tx.Bucket(bucketRaised), tx.Bucket(bucketStaged)
		var old [][]byte
		_ = raised.ForEach(func(k, v []byte) error {
			if parseStamp(v).Before(r.Now.Add(-RaisedFor)) && staged.Get(stagedKey(stagedRaised, k)) == nil {
				old = append(old, k)
			}
			return nil
		})
		for _, k := range old {
			if err := raised.Delete(k); err != nil {
				return err
			}
		}
		// What the stage queued is live from now on.
		return replace(tx, bucketStaged, func(*bolt.Bucket) error { return nil })
	})
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
