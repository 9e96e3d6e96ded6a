package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/alertstate"
)

const webhookSecret = "a test secret of at least the length a webhook secret needs"

var demoAudit = filepath.Join("..", "..", "fixtures", "demo", "audit.jsonl")

// receiver is a webhook endpoint that answers 503 to the first fail requests, and can hold a
// request until released. It records the webhook-id (the alert id) of every request and of those
// it acknowledged.
type receiver struct {
	mu       sync.Mutex
	fail     int
	got      []string // every request's id
	acked    []string
	holdAt   int           // the request (1-based) to hold; 0 for none
	held     chan struct{} // closed when that request arrives
	release  chan struct{} // closing it lets the held request answer
	answered int
}

func newReceiver(t *testing.T, fail int) (*receiver, *httptest.Server) {
	r := &receiver{fail: fail, held: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			Data finding.Alert `json:"data"`
		}
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil || body.Data.ID != req.Header.Get("Webhook-Id") {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, body.Data.ID)
		n := len(r.got)
		r.mu.Unlock()
		if n == r.holdAt {
			close(r.held)
			<-r.release
			return // the sender is gone by now
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if n <= r.fail {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		r.acked = append(r.acked, body.Data.ID)
	}))
	t.Cleanup(func() {
		select {
		case <-r.release:
		default:
			close(r.release)
		}
		srv.Close()
	})
	return r, srv
}

func (r *receiver) counts() (got, acked []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got), slices.Clone(r.acked)
}

// clockRun runs tailaudit in process at the given time, with the webhook secret set.
func clockRun(t *testing.T, at time.Time, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return tailauditAt(t, at, map[string]string{"TAILAUDIT_WEBHOOK_SECRET": webhookSecret}, args...)
}

// demoAlertIDs are the ids of the demo week's alerts, from one run on a new state (the baseline of
// the first-seen memory, so the alerts of a run without state).
func demoAlertIDs(t *testing.T) []string {
	t.Helper()
	out, stderr, code := clockRun(t, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC), "alerts", "--events", demoAudit, "-f", "json", "--state", t.TempDir())
	if code != 1 {
		t.Fatalf("alerts exit %d: %s", code, stderr)
	}
	var doc struct{ Alerts []finding.Alert }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range doc.Alerts {
		ids = append(ids, a.ID)
	}
	if len(ids) < 10 {
		t.Fatalf("the demo week raises %d alerts; the tests want more", len(ids))
	}
	return sorted(ids)
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestDeliveryRetriesUntilAcknowledged: a receiver failing the first three deliveries ends with
// every alert delivered; what it saw twice it can recognise by id; a later run over the same
// events delivers nothing new.
func TestDeliveryRetriesUntilAcknowledged(t *testing.T) {
	want := demoAlertIDs(t)
	rec, srv := newReceiver(t, 3)
	state := filepath.Join(t.TempDir(), "state")
	args := []string{"alerts", "--events", demoAudit, "--state", state, "--sink", "webhook=" + srv.URL}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for run := 1; run <= 4; run++ {
		_, stderr, code := clockRun(t, at, args...)
		got, acked := rec.counts()
		switch {
		case run < 4:
			// One attempt a run: the sink is down, the rest waits in the outbox.
			if len(got) != run || len(acked) != 0 || code != map[bool]int{true: 1, false: 0}[run == 1] {
				t.Fatalf("run %d: %d requests, %d acknowledged, exit %d; want %d, 0, exit 1 then 0\n%s", run, len(got), len(acked), code, run, stderr)
			}
			if !strings.Contains(stderr, "delivery attempts failed") || !strings.Contains(stderr, "503") {
				t.Errorf("run %d: stderr does not report the failure:\n%s", run, stderr)
			}
		default:
			if code != 0 || stderr != "" {
				t.Errorf("run 4: exit %d, stderr %q; want 0 and quiet", code, stderr)
			}
		}
		at = at.Add(5 * time.Minute) // past every backoff so far and the Retry-After
	}
	got, acked := rec.counts()
	if d := cmp.Diff(want, sorted(acked)); d != "" {
		t.Errorf("acknowledged alerts (-want +got):\n%s", d)
	}
	// The three failures were all the first alert: a receiver sees its id again, not a new one.
	if len(got) != len(want)+3 || got[0] != got[1] || got[1] != got[2] || got[2] != got[3] {
		t.Errorf("requests %v; want the first alert four times, then the rest once", got)
	}
	_, stderr, code := clockRun(t, at, args...)
	if after, _ := rec.counts(); len(after) != len(got) || code != 0 || stderr != "" {
		t.Errorf("a run over the same events sent %d more, exit %d, stderr %q; want nothing", len(after)-len(got), code, stderr)
	}
}

