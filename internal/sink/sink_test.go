package sink

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Secrets the tests plant, to look for afterwards in everything a sink wrote or said.
const (
	testWebhookSecret = "whsec_c2VjcmV0LWtleS1ieXRlcy1mb3ItdGVzdGluZy0xMjM0NQ=="
	testSlackPath     = "/services/T0SECRET/B0SECRET/xoxSECRETpath"
)

func testEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var allSecrets = map[string]string{
	EnvWebhookSecret: testWebhookSecret,
	EnvSplunkToken:   testSplunkToken,
	EnvElasticAPIKey: testElasticKey,
}

func testAlert(n int) finding.Alert {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	dedup := "node-" + string(rune('a'+n%26))
	return finding.Alert{
		Result: finding.AlertResult, ID: finding.AlertID("TA-ALERT-DEVICE-UNAPPROVED", dedup, at),
		Rule:     finding.RuleRef{ID: "TA-ALERT-DEVICE-UNAPPROVED", Title: "A device joined without approval"},
		Severity: finding.High, Message: "device laptop-<" + dedup + "> & co joined without approval",
		Time:   at,
		Actor:  &finding.Actor{ID: "u1", Type: "USER", LoginName: "alice@example.com", DisplayName: "Alice"},
		Target: &finding.Target{ID: "n1", Name: "laptop", Type: "NODE"}, Dedup: dedup,
		Events:  []map[string]any{{"action": "CREATE", "eventTime": at.Format(time.RFC3339)}},
		Runbook: "https://runbooks.example.com/unapproved",
	}
}

func testAlerts(n int) []finding.Alert {
	out := make([]finding.Alert, n)
	for i := range out {
		out[i] = testAlert(i)
	}
	return out
}

// recorder is an httptest handler that keeps every request and answers with answer.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	rec.mu.Unlock()
	rec.answer(w, r, body)
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func serve(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{answer: answer}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return srv, rec
}

func text(status int, body string, header ...string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func mustParse(t testing.TB, spec string, client *http.Client) Sink {
	t.Helper()
	s, err := Parse(spec, testEnv(allSecrets), client, io.Discard)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

// noSecrets fails when any planted secret, or the Slack URL path, shows in s.
func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{testWebhookSecret, strings.TrimPrefix(testWebhookSecret, "whsec_"), testSlackPath, "xoxSECRETpath",
		testSplunkToken, "SPLUNKSECRET", testElasticKey} {
		if strings.Contains(s, sec) {
			t.Errorf("%s shows a secret (%q): %s", what, sec, s)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, spec string
		env        map[string]string
		want       string
	}{
		{"unknown_kind", "pagerduty=https://x", allSecrets, `unknown sink "pagerduty"`},
		{"no_url", "slack", allSecrets, "needs a URL"},
		{"empty_url", "webhook=", allSecrets, "needs a URL"},
		{"not_http", "webhook=ftp://example.com/hook", allSecrets, `scheme "ftp" is not http or https`},
		{"file_url", "slack=file:///etc/passwd", allSecrets, `scheme "file"`},
		{"no_scheme", "slack=hooks.slack.com/services/x", allSecrets, `scheme "" is not http`},
		{"no_host", "webhook=https:///hook", allSecrets, "no host"},
		{"userinfo", "webhook=https://user:pass@example.com/hook", allSecrets, "credentials in the URL are refused"},
		{"stdout_with_url", "stdout=https://example.com", allSecrets, "takes no URL"},
		{"webhook_secret_missing", "webhook=https://example.com/hook", nil, "TAILAUDIT_WEBHOOK_SECRET, which is not set"},
		{"webhook_secret_bad_base64", "webhook=https://example.com/hook", map[string]string{EnvWebhookSecret: "whsec_not*base64"}, "does not decode"},
		{"splunk_token_missing", "splunk=https://hec.example.com:8088", nil, "TAILAUDIT_SPLUNK_TOKEN, which is not set"},
		{"elastic_key_missing", "elasticsearch=https://es.example.com:9200", nil, "TAILAUDIT_ELASTIC_API_KEY, which is not set"},
		{"elastic_unknown_option", "elasticsearch=https://es.example.com:9200?idx=x", allSecrets, `unknown option "idx"`},
		{"elastic_bad_index", "elasticsearch=https://es.example.com:9200?index=Alerts", allSecrets, "not a valid Elasticsearch index name"},
		{"splunk_not_http", "splunk=tcp://hec.example.com:8088", allSecrets, `scheme "tcp"`},
		{"splunk_unknown_option", "splunk=https://hec.example.com:8088?token=abc", allSecrets, `unknown option "token"`},
		{"splunk_bad_ack", "splunk=https://hec.example.com:8088?ack=maybe", allSecrets, `ack="maybe" is not true or false`},
		{"splunk_bad_channel", "splunk=https://hec.example.com:8088?channel=abc", allSecrets, "not a UUID"},
		{"splunk_channel_without_ack", "splunk=https://hec.example.com:8088?ack=false&channel=0f0c5a3e-9b1d-4d3e-8a45-1c2b3d4e5f60", allSecrets, "ack=false turns off"},
		{"webhook_secret_short", "webhook=https://example.com/hook", map[string]string{EnvWebhookSecret: "short"}, "at least 16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.spec, testEnv(tt.env), nil, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) = %v, want an error with %q", tt.spec, err, tt.want)
			}
			noSecrets(t, "the error", err.Error())
			if strings.Contains(err.Error(), "pass") {
				t.Errorf("the error shows the URL's password: %v", err)
			}
		})
	}
}

