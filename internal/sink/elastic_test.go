package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/output"
)

func elasticServer(t *testing.T, f *fakeElastic) (*httptest.Server, Sink) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv, mustParse(t, "elasticsearch="+srv.URL, srv.Client())
}

func TestElasticIndexesTheECSDocument(t *testing.T) {
	f := newFakeElastic()
	_, s := elasticServer(t, f)
	alerts := testAlerts(5)
	alerts[2].Window = &finding.AlertWindow{Start: alerts[2].Time.Add(-time.Hour), End: alerts[2].Time, Count: 7}
	alerts[3].Actor = nil
	alerts[4].Evidence = map[string]any{"before": "x", "after": []any{"y"}}
	alerts[4].Controls = map[string][]string{"soc2": {"CC6.1"}}
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	// The document indexed is, byte for byte, the line -f ecs writes.
	var ecs bytes.Buffer
	if err := output.WriteAlerts(context.Background(), []output.Target{{Format: "ecs"}}, alerts, &ecs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(ecs.String(), "\n"), "\n")
	for i, a := range alerts {
		got := f.doc(DefaultIndex, a.ID)
		if string(got) != lines[i] {
			t.Errorf("alert %d indexed as\n%s\nwant the -f ecs line\n%s", i, got, lines[i])
		}
	}
}

func TestElasticRepeatIsAConflictAndAcknowledged(t *testing.T) {
	f := newFakeElastic()
	_, s := elasticServer(t, f)
	alerts := testAlerts(4)
	s.Deliver(context.Background(), alerts[:2])
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Errorf("alert %d: %v (a 409 means the document is there)", i, r.Err)
		}
	}
	if f.count() != 4 {
		t.Errorf("%d documents, want 4", f.count())
	}
}

func TestElasticPartialFailure(t *testing.T) {
	alerts := testAlerts(6)
	f := newFakeElastic()
	f.fail = func(id string) (int, string) {
		switch id {
		case alerts[1].ID:
			return 400, "mapper_parsing_exception"
		case alerts[4].ID:
			return 429, "es_rejected_execution_exception"
		}
		return 0, ""
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "9")
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s := mustParse(t, "elasticsearch="+srv.URL+"?index=sec-alerts", srv.Client())
	res := s.Deliver(context.Background(), alerts)
	for i, r := range res {
		switch i {
		case 1:
			if r.Err == nil || !strings.Contains(r.Err.Error(), "status 400: mapper_parsing_exception: planted failure") {
				t.Errorf("alert 1: %v, want the item's 400", r.Err)
			}
		case 4:
			if r.Err == nil || !strings.Contains(r.Err.Error(), "status 429") || r.RetryAfter != 9*time.Second {
				t.Errorf("alert 4: %v after %v, want the item's 429 after 9s", r.Err, r.RetryAfter)
			}
		default:
			if r.Err != nil {
				t.Errorf("alert %d: %v, want it acknowledged", i, r.Err)
			}
		}
	}
	if f.count() != 4 || f.doc("sec-alerts", alerts[0].ID) == nil {
		t.Errorf("%d documents in sec-alerts, want 4", f.count())
	}
}

func TestElasticFailures(t *testing.T) {
	bulkReply := func(items string) func(http.ResponseWriter, *http.Request, []byte) {
		return text(200, `{"took":1,"errors":false,"items":[`+items+`]}`, "Content-Type", "application/json")
	}
	cases := failureCases(testElasticKey)
	type tc = struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, []byte)
		want   string
		retry  time.Duration
	}
	cases = append(cases[:len(cases):len(cases)],
		tc{"unauthorized", text(401, `{"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401}`), "HTTP 401: {\"error\":{\"type\":\"security_exception\"", 0},
		tc{"too_large", text(413, ""), "HTTP 413", 0},
		tc{"not_json", text(200, "all good"), "not a bulk API reply", 0},
		tc{"no_items", text(200, `{"acknowledged":true}`), "no errors or items", 0},
		tc{"fewer_items", bulkReply(`{"create":{"_id":"x","status":201}}`), "1 items for 2 documents", 0},
		tc{"other_ids", bulkReply(`{"create":{"_id":"x","status":201}},{"create":{"_id":"y","status":201}}`), `is about document "x"`, 0},
		tc{"index_action", bulkReply(`{"index":{"_id":"x","status":201}},{"index":{"_id":"y","status":201}}`), "not the answer to a create action", 0},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := serve(t, tt.answer)
			s := mustParse(t, "elasticsearch="+srv.URL, srv.Client())
			checkFailure(t, s.Deliver(context.Background(), testAlerts(2)), 2, tt.want, tt.retry)
			for _, r := range rec.requests() {
				if r.path != "/_bulk" || r.header.Get("Authorization") != "ApiKey "+testElasticKey || r.header.Get("Content-Type") != "application/x-ndjson" {
					t.Errorf("request to %s with headers %v", r.path, r.header)
				}
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		srv, _ := serve(t, hang(cancel))
		s := mustParse(t, "elasticsearch="+srv.URL, srv.Client())
		checkFailure(t, s.Deliver(ctx, testAlerts(3)), 3, "context canceled", 0)
	})
	t.Run("wrong_key", func(t *testing.T) {
		srv := httptest.NewServer(newFakeElastic())
		defer srv.Close()
		s, err := Parse("elasticsearch="+srv.URL, testEnv(map[string]string{EnvElasticAPIKey: "another-key"}), srv.Client(), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, "HTTP 401: {\"error\":{\"type\":\"security_exception\"", 0)
	})
}

func TestElasticBulkRequest(t *testing.T) {
	// Only the request matters here: what the sink makes of answers is tested above.
	srv, rec := serve(t, text(503, ""))
	alerts := testAlerts(2)
	s := mustParse(t, "elasticsearch="+srv.URL+"/proxy/es/?pipeline=tailaudit-alerts", srv.Client())
	s.Deliver(context.Background(), alerts)
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.path != "/proxy/es/_bulk" || r.query != "pipeline=tailaudit-alerts" {
		t.Errorf("request to %s?%s, want /proxy/es/_bulk?pipeline=tailaudit-alerts", r.path, r.query)
	}
	lines := strings.Split(string(r.body), "\n")
	if len(lines) != 5 || lines[4] != "" {
		t.Fatalf("body is not 4 NDJSON lines ending in a newline:\n%s", r.body)
	}
	for i, a := range alerts {
		var action map[string]map[string]string
		if err := json.Unmarshal([]byte(lines[2*i]), &action); err != nil {
			t.Fatal(err)
		}
		if c := action["create"]; c["_index"] != DefaultIndex || c["_id"] != a.ID || len(action) != 1 {
			t.Errorf("action line %s, want create in %s with _id %s", lines[2*i], DefaultIndex, a.ID)
		}
	}
	noSecrets(t, "the request body", string(r.body))
}

func TestElasticSplitsLargeBatches(t *testing.T) {
	f := newFakeElastic()
	_, s := elasticServer(t, f)
	alerts := testAlerts(5)
	for i := range alerts {
		alerts[i].Message = strings.Repeat("x", 3<<19) // 3 MB documents (message and event.reason): two to a request
	}
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	if n := f.requests.Load(); n != 3 {
		t.Errorf("%d bulk requests, want 3 of at most 8 MB", n)
	}
	if f.count() != 5 {
		t.Errorf("%d documents, want 5", f.count())
	}
}
