package collect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/collect"
	"github.com/tailaudit/tailaudit/internal/collect/collecttest"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// sleeps records the waits the collector asked for instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func options(srv *collecttest.Server, sl *sleeps) collect.Options {
	return collect.Options{
		BaseURL:        srv.URL,
		Tailnet:        collecttest.Tailnet,
		APIKey:         collecttest.APIKey,
		Clock:          func() time.Time { return now },
		Version:        "v0.0.0-test",
		MaxAttempts:    3,
		RequestTimeout: 250 * time.Millisecond,
		Sleep:          sl.sleep,
	}
}

func TestRunAPIKey(t *testing.T) {
	srv := collecttest.New(t)
	var progress bytes.Buffer
	opts := options(srv, &sleeps{})
	opts.Progress = &progress
	opts.EventsSince = 24 * time.Hour
	snap, events, err := collect.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Errors(); len(errs) != 0 {
		t.Fatalf("collection errors: %v", errs)
	}
	for _, ep := range tailnet.Endpoints() {
		if reason, missing := snap.Missing(ep); missing {
			t.Errorf("Missing(%q) = %q", ep, reason)
		}
	}
	counts := map[string]int{}
	for _, k := range []string{"devices", "users", "keys", "webhooks", "postureIntegrations"} {
		counts[k] = len(snap.Raw[k].([]any))
	}
	wantCounts := map[string]int{"devices": 3, "users": 3, "keys": 4, "webhooks": 1, "postureIntegrations": 1}
	if d := cmp.Diff(wantCounts, counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	// Raw fields survive, including ones the typed client drops or misnames.
	dev := snap.Raw["devices"].([]any)[0].(map[string]any)
	if got := dev["advertisedRoutes"]; !cmp.Equal(got, []any{"10.0.0.0/24", "0.0.0.0/0", "::/0"}) {
		t.Errorf("advertisedRoutes = %v", got)
	}
	if _, ok := dev["multipleConnections"]; !ok {
		t.Error("multipleConnections dropped")
	}
	if got := snap.Raw["settings"].(map[string]any)["devicesKeyDurationDays"]; got != json.Number("180") {
		t.Errorf("devicesKeyDurationDays = %#v, want json.Number", got)
	}
	if text, ok := snap.PolicyHuJSON(); !ok || !strings.HasPrefix(text, "// Example policy") {
		t.Errorf("PolicyHuJSON() = %.40q, %v", text, ok)
	}
	if etag := snap.Raw["policy"].(map[string]any)["etag"]; etag != `"e0b2816b418b3f266309d94426ac7668"` {
		t.Errorf("policy etag = %v", etag)
	}
	ls := snap.Raw["logstream"].(map[string]any)
	if got := ls["network"].(map[string]any)["status"].(map[string]any)["lastError"]; got != "AccessDenied: s3:PutObject" {
		t.Errorf("logstream network lastError = %v", got)
	}
	if got := snap.Raw["dns"].(map[string]any)["splitDNS"].(map[string]any)["corp.example.com"]; !cmp.Equal(got, []any{"10.0.0.53"}) {
		t.Errorf("splitDNS = %v", got)
	}
	if got, want := snap.Raw["collectedAt"], "2026-11-24T12:00:00Z"; got != want {
		t.Errorf("collectedAt = %v, want %v", got, want)
	}

	// Every API request carried the API key as a bearer token; devices asked for all fields.
	for _, r := range srv.Requests() {
		if r.Authorization != "Bearer "+collecttest.APIKey {
			t.Errorf("%s %s: Authorization = %q", r.Method, r.Path, r.Authorization)
		}
		if r.Method != http.MethodGet {
			t.Errorf("collector sent %s %s", r.Method, r.Path)
		}
		switch r.Path {
		case collecttest.TailnetPath("devices"):
			if r.RawQuery != "fields=all" {
				t.Errorf("devices query = %q, want fields=all", r.RawQuery)
			}
		case collecttest.TailnetPath("keys"):
			if r.RawQuery != "all=true" {
				t.Errorf("keys query = %q, want all=true", r.RawQuery)
			}
		case collecttest.TailnetPath("logging", "configuration"), collecttest.TailnetPath("logging", "network"):
			if r.RawQuery != "end=2026-11-24T12%3A00%3A00Z&start=2026-11-23T12%3A00%3A00Z" {
				t.Errorf("%s query = %q", r.Path, r.RawQuery)
			}
		}
	}

	if len(events.Configuration) != 3 || len(events.Network) != 2 || len(events.Errors) != 0 {
		t.Errorf("events: %d configuration, %d network, errors %v; want 3, 2, none",
			len(events.Configuration), len(events.Network), events.Errors)
	}

	dir := t.TempDir()
	snapPath, eventsPath := filepath.Join(dir, "snap.json"), filepath.Join(dir, "events.jsonl")
	if err := snap.Write(snapPath); err != nil {
		t.Fatal(err)
	}
	if err := events.WriteJSONL(eventsPath); err != nil {
		t.Fatal(err)
	}
	if _, err := tailnet.Load(snapPath); err != nil {
		t.Fatalf("written snapshot does not load: %v", err)
	}
	written, _ := os.ReadFile(snapPath)
	jsonl, _ := os.ReadFile(eventsPath)
	if n := bytes.Count(jsonl, []byte("\n")); n != 5 {
		t.Errorf("events.jsonl has %d lines, want 5", n)
	}
	secrets := []string{
		collecttest.APIKey, collecttest.OAuthClientSecret, collecttest.OAuthToken,
		"tskey-auth-", "tskey-webhook-", "Sup3rS3cret", "WebhookSigningSecret", "posture-client-secret-value",
		"splunk-hec-token-9f8e7d6c", "wJalrXUtnFEMI", `"secret":`, `"clientSecret":`, `"token":`,
	}
	if bytes.Contains(written, []byte(`"key":`)) {
		t.Error(`snapshot contains a "key" field`)
	}
	for _, s := range secrets {
		if bytes.Contains(written, []byte(s)) {
			t.Errorf("snapshot contains secret %q", s)
		}
		if bytes.Contains(jsonl, []byte(s)) {
			t.Errorf("events contain secret %q", s)
		}
		if strings.Contains(progress.String(), s) {
			t.Errorf("progress contains secret %q", s)
		}
	}
	for _, want := range []string{"collect: devices: 3 collected", "collect: keys: 4 collected", "collect: networkLogs: 2 collected"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

func TestRunOAuth(t *testing.T) {
	srv := collecttest.New(t)
	opts := options(srv, &sleeps{})
	opts.APIKey = ""
	opts.OAuthClientID, opts.OAuthClientSecret = collecttest.OAuthClientID, collecttest.OAuthClientSecret
	snap, _, err := collect.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if errs := snap.Errors(); len(errs) != 0 {
		t.Fatalf("collection errors: %v", errs)
	}
	var tokenRequests int
	for _, r := range srv.Requests() {
		if r.Path == "/api/v2/oauth/token" {
			tokenRequests++
			continue
		}
		if r.Authorization != "Bearer "+collecttest.OAuthToken {
			t.Errorf("%s: Authorization = %q, want the issued OAuth token", r.Path, r.Authorization)
		}
	}
	if tokenRequests != 1 {
		t.Errorf("%d token requests, want 1 (the token is reused)", tokenRequests)
	}
}

func TestRunBadCredentials(t *testing.T) {
	srv := collecttest.New(t)
	for _, tt := range []struct {
		name string
		set  func(*collect.Options)
		want string
	}{
		{"api_key", func(o *collect.Options) { o.APIKey = "tskey-api-wrong" }, "rejected the credentials"},
		{"oauth", func(o *collect.Options) {
			o.APIKey, o.OAuthClientID, o.OAuthClientSecret = "", collecttest.OAuthClientID, "tskey-client-wrong"
		}, "OAuth token request failed: HTTP 401"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := options(srv, &sleeps{})
			tt.set(&opts)
			_, _, err := collect.Run(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run() error = %v, want %q", err, tt.want)
			}
			for _, secret := range []string{"tskey-api-wrong", "tskey-client-wrong"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q reveals the credential", err)
				}
			}
		})
	}
}

func TestRunFaults(t *testing.T) {
	type want struct {
		endpoint string
		status   int
		msg      string
	}
	json500Once := func() http.HandlerFunc {
		var mu sync.Mutex
		calls := 0
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if n == 1 {
				http.Error(w, `{"message": "internal error"}`, http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`{"devicesApprovalOn": true}`))
		}
	}
	for _, tt := range []struct {
		name       string
		path       string
		handler    http.HandlerFunc
		want       []want // collection errors
		wantSleeps []time.Duration
	}{
		{"keys_403", collecttest.TailnetPath("keys"), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message": "calling actor does not have enough permissions to perform this function"}`))
		}, []want{{"keys", 403, "calling actor does not have enough permissions"}}, nil},
		{"contacts_404", collecttest.TailnetPath("contacts"), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message": "not found"}`))
		}, []want{{"contacts", 404, "not found"}}, nil},
		{"settings_500_then_ok", collecttest.TailnetPath("settings"), json500Once(), nil, []time.Duration{time.Second}},
		{"users_429_retry_after", collecttest.TailnetPath("users"), func() http.HandlerFunc {
			first := true
			return func(w http.ResponseWriter, r *http.Request) {
				if first {
					first = false
					w.Header().Set("Retry-After", "7")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write([]byte(`{"users": []}`))
			}
		}(), nil, []time.Duration{7 * time.Second}},
		{"webhooks_503_always", collecttest.TailnetPath("webhooks"), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"message": "try later"}`))
		}, []want{{"webhooks", 503, "try later"}}, []time.Duration{time.Second, 2 * time.Second}},
		{"devices_slow", collecttest.TailnetPath("devices"), func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, []want{{"devices", 0, "no complete response within 250ms"}}, []time.Duration{time.Second, 2 * time.Second}},
		{"contacts_malformed", collecttest.TailnetPath("contacts"), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"account": {"email": "it@example.com",`))
		}, []want{{"contacts", 200, "malformed JSON"}}, nil},
		{"webhooks_html", collecttest.TailnetPath("webhooks"), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!DOCTYPE html><html><body>Sign in</body></html>"))
		}, []want{{"webhooks", 200, "HTML page"}}, nil},
		{"settings_login_redirect", collecttest.TailnetPath("settings"), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://login.tailscale.com/login?next=%2Fadmin", http.StatusFound)
		}, []want{{"settings", 302, "redirected to https://login.tailscale.com/login"}}, nil},
		{"split_dns_empty", collecttest.TailnetPath("dns", "split-dns"), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		}, []want{{"dns", 200, "empty response body"}}, nil},
		{"policy_html", collecttest.TailnetPath("acl"), func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html><head><title>Tailscale</title></head></html>"))
		}, []want{{"policy", 200, "HTML page"}}, nil},
		{"key_get_403", collecttest.TailnetPath("keys", "kApi3CNTRL"), func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message": "forbidden"}`))
		}, []want{{"keys", 403, "forbidden"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := collecttest.New(t)
			srv.Handle(tt.path, tt.handler)
			sl := &sleeps{}
			snap, _, err := collect.Run(context.Background(), options(srv, sl))
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, e := range snap.Errors() {
				got = append(got, want{e.Endpoint, e.Status, e.Message})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("collection errors = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i].endpoint != tt.want[i].endpoint || got[i].status != tt.want[i].status || !strings.Contains(got[i].msg, tt.want[i].msg) {
					t.Errorf("collection error %d = %+v, want %+v", i, got[i], tt.want[i])
				}
				if _, missing := snap.Missing(tt.want[i].endpoint); !missing {
					t.Errorf("Missing(%q) = false", tt.want[i].endpoint)
				}
			}
			// Everything else was still collected.
			for _, ep := range tailnet.Endpoints() {
				if _, missing := snap.Missing(ep); missing && (len(tt.want) == 0 || ep != tt.want[0].endpoint) {
					t.Errorf("endpoint %q missing too", ep)
				}
			}
			if d := cmp.Diff(tt.wantSleeps, sl.d); d != "" {
				t.Errorf("sleeps (-want +got):\n%s", d)
			}
		})
	}
}

