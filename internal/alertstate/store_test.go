package alertstate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tailaudit/tailaudit/engine/finding"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesPrivateState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s := open(t, dir)
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, filepath.Join(dir, FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
	}
	s.Close()
	s2 := open(t, dir) // an existing state opens again
	if c, err := s2.Cursors(); err != nil || len(c) != 0 {
		t.Errorf("Cursors() = %v, %v; want none", c, err)
	}
}

func TestOpenLockedWaitsThenFails(t *testing.T) {
	dir := t.TempDir()
	open(t, dir)
	if _, err := Open(dir, 0, true); !errors.Is(err, ErrLocked) {
		t.Errorf("Open without waiting: %v; want ErrLocked at once", err)
	}
	_, err := Open(dir, 20*time.Millisecond, false)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "--state-wait") {
		t.Errorf("second Open: %v; want ErrLocked naming %s and --state-wait", err, dir)
	}
}

func TestOpenBadStateLeavesItAlone(t *testing.T) {
	foreign := func(t *testing.T, path string) {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	for _, tt := range []struct {
		name  string
		write func(t *testing.T, path string)
		want  string
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a database "), 2000), 0o600)
		}, "damaged or not a tailaudit state"},
		{"truncated", func(t *testing.T, path string) {
			s, err := Open(filepath.Dir(path), time.Second, false)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			data, _ := os.ReadFile(path)
			os.WriteFile(path, data[:100], 0o600)
		}, "state"},
		{"zeroed_meta", func(t *testing.T, path string) {
			s, err := Open(filepath.Dir(path), time.Second, false)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			data, _ := os.ReadFile(path)
			for _, page := range []int{0, os.Getpagesize()} { // both meta pages: bbolt survives one
				for i := page + 16; i < page+64 && i < len(data); i++ {
					data[i] ^= 0xff
				}
			}
			os.WriteFile(path, data, 0o600)
		}, "state"},
		{"foreign_bbolt", foreign, "not a tailaudit state"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			tt.write(t, path)
			before, _ := os.ReadFile(path)
			s, err := Open(dir, time.Second, false)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a bad state")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q; want it to name %s and say %q", err, dir, tt.want)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("Open changed the bad state file")
			}
		})
	}
}

func TestOpenNotADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, dir := range []string{file, filepath.Join(file, "state")} {
		if _, err := Open(dir, time.Second, false); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Open(%s) = %v; want an error naming it", dir, err)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), time.Second, true); err == nil || !strings.Contains(err.Error(), "no state yet") {
		t.Errorf("read-only Open of no state = %v; want 'no state yet'", err)
	}
}

func TestOpenUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if _, err := Open(dir, time.Second, false); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open of an unwritable dir = %v; want an error naming it", err)
	}
}

func TestCursor(t *testing.T) {
	var c Cursor
	if c.Past(t0, "a") || c.Older(t0.Add(-time.Hour)) {
		t.Error("an empty cursor has judged something")
	}
	c.Advance(t0, "b")
	c.Advance(t0, "a")
	c.Advance(t0.Add(-time.Minute), "z") // late within one run: counted, cursor unmoved
	for _, tt := range []struct {
		at    time.Time
		d     string
		past  bool
		older bool // a late event, not a re-read of the newest
	}{
		{t0.Add(-time.Second), "x", true, true},
		{t0, "a", true, false},
		{t0, "b", true, false},
		{t0, "c", false, false},
		{t0.Add(time.Nanosecond), "a", false, false},
	} {
		if got := c.Past(tt.at, tt.d); got != tt.past {
			t.Errorf("Past(%v, %s) = %v, want %v", tt.at, tt.d, got, tt.past)
		}
		if got := c.Older(tt.at); got != tt.older {
			t.Errorf("Older(%v) = %v, want %v", tt.at, got, tt.older)
		}
	}
	if c.Judged != 3 || !cmp.Equal(c.Digests, []string{"a", "b"}) {
		t.Errorf("cursor %+v; want 3 judged and digests [a b]", c)
	}
	c.Advance(t0.Add(time.Second), "c")
	if !cmp.Equal(c.Digests, []string{"c"}) || !c.Time.Equal(t0.Add(time.Second)) {
		t.Errorf("cursor %+v; want it at the newer event", c)
	}
}

func alert(id string, at time.Time) finding.Alert {
	return finding.Alert{Result: finding.AlertResult, ID: id, Rule: finding.RuleRef{ID: "TA-ALERT-001"}, Severity: finding.High,
		Message: "m " + id, Time: at, Events: []map[string]any{{"n": json.Number("1")}}}
}

