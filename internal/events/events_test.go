package events

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/source"
)

const apiEntry = `{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","actor":{"id":"u1","type":"USER","loginName":"a@example.com","displayName":"A"},"target":{"id":"n1","name":"db","type":"NODE","property":"MACHINE_AUTHORIZED"},"type":"CONFIG","action":"UPDATE","eventTime":"2026-11-17T09:09:11Z","old":false,"new":true}`

const flowEntry = `{"logged":"2026-11-17T10:00:05Z","nodeId":"nA","start":"2026-11-17T10:00:00Z","end":"2026-11-17T10:00:05Z","virtualTraffic":[{"proto":6,"src":"100.64.0.1:5000","dst":"100.64.0.2:22","txPkts":3,"txBytes":180}]}`

func decodeAll(t *testing.T, in string) ([]*Event, error) {
	t.Helper()
	d := NewDecoder(strings.NewReader(in), "in.json")
	var out []*Event
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func docs(evs []*Event) []map[string]any {
	out := make([]map[string]any, len(evs))
	for i, ev := range evs {
		out[i] = ev.Doc
	}
	return out
}

// TestShapesAgree decodes the same entries in every wire shape and expects the same events.
func TestShapesAgree(t *testing.T) {
	want, err := decodeAll(t, apiEntry+"\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, in string }{
		{"api_response", `{"version":"1.1","tailnet":"example.com","logs":[` + apiEntry + `]}`},
		{"api_response_pretty_logs_first", "{\n  \"logs\": [\n    " + apiEntry + "\n  ],\n  \"version\": \"1.1\"\n}\n"},
		{"array", "[" + apiEntry + "]"},
		{"jsonl_crlf_blank_lines", "\r\n\n" + apiEntry + "\r\n\n"},
		{"log_streaming", `{"time":1763370551,"event":` + apiEntry + `,"fields":{"recorded":"2026-11-17T09:09:12Z"}}`},
		{"datadog_flattened", `{"timestamp":"2026-11-17T09:09:12Z","service":"tailscale","attributes":{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","usr.id":"u1","usr.type":"USER","usr.email":"a@example.com","usr.name":"A","target.id":"n1","target.name":"db","target.type":"NODE","target.property":"MACHINE_AUTHORIZED","type":"CONFIG","evt.name":"UPDATE","eventTime":"2026-11-17T09:09:11Z","old":false,"new":true}}`},
		{"datadog_nested", `{"attributes":{"eventGroupID":"g1","origin":"ADMIN_CONSOLE","usr":{"id":"u1","type":"USER","email":"a@example.com","name":"A"},"target":{"id":"n1","name":"db","type":"NODE","property":"MACHINE_AUTHORIZED"},"type":"CONFIG","evt":{"name":"UPDATE"},"eventTime":"2026-11-17T09:09:11Z","old":false,"new":true}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(docs(want), docs(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if len(got) == 1 && (got[0].Kind != Audit || !got[0].Time.Equal(want[0].Time)) {
				t.Errorf("kind %s time %v, want audit %v", got[0].Kind, got[0].Time, want[0].Time)
			}
		})
	}
}

func TestFlowShapes(t *testing.T) {
	want, err := decodeAll(t, flowEntry)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, in string }{
		{"api_response", `{"logs":[` + flowEntry + `]}`},
		{"proto_name", strings.Replace(flowEntry, `"proto":6`, `"proto":"TCP"`, 1)},
		{"proto_numeric_string", strings.Replace(flowEntry, `"proto":6`, `"proto":"6"`, 1)},
		{"log_streaming", `{"time":1,"event":` + flowEntry + `}`},
		{"datadog", `{"timestamp":"2026-11-17T10:00:05Z","attributes":{"service":"logstream-network","host":"nA","start":"2026-11-17T10:00:00Z","end":"2026-11-17T10:00:05Z","virtualTraffic":[{"proto":6,"src":"100.64.0.1:5000","dst":"100.64.0.2:22","txPkts":3,"txBytes":180}]}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(docs(want), docs(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if got[0].Kind != Flow {
				t.Errorf("kind %s, want flow", got[0].Kind)
			}
		})
	}
}

// TestBadInput checks that each problem is an error at its line or pointer, and whether the
// decoder can read on after it.
func TestBadInput(t *testing.T) {
	noTime := strings.Replace(apiEntry, `"eventTime":"2026-11-17T09:09:11Z",`, "", 1)
	badTime := strings.Replace(apiEntry, `2026-11-17T09:09:11Z`, `yesterday`, 1)
	for _, tt := range []struct {
		name, in   string
		want       string // the error text
		readsOn    bool   // the decoder can continue past it
		afterCount int    // entries before the error
	}{
		{"not_json", apiEntry + "\nnot json\n" + apiEntry, "in.json:2: not JSON: invalid character 'o' in literal null (expecting 'u')", true, 1},
		{"missing_event_time", "\n" + noTime, "in.json:2: the entry has no eventTime", true, 0},
		{"bad_time", badTime, `in.json:1: eventTime "yesterday" is not an RFC 3339 time`, true, 0},
		{"unknown_shape", `{"hello":"world"}`, "in.json:1: neither a configuration audit log entry", true, 0},
		{"not_an_object", `[1]`, "in.json:1: /0: an entry must be a JSON object, not a number", true, 0},
		{"bad_entry_in_response", "{\"version\":\"1.1\",\"logs\":[\n" + apiEntry + ",\n" + noTime + "\n]}", "in.json:3: /logs/1: the entry has no eventTime", true, 1},
		{"truncated_response", `{"logs":[` + apiEntry, "in.json:1: not JSON: unexpected end of input", false, 1},
		{"response_without_logs", `{"version":"1.1","tailnet":"x"}`, `in.json:1: the document has no "logs" array`, false, 0},
		{"bad_proto", strings.Replace(flowEntry, `"proto":6`, `"proto":"carrier-pigeon"`, 1), `in.json:1: virtualTraffic[0].proto: unknown protocol "carrier-pigeon"`, true, 0},
		{"two_values_on_a_line", apiEntry + apiEntry, "in.json:1: more than one JSON value on the line", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(tt.in), "in.json")
			n := 0
			var err error
			for {
				var ev *Event
				ev, err = d.Next()
				if err != nil || ev == nil {
					break
				}
				n++
			}
			var se *source.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T), want a *source.Error", err, err)
			}
			if !strings.HasPrefix(se.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", se.Error(), tt.want)
			}
			if n != tt.afterCount {
				t.Errorf("%d entries before the error, want %d", n, tt.afterCount)
			}
			if d.Broken() == tt.readsOn {
				t.Errorf("Broken() = %v, want %v", d.Broken(), !tt.readsOn)
			}
		})
	}
}

