package synth_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/events"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// decode reads a generated log through internal/events, as tailaudit alerts does.
func decode(t *testing.T, log []byte) []*events.Event {
	t.Helper()
	d := events.NewDecoder(bytes.NewReader(log), "synth.jsonl")
	var out []*events.Event
	for {
		ev, err := d.Next()
		if err != nil {
			if err == io.EOF {
				return out
			}
			t.Fatalf("entry %d: %v", len(out)+1, err)
		}
		out = append(out, ev)
	}
}

func TestAuditLogDecodes(t *testing.T) {
	const n = 60_000
	var buf bytes.Buffer
	if err := synth.AuditLog(&buf, 1, n); err != nil {
		t.Fatal(err)
	}
	evs := decode(t, buf.Bytes())
	if len(evs) != n {
		t.Fatalf("decoded %d entries, want %d", len(evs), n)
	}
	codes := map[string]int{}
	for i, ev := range evs {
		if ev.Kind != events.Audit {
			t.Fatalf("entry %d is a %s entry", i+1, ev.Kind)
		}
		if i > 0 && ev.Time.Before(evs[i-1].Time) {
			t.Fatalf("entry %d at %s is earlier than the one before it", i+1, ev.Time)
		}
		target := ev.Doc["target"].(map[string]any)
		code := target["type"].(string) + "." + ev.Doc["action"].(string)
		if p, ok := target["property"].(string); ok {
			code += "." + p
		}
		codes[code]++
	}
	if first, last := evs[0].Time, evs[n-1].Time; first.Before(synth.LogStart) || last.Sub(first) < 4*24*time.Hour || last.Sub(first) > 10*24*time.Hour {
		t.Errorf("entries span %s to %s; want about a week from %s", first, last, synth.LogStart)
	}
	// The ordinary mix, and the incidents planted in it: 39 in 60,000 entries, five of each of the
	// first seven kinds, four of the eighth.
	for code, atLeast := range map[string]int{
		"NODE.LOGIN": n / 5, "NODE.CREATE": n / 10, "NODE.DELETE": n / 10, "NODE.APPROVE": n / 50,
		"TAILNET.UPDATE.ACL": n / 50, "API_KEY.CREATE": n / 2000, "FAILED_REQUEST.UPDATE": n / 100,
		"USER.UPDATE.USER_ROLE": n / 100,
	} {
		if codes[code] < atLeast {
			t.Errorf("%d %s entries, want at least %d (mix %v)", codes[code], code, atLeast, codes)
		}
	}
	for code, want := range map[string]int{
		"TAILNET.DISABLE.MACHINE_APPROVAL_NEEDED": 5, "TAILNET.ENABLE.MACHINE_APPROVAL_NEEDED": 5, "TAILNET.DISABLE.TKA": 5,
		"TAILNET.DELETE.LOGSTREAM_ENDPOINT": 5, "TAILNET.DISABLE.NETWORK_FLOW_LOGGING": 5,
	} {
		if codes[code] != want {
			t.Errorf("%d %s entries, want %d", codes[code], code, want)
		}
	}
	var again bytes.Buffer
	if err := synth.AuditLog(&again, 1, n); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("AuditLog(1, n) differs between calls")
	}
	var other bytes.Buffer
	_ = synth.AuditLog(&other, 2, n)
	if bytes.Equal(buf.Bytes(), other.Bytes()) {
		t.Error("AuditLog with seeds 1 and 2 is identical")
	}
}

func TestFlowLogDecodes(t *testing.T) {
	const n = 60_000
	snap := synth.Snapshot(1, 300, 80, 25)
	known := map[string]bool{}
	for _, d := range snap["devices"].([]any) {
		known[d.(map[string]any)["nodeId"].(string)] = true
	}
	var buf bytes.Buffer
	if err := synth.FlowLog(&buf, 1, n, snap); err != nil {
		t.Fatal(err)
	}
	evs := decode(t, buf.Bytes())
	if len(evs) != n {
		t.Fatalf("decoded %d records, want %d", len(evs), n)
	}
	unknown, exit := 0, 0
	for i, ev := range evs {
		if ev.Kind != events.Flow {
			t.Fatalf("record %d is a %s entry", i+1, ev.Kind)
		}
		if i > 0 && ev.Time.Before(evs[i-1].Time.Add(-3*time.Second)) {
			t.Fatalf("record %d logged at %s, long before the one before it", i+1, ev.Time)
		}
		if !known[ev.Doc["nodeId"].(string)] {
			unknown++
		}
		if _, ok := ev.Doc["exitTraffic"]; ok {
			exit++
		}
		if len(ev.Doc["virtualTraffic"].([]any)) == 0 {
			t.Fatalf("record %d has no virtual traffic", i+1)
		}
	}
	if unknown != 19 {
		t.Errorf("%d records from nodes the snapshot does not know, want 19 (one every 3,000)", unknown)
	}
	if exit == 0 {
		t.Error("no record carries exit traffic")
	}
}