// TestDeliveryFailingSinkIsReported: after FailingAfter failed attempts a sink is reported on every
// run and the exit code is 2; its alerts stay in the outbox and are delivered once it answers.
func TestDeliveryFailingSinkIsReported(t *testing.T) {
	want := demoAlertIDs(t)
	rec, srv := newReceiver(t, alertstate.FailingAfter)
	state := t.TempDir()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	args := []string{"alerts", "--events", demoAudit, "--state", state, "--sink", "webhook=" + srv.URL, "--fail-on", "critical"}
	var stderr string
	var code int
	for run := 1; run <= alertstate.FailingAfter; run++ {
		_, stderr, code = clockRun(t, at, args...)
		at = at.Add(7 * time.Hour) // past the longest backoff
	}
	if code != 2 || !strings.Contains(stderr, "is failing") || !strings.Contains(stderr, "--status") {
		t.Errorf("after %d failures: exit %d, stderr:\n%s\nwant exit 2 and the sink reported", alertstate.FailingAfter, code, stderr)
	}
	_, stderr, code = clockRun(t, at, "alerts", "--state", state, "--retry-only", "--sink", "webhook="+srv.URL)
	if _, acked := rec.counts(); code != 0 || !cmp.Equal(want, sorted(acked)) {
		t.Errorf("retry-only once the sink answers: exit %d, %d of %d delivered\n%s", code, len(acked), len(want), stderr)
	}
}

// TestDeliveryKilledMidway kills the process while the receiver holds a request, then runs again:
// every alert arrives, the one in flight at most twice.
func TestDeliveryKilledMidway(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	want := demoAlertIDs(t)
	bin := buildTailaudit(t)
	rec, srv := newReceiver(t, 0)
	rec.holdAt = 5
	state := t.TempDir()
	args := []string{"alerts", "--events", abs(t, demoAudit), "--state", state, "--sink", "webhook=" + srv.URL}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TAILAUDIT_WEBHOOK_SECRET="+webhookSecret)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	<-rec.held
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(rec.release)
	if _, acked := rec.counts(); len(acked) != 4 {
		t.Fatalf("%d alerts acknowledged before the kill, want 4", len(acked))
	}
	again := exec.Command(bin, args...)
	again.Env = cmd.Env
	if out, err := again.CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 0 {
			t.Fatalf("rerun: %v\n%s", err, out)
		}
	}
	got, acked := rec.counts()
	if d := cmp.Diff(want, sorted(acked)); d != "" {
		t.Errorf("acknowledged after the rerun (-want +got):\n%s", d)
	}
	if len(got) != len(want)+1 || got[4] != got[5] {
		t.Errorf("requests %v; want the held alert sent again and nothing else twice", got)
	}
}

