package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
