package collect_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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

// outputs is everything a run stored or printed.
type outputs struct {
	snapshot, events, progress, logs, err string
}

// collectAll runs the collector with progress and debug logs captured and writes what it
// collected, as the CLI does.
func collectAll(t *testing.T, opts collect.Options) (*tailnet.Snapshot, *collect.Events, outputs) {
	t.Helper()
	var progress, logs bytes.Buffer
	opts.Progress = &progress
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.EventsSince = 24 * time.Hour
	opts.RequestTimeout = time.Minute // no test here is about timeouts
	snap, events, err := collect.Run(context.Background(), opts)
	out := outputs{progress: progress.String(), logs: logs.String()}
	if err != nil {
		out.err = err.Error()
		return nil, nil, out
	}
	dir := t.TempDir()
	snapPath, eventsPath := filepath.Join(dir, "snap.json"), filepath.Join(dir, "events.jsonl")
	if err := snap.Write(snapPath); err != nil {
		t.Fatal(err)
	}
	if err := events.WriteJSONL(eventsPath); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(snapPath)
	out.snapshot = string(b)
	b, _ = os.ReadFile(eventsPath)
	out.events = string(b)
	for _, e := range events.Errors {
		out.events += "\n" + e.String() + " " + e.Request
	}
	return snap, events, out
}

// leaks reports every output that holds a planted secret or one of the run's credentials.
func (o outputs) leaks(t *testing.T, secrets ...string) {
	t.Helper()
	for name, text := range map[string]string{"snapshot": o.snapshot, "events": o.events, "progress": o.progress, "logs": o.logs, "error": o.err} {
		if m := collecttest.PlantedPattern.FindString(text); m != "" {
			i := strings.Index(text, m)
			t.Errorf("%s holds planted secret %q: …%s…", name, m, text[max(i-80, 0):min(i+40, len(text))])
		}
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s holds credential %q: …%s…", name, s, text[max(i-80, 0):min(i+40, len(text))])
			}
		}
	}
}

var credentials = []string{collecttest.APIKey, collecttest.OAuthClientSecret, collecttest.OAuthToken}

func TestPlantedSecretsNeverLeave(t *testing.T) {
	for _, oauth := range []bool{false, true} {
		t.Run(fmt.Sprintf("oauth=%v", oauth), func(t *testing.T) {
			srv := collecttest.New(t)
			srv.PlantSecrets()
			opts := options(srv, &sleeps{})
			if oauth {
				opts.APIKey, opts.OAuthClientID, opts.OAuthClientSecret = "", collecttest.OAuthClientID, collecttest.OAuthClientSecret
			}
			snap, _, out := collectAll(t, opts)
			if out.err != "" {
				t.Fatalf("Run() error = %s", out.err)
			}
			out.leaks(t, credentials...)
			// The collection is not empty: every endpoint answered, and what is not secret stays.
			if n := len(snap.Raw["devices"].([]any)); n != 3 {
				t.Errorf("%d devices, want 3", n)
			}
			for _, keep := range []string{
				`"nodeKey": "nodekey:9a8b7c6d`, `"machineKey": "mkey:bc1e0c3f`, `"tailnetLockKey": "tlpub:4f0e7d2c`,
				`"X-Team": "kept"`, `"gitURL": "https://ci-bot:[redacted]@git.example.com/infra.git"`,
				`call it with Bearer [redacted] before Friday`, `// deploy key [redacted]`,
			} {
				if !strings.Contains(out.snapshot, keep) {
					t.Errorf("snapshot lacks %s", keep)
				}
			}
			if !strings.Contains(out.events, `"keyType":"auth"`) {
				t.Errorf("audit events lost their non-secret values:\n%.500s", out.events)
			}
			for _, e := range snap.Errors() {
				if e.Status != 0 || e.Request != "" {
					t.Errorf("an endpoint failed: %s", e)
				}
			}
		})
	}
}