func TestUnknownShapeNamesShapes(t *testing.T) {
	_, err := decodeAll(t, `{"hello":"world"}`)
	if err == nil || !strings.Contains(err.Error(), "log-streaming envelope") || !strings.Contains(err.Error(), "Datadog") {
		t.Errorf("error %v does not name the understood shapes", err)
	}
}

func TestReadFilesDirsStdinGzip(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprintln(zw, flowEntry)
	zw.Close()
	write("logs/b.jsonl.gz", gz.Bytes())
	write("logs/a.json", []byte(`{"logs":[`+apiEntry+`]}`))
	write("logs/notes.txt", []byte("not read"))
	single := write("one.jsonl", []byte(apiEntry+"\n"))

	var got []string
	st, err := Read([]string{filepath.Join(dir, "logs"), single, "-"}, Options{Stdin: strings.NewReader(flowEntry)}, func(ev *Event) error {
		got = append(got, fmt.Sprintf("%s %s:%d%s", ev.Kind, filepath.Base(ev.File), ev.Line, ev.Pointer))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"audit a.json:1/logs/0", "flow b.jsonl.gz:1", "audit one.jsonl:1", "flow <stdin>:1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if st.Files != 4 || st.Audit != 2 || st.Flow != 2 {
		t.Errorf("stats %+v, want 4 files, 2 audit, 2 flow", st)
	}
	if _, err := Read([]string{filepath.Join(dir, "missing")}, Options{}, func(*Event) error { return nil }); err == nil {
		t.Error("a missing file is not an error")
	}
	bad := write("bad.jsonl.gz", []byte("plain text"))
	if _, err := Read([]string{bad}, Options{}, func(*Event) error { return nil }); err == nil || !strings.Contains(err.Error(), "not gzip") {
		t.Errorf("a .gz file that is not gzip: %v", err)
	}
}

func TestSkipBad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.jsonl")
	in := apiEntry + "\n{oops\n" + flowEntry + "\n" + `{"action":"CREATE"}` + "\n"
	if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	count := func(*Event) error { n++; return nil }
	if _, err := Read([]string{p}, Options{}, count); err == nil || !strings.Contains(err.Error(), "e.jsonl:2:") {
		t.Fatalf("without SkipBad: %v, want an error at line 2", err)
	}
	n = 0
	st, err := Read([]string{p}, Options{SkipBad: true}, count)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || st.Skipped != 2 || len(st.Errors) != 2 || st.Errors[1].Line != 4 {
		t.Errorf("SkipBad: %d events, stats %+v; want 2 events, 2 skipped (lines 2 and 4)", n, st)
	}
}

