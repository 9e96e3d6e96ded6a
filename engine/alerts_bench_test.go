package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/events"
	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailaudit/tailaudit/policies"
)

// naiveStream judges events the naive way: every event by every alert rule (those the engine
// leaves out as unable to raise anything included), each rule its own
// query (prepared once), the event converted to Rego for each of them. It keeps each rule's own
// window of the events the rule's METADATA asks for, and applies thresholds and suppression as the
// engine does, so that it raises the same alerts: it is the baseline BenchmarkAlerts compares the
// engine with, and TestAlertsAsNaive checks that the engine's shortcuts change no alert.
type naiveStream struct {
	s     *AlertStream // for the threshold, suppression and id of each alert
	rules []naiveRule
}

type naiveRule struct {
	r      *rule
	query  rego.PreparedEvalQuery
	window *window // nil without custom.window
	group  int     // the rule's group_by in its window, -1 for none
}

func newNaiveStream(ctx context.Context, e *Engine, in AlertInput) (*naiveStream, error) {
	s, err := e.Alerts(in)
	if err != nil {
		return nil, err
	}
	n := &naiveStream{s: s}
	c, err := e.alertCompiler()
	if err != nil {
		return nil, err
	}
	for _, r := range e.alerts { // every event rule, those the engine leaves out included
		if r.drift {
			continue
		}
		q, err := rego.New(append(e.regoOptions(c), rego.Query("r = data."+r.pkg+".alert"))...).PrepareForEval(ctx)
		if err != nil {
			return nil, err
		}
		nr := naiveRule{r: r, query: q, group: -1}
		if r.alert.window > 0 {
			nr.window = &window{span: r.alert.window, filter: r.alert.kept()}
			if r.alert.threshold > 0 {
				nr.group = nr.window.group(r.alert.groupBy)
			}
		}
		n.rules = append(n.rules, nr)
	}
	return n, nil
}

func (n *naiveStream) Add(ctx context.Context, ev *Event) ([]finding.Alert, error) {
	var out []finding.Alert
	for i := range n.rules {
		nr := &n.rules[i]
		value, err := ast.InterfaceToValue(ev.Doc)
		if err != nil {
			return nil, err
		}
		earlier, terms := nr.window.within(ev.Time)
		pairs := append(slices.Clone(n.s.base), [2]*ast.Term{ast.StringTerm("event"), ast.NewTerm(value)}, [2]*ast.Term{ast.StringTerm("window"), ast.NewTerm(terms)})
		rs, err := nr.query.Eval(ctx, rego.EvalParsedInput(ast.NewObject(pairs...)), rego.EvalInterQueryBuiltinValueCache(n.s.cache))
		if err != nil {
			return nil, err
		}
		if len(rs) == 1 {
			results, _ := rs[0].Bindings["r"].([]any)
			slices.SortFunc(results, func(a, b any) int { return strings.Compare(regoText(a), regoText(b)) })
			for _, raw := range results {
				a, ok, err := n.s.alert(nr.r, nr.group, ev, raw, earlier)
				if err != nil {
					return nil, err
				}
				if ok {
					out = append(out, a)
				}
			}
		}
		if nr.window != nil && (nr.window.filter == nil || anyAdmits(nr.window.filter, ev.Doc)) {
			nr.window.add(ev, value)
		}
	}
	sortAlerts(out)
	return out, nil
}

// adder is what the engine's stream and the naive one have in common.
type adder interface {
	Add(context.Context, *Event) ([]finding.Alert, error)
}

// alertsSnapshot is the tailnet the generated logs run against: 300 devices, device approval on.
func alertsSnapshot() *tailnet.Snapshot {
	raw := synth.Snapshot(1, 300, 80, 25)
	raw["settings"].(map[string]any)["devicesApprovalOn"] = true
	return &tailnet.Snapshot{Raw: raw}
}

func benchInput() AlertInput {
	return AlertInput{Now: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), Tailnet: alertsSnapshot()}
}

