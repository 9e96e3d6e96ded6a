package sink

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// benchAlerts is how many alerts one run of BenchmarkSinkBulk delivers.
const benchAlerts = 100_000

// BenchmarkSinkBulk delivers 100,000 alerts, in batches of the sink's MaxBatch, to an in-process
// bulk API and HEC that parse every document as the real ones do. alerts/s is wall time (sender
// and receiver share the machine); cpu-alerts/s divides by the CPU time of the whole process
// (both sides), which other load on the machine disturbs less.
func BenchmarkSinkBulk(b *testing.B) {
	alerts := testAlerts(benchAlerts)
	for _, kind := range []string{"elasticsearch", "splunk"} {
		b.Run(kind, func(b *testing.B) {
			var wall, cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				var h http.Handler
				var delivered func() int
				switch kind {
				case "elasticsearch":
					f := newFakeElastic()
					f.discard = true
					h, delivered = f, f.count
				default:
					f := &fakeHEC{discard: true}
					h, delivered = f, func() int { f.mu.Lock(); defer f.mu.Unlock(); return f.count }
				}
				srv := httptest.NewServer(h)
				s := mustParse(b, kind+"="+srv.URL, srv.Client())
				cpu0, start := cpuTime(), time.Now()
				b.StartTimer()
				for i := 0; i < len(alerts); i += s.MaxBatch() {
					batch := alerts[i:min(i+s.MaxBatch(), len(alerts))]
					for j, r := range s.Deliver(context.Background(), batch) {
						if r.Err != nil {
							b.Fatalf("alert %d: %v", i+j, r.Err)
						}
					}
				}
				b.StopTimer()
				wall, cpu = wall+time.Since(start), cpu+cpuTime()-cpu0
				srv.Close()
				if n := delivered(); n != len(alerts) {
					b.Fatalf("the receiver has %d alerts, want %d", n, len(alerts))
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N*benchAlerts)/wall.Seconds(), "alerts/s")
			if cpu > 0 {
				b.ReportMetric(float64(b.N*benchAlerts)/cpu.Seconds(), "cpu-alerts/s")
			}
		})
	}
}