// generator writes n audit entries as JSONL, or as one API response, without holding them.
type generator struct {
	n, i     int
	response bool
	buf      bytes.Buffer
	total    int64
}

func (g *generator) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i <= g.n {
		switch {
		case g.i == 0:
			if g.response {
				g.buf.WriteString(`{"version":"1.1","tailnet":"example.com","logs":[` + "\n")
			}
		case g.i == g.n:
			if g.response {
				g.buf.WriteString("]}\n")
			}
		default:
			if g.response && g.i > 1 {
				g.buf.WriteString(",\n")
			}
			fmt.Fprintf(&g.buf, `{"eventGroupID":"%08d","origin":"API","actor":{"id":"u%d","type":"USER","loginName":"u%d@example.com"},"target":{"id":"n%d","type":"NODE"},"type":"CONFIG","action":"CREATE","eventTime":"2026-11-17T09:%02d:%02dZ","new":{"name":"node-%d","tags":["tag:x"]}}`, g.i, g.i%97, g.i%97, g.i, (g.i/60)%60, g.i%60, g.i)
			if !g.response {
				g.buf.WriteByte('\n')
			}
		}
		g.i++
	}
	n, err := g.buf.Read(p)
	g.total += int64(n)
	if err == io.EOF && g.i <= g.n {
		err = nil
	}
	return n, err
}

