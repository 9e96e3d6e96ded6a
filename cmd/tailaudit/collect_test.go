package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/internal/collect/collecttest"
)

// TestCollectThenCheck collects a snapshot from a server speaking the Tailscale API, then checks it.
func TestCollectThenCheck(t *testing.T) {
	srv := collecttest.New(t)
	srv.Handle(collecttest.TailnetPath("keys"), func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message": "calling actor does not have enough permissions to perform this function"}`))
	})
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	env := map[string]string{"TAILSCALE_API_KEY": collecttest.APIKey, "TAILSCALE_BASE_URL": srv.URL, "TAILSCALE_TAILNET": collecttest.Tailnet}
	_, stderr, code := tailaudit(t, dir, env, "collect", "-o", snap, "--events-since", "7d")
	if code != 0 {
		t.Fatalf("collect exit code = %d; stderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "not collected: keys: HTTP 403") {
		t.Errorf("stderr does not warn about the keys 403: %s", stderr)
	}
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), collecttest.APIKey) || strings.Contains(string(b), "tskey-auth-") {
		t.Error("the snapshot contains a secret")
	}
	if _, err := os.Stat(filepath.Join(dir, "snap.events.jsonl")); err != nil {
		t.Errorf("events file not written: %v", err)
	}
	stdout, stderr, code := tailaudit(t, dir, nil, "check", "--snapshot", snap, "-f", "json")
	if code == 2 {
		t.Fatalf("check of the collected snapshot failed: %s", stderr)
	}
	if !strings.Contains(stdout, `"the snapshot could not collect keys: HTTP 403`) {
		t.Errorf("key rules are not reported as not assessed because of the 403:\n%.2000s", stdout)
	}
}

func TestCollectErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no_credentials", nil, []string{"collect", "-o", "x.json"}, "no Tailscale API credentials"},
		{"half_oauth", map[string]string{"TAILSCALE_OAUTH_CLIENT_ID": "k1"}, []string{"collect", "-o", "x.json"}, "OAuth credentials need both"},
		{"no_output", map[string]string{"TAILSCALE_API_KEY": "k"}, []string{"collect"}, "collect needs -o FILE"},
		{"bad_since", map[string]string{"TAILSCALE_API_KEY": "k"}, []string{"collect", "-o", "x.json", "--events-since", "a week"}, "--events-since"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, "", tt.env, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

// collectTTY runs tailaudit with stderr as a terminal, so that progress is printed too.
func collectTTY(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &iostreams{
		In: strings.NewReader(""), Out: &out, Err: &errOut, ErrTTY: true, Dir: t.TempDir(),
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) },
	}
	code = run(context.Background(), args, s)
	return out.String(), errOut.String(), code
}

// TestCollectHostileServer collects from a server that plants secrets in every answer, or echoes
// the credential in every failure, and greps everything written or printed for them.
func TestCollectHostileServer(t *testing.T) {
	credentials := []string{collecttest.APIKey, collecttest.OAuthClientSecret, collecttest.OAuthToken}
	for _, tt := range []struct {
		name  string
		set   func(*collecttest.Server)
		oauth bool
	}{
		{"planted", (*collecttest.Server).PlantSecrets, false},
		{"planted_oauth", (*collecttest.Server).PlantSecrets, true},
		{"echo", (*collecttest.Server).EchoCredentials, false},
		{"echo_oauth", (*collecttest.Server).EchoCredentials, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := collecttest.New(t)
			tt.set(srv)
			env := map[string]string{"TAILSCALE_BASE_URL": srv.URL, "TAILSCALE_TAILNET": collecttest.Tailnet, "TAILSCALE_API_KEY": collecttest.APIKey}
			if tt.oauth {
				env = map[string]string{"TAILSCALE_BASE_URL": srv.URL, "TAILSCALE_TAILNET": collecttest.Tailnet,
					"TAILSCALE_OAUTH_CLIENT_ID": collecttest.OAuthClientID, "TAILSCALE_OAUTH_CLIENT_SECRET": collecttest.OAuthClientSecret}
			}
			dir := t.TempDir()
			snap, events := filepath.Join(dir, "snap.json"), filepath.Join(dir, "events.jsonl")
			stdout, stderr, code := collectTTY(t, env, "--log-level", "debug", "collect", "-o", snap, "--events-since", "7d", "--events-out", events)
			if code != 0 {
				t.Fatalf("collect exit code = %d; stderr:\n%s", code, stderr)
			}
			outputs := map[string]string{"stdout": stdout, "stderr": stderr}
			for _, path := range []string{snap, events} {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				outputs[filepath.Base(path)] = string(b)
			}
			for name, text := range outputs {
				if m := collecttest.PlantedPattern.FindString(text); m != "" {
					t.Errorf("%s holds planted secret %q", name, m)
				}
				for _, c := range credentials {
					if strings.Contains(text, c) {
						t.Errorf("%s holds credential %q", name, c)
					}
				}
			}
			if !strings.Contains(stderr, "tailaudit: debug: ") || !strings.Contains(stderr, "collect: devices: 3 collected") {
				t.Errorf("stderr lacks the debug log or the progress, so the test would prove nothing:\n%s", stderr)
			}
		})
	}
}

func TestCollectUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"TAILSCALE_API_KEY": collecttest.APIKey, "TAILSCALE_BASE_URL": "http://" + addr}
	_, stderr, code := tailaudit(t, "", env, "collect", "-o", "snap.json")
	want := "tailaudit: collect: cannot connect to " + addr + ": connection refused; check the base URL and the network\n"
	if code != 2 || stderr != want {
		t.Errorf("exit code %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}

func TestCollectBadValueWarns(t *testing.T) {
	srv := collecttest.New(t)
	srv.Handle(collecttest.TailnetPath("users"), func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"users": [{"id": "u1", "loginName": "a@example.com", "created": "yesterday"}]}`))
	})
	dir := t.TempDir()
	snap := filepath.Join(dir, "snap.json")
	env := map[string]string{"TAILSCALE_API_KEY": collecttest.APIKey, "TAILSCALE_BASE_URL": srv.URL, "TAILSCALE_TAILNET": collecttest.Tailnet}
	_, stderr, code := tailaudit(t, dir, env, "collect", "-o", snap)
	if code != 0 {
		t.Fatalf("collect exit code = %d; stderr: %s", code, stderr)
	}
	want := "tailaudit: warning: unexpected value: users: /users/0/created: must be an RFC 3339 date-time, got \"yesterday\"; kept as the API sent it\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if b, err := os.ReadFile(snap); err != nil || !strings.Contains(string(b), `"created": "yesterday"`) {
		t.Errorf("snapshot not written with the raw value: %v", err)
	}
}