func TestNameShowsNoSecret(t *testing.T) {
	for _, tt := range []struct{ spec, want string }{
		{"slack=https://hooks.slack.com" + testSlackPath, "slack=https://hooks.slack.com#"},
		{"webhook=https://hooks.example.com:8443/in/abc?token=xyz", "webhook=https://hooks.example.com:8443#"},
		{"stdout", "stdout"},
		{"splunk=https://hec.example.com:8088?ack=true", "splunk=https://hec.example.com:8088"},
		{"splunk=https://splunk.example.com/hec/services/collector/event?index=sec", "splunk=https://splunk.example.com/hec/services/collector/event#index=sec"},
		{"elasticsearch=https://es.example.com:9200/", "elasticsearch=https://es.example.com:9200"},
		{"elasticsearch=https://es.example.com:9200/?index=sec-alerts", "elasticsearch=https://es.example.com:9200#index=sec-alerts"},
	} {
		s := mustParse(t, tt.spec, nil)
		if !strings.HasPrefix(s.Name(), tt.want) || (!strings.HasPrefix(tt.spec, "slack") && !strings.HasPrefix(tt.spec, "webhook") && s.Name() != tt.want) {
			t.Errorf("Name of %q = %q, want it to start with %q", tt.spec, s.Name(), tt.want)
		}
		noSecrets(t, "Name", s.Name())
		if strings.Contains(s.Name(), "xyz") || strings.Contains(s.Name(), "/in/abc") {
			t.Errorf("Name of %q = %q shows the path or query", tt.spec, s.Name())
		}
	}
	for _, pair := range [][2]string{
		{"slack=https://hooks.slack.com/services/A", "slack=https://hooks.slack.com/services/B"},
		{"elasticsearch=https://es.example.com:9200", "elasticsearch=https://es.example.com:9200?index=other"},
		{"elasticsearch=https://es.example.com:9200?index=one", "elasticsearch=https://es.example.com:9200?index=two"},
		{"splunk=https://hec.example.com:8088?index=one", "splunk=https://hec.example.com:8088?index=two"},
	} {
		if a, b := mustParse(t, pair[0], nil), mustParse(t, pair[1], nil); a.Name() == b.Name() {
			t.Errorf("%s and %s share the name %q", pair[0], pair[1], a.Name())
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"Fri, 20 Nov 2026 10:02:00 GMT", 2 * time.Minute},
		{"Fri, 20 Nov 2026 09:00:00 GMT", 0},
		{"99999999999", 24 * time.Hour},
	} {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Retry-After", tt.v)
		}
		if got := retryAfter(h, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestStdoutWritesJSONLines(t *testing.T) {
	var buf bytes.Buffer
	s, err := Parse("stdout", nil, nil, &buf)
	if err != nil {
		t.Fatal(err)
	}
	alerts := testAlerts(3)
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Errorf("alert %d: %v", i, r.Err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), buf.String())
	}
	for i, l := range lines {
		var a finding.Alert
		if err := json.Unmarshal([]byte(l), &a); err != nil || a.ID != alerts[i].ID {
			t.Errorf("line %d = %s (%v), want alert %s", i, l, err, alerts[i].ID)
		}
	}
}