// buildTailaudit builds the binary into a temporary directory.
func buildTailaudit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tailaudit")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDeliveryConcurrentRuns: two runs at once on one state judge the events once between them;
// a run that cannot get the state in time fails with exit 2, naming it.
func TestDeliveryConcurrentRuns(t *testing.T) {
	want := demoAlertIDs(t)
	rec, srv := newReceiver(t, 0)
	state := t.TempDir()
	args := []string{"alerts", "--events", demoAudit, "--state", state, "--sink", "webhook=" + srv.URL, "--state-wait", "10m"}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Go(func() { _, _, codes[i] = clockRun(t, at, args...) })
	}
	wg.Wait()
	slices.Sort(codes)
	got, _ := rec.counts()
	if d := cmp.Diff(want, sorted(got)); d != "" || !cmp.Equal(codes, []int{0, 1}) {
		t.Errorf("two runs at once: exits %v, want [0 1]; deliveries (-want +got):\n%s", codes, d)
	}

	held, err := alertstate.Open(state, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, stderr, code := clockRun(t, at, "alerts", "--events", demoAudit, "--state", state, "--state-wait", "10ms")
	if code != 2 || !strings.Contains(stderr, state) || !strings.Contains(stderr, "locked by another run") {
		t.Errorf("a run on a locked state: exit %d, stderr %q; want 2 naming %s", code, stderr, state)
	}
}

