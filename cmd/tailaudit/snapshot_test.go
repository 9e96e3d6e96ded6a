package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const demoSnapshot = "../../fixtures/demo/snapshot.json"

func TestCheckSnapshot(t *testing.T) {
	stdout, stderr, code := tailaudit(t, "", nil, "check", "--snapshot", abs(t, demoSnapshot), "-f", "json")
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr: %s", code, stderr)
	}
	var rep struct {
		Inputs   []struct{ Kind, Path, SHA256 string }
		Findings []struct {
			Rule     struct{ ID string }
			Result   string
			Location *struct{ File string }
			Evidence map[string]any
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Inputs) != 1 || rep.Inputs[0].Kind != "snapshot" || len(rep.Inputs[0].SHA256) != 64 {
		t.Errorf("inputs = %+v, want the snapshot with its SHA-256", rep.Inputs)
	}
	results := map[string]map[string]int{}
	var policyFromSnapshot bool
	for _, f := range rep.Findings {
		if results[f.Rule.ID] == nil {
			results[f.Rule.ID] = map[string]int{}
		}
		results[f.Rule.ID][f.Result]++
		if f.Location != nil && strings.HasSuffix(f.Location.File, "snapshot.json#policy") {
			policyFromSnapshot = true
		}
		if f.Rule.ID == "TA-DEV-004" && f.Result == "pass" {
			if examined, _ := f.Evidence["examined"].(float64); examined != 60 {
				t.Errorf("TA-DEV-004 pass record examined %v devices, want 60", f.Evidence["examined"])
			}
		}
	}
	if !policyFromSnapshot {
		t.Error("no finding located in the policy stored in the snapshot")
	}
	for id, want := range map[string]string{"TA-DEV-004": "fail", "TA-USER-005": "manual", "TA-SSH-001": "fail", "TA-SET-001": "pass"} {
		if results[id][want] == 0 {
			t.Errorf("%s has no %s result (got %v)", id, want, results[id])
		}
	}
}

// demoSnapshotWith returns the demo snapshot as JSON after edit has changed its decoded form.
func demoSnapshotWith(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	demo, err := os.ReadFile(demoSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(demo, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheckBadSnapshot(t *testing.T) {
	demo, err := os.ReadFile(demoSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	wrongType := demoSnapshotWith(t, func(doc map[string]any) {
		doc["devices"].([]any)[3].(map[string]any)["lastSeen"] = "last tuesday"
	})
	lastSeen := func(ts string) string {
		return demoSnapshotWith(t, func(doc map[string]any) { doc["devices"].([]any)[3].(map[string]any)["lastSeen"] = ts })
	}
	for _, tt := range []struct {
		name, content, want string
	}{
		{"truncated", string(demo[:2000]), "snap.json:71:10: unexpected end of JSON"},
		{"wrong_type", wrongType, "/devices/3/lastSeen"},
		{"february_30", lastSeen("2020-02-30T00:00:00Z"), `/devices/3/lastSeen: "2020-02-30T00:00:00Z" is not a real date and time: day out of range`},
		{"hour_24", lastSeen("2026-11-24T24:00:00Z"), `/devices/3/lastSeen: "2026-11-24T24:00:00Z" is not a real date and time: hour out of range`},
		{"not_json", "<html><body>Sign in</body></html>", "snap.json:1:1"},
		{"empty", "", "snap.json:1:1: unexpected end of JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "snap.json", tt.content)
			_, stderr, code := tailaudit(t, dir, nil, "check", "--snapshot", p)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestCheckSnapshotWithBrokenPolicy checks that a snapshot whose stored policy does not parse is
// still checked: the policy rules are not assessed, with the parse error as the reason.
func TestCheckSnapshotWithBrokenPolicy(t *testing.T) {
	b := demoSnapshotWith(t, func(doc map[string]any) {
		doc["policy"].(map[string]any)["hujson"] = "{\n  \"acls\": [\n"
	})
	dir := t.TempDir()
	p := write(t, dir, "snap.json", b)
	stdout, stderr, code := tailaudit(t, dir, nil, "check", "--snapshot", p, "-f", "json")
	if code != 1 {
		t.Fatalf("exit code = %d, want 1 (tailnet findings); stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "the policy file stored in the snapshot does not parse: ") || !strings.Contains(stdout, "snap.json#policy:3:1") {
		t.Errorf("policy rules not reported as not assessed with the parse error:\n%.3000s", stdout)
	}
}