// commitAlerts stages alerts for sinks and commits run with them, returning the fresh ones.
func commitAlerts(s *Store, run Run, alerts []finding.Alert, sinks ...string) ([]finding.Alert, error) {
	var fresh []finding.Alert
	run.Stage = s.Stage(run.Now, sinks, func(a *finding.Alert) error { fresh = append(fresh, *a); return nil })
	for _, a := range alerts {
		if err := run.Stage.Add(a); err != nil {
			return nil, err
		}
	}
	return fresh, s.Commit(run)
}

func TestCommitOnceAndOutbox(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c := Cursor{}
	c.Advance(t0, "d1")
	hist := []Event{{Time: t0.Add(-time.Minute), Doc: map[string]any{"a": "1"}, File: "x.jsonl", Line: 3}}
	run := Run{Now: t0, Cursors: map[string]Cursor{"/x.jsonl": c}, Actors: []string{"eve@x"}, History: hist,
		Suppressed: []Suppression{{"R", "k", t0.Add(time.Hour)}, {"R", "old", t0.Add(-time.Hour)}}}
	alerts := []finding.Alert{alert("a2", t0.Add(time.Second)), alert("a1", t0)}
	fresh, err := commitAlerts(s, run, alerts, "s1", "s2")
	if err != nil || len(fresh) != 2 {
		t.Fatalf("Commit = %d alerts, %v; want 2", len(fresh), err)
	}
	if fresh, err := commitAlerts(s, run, alerts, "s1", "s2"); err != nil || len(fresh) != 0 {
		t.Errorf("second Commit of the same alerts = %d fresh, %v; want none", len(fresh), err)
	}
	s.Close()
	s = open(t, dir)
	cur, _ := s.Cursors()
	if got := cur["/x.jsonl"]; !got.Time.Equal(t0) || !got.Updated.Equal(t0) {
		t.Errorf("cursor %+v after reopening", got)
	}
	sup, _ := s.Suppressions()
	if d := cmp.Diff([]Suppression{{"R", "k", t0.Add(time.Hour)}}, sup); d != "" {
		t.Errorf("suppressions (-want +got), the expired one dropped:\n%s", d)
	}
	actors, _ := s.Actors()
	if !actors["eve@x"].Equal(t0) {
		t.Errorf("actors %v", actors)
	}
	h, _ := s.History()
	if len(h) != 1 || h[0].Line != 3 || h[0].Doc["a"] != "1" {
		t.Errorf("history %+v", h)
	}
	items, _ := s.Outbox()
	var keys []string
	for _, it := range items {
		keys = append(keys, it.Sink+" "+it.Alert.ID)
	}
	if d := cmp.Diff([]string{"s1 a1", "s1 a2", "s2 a1", "s2 a2"}, keys); d != "" {
		t.Errorf("outbox by sink and time (-want +got):\n%s", d)
	}

	due, _ := s.Due("s1", t0, nil, 10)
	if len(due) != 2 || due[0].Alert.Message != "m a1" {
		t.Fatalf("due %+v", due)
	}
	if d := cmp.Diff(alert("a1", t0), due[0].Alert); d != "" {
		t.Errorf("alert after the outbox (-want +got):\n%s", d)
	}
	if err := s.Settle(due, []Outcome{{}, {Err: errors.New("503 Service Unavailable"), RetryAfter: time.Hour}}, t0); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due("s1", t0.Add(59*time.Minute), nil, 10); len(due) != 0 {
		t.Errorf("%d due before Retry-After passed", len(due))
	}
	due, _ = s.Due("s1", t0.Add(time.Hour), nil, 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "503 Service Unavailable" {
		t.Fatalf("due after Retry-After %+v", due)
	}
	s.Settle(due, []Outcome{{Err: errors.New("again")}}, t0.Add(time.Hour))
	due, _ = s.Due("s1", t0.Add(time.Hour+Backoff(2)), nil, 10)
	if len(due) != 1 || due[0].Attempts != 2 {
		t.Errorf("due after the backoff %+v", due)
	}
	// paging: one at a time, after the last seen
	first, _ := s.Due("s2", t0, nil, 1)
	rest, _ := s.Due("s2", t0, &first[0], 10)
	if len(first) != 1 || len(rest) != 1 || rest[0].Alert.ID != "a2" {
		t.Errorf("paged due %v then %v", first, rest)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{0, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for n, w := range want {
		if got := Backoff(n); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w)
		}
	}
	if got := Backoff(100); got != 6*time.Hour {
		t.Errorf("Backoff(100) = %v, want the 6h cap", got)
	}
}
