package sink

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	testElasticKey  = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
	testSplunkToken = "12345678-aaaa-bbbb-cccc-SPLUNKSECRET"
)

// fakeElastic answers the bulk API as Elasticsearch does: NDJSON in, one item per action out, a
// 409 for a document whose _id is there already.
type fakeElastic struct {
	mu   sync.Mutex
	docs map[string][]byte // _index/_id → source
	// fail, when set, decides the status of an item (0: index it) and its error type.
	fail     func(id string) (int, string)
	requests atomic.Int64
	discard  bool // keep ids, not documents (benchmarks)
}

func newFakeElastic() *fakeElastic { return &fakeElastic{docs: map[string][]byte{}} }

func (f *fakeElastic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/_bulk") {
		http.Error(w, `{"error":"no handler"}`, http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "ApiKey "+testElasticKey {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"type":"security_exception","reason":"unable to authenticate with provided credentials"},"status":401}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		http.Error(w, `{"error":"Content-Type header [`+ct+`] is not supported"}`, http.StatusNotAcceptable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if len(body) == 0 || body[len(body)-1] != '\n' {
		http.Error(w, `{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\n]"}}`, http.StatusBadRequest)
		return
	}
	lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
	if len(lines)%2 != 0 {
		http.Error(w, `{"error":"odd number of lines"}`, http.StatusBadRequest)
		return
	}
	type item struct {
		Index  string         `json:"_index"`
		ID     string         `json:"_id"`
		Status int            `json:"status"`
		Result string         `json:"result,omitempty"`
		Error  map[string]any `json:"error,omitempty"`
	}
	var items []map[string]item
	errs := false
	f.mu.Lock()
	for i := 0; i < len(lines); i += 2 {
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(lines[i], &action); err != nil || len(action) != 1 {
			f.mu.Unlock()
			http.Error(w, `{"error":"Malformed action/metadata line"}`, http.StatusBadRequest)
			return
		}
		c, ok := action["create"]
		if !ok {
			f.mu.Unlock()
			http.Error(w, `{"error":"only create is expected"}`, http.StatusBadRequest)
			return
		}
		it := item{Index: c.Index, ID: c.ID}
		var doc map[string]any
		key := c.Index + "/" + c.ID
		switch status, typ := f.failure(c.ID); {
		case json.Unmarshal(lines[i+1], &doc) != nil:
			it.Status, it.Error = 400, map[string]any{"type": "document_parsing_exception", "reason": "failed to parse"}
		case status != 0:
			it.Status, it.Error = status, map[string]any{"type": typ, "reason": "planted failure for " + c.ID}
		case f.docs[key] != nil:
			it.Status, it.Error = 409, map[string]any{"type": "version_conflict_engine_exception", "reason": "[" + c.ID + "]: version conflict, document already exists"}
		default:
			f.docs[key] = []byte{}
			if !f.discard {
				f.docs[key] = append([]byte(nil), lines[i+1]...)
			}
			it.Status, it.Result = 201, "created"
		}
		errs = errs || it.Status != 201
		items = append(items, map[string]item{"create": it})
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"took": 3, "errors": errs, "items": items})
}

func (f *fakeElastic) failure(id string) (int, string) {
	if f.fail == nil {
		return 0, ""
	}
	return f.fail(id)
}

func (f *fakeElastic) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.docs)
}

func (f *fakeElastic) doc(index, id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.docs[index+"/"+id]
}

// fakeHEC answers as Splunk's HTTP Event Collector: concatenated JSON events in, {"text":
// "Success","code":0} out, with an ackId when the token has indexer acknowledgement on.
type fakeHEC struct {
	mu     sync.Mutex
	events []map[string]any
	// ack turns indexer acknowledgement on; pending is how many ack queries answer false first.
	ack     bool
	pending int
	nextAck int64
	polls   int
	// invalid, when set, says which event of a request HEC cannot read (-1: none).
	invalid  func(events []map[string]any) int
	requests atomic.Int64
	discard  bool // count events, not keep them (benchmarks)
	count    int
}

func (f *fakeHEC) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeHEC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Header.Get("Authorization") != "Splunk "+testSplunkToken {
		f.reply(w, http.StatusForbidden, map[string]any{"text": "Invalid token", "code": 4})
		return
	}
	channel := r.Header.Get("X-Splunk-Request-Channel")
	switch r.URL.Path {
	case hecAckPath:
		if !f.ack {
			f.reply(w, http.StatusBadRequest, map[string]any{"text": "ACK is disabled", "code": 14})
			return
		}
		var q struct {
			Acks []int64 `json:"acks"`
		}
		json.NewDecoder(r.Body).Decode(&q)
		f.mu.Lock()
		f.polls++
		done := f.polls > f.pending
		f.mu.Unlock()
		acks := map[string]bool{}
		for _, id := range q.Acks {
			acks[strconv.FormatInt(id, 10)] = done
		}
		f.reply(w, http.StatusOK, map[string]any{"acks": acks})
		return
	case hecEventPath:
	default:
		f.reply(w, http.StatusNotFound, map[string]any{"text": "The requested URL was not found on this server.", "code": 404})
		return
	}
	if f.ack && channel == "" {
		f.reply(w, http.StatusBadRequest, map[string]any{"text": "Data channel is missing", "code": 10})
		return
	}
	dec := json.NewDecoder(bufio.NewReader(r.Body))
	var got []map[string]any
	for {
		var ev map[string]any
		err := dec.Decode(&ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.reply(w, http.StatusBadRequest, map[string]any{"text": "Invalid data format", "code": 6, "invalid-event-number": len(got)})
			return
		}
		if _, ok := ev["event"]; !ok {
			f.reply(w, http.StatusBadRequest, map[string]any{"text": "Event field is required", "code": 12, "invalid-event-number": len(got)})
			return
		}
		got = append(got, ev)
	}
	if len(got) == 0 {
		f.reply(w, http.StatusBadRequest, map[string]any{"text": "No data", "code": 5})
		return
	}
	if f.invalid != nil {
		if n := f.invalid(got); n >= 0 {
			// HEC indexes what came before the event it could not read.
			f.mu.Lock()
			f.events = append(f.events, got[:n]...)
			f.mu.Unlock()
			f.reply(w, http.StatusBadRequest, map[string]any{"text": "Invalid data format", "code": 6, "invalid-event-number": n})
			return
		}
	}
	f.mu.Lock()
	f.count += len(got)
	if !f.discard {
		f.events = append(f.events, got...)
	}
	id := f.nextAck
	f.nextAck++
	f.mu.Unlock()
	if f.ack {
		f.reply(w, http.StatusOK, map[string]any{"text": "Success", "code": 0, "ackId": id})
		return
	}
	f.reply(w, http.StatusOK, map[string]any{"text": "Success", "code": 0})
}

func (f *fakeHEC) received() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.events...)
}

func eventID(ev map[string]any) string {
	e, _ := ev["event"].(map[string]any)
	return fmt.Sprint(e["id"])
}
