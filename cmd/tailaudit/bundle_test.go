package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRulesBundleArgs(t *testing.T) {
	testParse(t, newRulesBundleCmd, []parseCase[rulesBundleOptions]{
		{"dirs", "rules more -o r.tar.gz", &rulesBundleOptions{Dirs: []string{"rules", "more"}, Output: "r.tar.gz"}},
		{"signed", "rules -o r.tar.gz --sign-key k.pem --sign-alg ES256 --revision abc", &rulesBundleOptions{Dirs: []string{"rules"}, Output: "r.tar.gz", SignKey: "k.pem", SignAlg: "ES256", Revision: "abc"}},
		{"builtin", "--builtin -o b.tar.gz", &rulesBundleOptions{Output: "b.tar.gz", Builtin: true}},
		{"no_output", "rules", nil},
		{"nothing_to_bundle", "-o r.tar.gz", nil},
		{"builtin_and_dirs", "rules --builtin -o r.tar.gz", nil},
	})
}

func TestBundleFlagsArgs(t *testing.T) {
	testParse(t, newCheckCmd, []parseCase[checkOptions]{
		{"bundles", "p.hujson --bundle a.tar.gz --bundle https://example.com/b.tar.gz --bundle-key pub.pem --bundle-unsigned --bundle-timeout 5s",
			&checkOptions{Policy: "p.hujson", Formats: []string{"text"}, FailOn: "high",
				Rules: ruleSource{Bundle: bundleSource{Bundles: []string{"a.tar.gz", "https://example.com/b.tar.gz"}, Key: "pub.pem", Unsigned: true, Timeout: 5 * time.Second}}}},
	})
	testParse(t, newAlertsCmd, []parseCase[alertsOptions]{
		{"bundle", "--events a.jsonl --bundle https://example.com/r.tar.gz#sha256=00 --bundle-key pub.pem", &alertsOptions{Events: []string{"a.jsonl"}, Formats: []string{"text"}, FailOn: "high", StateWait: 30 * time.Second,
			Rules: ruleSource{Bundle: bundleSource{Bundles: []string{"https://example.com/r.tar.gz#sha256=00"}, Key: "pub.pem"}}}},
	})
	testParse(t, newTestCmd, []parseCase[testOptions]{
		{"bundle", "--bundle a.tar.gz --bundle-key pub.pem", &testOptions{Format: "text", Rules: ruleSource{Bundle: bundleSource{Bundles: []string{"a.tar.gz"}, Key: "pub.pem"}}}},
	})
}

// bundleKeys writes an ECDSA key pair into dir and returns the private and public key files.
func bundleKeys(t *testing.T, dir, name string) (private, public string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	private = write(t, dir, name+".pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	public = write(t, dir, name+".pub.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})))
	return private, public
}