// TestDeliveryBadState: a damaged state or one that cannot be created stops the run with exit 2,
// saying which, and leaves the file as it was.
func TestDeliveryBadState(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	damaged := t.TempDir()
	junk := bytes.Repeat([]byte("junk"), 5000)
	os.WriteFile(filepath.Join(damaged, alertstate.FileName), junk, 0o600)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, tt := range []struct{ name, dir, want string }{
		{"damaged", damaged, "damaged or not a tailaudit state"},
		{"under_a_file", filepath.Join(file, "state"), "not a directory"},
		{"a_file", file, "not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := clockRun(t, at, "alerts", "--events", demoAudit, "--state", tt.dir)
			if code != 2 || out != "" || !strings.Contains(stderr, tt.dir) || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %d bytes, stderr %q; want 2, nothing, and %q naming the dir", code, len(out), stderr, tt.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(damaged, alertstate.FileName)); !bytes.Equal(data, junk) {
		t.Error("the damaged state file was changed")
	}
}

// TestAlertsStateJudgesOnce: with a state and no sink, a second run over a grown file prints only
// the alerts of the new events: those of one run over the whole file, and the first-seen alerts
// for the console users the first run, the first-seen baseline, did not see.
func TestAlertsStateJudgesOnce(t *testing.T) {
	src, err := os.ReadFile(demoAudit)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	half := len(lines) / 2
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.jsonl")
	os.WriteFile(log, bytes.Join(lines[:half], nil), 0o644)
	state := filepath.Join(dir, "state")
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var firstSeen []string // the messages of TA-ALERT-029, apart
	ids := func(out string) []string {
		var doc struct{ Alerts []finding.Alert }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		var s []string
		for _, a := range doc.Alerts {
			if a.Rule.ID == "TA-ALERT-029" {
				firstSeen = append(firstSeen, a.Message)
				continue
			}
			s = append(s, a.ID)
		}
		return s
	}
	out1, _, _ := clockRun(t, at, "alerts", "--events", log, "--state", state, "-f", "json")
	if len(firstSeen) != 0 {
		t.Errorf("the first run, the first-seen baseline, raised %v", firstSeen)
	}
	os.WriteFile(log, src, 0o644) // the log grew
	out2, _, _ := clockRun(t, at, "alerts", "--events", log, "--state", state, "-f", "json")
	out3, _, code := clockRun(t, at, "alerts", "--events", log, "--state", state, "-f", "json")
	if d := cmp.Diff(demoAlertIDs(t), sorted(append(ids(out1), ids(out2)...))); d != "" {
		t.Errorf("two runs over a growing log (-want +got):\n%s", d)
	}
	wantFirst := []string{
		"lee.kim@acme.example used the admin console for the first time (DELETE on lab-1.tail4f2a.ts.net)",
		"sam.patel@acme.example used the admin console for the first time (CREATE on sam-homelab.tail4f2a.ts.net)",
	}
	if d := cmp.Diff(wantFirst, sorted(firstSeen)); d != "" {
		t.Errorf("first-seen alerts of the second run (-want +got):\n%s", d)
	}
	seen := len(firstSeen)
	if got := ids(out3); len(got) != 0 || len(firstSeen) != seen || code != 0 {
		t.Errorf("a third run: %d alerts, exit %d; want none and 0", len(got), code)
	}
}

// TestAlertsStatusGolden prints a state made through the store's API, at fixed times.
func TestAlertsStatusGolden(t *testing.T) {
	state := t.TempDir()
	st, err := alertstate.Open(state, time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var c1, c2 alertstate.Cursor
	c1.Advance(t0.Add(-time.Hour), "d1")
	c1.Advance(t0.Add(-time.Hour), "d2")
	c2.Advance(t0.Add(-2*time.Hour), "d3")
	c1.Late = 3
	c1.Files = map[string]alertstate.FileMark{
		"/var/log/tailscale/audit.jsonl":      {Size: 48213, ModTime: t0.Add(-30 * time.Minute), SHA256: "ab", Lines: 97, Resume: true},
		"/var/log/tailscale/audit-1.jsonl.gz": {Size: 9120, ModTime: t0.Add(-25 * time.Hour), SHA256: "cd", Lines: 310},
	}
	mk := func(id, rule string, sev finding.Severity, at time.Time) finding.Alert {
		return finding.Alert{Result: finding.AlertResult, ID: "sha256:" + id, Rule: finding.RuleRef{ID: rule}, Severity: sev, Message: "m", Time: at}
	}
	alerts := []finding.Alert{
		mk("1111", "TA-ALERT-009", finding.Critical, t0.Add(-3*time.Hour)),
		mk("2222", "TA-ALERT-022", finding.Medium, t0.Add(-2*time.Hour)),
	}
	stage := st.Stage(t0, []string{"slack=https://hooks.slack.com#0a1b2c3d", "splunk=https://hec.example.com:8088"}, nil)
	for _, a := range alerts {
		if err := stage.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Commit(alertstate.Run{Now: t0, Stage: stage,
		Cursors:    map[string]alertstate.Cursor{"/var/log/tailscale/audit.jsonl": c1, "-": c2},
		Suppressed: []alertstate.Suppression{{Rule: "TA-ALERT-012", Dedup: "TA-ALERT-012|eve@acme.example", Until: t0.Add(time.Hour)}},
		Actors:     []string{"eve@acme.example", "tom@acme.example"},
		History:    []alertstate.Event{{Time: t0.Add(-time.Minute), Doc: map[string]any{"action": "DELETE"}}},
	}); err != nil {
		t.Fatal(err)
	}
	due, _ := st.Due("splunk=https://hec.example.com:8088", t0, nil, 1)
	if err := st.Settle(due, []alertstate.Outcome{{Err: fmt.Errorf("splunk=https://hec.example.com:8088: HEC code 9: server is busy"), RetryAfter: time.Minute}}, t0); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, format := range []string{"text", "json"} {
		out, stderr, code := clockRun(t, t0, "alerts", "--state", state, "--status", "-f", format)
		if code != 0 {
			t.Fatalf("--status -f %s: exit %d\n%s", format, code, stderr)
		}
		golden(t, "alerts_status_"+format, strings.ReplaceAll(out, state, "%STATE%"))
	}
}

// esIndex is an Elasticsearch _bulk endpoint that rejects, once each, the documents reject says
// no to (429, as a full write queue does), and keeps one copy of every document by _id: a repeat
// is a 409, as with the create action.
type esIndex struct {
	mu       sync.Mutex
	reject   func(id string, n int) bool // n: how many times the id was sent before
	sent     map[string]int
	docs     map[string]bool
	requests int
}

func newESIndex(t *testing.T, reject func(id string, n int) bool) (*esIndex, *httptest.Server) {
	ix := &esIndex{reject: reject, sent: map[string]int{}, docs: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_bulk" || r.Header.Get("Authorization") != "ApiKey es-key" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		ix.mu.Lock()
		defer ix.mu.Unlock()
		ix.requests++
		var items []string
		errs := false
		dec := json.NewDecoder(r.Body)
		for dec.More() {
			var action struct {
				Create struct {
					ID string `json:"_id"`
				} `json:"create"`
			}
			var doc map[string]any
			if dec.Decode(&action) != nil || dec.Decode(&doc) != nil {
				http.Error(w, "bad ndjson", http.StatusBadRequest)
				return
			}
			id := action.Create.ID
			n := ix.sent[id]
			ix.sent[id]++
			switch {
			case ix.reject(id, n):
				errs = true
				items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}`, id))
			case ix.docs[id]:
				items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists"}}}`, id))
			default:
				ix.docs[id] = true
				items = append(items, fmt.Sprintf(`{"create":{"_id":%q,"status":201}}`, id))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"took":3,"errors":%v,"items":[%s]}`, errs, strings.Join(items, ","))
	}))
	t.Cleanup(srv.Close)
	return ix, srv
}

// TestDeliveryBulkPartialFailure: when a bulk reply fails some items, only those stay in the
// outbox; the next run sends only them, and the index ends with every alert once.
func TestDeliveryBulkPartialFailure(t *testing.T) {
	want := demoAlertIDs(t)
	rejected := map[string]bool{want[0]: true, want[3]: true, want[7]: true}
	ix, srv := newESIndex(t, func(id string, n int) bool { return n == 0 && rejected[id] })
	state := t.TempDir()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	env := map[string]string{"TAILAUDIT_ELASTIC_API_KEY": "es-key"}
	args := []string{"alerts", "--events", demoAudit, "--state", state, "--sink", "elasticsearch=" + srv.URL, "--fail-on", "critical"}
	if _, stderr, code := tailauditAt(t, at, env, args...); code != 1 || !strings.Contains(stderr, "3 delivery attempts failed") || strings.Contains(stderr, "es-key") {
		t.Errorf("first run: exit %d, stderr %q; want 1, the three rejections reported, no key", code, stderr)
	}
	out, _, _ := tailauditAt(t, at, env, "alerts", "--state", state, "--status", "-f", "json")
	var st alertStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	var waiting []string
	for _, it := range st.Outbox[0].Items {
		waiting = append(waiting, it.ID)
	}
	if d := cmp.Diff(sorted([]string{want[0], want[3], want[7]}), sorted(waiting)); d != "" || strings.Contains(out, "es-key") {
		t.Errorf("outbox after a partial bulk failure (-want +got):\n%s", d)
	}
	if _, stderr, code := tailauditAt(t, at.Add(time.Minute), env, args...); code != 0 || stderr != "" {
		t.Errorf("second run: exit %d, stderr %q", code, stderr)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(ix.docs) != len(want) || ix.requests != 2 {
		t.Errorf("the index holds %d documents after %d requests; want %d after 2", len(ix.docs), ix.requests, len(want))
	}
	for id, n := range ix.sent {
		if n != 1+map[bool]int{true: 1}[rejected[id]] {
			t.Errorf("alert %s sent %d times", id, n)
		}
	}
}

// TestDeliveryBadSink: a sink that cannot be used stops the run before the state is touched.
func TestDeliveryBadSink(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ name, spec, want string }{
		{"missing_secret", "webhook=https://soc.example.com/hook", "TAILAUDIT_WEBHOOK_SECRET"},
		{"missing_token", "splunk=https://hec.example.com:8088", "TAILAUDIT_SPLUNK_TOKEN"},
		{"not_http", "elasticsearch=ftp://es.example.com", "not http or https"},
		{"unknown", "pagerduty=https://x", "unknown sink"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			_, stderr, code := tailauditAt(t, at, nil, "alerts", "--events", demoAudit, "--state", state, "--sink", tt.spec)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			if _, err := os.Stat(state); err == nil {
				t.Error("the state was created by a run that could not deliver")
			}
		})
	}
}

// tailauditAt runs tailaudit in process at a given time with env.
func tailauditAt(t *testing.T, at time.Time, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &iostreams{In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: t.TempDir(),
		Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return at }}
	code = run(context.Background(), args, s)
	return out.String(), errOut.String(), code
}
