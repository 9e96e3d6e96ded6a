package sink

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func splunkSink(t *testing.T, f *fakeHEC, query string) (*splunk, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s := mustParse(t, "splunk="+srv.URL+query, srv.Client()).(*splunk)
	s.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return s, srv
}

func TestSplunkSendsEventsInOneRequest(t *testing.T) {
	f := &fakeHEC{}
	s, _ := splunkSink(t, f, "?index=security&host=auditor-1")
	alerts := testAlerts(7)
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 for the batch", n)
	}
	got := f.received()
	if len(got) != 7 {
		t.Fatalf("HEC received %d events, want 7", len(got))
	}
	for i, ev := range got {
		if eventID(ev) != alerts[i].ID {
			t.Errorf("event %d is alert %s, want %s", i, eventID(ev), alerts[i].ID)
		}
		want := map[string]any{"host": "auditor-1", "source": "tailaudit", "sourcetype": "tailaudit:alert", "index": "security",
			"time": float64(alerts[i].Time.Unix())}
		for k, v := range want {
			if ev[k] != v {
				t.Errorf("event %d: %s = %v, want %v", i, k, ev[k], v)
			}
		}
	}
}

func TestSplunkEventPath(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://hec.example.com:8088", "https://hec.example.com:8088/services/collector/event"},
		{"https://hec.example.com:8088/", "https://hec.example.com:8088/services/collector/event"},
		{"https://splunk.example.com/hec/services/collector/event", "https://splunk.example.com/hec/services/collector/event"},
	} {
		s := mustParse(t, "splunk="+tt.url+"?ack=true", nil).(*splunk)
		if s.event != tt.want {
			t.Errorf("%s: posts to %s, want %s", tt.url, s.event, tt.want)
		}
		if want := strings.TrimSuffix(tt.want, "/event") + "/ack"; s.ack != want {
			t.Errorf("%s: acks at %s, want %s", tt.url, s.ack, want)
		}
		if !isUUID(s.channel) {
			t.Errorf("%s: channel %q is not a UUID", tt.url, s.channel)
		}
	}
}

func TestSplunkIndexerAcknowledgement(t *testing.T) {
	f := &fakeHEC{ack: true, pending: 2}
	s, _ := splunkSink(t, f, "?ack=true&channel=0f0c5a3e-9b1d-4d3e-8a45-1c2b3d4e5f60")
	for i, r := range s.Deliver(context.Background(), testAlerts(3)) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	if f.polls != 3 {
		t.Errorf("%d ack queries, want 3 (two answered false)", f.polls)
	}
}

func TestSplunkAckNeverComes(t *testing.T) {
	f := &fakeHEC{ack: true, pending: 1 << 30}
	s, _ := splunkSink(t, f, "?ack=true")
	waits := 0
	s.sleep = func(context.Context, time.Duration) error {
		if waits++; waits == 3 {
			return context.DeadlineExceeded
		}
		return nil
	}
	res := s.Deliver(context.Background(), testAlerts(2))
	checkFailure(t, res, 2, "not yet indexed when the wait ended", 0)
	if len(f.received()) != 2 {
		t.Errorf("HEC received %d events, want 2", len(f.received()))
	}
}

func TestSplunkAckRequiredButOff(t *testing.T) {
	f := &fakeHEC{ack: true}
	s, _ := splunkSink(t, f, "")
	checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, "HEC code 10, data channel is missing (indexer acknowledgement is on for the token: add ack=true", 0)
}

func TestSplunkAckOnButTokenHasNone(t *testing.T) {
	f := &fakeHEC{}
	s, _ := splunkSink(t, f, "?ack=1")
	checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, "HEC gave no ackId", 0)
}

