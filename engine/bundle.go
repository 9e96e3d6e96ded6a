package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
)

// BundleKeyID is the key id tailaudit signs bundles with and verifies them under: OPA's own
// default, so that opa build --verification-key and an OPA server's bundle config verify them
// without naming a key id.
const BundleKeyID = "default"

// BundleOptions are how WriteBundle builds a bundle.
type BundleOptions struct {
	Revision   string // the manifest's revision, such as a commit or a version
	SigningKey []byte // a PEM private key (RSA, or ECDSA on P-256, P-384 or P-521); nil leaves the bundle unsigned
	Algorithm  string // the JWS algorithm; "" picks RS256 for an RSA key and ES256/384/512 for an ECDSA one
}

// WriteBundle writes files as a standard OPA bundle (a gzipped tar with a .manifest naming the
// revision and the roots the packages live under), signed in OPA's bundle signature format
// (.signatures.json) when a signing key is given. Modules are kept as written, METADATA and all.
func WriteBundle(w io.Writer, files []RuleFile, opts BundleOptions) error {
	b := bundle.Bundle{Data: map[string]any{}}
	var roots []string
	for _, f := range files {
		m, err := ast.ParseModuleWithOpts(f.Name, f.Text, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return fmt.Errorf("bundle %s: %w", f.Name, err)
		}
		p := "/" + strings.TrimPrefix(path.Clean("/"+f.Name), "/")
		if slices.ContainsFunc(b.Modules, func(o bundle.ModuleFile) bool { return o.URL == p }) {
			return fmt.Errorf("bundle: two files would both be %s; give the directories different names", p)
		}
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: p, Path: p, Raw: []byte(f.Text), Parsed: m})
		roots = append(roots, packageRoot(m))
	}
	if len(b.Modules) == 0 {
		return errors.New("bundle: no .rego files to put in it")
	}
	b.Manifest.Revision = opts.Revision
	min := minimalRoots(roots)
	b.Manifest.Roots = &min
	b.Manifest.SetRegoVersion(ast.RegoV1)
	if opts.SigningKey != nil {
		alg := opts.Algorithm
		if alg == "" {
			var err error
			if alg, err = keyAlgorithm(opts.SigningKey); err != nil {
				return fmt.Errorf("signing key: %w", err)
			}
		}
		if err := b.GenerateSignature(bundle.NewSigningConfig(string(opts.SigningKey), alg, ""), BundleKeyID, false); err != nil {
			return fmt.Errorf("sign bundle: %w", err)
		}
	}
	return bundle.NewWriter(w).DisableFormat(true).Write(b)
}

// packageRoot is a module's package as a bundle root: data.acme.lib → acme/lib.
func packageRoot(m *ast.Module) string {
	return strings.ReplaceAll(strings.TrimPrefix(m.Package.Path.String(), "data."), ".", "/")
}

// minimalRoots sorts roots and drops each that another contains.
func minimalRoots(roots []string) []string {
	slices.Sort(roots)
	roots = slices.Compact(roots)
	var out []string
	for _, r := range roots {
		if !slices.ContainsFunc(out, func(o string) bool { return rootsOverlap(o, r) }) {
			out = append(out, r)
		}
	}
	return out
}

// rootsOverlap says whether one root contains the other, segment by segment; the empty root
// contains everything.
func rootsOverlap(a, b string) bool {
	return a == "" || b == "" || a == b || strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/")
}