// TestLargeStreamBounded decodes a large generated stream in both shapes and checks that every
// byte was consumed, every entry seen, and that the decoder's own state never grew with the input.
func TestLargeStreamBounded(t *testing.T) {
	const entries = 150_000 // about 40 MB
	for _, response := range []bool{false, true} {
		t.Run(fmt.Sprintf("response=%v", response), func(t *testing.T) {
			g := &generator{n: entries + 1, response: response}
			d := NewDecoder(g, "gen")
			n, maxRetained := 0, 0
			for {
				ev, err := d.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if ev.Line == 0 {
					t.Fatal("an entry without a line")
				}
				maxRetained = max(maxRetained, d.retained())
			}
			if n != entries {
				t.Errorf("%d entries, want %d", n, entries)
			}
			if g.total < 30<<20 {
				t.Errorf("the generator wrote only %d bytes", g.total)
			}
			if maxRetained > 64<<10 {
				t.Errorf("the decoder retained %d bytes at its peak, want it bounded by 64 KiB whatever the input size", maxRetained)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{apiEntry, flowEntry, `{"logs":[` + apiEntry + `]}`, `[` + flowEntry + `]`, `{"time":1,"event":` + apiEntry + `}`, `{"attributes":{"evt.name":"CREATE","eventTime":"2026-01-01T00:00:00Z"}}`, "\n\n{", `{"version":1,"logs":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data), "fuzz")
		for range 10_000 {
			ev, err := d.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if _, ok := errors.AsType[*source.Error](err); !ok {
					t.Fatalf("error %v is not a *source.Error", err)
				}
				if d.Broken() {
					return
				}
				continue
			}
			if ev.Doc == nil || ev.Time.IsZero() {
				t.Fatalf("an event without a document or a time: %+v", ev)
			}
			if _, err := json.Marshal(ev.Doc); err != nil {
				t.Fatalf("event does not marshal: %v", err)
			}
		}
	})
}

// stepReader serves one line per Read, telling on ahead when it is asked for the line after the
// first: a read made while fn still holds the first entry is the decoding running ahead of fn.
// Its lines should be longer than the decoder's look at the stream's first bytes (4 KiB), which
// would otherwise read on by itself.
type stepReader struct {
	lines []string
	reads int
	ahead chan struct{}
}

func (r *stepReader) Read(p []byte) (int, error) {
	if r.reads == len(r.lines) {
		return 0, io.EOF
	}
	if r.reads == 1 {
		close(r.ahead)
	}
	r.reads++
	return copy(p, r.lines[r.reads-1]), nil
}

// TestReadDecodesAhead checks that Read decodes the next entries while fn judges one (the two run
// on two goroutines), in order, and that an entry is handed on as soon as it is read, without
// waiting for a batch to fill: fn holds the first entry until the stream has been read past it.
// Without the decoding goroutine the read past the first entry would never come and the test
// would hang.
func TestReadDecodesAhead(t *testing.T) {
	r := &stepReader{ahead: make(chan struct{})}
	for i := range 5 {
		r.lines = append(r.lines, strings.Replace(apiEntry, `"g1"`, fmt.Sprintf(`"g%d","pad":"%s"`, i, strings.Repeat("x", 5000)), 1)+"\n")
	}
	var got []string
	_, err := Read([]string{"-"}, Options{Stdin: r}, func(ev *Event) error {
		if len(got) == 0 {
			<-r.ahead
		}
		got = append(got, fmt.Sprintf("%v:%d", ev.Doc["eventGroupID"], ev.Line))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"g0:1", "g1:2", "g2:3", "g3:4", "g4:5"}; !slices.Equal(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
}

// TestReadStopsAtFnError checks that an error from fn stops the read of a file at that entry, with
// nothing delivered after it, and that the read of the next path does not begin.
func TestReadStopsAtFnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.jsonl")
	var b strings.Builder
	for range 1000 {
		b.WriteString(apiEntry + "\n")
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	st, err := Read([]string{p, p}, Options{}, func(*Event) error {
		if n++; n == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 300 || st.Audit != 300 {
		t.Errorf("err %v after %d entries (stats %+v), want fn's error after 300", err, n, st)
	}
}

// TestReadPrepare checks that Options.Prepare runs on the decoding goroutine while fn is behind,
// its result arriving as the entry's Prepared, and that it never sees an entry skipped as bad:
// fn holds the first entry until Prepare has been called, which would never come if Prepare ran
// where fn does, or were not called while entries wait.
func TestReadPrepare(t *testing.T) {
	var b strings.Builder
	b.WriteString("{oops\n")
	for i := range 4 * batchSize {
		if i%2 == 0 {
			b.WriteString(apiEntry + "\n")
		} else {
			b.WriteString(flowEntry + "\n")
		}
	}
	called := make(chan struct{})
	var bad []int
	prepare := func(ev *Event) any {
		if ev.Line == 1 {
			bad = append(bad, ev.Line)
		}
		select {
		case <-called:
		default:
			close(called)
		}
		return fmt.Sprintf("%s:%d", ev.Kind, ev.Line)
	}
	n, prepared := 0, 0
	_, err := Read([]string{"-"}, Options{Stdin: strings.NewReader(b.String()), SkipBad: true, Prepare: prepare}, func(ev *Event) error {
		if n++; n == 1 {
			<-called
		}
		if ev.Prepared == nil {
			return nil
		}
		prepared++
		if p, want := ev.Prepared, fmt.Sprintf("%s:%d", ev.Kind, ev.Line); p != want {
			return fmt.Errorf("line %d: Prepared %v, want %s", ev.Line, p, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4*batchSize || prepared == 0 || len(bad) > 0 {
		t.Errorf("%d entries, %d prepared, Prepare saw bad lines %v; want %d, some prepared, no bad line", n, prepared, bad, 4*batchSize)
	}
}
