package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
)

const bundleRule = `# METADATA
# title: Finance reaches prod
# custom:
#   id: ACME-FIN-001
#   severity: high
package tailaudit.policy.acme_finance

deny contains "finance reaches prod" if {
	some acl in input.policy.acls
	"group:finance" in acl.src
}
`

const bundleRuleTest = `package tailaudit.policy.acme_finance_test

import data.tailaudit.policy.acme_finance

test_fires if count(acme_finance.deny) == 1 with input as {"policy": {"acls": [{"src": ["group:finance"]}]}}

test_silent if count(acme_finance.deny) == 0 with input as {"policy": {"acls": [{"src": ["group:eng"]}]}}
`

var bundleFiles = []RuleFile{{Name: "rules/acme_finance.rego", Text: bundleRule}, {Name: "rules/acme_finance_test.rego", Text: bundleRuleTest}}

// testKeys returns a PEM private key and its PEM public key.
func testKeys(t testing.TB, alg string) (private, public []byte) {
	t.Helper()
	var priv any
	var err error
	if alg == "RS256" {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}

func writeTestBundle(t testing.TB, files []RuleFile, key []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBundle(&buf, files, BundleOptions{Revision: "v1", SigningKey: key}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBundleVerifiedByOPA builds signed bundles and verifies them with OPA's own reader, as an OPA
// server configured with the public key would, and with ReadBundle.
func TestBundleVerifiedByOPA(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := testKeys(t, alg)
			data := writeTestBundle(t, bundleFiles, priv)
			kc := &keys.Config{Key: string(pub), Algorithm: alg}
			vc := bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{"default": kc}, "default", "", nil)
			b, err := bundle.NewReader(bytes.NewReader(data)).WithBundleVerificationConfig(vc).WithProcessAnnotations(true).Read()
			if err != nil {
				t.Fatalf("OPA's verification refused the bundle: %v", err)
			}
			if b.Manifest.Revision != "v1" || strings.Join(*b.Manifest.Roots, " ") != "tailaudit/policy/acme_finance tailaudit/policy/acme_finance_test" {
				t.Errorf("manifest %+v, want revision v1 and the roots of the rule and its test", b.Manifest)
			}
			if len(b.Modules) != 2 || !strings.Contains(string(b.Modules[0].Raw)+string(b.Modules[1].Raw), "#   id: ACME-FIN-001") {
				t.Errorf("modules lost their METADATA: %v", b.Modules)
			}
			got, err := ReadBundle(data, "rules.tar.gz", ReadBundleOptions{PublicKey: pub, Reserved: []string{"tailaudit/lib"}})
			if err != nil {
				t.Fatalf("ReadBundle: %v", err)
			}
			if !got.Signed || len(got.Files) != 2 || got.Files[0].Name != "rules.tar.gz:/rules/acme_finance.rego" {
				t.Errorf("ReadBundle = %+v", got)
			}
			e, err := New(context.Background(), WithRuleFiles(got.Files...))
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := e.Rule("ACME-FIN-001"); !ok || r.Source.File != "rules.tar.gz:/rules/acme_finance.rego" {
				t.Errorf("rule from the bundle: %+v, %v", r, ok)
			}
		})
	}
}

// TestBundleVerifiedByOPACommand runs opa build --verification-key on a bundle tailaudit signed.
func TestBundleVerifiedByOPACommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to run go tool opa")
	}
	dir := t.TempDir()
	for _, alg := range []string{"RS256", "ES256"} {
		priv, pub := testKeys(t, alg)
		data := writeTestBundle(t, bundleFiles, priv)
		b, p, out := filepath.Join(dir, alg+".tar.gz"), filepath.Join(dir, alg+".pem"), filepath.Join(dir, alg+"-out.tar.gz")
		if err := os.WriteFile(b, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, pub, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "tool", "opa", "build", "-b", b, "--verification-key", p, "--signing-alg", alg, "-o", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			if strings.Contains(string(msg), "no such tool") || strings.Contains(string(msg), "dial tcp") {
				t.Skipf("go tool opa is not available offline: %s", msg)
			}
			t.Errorf("%s: opa build refused the bundle: %v\n%s", alg, err, msg)
		}
		// A changed byte: opa refuses it too.
		tampered := tamper(t, data)
		if err := os.WriteFile(b, tampered, 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command("go", "tool", "opa", "build", "-b", b, "--verification-key", p, "--signing-alg", alg, "-o", out).CombinedOutput(); err == nil {
			t.Errorf("%s: opa build accepted a tampered bundle:\n%s", alg, msg)
		}
	}
}