// keyAlgorithm picks the JWS algorithm for a PEM key, private or public, as opa build would need
// it named with --signing-alg.
func keyAlgorithm(pemKey []byte) (string, error) {
	block, _ := pem.Decode(pemKey)
	if block == nil {
		return "", errors.New("not a PEM key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return "", fmt.Errorf("PEM block %q is not an RSA or ECDSA key", block.Type)
	}
	if err != nil {
		return "", err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PrivateKey:
		return ecAlgorithm(k.Curve)
	case *ecdsa.PublicKey:
		return ecAlgorithm(k.Curve)
	}
	return "", fmt.Errorf("a %T key cannot sign bundles here: use RSA or ECDSA", key)
}

func ecAlgorithm(c elliptic.Curve) (string, error) {
	switch c {
	case elliptic.P256():
		return "ES256", nil
	case elliptic.P384():
		return "ES384", nil
	case elliptic.P521():
		return "ES512", nil
	}
	return "", fmt.Errorf("ECDSA curve %s is not one JWS signs with", c.Params().Name)
}

// ReadBundleOptions are how ReadBundle checks a bundle.
type ReadBundleOptions struct {
	PublicKey []byte // PEM public key the signature must verify with
	Unsigned  bool   // accept a bundle with no signature (one that has a signature is still verified when PublicKey is set)
	MaxBytes  int64  // the largest bundle accepted, uncompressed; 0 means DefaultBundleMaxBytes
	// Reserved are roots the bundle may not overlap, such as the built-in rules' packages.
	Reserved []string
}

// DefaultBundleMaxBytes is the largest rule bundle read unless told otherwise: 64 MiB.
const DefaultBundleMaxBytes = 64 << 20

// Bundle is a rule bundle that was read and verified.
type Bundle struct {
	Name     string
	Revision string
	Roots    []string
	Digest   string // sha256:HEX of the bundle file
	Signed   bool   // its signature was verified
	Files    []RuleFile
}

// ReadBundle reads a rule bundle, verifies its signature against opts.PublicKey with OPA's own
// verification, and refuses what tailaudit cannot trust: no signature (unless opts.Unsigned),
// files that do not match it, a file that is not a gzipped tar or has no manifest, roots that
// overlap opts.Reserved. name is how errors and rule locations name the bundle.
func ReadBundle(data []byte, name string, opts ReadBundleOptions) (*Bundle, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return nil, fmt.Errorf("bundle %s: not a gzipped tar file (build one with tailaudit rules bundle)", name)
	}
	if opts.PublicKey == nil && !opts.Unsigned {
		return nil, fmt.Errorf("bundle %s: give the public key to verify it with (--bundle-key), or --bundle-unsigned to load it without checking who built it", name)
	}
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultBundleMaxBytes
	}
	files, err := untar(data, max)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	rawManifest, ok := files["/.manifest"]
	if !ok {
		return nil, fmt.Errorf("bundle %s: no .manifest with its roots (build it with tailaudit rules bundle)", name)
	}
	var manifest bundle.Manifest
	if err := json.Unmarshal(rawManifest, &manifest); err != nil {
		return nil, fmt.Errorf("bundle %s: .manifest: %w", name, err)
	}
	if manifest.Roots == nil {
		return nil, fmt.Errorf("bundle %s: its .manifest names no roots", name)
	}
	signed, err := verifyBundle(files, opts)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, bundleError(err))
	}
	for _, root := range *manifest.Roots {
		for _, res := range opts.Reserved {
			if rootsOverlap(root, res) {
				return nil, fmt.Errorf("bundle %s: root %q overlaps %q, which the built-in rules hold; a bundle of its own rules must use packages of its own (a bundle of the built-in rules loads with --no-builtin)", name, root, res)
			}
		}
	}
	sum := sha256.Sum256(data)
	out := &Bundle{Name: name, Revision: manifest.Revision, Roots: *manifest.Roots, Digest: "sha256:" + hex.EncodeToString(sum[:]), Signed: signed}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(p, ".rego") {
			out.Files = append(out.Files, RuleFile{Name: name + ":" + p, Text: string(files[p])})
		}
	}
	return out, nil
}

