package alertstate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/sink"
)

// fakeSink acknowledges the alerts accept says yes to, in batches of batch.
type fakeSink struct {
	name    string
	batch   int
	accept  func(finding.Alert) bool
	short   bool // answer one result too few
	batches [][]string
}

func (f *fakeSink) Name() string  { return f.name }
func (f *fakeSink) MaxBatch() int { return f.batch }
func (f *fakeSink) Deliver(_ context.Context, alerts []finding.Alert) []sink.Result {
	var ids []string
	out := make([]sink.Result, len(alerts))
	for i, a := range alerts {
		ids = append(ids, a.ID)
		if !f.accept(a) {
			out[i] = sink.Result{Err: fmt.Errorf("item %s rejected", a.ID), RetryAfter: 2 * time.Hour}
		}
	}
	f.batches = append(f.batches, ids)
	if f.short {
		return out[1:]
	}
	return out
}

func TestDeliverPartialBatches(t *testing.T) {
	s := open(t, t.TempDir())
	var alerts []finding.Alert
	for i := range 7 {
		alerts = append(alerts, alert(fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Second)))
	}
	bulk := &fakeSink{name: "bulk", batch: 3, accept: func(a finding.Alert) bool { return a.ID != "a1" && a.ID != "a5" }}
	broken := &fakeSink{name: "broken", batch: 2, accept: func(finding.Alert) bool { return true }, short: true}
	idle := &fakeSink{name: "idle", batch: 2, accept: func(finding.Alert) bool { return true }}
	if _, err := commitAlerts(s, Run{Now: t0}, alerts, "bulk", "broken"); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return t0 }
	down := map[string]bool{}
	passes, err := s.Deliver(context.Background(), []sink.Sink{bulk, broken, idle}, now, down)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pass{
		{Sink: "bulk", Delivered: 5, Failed: 2, LastError: "item a5 rejected"},
		{Sink: "broken", Failed: 2, Down: true, LastError: "broken: the sink gave 1 results for 2 alerts"},
		{Sink: "idle"},
	}
	if d := cmp.Diff(want, passes); d != "" {
		t.Errorf("passes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"a0", "a1", "a2"}, {"a3", "a4", "a5"}, {"a6"}}, bulk.batches); d != "" {
		t.Errorf("bulk batches (-want +got):\n%s", d)
	}
	if len(broken.batches) != 1 || !down["broken"] {
		t.Errorf("broken sink tried %d times in one pass, down %v; want once and marked down", len(broken.batches), down)
	}
	// A second pass with the same down map leaves broken alone; bulk's failures wait for Retry-After.
	passes, _ = s.Deliver(context.Background(), []sink.Sink{bulk, broken}, now, down)
	if len(bulk.batches) != 3 || len(broken.batches) != 1 || !passes[1].Down {
		t.Errorf("second pass tried again: bulk %d batches, broken %d", len(bulk.batches), len(broken.batches))
	}
	pending, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Pending{
		{Sink: "broken", Items: 7, Attempts: 1, LastError: "broken: the sink gave 1 results for 2 alerts", NextTry: t0},
		{Sink: "bulk", Items: 2, Attempts: 1, LastError: "item a1 rejected", NextTry: t0.Add(2 * time.Hour)},
	}, pending); d != "" {
		t.Errorf("pending (-want +got):\n%s", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Deliver(ctx, []sink.Sink{idle}, now, map[string]bool{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Deliver on a cancelled context: %v", err)
	}
}