// generated returns the first n entries of a generated audit or flow log, decoded as tailaudit
// alerts decodes them.
func generated(tb testing.TB, kind string, n int) []*Event {
	tb.Helper()
	var buf bytes.Buffer
	writeLog(tb, &buf, kind, n)
	var out []*Event
	d := events.NewDecoder(&buf, kind+".jsonl")
	for range n {
		ev, err := d.Next()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, &Event{Time: ev.Time, Doc: ev.Doc, File: ev.File, Line: ev.Line})
	}
	return out
}

func writeLog(tb testing.TB, w interface{ Write([]byte) (int, error) }, kind string, n int) {
	tb.Helper()
	var err error
	if kind == "flow" {
		err = synth.FlowLog(w, 1, n, alertsSnapshot().Raw)
	} else {
		err = synth.AuditLog(w, 1, n)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// run feeds events to a stream and returns the alerts, with the time spent in Add.
func run(tb testing.TB, s adder, evs []*Event) ([]finding.Alert, time.Duration) {
	tb.Helper()
	ctx := context.Background()
	var out []finding.Alert
	start := time.Now()
	for _, ev := range evs {
		as, err := s.Add(ctx, ev)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, as...)
	}
	return out, time.Since(start)
}

// TestAlertsAsNaive checks that the engine's way (the index, one query per event, windows shared
// and bounded) raises exactly the alerts of the naive way on generated audit logs with their
// incidents, and on flow logs, with every built-in rule.
func TestAlertsAsNaive(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind string
		n    int
	}{{"audit", 2500}, {"flow", 300}} {
		t.Run(c.kind, func(t *testing.T) {
			evs := generated(t, c.kind, c.n)
			s, err := e.Alerts(benchInput())
			if err != nil {
				t.Fatal(err)
			}
			naive, err := newNaiveStream(ctx, e, benchInput())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := run(t, s, evs)
			want, _ := run(t, naive, evs)
			if len(want) == 0 {
				t.Fatal("the naive way raised no alert: the comparison would prove nothing")
			}
			// As tailaudit alerts judges them: read from a file, each event matched and converted
			// ahead on the decoding goroutine; and with events prepared for another stream, which
			// Add does not trust.
			path := filepath.Join(t.TempDir(), c.kind+".jsonl")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			writeLog(t, f, c.kind, c.n)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			other, err := e.Alerts(benchInput())
			if err != nil {
				t.Fatal(err)
			}
			for _, by := range []*AlertStream{nil, other} {
				s, err := e.Alerts(benchInput())
				if err != nil {
					t.Fatal(err)
				}
				prep := s.Preparer()
				if by != nil {
					prep = by.Preparer()
				}
				var prepared []finding.Alert
				n := 0
				add := func(ev *Event) error {
					n++
					as, err := s.Add(ctx, ev)
					prepared = append(prepared, as...)
					return err
				}
				if _, err := readPrepared(path, prep, add); err != nil {
					t.Fatal(err)
				}
				if n != c.n {
					t.Fatalf("read %d events, want %d", n, c.n)
				}
				if !slices.EqualFunc(prepared, want, func(a, b finding.Alert) bool {
					return a.ID == b.ID && a.Rule.ID == b.Rule.ID && a.Time.Equal(b.Time) && a.Message == b.Message
				}) {
					t.Errorf("prepared ahead (by another stream: %v): %d alerts, the naive way %d", by != nil, len(prepared), len(want))
				}
			}
			lines := func(as []finding.Alert) []string {
				var out []string
				for _, a := range as {
					out = append(out, a.ID+" "+a.Rule.ID+" "+a.Time.Format(time.RFC3339Nano)+" "+a.Message)
				}
				return out
			}
			if g, w := lines(got), lines(want); !slices.Equal(g, w) {
				t.Errorf("engine raised %d alerts, the naive way %d:\nengine:\n%s\nnaive:\n%s", len(g), len(w), strings.Join(g, "\n"), strings.Join(w, "\n"))
			}
			rules := map[string]bool{}
			for _, a := range want {
				rules[a.Rule.ID] = true
			}
			t.Logf("%d alerts of %d rules", len(want), len(rules))
		})
	}
}