// TestBundleEndToEnd scaffolds a rule, bundles and signs it, and loads it in test and check, from
// a file and from an https URL; a changed byte, a missing key or a wrong key is refused.
func TestBundleEndToEnd(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	if _, stderr, code := tailaudit(t, dir, nil, "rules", "new", "ACME-PCI-001", "--namespace", "policy", "--dir", rules); code != 0 {
		t.Fatal(stderr)
	}
	key, pub := bundleKeys(t, dir, "key")
	_, otherPub := bundleKeys(t, dir, "other")
	signed := filepath.Join(dir, "rules.tar.gz")
	if _, stderr, code := tailaudit(t, dir, nil, "rules", "bundle", rules, "-o", signed, "--sign-key", key, "--revision", "r1"); code != 0 {
		t.Fatalf("rules bundle: %s", stderr)
	}
	unsigned := filepath.Join(dir, "unsigned.tar.gz")
	if _, stderr, code := tailaudit(t, dir, nil, "rules", "bundle", rules, "-o", unsigned); code != 0 {
		t.Fatalf("rules bundle: %s", stderr)
	}
	data, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	policy := write(t, dir, "policy.hujson", `{"tagOwners": {"tag:prod": ["autogroup:admin"]}, "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:prod:*"]}]}`)
	builtin := filepath.Join(dir, "builtin.tar.gz")
	if _, stderr, code := tailaudit(t, dir, nil, "rules", "bundle", "--builtin", "-o", builtin, "--sign-key", key); code != 0 {
		t.Fatalf("rules bundle --builtin: %s", stderr)
	}

	for _, tt := range []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stdout or stderr
	}{
		{"test_signed", []string{"test", "--bundle", signed, "--bundle-key", pub}, 0, "PASS: 2/2"},
		{"check_signed", []string{"check", policy, "--bundle", signed, "--bundle-key", pub, "-f", "json"}, 1, `"id":"ACME-PCI-001"`},
		{"no_key", []string{"test", "--bundle", signed}, 2, "give the public key to verify it with (--bundle-key)"},
		{"wrong_key", []string{"test", "--bundle", signed, "--bundle-key", otherPub}, 2, "its signature does not match its files or key"},
		{"unsigned_refused", []string{"test", "--bundle", unsigned, "--bundle-key", pub}, 2, "it is not signed"},
		{"unsigned_allowed", []string{"test", "--bundle", unsigned, "--bundle-unsigned"}, 0, "is not signed; its rules are loaded"},
		{"builtin_bundle_overlaps", []string{"test", "--bundle", builtin, "--bundle-key", pub}, 2, "which the built-in rules hold"},
		{"builtin_bundle_replaces", []string{"check", policy, "--bundle", builtin, "--bundle-key", pub, "--no-builtin", "-f", "json"}, 1, `"id":"TA-ACL-005"`},
		{"not_a_bundle", []string{"test", "--bundle", policy, "--bundle-unsigned"}, 2, "not a gzipped tar file"},
		{"key_without_bundle", []string{"test", "--bundle-key", pub}, 2, "need --bundle"},
		{"http_refused", []string{"test", "--bundle", "http://127.0.0.1:1/rules.tar.gz", "--bundle-key", pub}, 2, "only https URLs are fetched"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tailaudit(t, dir, nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit code %d, want %d, and %q in:\n%s%s", code, tt.wantCode, tt.want, stdout, stderr)
			}
		})
	}

	// One changed byte in the rule, inside the gzipped tar, with the signature kept.
	tampered := filepath.Join(dir, "tampered.tar.gz")
	write(t, dir, "tampered.tar.gz", string(retar(t, data, "tag:prod:", "tag:prod;")))
	if _, stderr, code := tailaudit(t, dir, nil, "test", "--bundle", tampered, "--bundle-key", pub); code != 2 || !strings.Contains(stderr, "its signature does not match") {
		t.Errorf("tampered bundle: exit code %d, stderr %q", code, stderr)
	}

	// Over https: fetched, verified and cached by digest; a redirect to http, a bundle over the
	// size cap and a server that does not answer in time are refused.
	var hits int
	mux := http.NewServeMux()
	mux.HandleFunc("/rules.tar.gz", func(w http.ResponseWriter, r *http.Request) { hits++; w.Write(data) })
	mux.HandleFunc("/to-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.Host+"/rules.tar.gz", http.StatusFound)
	})
	mux.HandleFunc("/huge.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte{0x1f, 0x8b})
		w.Write(bytes.Repeat([]byte{0}, 65<<20))
	})
	stop := make(chan struct{})
	mux.HandleFunc("/hang.tar.gz", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	defer close(stop)
	cache := t.TempDir()
	env := map[string]string{"TAILAUDIT_CACHE_DIR": cache}
	fetch := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		s := &iostreams{In: strings.NewReader(""), Out: &out, Err: &errOut, Dir: dir, Getenv: func(k string) string { return env[k] },
			Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }, Transport: srv.Client().Transport}
		code := run(context.Background(), args, s)
		return out.String() + errOut.String(), code
	}
	pin := digestOf(data)
	for _, tt := range []struct {
		name     string
		url      string
		extra    []string
		wantCode int
		want     string
	}{
		{"https", srv.URL + "/rules.tar.gz", nil, 0, "PASS: 2/2"},
		{"pinned", srv.URL + "/rules.tar.gz#sha256=" + pin, nil, 0, "PASS: 2/2"},
		{"pin_mismatch", srv.URL + "/rules.tar.gz#sha256=" + strings.Repeat("0", 64), nil, 2, "not the " + strings.Repeat("0", 64) + " the URL pins"},
		{"redirect_to_http", srv.URL + "/to-http", nil, 2, "which is not https"},
		{"too_large", srv.URL + "/huge.tar.gz", nil, 2, "larger than 64 MiB"},
		{"timeout", srv.URL + "/hang.tar.gz", []string{"--bundle-timeout", "50ms"}, 2, "Timeout"},
		{"not_found", srv.URL + "/nothere.tar.gz", nil, 2, "404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, code := fetch(append([]string{"test", "--bundle", tt.url, "--bundle-key", pub}, tt.extra...)...)
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("exit code %d, want %d, and %q in:\n%s", code, tt.wantCode, tt.want, out)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(cache, "bundles", pin+".tar.gz")); err != nil {
		t.Errorf("the fetched bundle is not cached by its digest: %v", err)
	}
	before := hits
	if out, code := fetch("test", "--bundle", srv.URL+"/rules.tar.gz#sha256="+pin, "--bundle-key", pub); code != 0 || hits != before {
		t.Errorf("a pinned bundle in the cache was fetched again (%d fetches, exit code %d):\n%s", hits-before, code, out)
	}
}

// retar returns the bundle with the first old in its rule (not test) file replaced by new, the
// signature kept as it was.
func retar(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, ".rego") && !strings.HasSuffix(h.Name, "_test.rego") {
			body = bytes.Replace(body, []byte(old), []byte(new), 1)
		}
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}
