package alertstate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/sink"
)

// Pass is what one delivery pass over the outbox did for one sink.
type Pass struct {
	Sink      string
	Delivered int    // acknowledged, so gone from the outbox
	Failed    int    // attempts that failed
	Down      bool   // a whole batch failed: the pass stopped trying this sink
	LastError string // of the last failed attempt
}

// Deliver hands every item due at now() to its sink, MaxBatch at a time and oldest first, and
// settles each batch before the next: an acknowledged alert leaves the outbox, a failed one waits
// for its backoff. A sink whose batch fails whole is not tried again in this pass (nor in a later
// pass given the same down map, which Deliver fills). Items for sinks not in sinks stay as they are.
func (s *Store) Deliver(ctx context.Context, sinks []sink.Sink, now func() time.Time, down map[string]bool) ([]Pass, error) {
	var out []Pass
	for _, sk := range sinks {
		p := Pass{Sink: sk.Name()}
		if down[p.Sink] {
			p.Down = true
			out = append(out, p)
			continue
		}
		var after *Item
		for {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			items, err := s.Due(p.Sink, now(), after, max(1, sk.MaxBatch()))
			if err != nil {
				return out, err
			}
			if len(items) == 0 {
				break
			}
			alerts := make([]finding.Alert, len(items))
			for i, it := range items {
				alerts[i] = it.Alert
			}
			results := sk.Deliver(ctx, alerts)
			outcomes := make([]Outcome, len(items))
			for i := range outcomes {
				if len(results) != len(items) {
					outcomes[i] = Outcome{Err: fmt.Errorf("%s: the sink gave %d results for %d alerts", p.Sink, len(results), len(items))}
					continue
				}
				outcomes[i] = Outcome{Err: results[i].Err, RetryAfter: results[i].RetryAfter}
			}
			if ctx.Err() != nil {
				// Interrupted mid-request: what the sink may have received is sent again next time,
				// without counting an attempt against it.
				return out, ctx.Err()
			}
			acked := 0
			for _, o := range outcomes {
				if o.Err == nil {
					acked++
				} else {
					p.Failed++
					p.LastError = o.Err.Error()
				}
			}
			if err := s.Settle(items, outcomes, now()); err != nil {
				return out, err
			}
			p.Delivered += acked
			if acked == 0 {
				p.Down = true
				down[p.Sink] = true
				break
			}
			after = &items[len(items)-1]
		}
		out = append(out, p)
	}
	return out, nil
}

// Pending sums up the outbox of one sink.
type Pending struct {
	Sink      string
	Items     int
	Failing   int       // items that failed FailingAfter times or more
	Attempts  int       // the most attempts of any item
	LastError string    // of the item with the most attempts
	NextTry   time.Time // the earliest time an item is due
}

// Pending returns, for every sink with items in the outbox, how many wait and how they fare; by
// sink name.
func (s *Store) Pending() ([]Pending, error) {
	by := map[string]*Pending{}
	err := s.view(func(tx *bolt.Tx) error {
		staged := stagedOutboxKeys(tx)
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			if staged != nil && staged(k) {
				return nil // a run that has not committed
			}
			name, _, _ := strings.Cut(string(k), "\x00")
			var it struct {
				Attempts  int       `json:"attempts"`
				LastError string    `json:"lastError"`
				Next      time.Time `json:"next"`
			}
			if err := getJSON(v, &it); err != nil {
				return fmt.Errorf("outbox item %q: %w", k, err)
			}
			p := by[name]
			if p == nil {
				p = &Pending{Sink: name, NextTry: it.Next}
				by[name] = p
			}
			p.Items++
			if it.Attempts >= FailingAfter {
				p.Failing++
			}
			if it.Attempts > p.Attempts || p.Items == 1 {
				p.Attempts, p.LastError = it.Attempts, it.LastError
			}
			if it.Next.Before(p.NextTry) {
				p.NextTry = it.Next
			}
			return nil
		})
	})
	out := make([]Pending, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Pending) int { return strings.Compare(a.Sink, b.Sink) })
	return out, err
}
