package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/frameworks"
	"github.com/tailaudit/tailaudit/internal/inputs"
	"github.com/tailaudit/tailaudit/internal/output"
	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailaudit/tailaudit/policies"
)

// BenchmarkRenderAggregate renders check's report of a generated 50,000-device tailnet (5,000
// users, 2,000 keys; about 46,000 fail and warn findings) in each format, with the findings of one
// cause listed as one entry (aggregate=on, the default) and each on its own (--no-aggregate): the
// rendering only, the report evaluated once before. It reports the bytes written (MB) besides the
// time per rendering.
func BenchmarkRenderAggregate(b *testing.B) {
	ctx := context.Background()
	raw, err := json.Marshal(synth.Snapshot(1, 50000, 5000, 2000))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	docs, err := inputs.Load("", writeInput(b, dir, "snapshot.json", raw), nil)
	if err != nil {
		b.Fatal(err)
	}
	mapping := frameworks.Embedded()
	eng, err := engine.New(ctx, engine.WithEmbeddedRules(policies.FS), engine.WithControls(mapping.ByRule, mapping.Known))
	if err != nil {
		b.Fatal(err)
	}
	rep, err := eng.Evaluate(ctx, engine.Input{Now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Tailnet: docs.Snapshot})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"text", "markdown", "github", "json", "sarif", "junit"} {
		for _, agg := range []struct {
			name string
			min  int
		}{{"on", output.AggregateMin}, {"off", 0}} {
			b.Run("format="+format+"/aggregate="+agg.name, func(b *testing.B) {
				r, err := output.New(format, output.Settings{Compact: true, CompactFiles: true, Aggregate: agg.min})
				if err != nil {
					b.Fatal(err)
				}
				var w countingWriter
				for b.Loop() {
					w.n = 0
					if err := r.Render(&w, rep); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.n)/1e6, "MB")
			})
		}
	}
}
