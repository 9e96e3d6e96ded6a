package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// weekSnapshot is the part of a demo snapshot the consistency checks read.
type weekSnapshot struct {
	CollectedAt time.Time `json:"collectedAt"`
	Devices     []struct {
		NodeID   string `json:"nodeId"`
		Name     string `json:"name"`
		Created  string `json:"created"`
		LastSeen string `json:"lastSeen"`
	} `json:"devices"`
	Users []struct {
		ID        string `json:"id"`
		LoginName string `json:"loginName"`
		Role      string `json:"role"`
		Created   string `json:"created"`
		LastSeen  string `json:"lastSeen"`
	} `json:"users"`
	Keys []struct {
		ID      string `json:"id"`
		Created string `json:"created"`
	} `json:"keys"`
}

// weekEvent is the part of an audit-log record the consistency checks read.
type weekEvent struct {
	Actor struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		LoginName string `json:"loginName"`
	} `json:"actor"`
	Target struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Type     string `json:"type"`
		Property string `json:"property"`
	} `json:"target"`
	Action    string          `json:"action"`
	EventTime time.Time       `json:"eventTime"`
	Old       json.RawMessage `json:"old"`
	New       json.RawMessage `json:"new"`
}

// weekFlow is the part of a flow-log record the consistency checks read.
type weekFlow struct {
	Logged time.Time `json:"logged"`
	NodeID string    `json:"nodeId"`
}

