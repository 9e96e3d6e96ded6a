package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The files that seal a pack. They are not listed in the manifest: the manifest cannot hold its own
// hash, SHA256SUMS is derived from the manifest, and the signature is over the manifest.
const (
	ManifestFile  = "manifest.json"
	SumsFile      = "SHA256SUMS"
	SignatureFile = "manifest.json.sig"
)

// Schema names the manifest's format; a change that readers must know about gets a new version.
const Schema = "tailaudit.evidence/v1"

// File is one file of a pack: its slash-separated path inside the pack, its SHA-256 and its size.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest describes a pack: what wrote it, from which rules, how and when, and every file in it.
type Manifest struct {
	Schema     string    `json:"schema"`
	Tool       string    `json:"tool"`
	Version    string    `json:"version"`
	RuleBundle string    `json:"ruleBundleSHA256"` // the hash of the loaded rule modules' sources
	Command    []string  `json:"command"`
	Created    time.Time `json:"created"`
	// PublicKey is the PKIX PEM of the key that signed the manifest, when it is signed. It says which
	// key to expect; only a key the verifier already trusts (verify --key) proves who signed.
	PublicKey string `json:"publicKey,omitempty"`
	// Inputs are the files the report was made from, with their hashes, and where each is inside
	// the pack ("" when the pack was written without its inputs).
	Inputs []Input `json:"inputs,omitempty"`
	Files  []File  `json:"files"`
}

// Input is one input file of the report.
type Input struct {
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	InPack string `json:"inPack,omitempty"`
}

// sealing reports whether name, a path inside a pack, is one of the files that seal it.
func sealing(name string) bool {
	return name == ManifestFile || name == SumsFile || name == SignatureFile
}

// HashFile returns the hex SHA-256 and the size of the file at path.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// list walks dir and returns every regular file in it except the sealing files, sorted by path.
// Anything else (a symlink, a device) is an error: a pack holds plain files only.
func list(dir string) ([]File, error) {
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if sealing(rel) {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file; a pack holds plain files only", rel)
		}
		sum, size, err := HashFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: rel, SHA256: sum, Size: size})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// Seal lists every file of dir into m and writes the manifest, SHA256SUMS and, when key is not nil,
// the signature over the manifest. m's Files and PublicKey are filled in here; Schema too when empty.
func Seal(dir string, m Manifest, key ed25519.PrivateKey) (*Manifest, error) {
	files, err := list(dir)
	if err != nil {
		return nil, fmt.Errorf("list pack files: %w", err)
	}
	m.Files = files
	if m.Schema == "" {
		m.Schema = Schema
	}
	m.PublicKey = ""
	if key != nil {
		pub, err := MarshalPublicKey(key.Public().(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		m.PublicKey = string(pub)
	}
	data, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, SumsFile), sums(&m, data), 0o644); err != nil {
		return nil, err
	}
	if key != nil {
		if err := os.WriteFile(filepath.Join(dir, SignatureFile), encodeSignature(ed25519.Sign(key, data)), 0o644); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// sums renders SHA256SUMS as sha256sum writes it (hash, two spaces, path), for every file of the
// manifest and the manifest itself, so that `sha256sum -c SHA256SUMS` checks the whole pack.
func sums(m *Manifest, manifest []byte) []byte {
	var b bytes.Buffer
	for _, f := range m.Files {
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Path)
	}
	sum := sha256.Sum256(manifest)
	fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), ManifestFile)
	return b.Bytes()
}

// ErrNoManifest is returned by Verify for a directory that has no manifest: it is not a pack.
var ErrNoManifest = errors.New("no " + ManifestFile + ": not an evidence pack")