// tamper rewrites the bundle with one byte of the rule changed, keeping the signature.
func tamper(t testing.TB, data []byte) []byte {
	t.Helper()
	return rewriteTar(t, data, func(name string, body []byte) []byte {
		if strings.HasSuffix(name, "acme_finance.rego") {
			return bytes.Replace(body, []byte("group:finance"), []byte("group:financf"), 1)
		}
		return body
	})
}

// rewriteTar returns the bundle with each file passed through edit; a nil result drops the file.
func rewriteTar(t testing.TB, data []byte, edit func(name string, body []byte) []byte) []byte {
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
		var body bytes.Buffer
		if _, err := body.ReadFrom(tr); err != nil {
			t.Fatal(err)
		}
		b := edit(h.Name, body.Bytes())
		if b == nil {
			continue
		}
		h.Size = int64(len(b))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestReadBundleRefuses(t *testing.T) {
	priv, pub := testKeys(t, "ES256")
	_, otherPub := testKeys(t, "ES256")
	signed := writeTestBundle(t, bundleFiles, priv)
	unsigned := writeTestBundle(t, bundleFiles, nil)
	lib := writeTestBundle(t, []RuleFile{{Name: "lib.rego", Text: "package tailaudit.lib.tailnet\n\nx := 1\n"}}, priv)
	wide := writeTestBundle(t, []RuleFile{{Name: "all.rego", Text: "package tailaudit\n\nx := 1\n"}}, priv)
	added := rewriteTar(t, signed, func(name string, body []byte) []byte { return body })
	noManifest := rewriteTar(t, unsigned, func(name string, body []byte) []byte {
		if strings.HasSuffix(name, ".manifest") {
			return nil
		}
		return body
	})
	reserved := []string{"tailaudit/lib", "tailaudit/policy/ssh_root_accept"}
	for _, tt := range []struct {
		name string
		data []byte
		opts ReadBundleOptions
		want string // "" means accepted
	}{
		{"signed", signed, ReadBundleOptions{PublicKey: pub}, ""},
		{"rewritten_unchanged", added, ReadBundleOptions{PublicKey: pub}, ""},
		{"tampered", tamper(t, signed), ReadBundleOptions{PublicKey: pub}, "its signature does not match its files or key"},
		{"tampered_even_if_unsigned_allowed", tamper(t, signed), ReadBundleOptions{PublicKey: pub, Unsigned: true}, "its signature does not match"},
		{"wrong_key", signed, ReadBundleOptions{PublicKey: otherPub}, "its signature does not match its files or key"},
		{"unsigned", unsigned, ReadBundleOptions{PublicKey: pub}, "it is not signed"},
		{"unsigned_allowed", unsigned, ReadBundleOptions{PublicKey: pub, Unsigned: true}, ""},
		{"unsigned_without_key", unsigned, ReadBundleOptions{Unsigned: true}, ""},
		{"no_key", signed, ReadBundleOptions{}, "give the public key to verify it with (--bundle-key)"},
		{"not_gzip", []byte("package x\n"), ReadBundleOptions{Unsigned: true}, "not a gzipped tar file"},
		{"gzip_not_tar", gzipped(t, "hello"), ReadBundleOptions{Unsigned: true}, "bundle b.tar.gz:"},
		{"no_manifest", noManifest, ReadBundleOptions{Unsigned: true}, "no .manifest"},
		{"builtin_library_root", lib, ReadBundleOptions{PublicKey: pub, Reserved: reserved}, `root "tailaudit/lib/tailnet" overlaps "tailaudit/lib"`},
		{"root_over_builtins", wide, ReadBundleOptions{PublicKey: pub, Reserved: reserved}, `root "tailaudit" overlaps`},
		{"too_large", signed, ReadBundleOptions{PublicKey: pub, MaxBytes: 100}, "bundle b.tar.gz:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBundle(tt.data, "b.tar.gz", tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func gzipped(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.Bytes()
}

// manyRules is n generated policy rules, each with its test, as rule files.
func manyRules(n int) []RuleFile {
	var out []RuleFile
	for i := range n {
		pkg := fmt.Sprintf("acme_rule_%03d", i)
		out = append(out,
			RuleFile{Name: fmt.Sprintf("rules/%s.rego", pkg), Text: strings.NewReplacer("acme_finance", pkg, "ACME-FIN-001", fmt.Sprintf("ACME-GEN-%03d", i), "group:finance", fmt.Sprintf("group:team%d", i)).Replace(bundleRule)},
			RuleFile{Name: fmt.Sprintf("rules/%s_test.rego", pkg), Text: strings.NewReplacer("acme_finance", pkg, "group:finance", fmt.Sprintf("group:team%d", i)).Replace(bundleRuleTest)})
	}
	return out
}

// BenchmarkBundleLoad loads 500 rules from a directory, from an unsigned bundle and from a signed
// one (read, verified, compiled), and reports the fastest of each and their ratios: a signature
// should cost under 10%.
func BenchmarkBundleLoad(b *testing.B) {
	files := manyRules(500)
	dir := b.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.Text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	priv, pub := testKeys(b, "ES256")
	unsigned, signed := writeTestBundle(b, files, nil), writeTestBundle(b, files, priv)
	ctx := context.Background()
	load := map[string]func() error{
		"dir": func() error { _, err := New(ctx, WithRuleDirs(filepath.Join(dir, "rules"))); return err },
		"bundle": func() error {
			bun, err := ReadBundle(unsigned, "b", ReadBundleOptions{Unsigned: true})
			if err == nil {
				_, err = New(ctx, WithRuleFiles(bun.Files...))
			}
			return err
		},
		"signed": func() error {
			bun, err := ReadBundle(signed, "b", ReadBundleOptions{PublicKey: pub})
			if err == nil {
				_, err = New(ctx, WithRuleFiles(bun.Files...))
			}
			return err
		},
	}
	spent := map[string]time.Duration{} // the fastest load of each kind: the least disturbed by other work on the machine
	order := []string{"dir", "bundle", "signed"}
	for b.Loop() {
		// Each load starts from a collected heap, and the order turns every round, so that no
		// load pays for the garbage of the one before it.
		order = append(order[1:], order[0])
		for _, name := range order {
			runtime.GC()
			start := time.Now()
			if err := load[name](); err != nil {
				b.Fatal(err)
			}
			if d := time.Since(start); spent[name] == 0 || d < spent[name] {
				spent[name] = d
			}
		}
	}
	b.ReportMetric(float64(spent["dir"].Milliseconds()), "dir-ms")
	b.ReportMetric(float64(spent["bundle"].Milliseconds()), "bundle-ms")
	b.ReportMetric(float64(spent["signed"].Milliseconds()), "signed-ms")
	b.ReportMetric(float64(spent["bundle"])/float64(spent["dir"]), "bundle/dir")
	b.ReportMetric(float64(spent["signed"])/float64(spent["bundle"]), "signed/unsigned")
}

// BenchmarkRulesLint lints the built-in rules, as make lint does.
func BenchmarkRulesLint(b *testing.B) {
	for b.Loop() {
		problems, err := Lint(context.Background(), true, WithBuiltinRules(os.DirFS("../policies")))
		if err != nil || len(problems) > 0 {
			b.Fatalf("lint: %v %v", err, problems)
		}
	}
}
