package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/spf13/cobra"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/policies"
)

// bundleSource is the flag group of the commands that load rule bundles: --bundle FILE|URL,
// --bundle-key and --bundle-unsigned.
type bundleSource struct {
	Bundles  []string
	Key      string
	Unsigned bool
	Timeout  time.Duration
}

// defaultBundleTimeout is how long fetching one bundle URL may take.
const defaultBundleTimeout = time.Minute

func (b *bundleSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&b.Bundles, "bundle", nil, "load the rules of the OPA bundle `FILE|URL` (repeatable; a URL must be https, and may end in #sha256=HEX to pin it)")
	cmd.Flags().StringVar(&b.Key, "bundle-key", "", "PEM public key `FILE` the bundles' signatures must verify with")
	cmd.Flags().BoolVar(&b.Unsigned, "bundle-unsigned", false, "accept bundles with no signature (a signature present is still checked against --bundle-key)")
	cmd.Flags().DurationVar(&b.Timeout, "bundle-timeout", 0, "stop fetching a bundle URL after `DURATION` (default "+defaultBundleTimeout.String()+")")
}

// options reads, fetches and verifies every bundle and returns the engine options that load them.
// noBuiltin says the built-in rules are not loaded: a bundle may then hold them (rules bundle
// --builtin) and takes their place.
func (b *bundleSource) options(ctx context.Context, s *iostreams, noBuiltin bool) ([]engine.Option, error) {
	if len(b.Bundles) == 0 {
		if b.Key != "" || b.Unsigned {
			return nil, &usageError{errors.New("--bundle-key and --bundle-unsigned need --bundle")}
		}
		return nil, nil
	}
	ro := engine.ReadBundleOptions{Unsigned: b.Unsigned}
	if b.Key != "" {
		key, err := os.ReadFile(b.Key)
		if err != nil {
			return nil, &exitError{Code: 2, Err: fmt.Errorf("read bundle key: %w", err)}
		}
		ro.PublicKey = key
	}
	reserved, err := engine.BuiltinRoots(policies.FS)
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	if !noBuiltin {
		ro.Reserved = reserved
	}
	var opts []engine.Option
	for _, ref := range b.Bundles {
		data, err := b.read(ctx, s, ref, ro.MaxBytes)
		if err != nil {
			return nil, &exitError{Code: 2, Err: err}
		}
		bun, err := engine.ReadBundle(data, ref, ro)
		if err != nil {
			return nil, &exitError{Code: 2, Err: err}
		}
		if !bun.Signed {
			fmt.Fprintf(s.Err, "tailaudit: warning: bundle %s is not signed; its rules are loaded as --bundle-unsigned allows\n", ref)
		}
		if noBuiltin && overlapsAny(bun.Roots, reserved) {
			// A bundle of the built-in rules stands in for them, with their libraries' namespace.
			opts = append(opts, engine.WithBuiltinRules(builtinFS(bun.Files, ref)))
			continue
		}
		opts = append(opts, engine.WithRuleFiles(bun.Files...))
	}
	return opts, nil
}

func overlapsAny(roots, reserved []string) bool {
	for _, r := range roots {
		for _, res := range reserved {
			if r == res || strings.HasPrefix(r, res+"/") || strings.HasPrefix(res, r+"/") || r == "" {
				return true
			}
		}
	}
	return false
}

// builtinFS holds a bundle of the built-in rules as the engine reads policies.FS.
func builtinFS(files []engine.RuleFile, ref string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range files {
		name := strings.TrimPrefix(strings.TrimPrefix(f.Name, ref+":"), "/")
		fsys[strings.TrimPrefix(name, "policies/")] = &fstest.MapFile{Data: []byte(f.Text)}
	}
	return fsys
}

// read returns the bundle at ref: a file, or an https URL fetched (or taken from the cache when it
// pins a digest the cache holds).
func (b *bundleSource) read(ctx context.Context, s *iostreams, ref string, max int64) ([]byte, error) {
	if max <= 0 {
		max = engine.DefaultBundleMaxBytes
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 { // C:\rules.tar.gz is a file
		data, err := readCapped(ref, max)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", ref, err)
		}
		return data, nil
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("bundle %s: only https URLs are fetched", ref)
	}
	pin, _ := strings.CutPrefix(u.Fragment, "sha256=")
	u.Fragment = ""
	cache := bundleCacheDir(s)
	if pin != "" && cache != "" {
		if data, err := os.ReadFile(filepath.Join(cache, pin+".tar.gz")); err == nil && digestOf(data) == pin {
			return data, nil
		}
	}
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = defaultBundleTimeout
	}
	client := &http.Client{
		Transport: s.Transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return fmt.Errorf("redirected to %s, which is not https", req.URL.Redacted())
			}
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", ref, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: fetch: %w", ref, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bundle %s: fetch: %s", ref, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("bundle %s: fetch: %w", ref, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("bundle %s: larger than %d MiB", ref, max>>20)
	}
	sum := digestOf(data)
	if pin != "" && sum != pin {
		return nil, fmt.Errorf("bundle %s: its sha256 is %s, not the %s the URL pins", ref, sum, pin)
	}
	if cache != "" && os.MkdirAll(cache, 0o700) == nil {
		// The cache only saves a fetch: a file that cannot be written costs the next run one.
		_ = os.WriteFile(filepath.Join(cache, sum+".tar.gz"), data, 0o600)
	}
	return data, nil
}

func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d MiB", max>>20)
	}
	return data, nil
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// bundleCacheDir is where fetched bundles are kept by digest: tailaudit/bundles under the user
// cache directory (TAILAUDIT_CACHE_DIR overrides it), or "" when there is none.
func bundleCacheDir(s *iostreams) string {
	if dir := s.env("TAILAUDIT_CACHE_DIR"); dir != "" {
		return filepath.Join(dir, "bundles")
	}
	if s.env("XDG_CACHE_HOME") == "" && s.env("HOME") == "" && s.env("LocalAppData") == "" {
		return "" // no home to cache in (and the tests' empty environment)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "tailaudit", "bundles")
}