func TestEchoedCredentialsNeverLeave(t *testing.T) {
	for _, oauth := range []bool{false, true} {
		t.Run(fmt.Sprintf("oauth=%v", oauth), func(t *testing.T) {
			srv := collecttest.New(t)
			srv.EchoCredentials()
			opts := options(srv, &sleeps{})
			if oauth {
				opts.APIKey, opts.OAuthClientID, opts.OAuthClientSecret = "", collecttest.OAuthClientID, collecttest.OAuthClientSecret
			}
			snap, events, out := collectAll(t, opts)
			if out.err != "" {
				t.Fatalf("Run() error = %s", out.err)
			}
			out.leaks(t, credentials...)
			// Every failure kind was met, so the test shows each is scrubbed.
			statuses := map[int]bool{}
			for _, e := range append(snap.Errors(), events.Errors...) {
				statuses[e.Status] = true
			}
			for _, want := range []int{302, 400, 403, 404, 500} {
				if !statuses[want] {
					t.Errorf("no collection error with status %d; errors: %v", want, snap.Errors())
				}
			}
			if !strings.Contains(out.snapshot, "access_token=[redacted]") {
				t.Errorf("redirect Location not recorded scrubbed:\n%.3000s", out.snapshot)
			}
		})
	}
}

func TestOAuthErrorBodyIsScrubbed(t *testing.T) {
	srv := collecttest.New(t)
	srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) {
		_, secret, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error": "invalid_request", "error_description": "client secret %s is malformed", "client_secret": %q}`, secret, secret)
	})
	opts := options(srv, &sleeps{})
	opts.APIKey, opts.OAuthClientID, opts.OAuthClientSecret = "", collecttest.OAuthClientID, "not-a-tskey-but-a-secret"
	_, _, out := collectAll(t, opts)
	if !strings.Contains(out.err, "rejected the credentials: OAuth token request failed: HTTP 400: invalid_request") {
		t.Errorf("Run() error = %s", out.err)
	}
	out.leaks(t, "not-a-tskey-but-a-secret")
}

