package alertstate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// StageBatch is how many alerts a Stage holds before it queues them; a batch also goes once the
// alerts it holds for the outbox reach stageBytes of JSON.
const StageBatch = 256

const stageBytes = 8 << 20

// unstageBatch is how many staged keys one transaction of unstage removes.
const unstageBatch = 10_000

// Staged keys: the bucket they were put in, then their key there.
const (
	stagedRaised = 'r'
	stagedOutbox = 'o'
)

// A Stage queues the alerts of a run as they are raised, so that a run holds a batch of them
// however many it raises: each batch is recorded in its own transaction, in the raised memory
// and, for every sink, in the outbox, and each key it puts is listed in the staged bucket. Staged
// items are not in the outbox yet: every reader of the outbox skips them. Commit makes them live
// in the transaction that moves the cursors; Abort removes them, and so does the next Open after
// a run that crashed, so that the alerts of a run are queued if and only if its cursors moved.
//
// An alert is fresh when its id was not raised before, in an earlier run (within RaisedFor) or
// earlier in this one; only fresh alerts are queued, and each is handed to the fresh function,
// in the order added, once its batch is recorded.
type Stage struct {
	s     *Store
	now   time.Time
	sinks []string
	fresh func(*finding.Alert) error
	batch []finding.Alert
	data  [][]byte // the outbox JSON of each alert in batch, when there are sinks
	size  int
	added int
}

// Stage starts queuing the alerts of a run at now for sinks (names; none: the alerts are only
// remembered as raised). fresh, when not nil, is given each fresh alert.
func (s *Store) Stage(now time.Time, sinks []string, fresh func(*finding.Alert) error) *Stage {
	return &Stage{s: s, now: now, sinks: slices.Clone(sinks), fresh: fresh}
}

// Added is how many alerts were added to the stage.
func (g *Stage) Added() int { return g.added }

// Add queues an alert, recording the batch when it is full.
func (g *Stage) Add(a finding.Alert) error {
	g.added++
	if len(g.sinks) > 0 {
		data, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("alert %s: %w", a.ID, err)
		}
		g.data = append(g.data, data)
		g.size += len(data)
	}
	g.batch = append(g.batch, a)
	if len(g.batch) >= StageBatch || g.size >= stageBytes {
		return g.Flush()
	}
	return nil
}

// Flush records the alerts held in one transaction and hands the fresh ones to the fresh function.
func (g *Stage) Flush() error {
	if len(g.batch) == 0 {
		return nil
	}
	type entry struct{ key, value []byte }
	var fresh []int
	cutoff := g.now.Add(-RaisedFor)
	err := g.s.update(func(tx *bolt.Tx) error {
		fresh = fresh[:0]
		raised, outbox, staged := tx.Bucket(bucketRaised), tx.Bucket(bucketOutbox), tx.Bucket(bucketStaged)
		var ids, items []entry
		seen := map[string]bool{}
		for i := range g.batch {
			a := &g.batch[i]
			if seen[a.ID] {
				continue
			}
			if v := raised.Get([]byte(a.ID)); v != nil && (!parseStamp(v).Before(cutoff) || staged.Get(stagedKey(stagedRaised, []byte(a.ID))) != nil) {
				continue // raised before, or earlier in this run
			}
			seen[a.ID] = true
			fresh = append(fresh, i)
			ids = append(ids, entry{[]byte(a.ID), stamp(a.Time)})
			if len(g.sinks) == 0 {
				continue
			}
			it, err := json.Marshal(item{Alert: g.data[i], Queued: g.now.UTC(), Next: g.now.UTC()})
			if err != nil {
				return fmt.Errorf("alert %s: %w", a.ID, err)
			}
			for _, sink := range g.sinks {
				k := outboxKey(sink, a.Time, a.ID)
				if outbox.Get(k) != nil {
					continue // still waiting from a run whose raised memory has expired: queued once
				}
				items = append(items, entry{k, it})
			}
		}
		// Keys are put in key order: bbolt inserts into a node's sorted slice.
		for _, list := range []struct {
			b   *bolt.Bucket
			tag byte
			es  []entry
		}{{raised, stagedRaised, ids}, {outbox, stagedOutbox, items}} {
			slices.SortFunc(list.es, func(x, y entry) int { return bytes.Compare(x.key, y.key) })
			for _, e := range list.es {
				if err := list.b.Put(e.key, e.value); err != nil {
					return err
				}
			}
			for _, e := range list.es {
				if err := staged.Put(stagedKey(list.tag, e.key), stamp(g.now)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	batch := g.batch
	g.batch, g.data, g.size = g.batch[:0], g.data[:0], 0
	if g.fresh != nil {
		for _, i := range fresh {
			if err := g.fresh(&batch[i]); err != nil {
				return err
			}
		}
	}
	clear(batch)
	return nil
}

// Abort removes what the stage queued: the state is as if the run had not raised its alerts.
func (g *Stage) Abort() error {
	g.batch, g.data, g.size = nil, nil, 0
	return g.s.unstage()
}

func stagedKey(tag byte, key []byte) []byte { return append([]byte{tag}, key...) }

// unstage removes every staged key from the bucket it was put in, unstageBatch keys a
// transaction.
func (s *Store) unstage() error {
	var none bool
	if err := s.view(func(tx *bolt.Tx) error { none = stagedOutboxKeys(tx) == nil; return nil }); err != nil || none {
		return err
	}
	for {
		done := false
		err := s.update(func(tx *bolt.Tx) error {
			staged := tx.Bucket(bucketStaged)
			var keys [][]byte
			c := staged.Cursor()
			for k, _ := c.First(); k != nil && len(keys) < unstageBatch; k, _ = c.Next() {
				keys = append(keys, bytes.Clone(k))
			}
			done = len(keys) == 0
			buckets := map[byte]*bolt.Bucket{stagedRaised: tx.Bucket(bucketRaised), stagedOutbox: tx.Bucket(bucketOutbox)}
			for _, k := range keys {
				if b := buckets[k[0]]; b != nil {
					if err := b.Delete(k[1:]); err != nil {
						return err
					}
				}
				if err := staged.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// stagedOutboxKeys returns whether an outbox key was staged by a run that has not committed; nil
// when nothing is staged (or the state predates staging), which is every time but after a crash.
func stagedOutboxKeys(tx *bolt.Tx) func(k []byte) bool {
	staged := tx.Bucket(bucketStaged)
	if staged == nil {
		return nil
	}
	if k, _ := staged.Cursor().First(); k == nil {
		return nil
	}
	return func(k []byte) bool { return staged.Get(stagedKey(stagedOutbox, k)) != nil }
}