// readPrepared reads the events of path as tailaudit alerts does, prep matching and converting
// each on the decoding goroutine, and hands them to add.
func readPrepared(path string, prep *Preparer, add func(*Event) error) (events.Stats, error) {
	opts := events.Options{Prepare: func(ev *events.Event) any { return prep.Prepare(ev.Doc) }}
	return events.Read([]string{path}, opts, func(ev *events.Event) error {
		p, _ := ev.Prepared.(*Prepared)
		return add(&Event{Time: ev.Time, Doc: ev.Doc, File: ev.File, Line: ev.Line, Pointer: ev.Pointer, Prepared: p})
	})
}

// BenchmarkAlerts judges a generated audit log and a generated flow log (1,000,000 entries each,
// streamed from a file as tailaudit alerts reads them) with every built-in alert rule and a
// 300-device snapshot, reporting events per second in Add and with the decoding (wall time), and
// per second of the process's CPU time (decoding, evaluation and the garbage collector), with and
// without the CPU time of a pass that only decodes the file, and the live heap at the end with the
// stream still held (its alerts are counted, not kept). On the first
// naiveN entries it then times the engine and the naive way (each rule its own query per event)
// one after the other, and reports the naive way's events per second and the engine/naive ratio.
func BenchmarkAlerts(b *testing.B) {
	const total, naiveN = 1_000_000, 20_000
	ctx := context.Background()
	e, err := New(ctx, WithBuiltinRules(policies.FS))
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"audit", "flow"} {
		b.Run(kind, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), kind+".jsonl")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			writeLog(b, f, kind, total)
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			b.Run("engine", func(b *testing.B) {
				// The CPU time of decoding alone, to tell the evaluation's from the total.
				cpu := cpuTime()
				if _, err := events.Read([]string{path}, events.Options{}, func(*events.Event) error { return nil }); err != nil {
					b.Fatal(err)
				}
				decoding := cpuTime() - cpu
				for b.Loop() {
					s, err := e.Alerts(benchInput())
					if err != nil {
						b.Fatal(err)
					}
					var inAdd time.Duration
					alerts, n := 0, 0
					start, cpu := time.Now(), cpuTime()
					_, err = readPrepared(path, s.Preparer(), func(ev *Event) error {
						t0 := time.Now()
						as, err := s.Add(ctx, ev)
						inAdd += time.Since(t0)
						alerts += len(as)
						n++
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(n)/inAdd.Seconds(), "events/s")
					b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s-with-decoding")
					if used := cpuTime() - cpu; used > 0 {
						b.ReportMetric(float64(n)/used.Seconds(), "events/CPU-s-with-decoding")
						if used > decoding {
							b.ReportMetric(float64(n)/(used-decoding).Seconds(), "events/CPU-s")
						}
					}
					b.ReportMetric(float64(alerts), "alerts")
					// What the stream holds at the end (the alerts were not kept): it should not grow
					// with the input.
					var ms runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&ms)
					b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-heap-MB")
					runtime.KeepAlive(s)
				}
			})
			b.Run("naive", func(b *testing.B) {
				evs := generated(b, kind, naiveN)
				for b.Loop() {
					s, err := e.Alerts(benchInput())
					if err != nil {
						b.Fatal(err)
					}
					_, engine := run(b, s, evs)
					naive, err := newNaiveStream(ctx, e, benchInput())
					if err != nil {
						b.Fatal(err)
					}
					_, took := run(b, naive, evs)
					b.ReportMetric(float64(len(evs))/took.Seconds(), "events/s")
					b.ReportMetric(took.Seconds()/engine.Seconds(), "engine/naive")
				}
			})
		})
	}
}
