//go:build unix

package alertstate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/sink"
)

// bulkServer answers Elasticsearch _bulk requests, every create acknowledged.
func bulkServer(b *testing.B) (*httptest.Server, *int) {
	docs := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []string
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 64<<20)
		for line := 0; sc.Scan(); line++ {
			if line%2 == 1 {
				continue // the document
			}
			var action struct {
				Create struct {
					ID string `json:"_id"`
				} `json:"create"`
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":201}}`, action.Create.ID))
		}
		docs += len(items)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"took":1,"errors":false,"items":[%s]}`, bytes.Join(func() [][]byte {
			out := make([][]byte, len(items))
			for i, it := range items {
				out[i] = []byte(it)
			}
			return out
		}(), []byte(",")))
	}))
	b.Cleanup(srv.Close)
	return srv, &docs
}

// BenchmarkOutbox puts 100,000 alerts in the outbox through a Stage (StageBatch alerts a
// transaction) and one commit, and delivers them to a local
// Elasticsearch bulk endpoint (500 a request, each batch settled in its own transaction). It
// reports alerts per second queued, delivered and both, in wall time, and per CPU second.
func BenchmarkOutbox(b *testing.B) {
	n := benchAlerts
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	alerts := make([]finding.Alert, n)
	for i := range alerts {
		ev := map[string]any{"eventGroupID": fmt.Sprintf("g%d", i), "origin": "API", "type": "CONFIG", "action": "DELETE",
			"eventTime": at.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano),
			"actor":     map[string]any{"id": "u1", "type": "USER", "loginName": "eve@acme.example"},
			"target":    map[string]any{"id": fmt.Sprintf("n%dCNTRL", i), "name": fmt.Sprintf("node-%d.tail4f2a.ts.net", i), "type": "NODE"}}
		alerts[i] = finding.Alert{Result: finding.AlertResult, ID: finding.AlertID("TA-ALERT-018", fmt.Sprint(i), at), Rule: finding.RuleRef{ID: "TA-ALERT-018", Title: "Mass deletion", Severity: finding.High},
			Severity: finding.High, Message: fmt.Sprintf("eve@acme.example deleted node-%d", i), Time: at.Add(time.Duration(i) * time.Millisecond),
			Actor: &finding.Actor{ID: "u1", Type: "USER", LoginName: "eve@acme.example"}, Target: &finding.Target{ID: fmt.Sprintf("n%dCNTRL", i), Type: "NODE"},
			Dedup: fmt.Sprint(i), Events: []map[string]any{ev}}
	}
	srv, docs := bulkServer(b)
	es, err := sink.Parse("elasticsearch="+srv.URL, func(string) string { return "an-api-key" }, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var commit, deliver time.Duration
	cpu0 := cpuTime(b)
	for b.Loop() {
		s, err := Open(b.TempDir(), time.Second, false)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := commitAlerts(s, Run{Now: at}, alerts, es.Name()); err != nil {
			b.Fatal(err)
		}
		commit += time.Since(start)
		start = time.Now()
		passes, err := s.Deliver(context.Background(), []sink.Sink{es}, func() time.Time { return at }, map[string]bool{})
		if err != nil || passes[0].Delivered != n {
			b.Fatalf("delivered %+v, %v; want %d", passes, err, n)
		}
		deliver += time.Since(start)
		s.Close()
	}
	if *docs != n*b.N {
		b.Fatalf("the endpoint got %d documents, want %d", *docs, n*b.N)
	}
	b.ReportMetric(float64(n*b.N)/commit.Seconds(), "queued-alerts/s")
	b.ReportMetric(float64(n*b.N)/deliver.Seconds(), "delivered-alerts/s")
	b.ReportMetric(float64(n*b.N)/(commit+deliver).Seconds(), "alerts/s")
	// CPU time of the whole process (the store, the sink and the test's bulk endpoint): on a shared
	// machine the wall figures above wait for the disk and the other tenants.
	b.ReportMetric(float64(n*b.N)/(cpuTime(b)-cpu0).Seconds(), "alerts/cpu-s")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchAlerts is how many alerts BenchmarkOutbox queues and delivers.
var benchAlerts = 100_000