func TestStdoutWriteError(t *testing.T) {
	s, _ := Parse("stdout", nil, nil, failWriter{})
	for _, r := range s.Deliver(context.Background(), testAlerts(2)) {
		if r.Err == nil {
			t.Error("a failed write was acknowledged")
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// failureCases are the answers no HTTP sink may take for an acknowledgement, and what its error
// must say.
func failureCases(secret string) []struct {
	name   string
	answer func(http.ResponseWriter, *http.Request, []byte)
	want   string
	retry  time.Duration
} {
	return []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, []byte)
		want   string
		retry  time.Duration
	}{
		{"server_error", text(503, "upstream unavailable"), "HTTP 503: upstream unavailable", 0},
		{"rate_limited", text(429, "slow down", "Retry-After", "17"), "HTTP 429: slow down", 17 * time.Second},
		{"html_200", text(200, "<!DOCTYPE html><html><body>Sign in to the proxy</body></html>", "Content-Type", "text/html"), "web page", 0},
		{"redirect", text(302, "", "Location", "https://elsewhere.example.com/"), "redirect, which is not followed", 0},
		{"echoes_secret", text(401, "bad secret "+secret+" here"), "HTTP 401: bad secret [redacted]", 0},
	}
}

func checkFailure(t *testing.T, res []Result, n int, want string, retry time.Duration) {
	t.Helper()
	if len(res) != n {
		t.Fatalf("got %d results, want %d", len(res), n)
	}
	for i, r := range res {
		if r.Err == nil {
			t.Fatalf("alert %d acknowledged, want an error with %q", i, want)
		}
		if !strings.Contains(r.Err.Error(), want) {
			t.Errorf("alert %d: error %q, want it to contain %q", i, r.Err, want)
		}
		if r.RetryAfter != retry {
			t.Errorf("alert %d: RetryAfter %v, want %v", i, r.RetryAfter, retry)
		}
		noSecrets(t, "the error", r.Err.Error())
	}
}

// hang answers only once the client gave up, and cancels the client's context as soon as a
// request arrives, so that a timeout is tested without a wall-clock limit.
func hang(cancel context.CancelFunc) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		cancel()
		<-r.Context().Done()
	}
}

func TestSlackDelivers(t *testing.T) {
	srv, rec := serve(t, text(200, "ok"))
	s := mustParse(t, "slack="+srv.URL+testSlackPath, srv.Client())
	if s.MaxBatch() != 1 {
		t.Errorf("MaxBatch = %d, want 1", s.MaxBatch())
	}
	a := testAlert(1)
	res := s.Deliver(context.Background(), []finding.Alert{a})
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("Deliver = %+v, want one acknowledgement", res)
	}
	reqs := rec.requests()
	if len(reqs) != 1 || reqs[0].path != testSlackPath || reqs[0].method != "POST" {
		t.Fatalf("requests = %+v, want one POST to the webhook path", reqs)
	}
	if ct := reqs[0].header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(reqs[0].body, &msg); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, reqs[0].body)
	}
	if !strings.Contains(msg.Text, "[HIGH] TA-ALERT-DEVICE-UNAPPROVED") || len(msg.Blocks) < 3 {
		t.Errorf("message = %s", reqs[0].body)
	}
	body := jsonStrings(t, reqs[0].body)
	for _, want := range []string{"*Severity*", "HIGH", "*Rule*", "A device joined without approval", "laptop-&lt;node-b&gt; &amp; co", "<https://runbooks.example.com/unapproved>", a.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
}

func TestSlackFailures(t *testing.T) {
	cases := failureCases(testSlackPath)
	cases = append(cases[:len(cases):len(cases)],
		struct {
			name   string
			answer func(http.ResponseWriter, *http.Request, []byte)
			want   string
			retry  time.Duration
		}{"error_code", text(404, "no_service"), "HTTP 404: no_service", 0},
		struct {
			name   string
			answer func(http.ResponseWriter, *http.Request, []byte)
			want   string
			retry  time.Duration
		}{"200_not_ok", text(200, "accepted"), `not Slack's "ok"`, 0})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.answer)
			s := mustParse(t, "slack="+srv.URL+testSlackPath, srv.Client())
			checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, tt.want, tt.retry)
		})
	}
}

func TestSlackTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, _ := serve(t, hang(cancel))
	s := mustParse(t, "slack="+srv.URL+testSlackPath, srv.Client())
	res := s.Deliver(ctx, testAlerts(2))
	checkFailure(t, res, 2, "context canceled", 0)
	if !errors.Is(res[0].Err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", res[0].Err)
	}
}

// verifyStandardWebhook checks a delivery as a receiver would, with nothing of the sink's code.
func verifyStandardWebhook(t *testing.T, secret string, h http.Header, body []byte) {
	t.Helper()
	if err := standardWebhookCheck(secret, h, body); err != nil {
		t.Error(err)
	}
}

func standardWebhookCheck(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing Standard Webhooks headers: %v", h)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(sigs) {
		v, b64, _ := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if v == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no signature in %q verifies", sigs)
}