func TestSplunkInvalidEventKeepsOnlyItsError(t *testing.T) {
	alerts := testAlerts(5)
	f := &fakeHEC{invalid: func(evs []map[string]any) int {
		for i, ev := range evs {
			if eventID(ev) == alerts[3].ID {
				return i
			}
		}
		return -1
	}}
	s, _ := splunkSink(t, f, "")
	res := s.Deliver(context.Background(), alerts)
	for i, r := range res {
		if i == 3 {
			if r.Err == nil || !strings.Contains(r.Err.Error(), "HTTP 400: HEC code 6, invalid data format") {
				t.Errorf("alert 3: %v, want HEC's code 6", r.Err)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("alert %d: %v, want it sent again without the bad one", i, r.Err)
		}
	}
	seen := map[string]bool{}
	for _, ev := range f.received() {
		seen[eventID(ev)] = true
	}
	for i, a := range alerts {
		if seen[a.ID] != (i != 3) {
			t.Errorf("alert %d received: %v", i, seen[a.ID])
		}
	}
}

func TestSplunkFailures(t *testing.T) {
	type tc = struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, []byte)
		want   string
		retry  time.Duration
	}
	cases := failureCases(testSplunkToken)
	cases = append(cases[:len(cases):len(cases)],
		tc{"invalid_token", text(403, `{"text":"Invalid token","code":4}`), `HTTP 403: HEC code 4, invalid token: {"text":"Invalid token","code":4}`, 0},
		tc{"busy", text(503, `{"text":"Server is busy","code":9}`, "Retry-After", "Fri, 20 Nov 2026 10:01:00 GMT"), "HTTP 503: HEC code 9, server is busy", time.Minute},
		tc{"code_in_200", text(200, `{"text":"Incorrect index","code":7}`), "HTTP 200: HEC code 7, incorrect index", 0},
		tc{"unknown_code", text(400, `{"text":"Something new","code":42}`), "HEC code 42", 0},
		tc{"not_hec", text(200, `{"status":"ok"}`), "not an HTTP Event Collector reply", 0},
		tc{"two_replies", text(200, `{"text":"Success","code":0}{"text":"Success","code":0}`), "not an HTTP Event Collector reply", 0},
		tc{"invalid_event_out_of_range", text(400, `{"text":"Invalid data format","code":6,"invalid-event-number":9}`), "HEC code 6", 0},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := serve(t, tt.answer)
			s := mustParse(t, "splunk="+srv.URL, srv.Client()).(*splunk)
			s.http.now = func() time.Time { return time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC) }
			checkFailure(t, s.Deliver(context.Background(), testAlerts(2)), 2, tt.want, tt.retry)
			for _, r := range rec.requests() {
				if r.path != hecEventPath || r.header.Get("Authorization") != "Splunk "+testSplunkToken {
					t.Errorf("request to %s with headers %v", r.path, r.header)
				}
				if r.header.Get("X-Splunk-Request-Channel") != "" {
					t.Errorf("a channel without ack=true")
				}
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		srv, _ := serve(t, hang(cancel))
		s := mustParse(t, "splunk="+srv.URL, srv.Client())
		res := s.Deliver(ctx, testAlerts(2))
		checkFailure(t, res, 2, "context canceled", 0)
		if !errors.Is(res[0].Err, context.Canceled) {
			t.Errorf("%v does not wrap context.Canceled", res[0].Err)
		}
	})
	t.Run("wrong_token", func(t *testing.T) {
		srv := httptest.NewServer(&fakeHEC{})
		defer srv.Close()
		s, err := Parse("splunk="+srv.URL, testEnv(map[string]string{EnvSplunkToken: "nope"}), srv.Client(), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, "HEC code 4, invalid token", 0)
	})
}

func TestSplunkSplitsAndAcksAtOnce(t *testing.T) {
	f := &fakeHEC{ack: true}
	s, _ := splunkSink(t, f, "?ack=true")
	if s.MaxBatch() < 2*hecMaxEvents {
		t.Fatalf("MaxBatch %d is not several requests' worth", s.MaxBatch())
	}
	alerts := testAlerts(2*hecMaxEvents + 50)
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	if n := f.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 3 event requests and one ack query for all three", n)
	}
	if len(f.received()) != len(alerts) {
		t.Errorf("HEC received %d events, want %d", len(f.received()), len(alerts))
	}
}

func TestSplunkLongEventGoesAlone(t *testing.T) {
	f := &fakeHEC{}
	s, _ := splunkSink(t, f, "")
	alerts := testAlerts(3)
	alerts[1].Message = strings.Repeat("y", hecMaxBytes)
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	if n := f.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3 (the long event alone)", n)
	}
}
