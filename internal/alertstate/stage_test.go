package alertstate

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// outboxIDs lists the outbox as "sink id", what the readers of the outbox see.
func outboxIDs(t *testing.T, s *Store) []string {
	t.Helper()
	items, err := s.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Sink+" "+it.Alert.ID)
	}
	pending, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pending {
		n += p.Items
	}
	if n != len(out) {
		t.Errorf("Pending counts %d items, Outbox lists %d", n, len(out))
	}
	return out
}

// TestStageBatches raises more alerts than three batches hold, some of them twice (in one batch
// and across batches): each is fresh once, in the order raised, queued once per sink, and no
// reader of the outbox sees any of them before Commit.
func TestStageBatches(t *testing.T) {
	s := open(t, t.TempDir())
	n := 3*StageBatch + 5
	var alerts, want []finding.Alert
	for i := range n {
		a := alert(fmt.Sprintf("a%04d", i), t0.Add(time.Duration(i)*time.Second))
		alerts, want = append(alerts, a), append(want, a)
		if i%100 == 7 {
			alerts = append(alerts, a) // in the same batch
		}
		if i%300 == 11 {
			alerts = append(alerts, alerts[i/2]) // an earlier batch's
		}
	}
	var fresh []finding.Alert
	g := s.Stage(t0, []string{"s1", "s2"}, func(a *finding.Alert) error { fresh = append(fresh, *a); return nil })
	for _, a := range alerts {
		if err := g.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	if len(fresh) == 0 || len(fresh) == n {
		t.Errorf("%d of %d alerts handed on before Commit; want the full batches' and not the last's", len(fresh), n)
	}
	if got := outboxIDs(t, s); len(got) != 0 {
		t.Errorf("%d staged items visible before Commit", len(got))
	}
	if due, _ := s.Due("s1", t0, nil, 10); len(due) != 0 {
		t.Errorf("%d staged items due before Commit", len(due))
	}
	if err := s.Commit(Run{Now: t0, Stage: g}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, fresh); d != "" {
		t.Errorf("fresh alerts (-want +got):\n%s", d)
	}
	got := outboxIDs(t, s)
	if len(got) != 2*n || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 2*n {
		t.Errorf("%d outbox items, want %d, each once", len(got), 2*n)
	}
	if g.Added() != len(alerts) {
		t.Errorf("Added() = %d, want %d", g.Added(), len(alerts))
	}
}

// TestStageAbortAndCrash checks that a run that fails (Abort) or dies (the state closed without
// Commit) leaves nothing of its alerts: no outbox item, and no id remembered as raised, so the
// run done again raises every alert once.
func TestStageAbortAndCrash(t *testing.T) {
	alerts := make([]finding.Alert, StageBatch+3)
	for i := range alerts {
		alerts[i] = alert(fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	stage := func(s *Store) *Stage {
		t.Helper()
		g := s.Stage(t0, []string{"s1"}, nil)
		for _, a := range alerts {
			if err := g.Add(a); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Flush(); err != nil {
			t.Fatal(err)
		}
		return g
	}
	for _, end := range []string{"abort", "crash"} {
		t.Run(end, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			g := stage(s)
			if end == "abort" {
				if err := g.Abort(); err != nil {
					t.Fatal(err)
				}
			} else {
				s.Close()
				ro, err := Open(dir, time.Second, true)
				if err != nil {
					t.Fatal(err)
				}
				if got := outboxIDs(t, ro); len(got) != 0 {
					t.Errorf("--status after a crash sees %d staged items", len(got))
				}
				ro.Close()
				s = open(t, dir) // removes what the dead run staged
			}
			s.db.View(func(tx *bolt.Tx) error {
				for _, b := range [][]byte{bucketRaised, bucketOutbox, bucketStaged} {
					if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
						t.Errorf("%s bucket still holds %q", b, k)
					}
				}
				return nil
			})
			fresh, err := commitAlerts(s, Run{Now: t0}, alerts, "s1")
			if err != nil || len(fresh) != len(alerts) {
				t.Errorf("the run done again: %d fresh alerts, %v; want %d", len(fresh), err, len(alerts))
			}
			if got := outboxIDs(t, s); len(got) != len(alerts) {
				t.Errorf("%d outbox items after the run done again, want %d", len(got), len(alerts))
			}
		})
	}
}

// TestStageKeepsWaitingItems raises again, after its id was forgotten (RaisedFor), an alert still
// waiting in the outbox: it is fresh for the outputs, but the item keeps its attempts and stays
// once; a run that then fails does not take it out of the outbox.
func TestStageKeepsWaitingItems(t *testing.T) {
	s := open(t, t.TempDir())
	a := alert("a1", t0)
	if _, err := commitAlerts(s, Run{Now: t0}, []finding.Alert{a}, "s1"); err != nil {
		t.Fatal(err)
	}
	due, _ := s.Due("s1", t0, nil, 10)
	if err := s.Settle(due, []Outcome{{Err: errors.New("503")}}, t0); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(RaisedFor + time.Hour)
	for _, commit := range []bool{false, true} {
		var fresh int
		g := s.Stage(later, []string{"s1"}, func(*finding.Alert) error { fresh++; return nil })
		if err := g.Add(a); err != nil {
			t.Fatal(err)
		}
		if err := g.Flush(); err != nil {
			t.Fatal(err)
		}
		if fresh != 1 {
			t.Errorf("%d fresh, want the alert again once its id was forgotten", fresh)
		}
		if commit {
			if err := s.Commit(Run{Now: later, Stage: g}); err != nil {
				t.Fatal(err)
			}
		} else if err := g.Abort(); err != nil {
			t.Fatal(err)
		}
		items, _ := s.Outbox()
		if len(items) != 1 || items[0].Attempts != 1 {
			t.Errorf("commit %v: outbox %+v; want the waiting item, its attempt kept", commit, items)
		}
	}
}

// TestStageOldAlertsOnce raises, in one run, an alert about events older than RaisedFor in two
// batches: it is fresh once, as the ids a run raises count whatever their time.
func TestStageOldAlertsOnce(t *testing.T) {
	s := open(t, t.TempDir())
	old := alert("old", t0.Add(-2*RaisedFor))
	alerts := []finding.Alert{old}
	for i := range StageBatch {
		alerts = append(alerts, alert(fmt.Sprint(i), t0))
	}
	alerts = append(alerts, old)
	fresh, err := commitAlerts(s, Run{Now: t0}, alerts)
	if err != nil || len(fresh) != StageBatch+1 {
		t.Errorf("%d fresh, %v; want %d, the old alert once", len(fresh), err, StageBatch+1)
	}
}

// TestOpenAddsStagedBucket opens a state written before staging (no staged bucket): read-only it
// reads as before, writable it gains the bucket.
func TestOpenAddsStagedBucket(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := commitAlerts(s, Run{Now: t0}, []finding.Alert{alert("a1", t0)}, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketStaged) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(dir, time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(t, ro); len(got) != 1 {
		t.Errorf("outbox of the old state %v", got)
	}
	ro.Close()
	s = open(t, dir)
	if fresh, err := commitAlerts(s, Run{Now: t0}, []finding.Alert{alert("a1", t0), alert("a2", t0)}, "s1"); err != nil || len(fresh) != 1 {
		t.Errorf("a run on the old state: %d fresh, %v; want a2 only", len(fresh), err)
	}
	if _, err := Open(filepath.Join(dir, "none"), 0, true); err == nil {
		t.Error("read-only Open of no state succeeded")
	}
}