// verifyBundle checks the bundle's signature with OPA's bundle verification (the JWT against the
// key, then every file against the JWT's list of SHA-256 hashes, as OPA's bundle reader does) and
// says whether it was signed. Every file must be listed, and every listed file present.
func verifyBundle(files map[string][]byte, opts ReadBundleOptions) (bool, error) {
	rawSig, hasSig := files["/.signatures.json"]
	if opts.PublicKey == nil {
		return false, nil // opts.Unsigned: nothing to check against
	}
	if !hasSig {
		if opts.Unsigned {
			return false, nil
		}
		return false, errors.New("bundle missing .signatures.json file")
	}
	var sc bundle.SignaturesConfig
	if err := json.Unmarshal(rawSig, &sc); err != nil || len(sc.Signatures) == 0 {
		return false, fmt.Errorf(".signatures.json holds no signature (%v)", err)
	}
	alg, err := keyAlgorithm(opts.PublicKey)
	if err != nil {
		return false, fmt.Errorf("bundle key: %w", err)
	}
	// Not keys.NewKeyConfig: it takes a key that is not a file name only if os.Stat says it does
	// not exist, and a PEM key with a long line between slashes makes Stat fail otherwise.
	kc := &keys.Config{Key: string(opts.PublicKey), Algorithm: alg}
	vc := bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{BundleKeyID: kc}, BundleKeyID, "", nil)
	listed, err := bundle.VerifyBundleSignature(sc, vc)
	if err != nil {
		return false, fmt.Errorf("failed to verify the signature: %w", err)
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if p == "/.signatures.json" {
			continue
		}
		if err := bundle.VerifyBundleFile(strings.TrimPrefix(p, "/"), *bytes.NewBuffer(files[p]), listed); err != nil {
			return false, err
		}
	}
	if len(listed) > 0 {
		return false, fmt.Errorf("file(s) %v are in the signature but not in the bundle; not included in bundle signature", slices.Sorted(maps.Keys(listed)))
	}
	return true, nil
}

// untar reads a gzipped tar into memory, path (with a leading /) → contents, refusing more than
// max bytes in all, links, and a path given twice.
func untar(data []byte, max int64) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a gzipped tar file: %w", err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a gzipped tar file: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("%s: only regular files may be in a rule bundle", h.Name)
		}
		p := path.Clean("/" + h.Name)
		if _, dup := files[p]; dup {
			return nil, fmt.Errorf("%s is in the bundle twice", p)
		}
		body, err := io.ReadAll(io.LimitReader(tr, max-total+1))
		if err != nil {
			return nil, fmt.Errorf("not a gzipped tar file: %w", err)
		}
		if total += int64(len(body)); total > max {
			return nil, fmt.Errorf("bundle size exceeds the limit of %d bytes", max)
		}
		files[p] = body
	}
	return files, nil
}

// bundleError rewords OPA's bundle errors where they would puzzle a rule user.
func bundleError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "missing .signatures.json"), strings.Contains(msg, "bundle missing"):
		return fmt.Errorf("it is not signed (%w); sign it with tailaudit rules bundle --sign-key, or pass --bundle-unsigned", err)
	case strings.Contains(msg, "digest mismatch"), strings.Contains(msg, "not included in bundle signature"), strings.Contains(msg, "failed to verify"), strings.Contains(msg, "verification"):
		return fmt.Errorf("its signature does not match its files or key; it may have been changed since it was signed (%w)", err)
	}
	return err
}

// packageLine finds a module's package declaration.
var packageLine = regexp.MustCompile(`(?m)^package\s+([A-Za-z0-9_.]+)`)

// BuiltinRoots are the bundle roots the built-in rules in fsys hold: their libraries' namespace and
// each rule's package. A user bundle may not overlap them.
func BuiltinRoots(fsys fs.FS) ([]string, error) {
	roots := []string{strings.ReplaceAll(reservedLib, ".", "/")}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if m := packageLine.FindSubmatch(b); m != nil && documentFor(string(m[1])) != "" {
			roots = append(roots, strings.ReplaceAll(string(m[1]), ".", "/"))
		}
		return nil
	})
	return minimalRoots(roots), err
}
