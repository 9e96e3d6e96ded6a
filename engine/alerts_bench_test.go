package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/policies"
)

// benchEvents generates n audit events that cycle through the codes the built-in rules judge and
// through the ordinary ones they let pass.
func benchEvents(n int) []*Event {
	codes := [][3]string{
		{"NODE", "CREATE", ""}, {"NODE", "APPROVE", ""}, {"NODE", "LOGIN", ""}, {"NODE", "DELETE", ""},
		{"TAILNET", "UPDATE", "ACL"}, {"USER", "UPDATE", "USER_ROLE"}, {"NODE", "UPDATE", "ACL_TAGS"},
		{"API_KEY", "CREATE", ""}, {"FAILED_REQUEST", "UPDATE", ""}, {"NODE", "UPDATE", "MACHINE_NAME"},
	}
	t0 := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)
	out := make([]*Event, n)
	for i := range out {
		c := codes[i%len(codes)]
		at := t0.Add(time.Duration(i) * time.Second)
		target := map[string]any{"id": fmt.Sprintf("n%d", i%500), "name": fmt.Sprintf("node-%d", i%500), "type": c[0]}
		if c[2] != "" {
			target["property"] = c[2]
		}
		out[i] = &Event{Time: at, Doc: map[string]any{
			"eventGroupID": fmt.Sprint(i), "origin": "CONFIG_API", "type": "CONFIG", "action": c[1],
			"eventTime": at.Format(time.RFC3339),
			"actor":     map[string]any{"id": fmt.Sprintf("u%d", i%40), "type": "USER", "loginName": fmt.Sprintf("u%d@example.com", i%40)},
			"target":    target, "old": "member", "new": "member",
		}}
	}
	return out
}

// BenchmarkAlerts judges generated audit events with every built-in alert rule: the engine's way
// (one query per event for the rules its match admits) and the naive way (each rule its own query
// for every event), reporting events per second of each and their ratio.
func BenchmarkAlerts(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, WithBuiltinRules(policies.FS))
	if err != nil {
		b.Fatal(err)
	}
	events := benchEvents(5_000)
	in := AlertInput{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
	var engineRate float64
	b.Run("engine", func(b *testing.B) {
		for b.Loop() {
			s, err := e.Alerts(in)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for _, ev := range events {
				if _, err := s.Add(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
			engineRate = float64(len(events)) / time.Since(start).Seconds()
		}
		b.ReportMetric(engineRate, "events/s")
	})
	b.Run("naive", func(b *testing.B) {
		var rate float64
		for b.Loop() {
			s, err := e.Alerts(in)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for _, ev := range events {
				doc, _ := json.Marshal(ev.Doc) // the naive way converts the event for every rule
				for i, r := range e.alerts {
					if r.drift {
						continue
					}
					var m map[string]any
					if err := json.Unmarshal(doc, &m); err != nil {
						b.Fatal(err)
					}
					value, err := ast.InterfaceToValue(m)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.evaluate(ctx, ev, value, nil, []int{i}, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			rate = float64(len(events)) / time.Since(start).Seconds()
		}
		b.ReportMetric(rate, "events/s")
		if engineRate > 0 && rate > 0 {
			b.ReportMetric(engineRate/rate, "engine/naive")
		}
	})
}