// TestOAuthTokenRequest checks that the token request goes through the hardened client.
func TestOAuthTokenRequest(t *testing.T) {
	oauthOptions := func(srv *collecttest.Server, sl *sleeps) collect.Options {
		opts := options(srv, sl)
		opts.APIKey, opts.OAuthClientID, opts.OAuthClientSecret = "", collecttest.OAuthClientID, collecttest.OAuthClientSecret
		return opts
	}
	t.Run("credentials_in_header", func(t *testing.T) {
		srv := collecttest.New(t)
		if _, _, err := collect.Run(context.Background(), oauthOptions(srv, &sleeps{})); err != nil {
			t.Fatal(err)
		}
		for _, r := range srv.Requests() {
			if r.Path != collecttest.TokenPath {
				continue
			}
			if !strings.HasPrefix(r.Authorization, "Basic ") {
				t.Errorf("token request Authorization = %q, want Basic", r.Authorization)
			}
			if strings.Contains(r.Body, "client_secret") || strings.Contains(r.Body, "client_id") {
				t.Errorf("token request body carries the credentials: %s", r.Body)
			}
		}
	})
	t.Run("redirect_refused", func(t *testing.T) {
		var mu sync.Mutex
		var elsewhere []string
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			elsewhere = append(elsewhere, r.Header.Get("Authorization")+" "+r.URL.String())
			mu.Unlock()
		}))
		defer other.Close()
		srv := collecttest.New(t)
		srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		})
		_, _, err := collect.Run(context.Background(), oauthOptions(srv, &sleeps{}))
		if err == nil || !strings.Contains(err.Error(), "HTTP 307: redirected to "+other.URL+"/steal; redirects are not followed") {
			t.Errorf("Run() error = %v", err)
		}
		if err != nil && strings.Contains(err.Error(), "rejected the credentials") {
			t.Errorf("a redirect is reported as rejected credentials: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(elsewhere) != 0 {
			t.Errorf("the redirect was followed: %v", elsewhere)
		}
	})
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprintf("%d_retried", status), func(t *testing.T) {
			srv := collecttest.New(t)
			calls := 0
			srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls == 1 {
					w.Header().Set("Retry-After", "5")
					w.WriteHeader(status)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"access_token": %q, "token_type": "Bearer", "expires_in": 3600}`, collecttest.OAuthToken)
			})
			sl := &sleeps{}
			snap, _, err := collect.Run(context.Background(), oauthOptions(srv, sl))
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Errors()) != 0 {
				t.Errorf("collection errors: %v", snap.Errors())
			}
			if d := cmp.Diff([]time.Duration{5 * time.Second}, sl.d); d != "" {
				t.Errorf("sleeps (-want +got):\n%s", d)
			}
		})
		t.Run(fmt.Sprintf("%d_always", status), func(t *testing.T) {
			srv := collecttest.New(t)
			srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				w.Write([]byte(`{"message": "slow down"}`))
			})
			_, _, err := collect.Run(context.Background(), oauthOptions(srv, &sleeps{}))
			want := fmt.Sprintf("collect: OAuth token request failed: HTTP %d after 3 attempts: slow down", status)
			if err == nil || err.Error() != want {
				t.Errorf("Run() error = %v, want %q", err, want)
			}
		})
	}
	t.Run("hanging_times_out", func(t *testing.T) {
		srv := collecttest.New(t)
		srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		sl := &sleeps{}
		_, _, err := collect.Run(context.Background(), oauthOptions(srv, sl))
		if err == nil || !strings.Contains(err.Error(), "OAuth token request failed after 3 attempts: no complete response within 250ms") {
			t.Errorf("Run() error = %v", err)
		}
	})
	t.Run("hanging_cancelled", func(t *testing.T) {
		srv := collecttest.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		srv.Handle(collecttest.TokenPath, func(w http.ResponseWriter, r *http.Request) {
			cancel() // as SIGINT would, while the request hangs
			<-r.Context().Done()
		})
		opts := oauthOptions(srv, &sleeps{})
		opts.RequestTimeout = time.Hour // only the cancellation can end the request
		_, _, err := collect.Run(ctx, opts)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run() error = %v, want context.Canceled", err)
		}
	})
}

func TestBodyLimits(t *testing.T) {
	endless := func(prefix, item string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(prefix))
			chunk := []byte(strings.Repeat(item, 64<<10/len(item)))
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	for _, tt := range []struct {
		name, path, endpoint string
		maxBody              int64
		handler              http.HandlerFunc
		want                 string
	}{
		{"devices_default_64MiB", collecttest.TailnetPath("devices"), "devices", 0,
			endless(`{"devices": [`, `{"id": "1", "name": "a"},`), "response body larger than 64 MiB"},
		{"settings_default_1MiB", collecttest.TailnetPath("settings"), "settings", 0,
			endless(`{"a": "`, "x"), "response body larger than 1 MiB"},
		{"network_logs_streamed", collecttest.TailnetPath("logging", "network"), collect.EndpointNetworkLogs, 1 << 20,
			endless(`{"logs": [`, `{"nodeId": "n1", "virtualTraffic": []},`), "response body larger than 1 MiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := collecttest.New(t)
			srv.Handle(tt.path, tt.handler)
			sl := &sleeps{}
			opts := options(srv, sl)
			opts.MaxBodyBytes = tt.maxBody
			opts.RequestTimeout = time.Hour // reading 64 MiB on a busy machine may take a while
			opts.EventsSince = time.Hour
			snap, events, err := collect.Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			errs := append(snap.Errors(), events.Errors...)
			if len(errs) != 1 || errs[0].Endpoint != tt.endpoint || !strings.Contains(errs[0].Message, tt.want) {
				t.Fatalf("collection errors = %v, want one for %s: %q", errs, tt.endpoint, tt.want)
			}
			calls := 0
			for _, r := range srv.Requests() {
				if r.Path == tt.path {
					calls++
				}
			}
			if calls != 1 || len(sl.d) != 0 {
				t.Errorf("%d requests and sleeps %v; an over-size body must not be retried", calls, sl.d)
			}
		})
	}
}

func TestBadFieldKeepsCollection(t *testing.T) {
	srv := collecttest.New(t)
	body, err := os.ReadFile(filepath.Join(collecttest.Dir(t), "devices.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The second device's authorized field is a string.
	i := bytes.Index(body, []byte(`"authorized": true`))
	i += bytes.Index(body[i+1:], []byte(`"authorized": true`)) + 1
	bad := append(append(append([]byte(nil), body[:i]...), `"authorized": "yes"`...), body[i+len(`"authorized": true`):]...)
	srv.Handle(collecttest.TailnetPath("devices"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(bad)
	})
	snap, _, err := collect.Run(context.Background(), options(srv, &sleeps{}))
	if err != nil {
		t.Fatalf("Run() error = %v; one bad field lost the whole collection", err)
	}
	want := []tailnet.CollectionError{{Endpoint: "devices", Message: "/devices/1/authorized: must be boolean, got string; kept as the API sent it", Pointer: "/devices/1/authorized"}}
	if d := cmp.Diff(want, snap.Errors()); d != "" {
		t.Errorf("collection errors (-want +got):\n%s", d)
	}
	if got := snap.Raw["devices"].([]any)[1].(map[string]any)["authorized"]; got != "yes" {
		t.Errorf("raw value = %#v, want it kept", got)
	}
	// Only the device at fault is not assessed; the snapshot loads.
	if reason, missing := snap.Missing("devices"); missing {
		t.Errorf("Missing(devices) = %q; one bad device must not hide the others", reason)
	}
	if got := snap.Unassessed("devices"); len(got) != 1 || !strings.Contains(got[1], "/devices/1/authorized") {
		t.Errorf("Unassessed(devices) = %v, want device 1 only", got)
	}
	if err := snap.Validate(); err != nil {
		t.Errorf("Validate() = %v; a snapshot that records its bad value must load", err)
	}
	if _, missing := snap.Missing("users"); missing {
		t.Error("users are missing too")
	}
}

func TestUnreachableFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	dnsFailure := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
	}}
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	untrusted.StartTLS()
	defer untrusted.Close()
	untrustedHost := strings.TrimPrefix(untrusted.URL, "https://")
	for _, tt := range []struct {
		name      string
		baseURL   string
		transport http.RoundTripper
		oauth     bool
		want      string
	}{
		{"untrusted_certificate", untrusted.URL, nil, false, "collect: cannot connect to " + untrustedHost +
			": TLS: x509: certificate signed by unknown authority; check the base URL and the network"},
		{"refused", "http://" + refused, nil, false, "collect: cannot connect to " + refused + ": connection refused; check the base URL and the network"},
		{"refused_token", "http://" + refused, nil, true, "collect: cannot connect to " + refused + ": connection refused; check the base URL and the network"},
		{"dns", "http://api.example.invalid", dnsFailure, false, "collect: cannot resolve api.example.invalid: no such host; check the base URL and the network"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sl := &sleeps{}
			opts := collect.Options{BaseURL: tt.baseURL, APIKey: collecttest.APIKey, Sleep: sl.sleep, MaxAttempts: 4}
			if tt.oauth {
				opts.APIKey, opts.OAuthClientID, opts.OAuthClientSecret = "", collecttest.OAuthClientID, collecttest.OAuthClientSecret
			}
			if tt.transport != nil {
				opts.HTTPClient = &http.Client{Transport: tt.transport}
			}
			_, _, err := collect.Run(context.Background(), opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Run() error = %v, want %q", err, tt.want)
			}
			if len(sl.d) != 0 {
				t.Errorf("retried with sleeps %v; an unreachable server must fail fast", sl.d)
			}
		})
	}
}
