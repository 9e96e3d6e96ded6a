package sink

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzBulkReply feeds the bulk reply parser what a broken or hostile Elasticsearch (or whatever
// answers in its place) could send: it must never panic, and must never acknowledge a document
// the reply does not name, in its place, with a status of its own.
func FuzzBulkReply(f *testing.F) {
	for _, seed := range []string{
		`{"took":3,"errors":false,"items":[{"create":{"_index":"i","_id":"a","status":201}},{"create":{"_index":"i","_id":"b","status":201}}]}`,
		`{"took":3,"errors":true,"items":[{"create":{"_id":"a","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}},{"create":{"_id":"b","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]}`,
		`{"errors":false,"items":[{"create":{"_id":"a","status":201}}]}`,
		`{"errors":false,"items":[{"index":{"_id":"a","status":201}},{"create":{"_id":"b","status":201}}]}`,
		`{"errors":false,"items":null}`,
		`<html>502 Bad Gateway</html>`,
		`{"errors":false,"items":[{"create":{"_id":"a","status":201}},{"create":{"_id":"b","status":-1}}]}{}`,
	} {
		f.Add(seed)
	}
	ids := []string{"a", "b"}
	f.Fuzz(func(t *testing.T, body string) {
		items, err := parseBulkReply([]byte(body), ids)
		if err != nil {
			if items != nil {
				t.Fatalf("items %v with the error %v", items, err)
			}
			return
		}
		if len(items) != len(ids) {
			t.Fatalf("%d items for %d documents", len(items), len(ids))
		}
		for i, it := range items {
			if it.ID != ids[i] {
				t.Fatalf("item %d is about %q, not %q", i, it.ID, ids[i])
			}
			if it.Status < 100 || it.Status > 599 {
				t.Fatalf("item %d has status %d", i, it.Status)
			}
		}
	})
}

// FuzzHECReply does the same for HEC's replies and ack replies: no panic, and no success (code
// 0, an ack true) unless the reply says so.
func FuzzHECReply(f *testing.F) {
	for _, seed := range []string{
		`{"text":"Success","code":0}`,
		`{"text":"Success","code":0,"ackId":7}`,
		`{"text":"Invalid data format","code":6,"invalid-event-number":3}`,
		`{"text":"Invalid token","code":4}`,
		`{"acks":{"7":true}}`,
		`{"acks":{"7":false,"8":true}}`,
		`{"text":"Success"}`,
		`ok`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		// What the reply says, read independently (encoding/json matches keys without regard to
		// case, so this does too).
		var m map[string]any
		json.Unmarshal([]byte(body), &m)
		says := func(obj map[string]any, key string, v any) bool {
			for k, got := range obj {
				if strings.EqualFold(k, key) && got == v {
					return true
				}
			}
			return false
		}
		r, err := parseHECReply([]byte(body))
		if err == nil && r.Code == 0 && !says(m, "code", float64(0)) {
			t.Fatalf("a reply without code 0 parsed as success: %q", body)
		}
		if err != nil && (r != hecReply{}) {
			t.Fatalf("reply %+v with the error %v", r, err)
		}
		acks, err := parseHECAcks([]byte(body))
		if done := acks["7"]; done {
			confirmed := false // by any "acks" object, as duplicate keys leave the choice open
			for k, v := range m {
				if acks, ok := v.(map[string]any); ok && strings.EqualFold(k, "acks") && acks["7"] == true {
					confirmed = true
				}
			}
			if err != nil || !confirmed {
				t.Fatalf("ack 7 confirmed by %q (%v)", body, err)
			}
		}
	})
}