func TestRunCanceled(t *testing.T) {
	srv := collecttest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv.Handle(collecttest.TailnetPath("users"), func(w http.ResponseWriter, r *http.Request) {
		cancel()
		w.Write([]byte(`{"users": []}`))
	})
	_, _, err := collect.Run(ctx, options(srv, &sleeps{}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() error = %v, want context.Canceled", err)
	}
}

func TestRunEverythingFails(t *testing.T) {
	srv := collecttest.New(t)
	opts := options(srv, &sleeps{})
	opts.Tailnet = "other.example"
	_, _, err := collect.Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "every endpoint failed") {
		t.Fatalf("Run() error = %v", err)
	}
}

func TestEventErrorsDoNotFailRun(t *testing.T) {
	srv := collecttest.New(t)
	srv.Handle(collecttest.TailnetPath("logging", "network"), func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"message": "network flow logs are not enabled"}`))
	})
	opts := options(srv, &sleeps{})
	opts.EventsSince = time.Hour
	_, events, err := collect.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []tailnet.CollectionError{{Endpoint: "networkLogs", Status: 403, Message: "network flow logs are not enabled",
		Request: "GET /api/v2/tailnet/example.com/logging/network?end=2026-11-24T12%3A00%3A00Z&start=2026-11-24T11%3A00%3A00Z"}}
	if d := cmp.Diff(want, events.Errors); d != "" {
		t.Errorf("events.Errors (-want +got):\n%s", d)
	}
	if len(events.Configuration) != 3 {
		t.Errorf("%d configuration events, want 3", len(events.Configuration))
	}
}

func TestOptionsFromEnv(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     map[string]string
		want    collect.Options
		wantErr string
	}{
		{"api_key_defaults", map[string]string{"TAILSCALE_API_KEY": "tskey-api-x"},
			collect.Options{APIKey: "tskey-api-x", Tailnet: "-", BaseURL: "https://api.tailscale.com"}, ""},
		{"oauth_and_tailnet", map[string]string{"TAILSCALE_OAUTH_CLIENT_ID": "id", "TAILSCALE_OAUTH_CLIENT_SECRET": "secret",
			"TAILSCALE_TAILNET": "example.com", "TAILSCALE_BASE_URL": "http://localhost:8080"},
			collect.Options{OAuthClientID: "id", OAuthClientSecret: "secret", Tailnet: "example.com", BaseURL: "http://localhost:8080"}, ""},
		{"nothing", map[string]string{}, collect.Options{Tailnet: "-", BaseURL: "https://api.tailscale.com"}, "no Tailscale API credentials"},
		{"half_oauth", map[string]string{"TAILSCALE_OAUTH_CLIENT_ID": "id"},
			collect.Options{OAuthClientID: "id", Tailnet: "-", BaseURL: "https://api.tailscale.com"}, "need both"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect.OptionsFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("OptionsFromEnv() error = %v, want %q", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b func() time.Time) bool { return a == nil && b == nil })); d != "" {
				t.Errorf("OptionsFromEnv() (-want +got):\n%s", d)
			}
		})
	}
}
