package alertstate

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// FailingAfter is the number of failed attempts after which an outbox item's sink is reported as
// failing on every run (and the run exits 2). The item stays in the outbox and is still retried.
const FailingAfter = 10

// Backoff is how long an item waits after its nth failed attempt: 30 s, doubled each time, at most
// 6 h (so the tenth failure comes after about eight and a half hours of trying). A sink's
// Retry-After wins when it asks for longer.
func Backoff(attempts int) time.Duration {
	if attempts < 1 {
		return 0
	}
	d := 30 * time.Second
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Item is one alert waiting in the outbox for one sink.
type Item struct {
	Sink      string
	Alert     finding.Alert
	Queued    time.Time // when the run that raised it committed
	Attempts  int       // failed deliveries so far
	LastError string
	Next      time.Time // not tried before this
	key       []byte
}

// item is an Item as stored; the sink and the alert id are in the key.
type item struct {
	Alert     json.RawMessage `json:"alert"`
	Queued    time.Time       `json:"queued"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"lastError,omitempty"`
	Next      time.Time       `json:"next"`
}

// outboxKey orders a sink's items by alert time: sink name, NUL, big-endian Unix nanoseconds, id.
func outboxKey(sink string, t time.Time, id string) []byte {
	var b bytes.Buffer
	b.WriteString(sink)
	b.WriteByte(0)
	_ = binary.Write(&b, binary.BigEndian, uint64(t.UnixNano()))
	b.WriteString(id)
	return b.Bytes()
}

func decodeItem(k, v []byte) (Item, error) {
	sink, _, _ := strings.Cut(string(k), "\x00")
	var it item
	if err := getJSON(v, &it); err != nil {
		return Item{}, fmt.Errorf("outbox item %q: %w", k, err)
	}
	out := Item{Sink: sink, Queued: it.Queued, Attempts: it.Attempts, LastError: it.LastError, Next: it.Next, key: bytes.Clone(k)}
	if err := getJSON(it.Alert, &out.Alert); err != nil {
		return Item{}, fmt.Errorf("outbox item %q: %w", k, err)
	}
	return out, nil
}

// Due returns up to limit items of sink that are due at now (Next not after it), in alert time
// order, starting after the item after (nil: from the first).
func (s *Store) Due(sink string, now time.Time, after *Item, limit int) ([]Item, error) {
	var out []Item
	prefix := append([]byte(sink), 0)
	err := s.view(func(tx *bolt.Tx) error {
		staged := stagedOutboxKeys(tx)
		c := tx.Bucket(bucketOutbox).Cursor()
		k, v := c.Seek(prefix)
		if after != nil {
			k, v = c.Seek(after.key)
			if bytes.Equal(k, after.key) {
				k, v = c.Next()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			var it item
			if err := getJSON(v, &it); err != nil {
				return fmt.Errorf("outbox item %q: %w", k, err)
			}
			if it.Next.After(now) || staged != nil && staged(k) {
				continue
			}
			full, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			out = append(out, full)
		}
		return nil
	})
	return out, err
}

// Outbox returns every item, by sink and alert time.
func (s *Store) Outbox() ([]Item, error) {
	var out []Item
	err := s.view(func(tx *bolt.Tx) error {
		staged := stagedOutboxKeys(tx)
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			if staged != nil && staged(k) {
				return nil
			}
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			out = append(out, it)
			return nil
		})
	})
	return out, err
}

// Outcome is what became of one delivery attempt of an item.
type Outcome struct {
	Err        error         // nil: acknowledged, the item leaves the outbox
	RetryAfter time.Duration // what the sink asked to wait
}

// Settle records the outcomes of delivering items (outcomes[i] is items[i]'s) in one transaction:
// acknowledged items leave the outbox; the others count an attempt, keep the error's text and wait
// for Backoff or the sink's Retry-After, whichever is longer.
func (s *Store) Settle(items []Item, outcomes []Outcome, now time.Time) error {
	if len(items) != len(outcomes) {
		return fmt.Errorf("settle %d items with %d outcomes", len(items), len(outcomes))
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		for i, it := range items {
			o := outcomes[i]
			if o.Err == nil {
				if err := b.Delete(it.key); err != nil {
					return err
				}
				continue
			}
			v := b.Get(it.key)
			if v == nil {
				continue
			}
			var stored item
			if err := getJSON(v, &stored); err != nil {
				return fmt.Errorf("outbox item %q: %w", it.key, err)
			}
			stored.Attempts++
			stored.LastError = o.Err.Error()
			stored.Next = now.UTC().Add(max(Backoff(stored.Attempts), o.RetryAfter))
			if err := putJSON(b, it.key, stored); err != nil {
				return err
			}
		}
		return nil
	})
}