// readWeekLog decodes every line of the demo log name into a fresh T.
func readWeekLog[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "fixtures", "demo", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDemoConsistent checks that the demo's two snapshots, audit log and flow logs describe one
// tailnet: nothing is seen after a snapshot is taken, every user and device the logs name is one the
// snapshots know (or one the log itself registers), names agree with ids, and role changes in the log
// lead from the roles before the week to the roles after it.
func TestDemoConsistent(t *testing.T) {
	snaps := map[string]weekSnapshot{}
	for _, name := range []string{"snapshot-before.json", "snapshot.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		var s weekSnapshot
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		snaps[name] = s
	}
	before, after := snaps["snapshot-before.json"], snaps["snapshot.json"]

	// Within a snapshot: ids unique, and no time after the snapshot was taken.
	for name, s := range snaps {
		notLater := func(what, ts string) {
			if ts == "" || ts == "0001-01-01T00:00:00Z" {
				return
			}
			tm, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				t.Errorf("%s: %s: %v", name, what, err)
			} else if tm.After(s.CollectedAt) {
				t.Errorf("%s: %s is %s, after the snapshot was collected (%s)", name, what, ts, s.CollectedAt.Format(time.RFC3339))
			}
		}
		seen := map[string]bool{}
		for _, d := range s.Devices {
			if seen[d.NodeID] {
				t.Errorf("%s: node id %s twice", name, d.NodeID)
			}
			seen[d.NodeID] = true
			notLater("device "+d.Name+" created", d.Created)
			notLater("device "+d.Name+" lastSeen", d.LastSeen)
		}
		for _, u := range s.Users {
			if seen[u.ID] || seen[u.LoginName] {
				t.Errorf("%s: user %s (%s) twice", name, u.LoginName, u.ID)
			}
			seen[u.ID], seen[u.LoginName] = true, true
			notLater("user "+u.LoginName+" created", u.Created)
			notLater("user "+u.LoginName+" lastSeen", u.LastSeen)
		}
		for _, k := range s.Keys {
			notLater("key "+k.ID+" created", k.Created)
		}
	}
	if !before.CollectedAt.Before(after.CollectedAt) {
		t.Fatalf("snapshot-before.json collected at %s, not before snapshot.json (%s)", before.CollectedAt, after.CollectedAt)
	}

	// Who and what the snapshots know, by id, and the name each id goes by.
	userLogin, nodeName := map[string]string{}, map[string]string{}
	inBefore, inAfter := map[string]bool{}, map[string]bool{}
	roleBefore, roleAfter := map[string]string{}, map[string]string{}
	for _, s := range []weekSnapshot{before, after} {
		for _, u := range s.Users {
			if l, ok := userLogin[u.ID]; ok && l != u.LoginName {
				t.Errorf("user id %s is %s in one snapshot and %s in the other", u.ID, l, u.LoginName)
			}
			userLogin[u.ID] = u.LoginName
		}
		for _, d := range s.Devices {
			if n, ok := nodeName[d.NodeID]; ok && n != d.Name {
				t.Errorf("node id %s is %s in one snapshot and %s in the other", d.NodeID, n, d.Name)
			}
			nodeName[d.NodeID] = d.Name
		}
	}
	for _, d := range before.Devices {
		inBefore[d.NodeID] = true
	}
	for _, d := range after.Devices {
		inAfter[d.NodeID] = true
	}
	for _, u := range before.Users {
		roleBefore[u.ID] = u.Role
	}
	for _, u := range after.Users {
		roleAfter[u.ID] = u.Role
	}

	events := readWeekLog[weekEvent](t, "audit.jsonl")
	created, deleted := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range events {
		if e.Target.Type == "NODE" && e.Action == "CREATE" {
			created[e.Target.ID] = e.EventTime
		}
		if e.Target.Type == "NODE" && e.Action == "DELETE" {
			deleted[e.Target.ID] = e.EventTime
		}
	}
	inWeek := func(where string, tm time.Time) {
		if tm.Before(before.CollectedAt) || tm.After(after.CollectedAt) {
			t.Errorf("%s at %s, outside the week between the snapshots (%s to %s)", where, tm.Format(time.RFC3339),
				before.CollectedAt.Format(time.RFC3339), after.CollectedAt.Format(time.RFC3339))
		}
	}
	firstRole, lastRole := map[string]string{}, map[string]string{}
	for i, e := range events {
		where := fmt.Sprintf("audit.jsonl:%d", i+1)
		inWeek(where, e.EventTime)
		if e.Actor.Type == "USER" {
			switch login, ok := userLogin[e.Actor.ID]; {
			case !ok:
				t.Errorf("%s: actor %s (%s) is a user neither snapshot knows", where, e.Actor.ID, e.Actor.LoginName)
			case login != e.Actor.LoginName:
				t.Errorf("%s: actor %s is %s in the log but %s in the snapshots", where, e.Actor.ID, e.Actor.LoginName, login)
			}
		}
		switch e.Target.Type {
		case "NODE":
			id := e.Target.ID
			name, known := nodeName[id]
			_, registered := created[id]
			switch {
			case known && name != e.Target.Name:
				t.Errorf("%s: node %s is %s in the log but %s in the snapshots", where, id, e.Target.Name, name)
			case !known && !registered:
				t.Errorf("%s: node %s (%s) is in neither snapshot and not registered in the log", where, id, e.Target.Name)
			}
			if registered && inBefore[id] {
				t.Errorf("%s: node %s (%s) is registered during the week but already in snapshot-before.json", where, id, e.Target.Name)
			}
			if gone, ok := deleted[id]; ok && inAfter[id] {
				t.Errorf("%s: node %s (%s) was deleted at %s but is still in snapshot.json", where, id, e.Target.Name, gone.Format(time.RFC3339))
			}
			if _, ok := deleted[id]; ok && !registered && !inBefore[id] {
				t.Errorf("%s: node %s (%s) is deleted during the week but was not in snapshot-before.json", where, id, e.Target.Name)
			}
		case "USER":
			if e.Target.ID == "" {
				continue // an invitation names an address, not a user yet
			}
			if login, ok := userLogin[e.Target.ID]; !ok {
				t.Errorf("%s: user %s (%s) is one neither snapshot knows", where, e.Target.ID, e.Target.Name)
			} else if login != e.Target.Name {
				t.Errorf("%s: user %s is %s in the log but %s in the snapshots", where, e.Target.ID, e.Target.Name, login)
			}
			if e.Target.Property == "USER_ROLE" {
				var old, new string
				if json.Unmarshal(e.Old, &old) != nil || json.Unmarshal(e.New, &new) != nil {
					t.Errorf("%s: a role change whose old and new are not strings", where)
					continue
				}
				if prev, ok := lastRole[e.Target.ID]; ok && prev != old {
					t.Errorf("%s: %s changes role from %s, but the log last made them %s", where, e.Target.Name, old, prev)
				}
				if _, ok := firstRole[e.Target.ID]; !ok {
					firstRole[e.Target.ID] = old
				}
				lastRole[e.Target.ID] = new
			}
		}
	}
	for id := range userLogin {
		wantBefore, wantAfter := roleAfter[id], roleAfter[id]
		if r, ok := firstRole[id]; ok {
			wantBefore, wantAfter = r, lastRole[id]
		}
		if r, ok := roleBefore[id]; ok && r != wantBefore {
			t.Errorf("snapshot-before.json: %s is %s; the log's role changes say %s", userLogin[id], r, wantBefore)
		}
		if r, ok := roleAfter[id]; ok && r != wantAfter {
			t.Errorf("snapshot.json: %s is %s; the log's role changes say %s", userLogin[id], r, wantAfter)
		}
	}

	for i, f := range readWeekLog[weekFlow](t, "flows.jsonl") {
		where := fmt.Sprintf("flows.jsonl:%d", i+1)
		inWeek(where, f.Logged)
		if _, known := nodeName[f.NodeID]; !known {
			if _, registered := created[f.NodeID]; !registered {
				t.Errorf("%s: node %s is in neither snapshot and not registered in the audit log", where, f.NodeID)
			}
		}
	}
}