func TestWebhookSigns(t *testing.T) {
	srv, rec := serve(t, text(204, ""))
	s := mustParse(t, "webhook="+srv.URL+"/in/tailaudit?tenant=7", srv.Client())
	s.(*webhook).http.now = func() time.Time { return time.Unix(1700000000, 0) }
	alerts := testAlerts(2)
	for i, r := range s.Deliver(context.Background(), alerts) {
		if r.Err != nil {
			t.Fatalf("alert %d: %v", i, r.Err)
		}
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	for i, r := range reqs {
		if r.path != "/in/tailaudit" || r.query != "tenant=7" {
			t.Errorf("request %d went to %s?%s", i, r.path, r.query)
		}
		if got := r.header.Get("webhook-id"); got != alerts[i].ID {
			t.Errorf("webhook-id %q, want the alert id %q", got, alerts[i].ID)
		}
		if got := r.header.Get("webhook-timestamp"); got != "1700000000" {
			t.Errorf("webhook-timestamp %q, want unix seconds 1700000000", got)
		}
		verifyStandardWebhook(t, testWebhookSecret, r.header, r.body)
		var p struct {
			Type string        `json:"type"`
			Data finding.Alert `json:"data"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.Type != "tailaudit.alert" || p.Data.ID != alerts[i].ID {
			t.Errorf("payload %s (%v)", r.body, err)
		}
		noSecrets(t, "the request", string(r.body)+r.header.Get("webhook-signature"))
	}
	// A tampered body or another key must not verify: the check above can fail.
	tampered := append([]byte(nil), reqs[0].body...)
	tampered[len(tampered)-2] ^= 1
	if standardWebhookCheck(testWebhookSecret, reqs[0].header, tampered) == nil {
		t.Error("a tampered body verified")
	}
	if standardWebhookCheck("whsec_"+base64.StdEncoding.EncodeToString([]byte("another-key-another-key")), reqs[0].header, reqs[0].body) == nil {
		t.Error("another key verified")
	}
}

func TestWebhookRawSecret(t *testing.T) {
	srv, rec := serve(t, text(200, `{"received":true}`))
	raw := "a-plain-secret-of-some-length"
	s, err := Parse("webhook="+srv.URL, testEnv(map[string]string{EnvWebhookSecret: raw}), srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Deliver(context.Background(), testAlerts(1)); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	req := rec.requests()[0]
	mac := hmac.New(sha256.New, []byte(raw))
	mac.Write([]byte(req.header.Get("webhook-id") + "." + req.header.Get("webhook-timestamp") + "."))
	mac.Write(req.body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); req.header.Get("webhook-signature") != want {
		t.Errorf("signature %q, want %q (the raw secret as the key)", req.header.Get("webhook-signature"), want)
	}
}

func TestWebhookFailures(t *testing.T) {
	for _, tt := range failureCases(testWebhookSecret) {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serve(t, tt.answer)
			s := mustParse(t, "webhook="+srv.URL+"/hook", srv.Client())
			checkFailure(t, s.Deliver(context.Background(), testAlerts(1)), 1, tt.want, tt.retry)
		})
	}
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		srv, _ := serve(t, hang(cancel))
		s := mustParse(t, "webhook="+srv.URL+"/hook", srv.Client())
		checkFailure(t, s.Deliver(ctx, testAlerts(1)), 1, "no answer: context canceled", 0)
	})
}

// jsonStrings is every string in a JSON document, decoded, one a line.
func jsonStrings(t *testing.T, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v + "\n")
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

func TestRequests(t *testing.T) {
	b := func(n int) []byte { return make([]byte, n) }
	for _, tt := range []struct {
		name        string
		items       [][]byte
		maxN, maxSz int
		want        [][]int
	}{
		{"empty", nil, 3, 10, nil},
		{"by_count", [][]byte{b(1), b(1), b(1), b(1)}, 3, 10, [][]int{{0, 1, 2}, {3}}},
		{"by_size", [][]byte{b(4), b(4), b(4)}, 10, 9, [][]int{{0, 1}, {2}}},
		{"exact_size", [][]byte{b(5), b(5), b(5)}, 10, 10, [][]int{{0, 1}, {2}}},
		{"too_long_goes_alone", [][]byte{b(2), b(20), b(2)}, 10, 10, [][]int{{0}, {1}, {2}}},
		{"unencoded_left_out", [][]byte{b(1), nil, b(1)}, 10, 10, [][]int{{0, 2}}},
	} {
		got := requests(tt.items, tt.maxN, tt.maxSz)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: requests = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRedirectIsNotFollowed points every HTTP sink at a server that redirects to another, which
// must never hear from the sink (with the alert and the credentials).
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, kind := range []string{"slack", "webhook", "splunk", "elasticsearch"} {
		t.Run(kind, func(t *testing.T) {
			elsewhere, seen := serve(t, text(200, "ok"))
			for _, status := range []int{301, 302, 307, 308} {
				srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					http.Redirect(w, r, elsewhere.URL+r.URL.Path, status)
				})
				s := mustParse(t, kind+"="+srv.URL+"/in", srv.Client())
				checkFailure(t, s.Deliver(context.Background(), testAlerts(2)), 2, "redirect, which is not followed", 0)
			}
			if n := len(seen.requests()); n != 0 {
				t.Errorf("the redirect target got %d requests", n)
			}
		})
	}
}
