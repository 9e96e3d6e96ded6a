package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Signature states of a verified pack.
const (
	SignatureValid    = "valid"    // signed, and the signature matches the manifest and the expected key
	SignatureAbsent   = "absent"   // not signed
	SignatureBad      = "bad"      // a signature that does not match
	SignatureMismatch = "mismatch" // signed by another key than the one given to check it
)

// Result is what Verify found. A pack is intact when OK says so.
type Result struct {
	Manifest  *Manifest // nil when the manifest could not be read as one
	Changed   []string  // files whose content differs from the manifest (the manifest too)
	Added     []string  // files in the pack that the manifest does not list
	Removed   []string  // files the manifest lists that are missing
	Signature string
	// Pinned reports that the signature was checked against a key the caller gave, not only the
	// one the manifest names.
	Pinned bool
	Detail string // why the signature or the manifest failed, when it did
}

// OK reports whether every file matches and the signature, when there is one or a key was given,
// is valid.
func (r *Result) OK() bool {
	return len(r.Changed)+len(r.Added)+len(r.Removed) == 0 && r.Manifest != nil &&
		(r.Signature == SignatureValid || r.Signature == SignatureAbsent)
}

// Verify checks the pack in dir against its manifest, SHA256SUMS and signature. With want not nil,
// the pack must be signed by that key. A directory without a manifest is ErrNoManifest; other
// errors are failures to read the directory.
func Verify(dir string, want ed25519.PublicKey) (*Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoManifest
	}
	if err != nil {
		return nil, err
	}
	files, err := list(dir)
	if err != nil {
		return nil, err
	}
	r := &Result{Signature: SignatureAbsent}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Schema != Schema {
		r.Changed = append(r.Changed, ManifestFile)
		r.Detail = fmt.Sprintf("%s is not a %s manifest", ManifestFile, Schema)
		if err != nil {
			r.Detail += ": " + err.Error()
		}
		for _, f := range files {
			r.Added = append(r.Added, f.Path)
		}
		r.checkSignature(dir, data, nil, want)
		return r, nil
	}
	r.Manifest = &m
	compareFiles(r, m.Files, files)
	sumsData, err := os.ReadFile(filepath.Join(dir, SumsFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Removed = append(r.Removed, SumsFile)
	case err != nil:
		return nil, err
	case !bytes.Equal(sumsData, sums(&m, data)):
		// SHA256SUMS holds the manifest's hash, so one of the two changed; which one, only a valid
		// signature can tell (below). Until then both are named.
		r.Changed = append(r.Changed, SumsFile, ManifestFile)
	}
	var pub ed25519.PublicKey
	if m.PublicKey != "" {
		if pub, err = ParsePublicKey([]byte(m.PublicKey)); err != nil {
			r.Changed = append(r.Changed, ManifestFile)
			r.Detail = "the manifest's public key: " + err.Error()
		}
	}
	r.checkSignature(dir, data, pub, want)
	if r.Signature == SignatureValid {
		// the manifest is the one that was signed: what disagrees with it changed
		r.Changed = slices.DeleteFunc(r.Changed, func(f string) bool { return f == ManifestFile })
	}
	slices.Sort(r.Changed)
	r.Changed = slices.Compact(r.Changed)
	slices.Sort(r.Added)
	slices.Sort(r.Removed)
	return r, nil
}

// compareFiles fills the changed, added and removed files of r.
func compareFiles(r *Result, listed, present []File) {
	have := map[string]File{}
	for _, f := range present {
		have[f.Path] = f
	}
	seen := map[string]bool{}
	for _, f := range listed {
		seen[f.Path] = true
		got, ok := have[f.Path]
		switch {
		case !ok:
			r.Removed = append(r.Removed, f.Path)
		case got.SHA256 != f.SHA256 || got.Size != f.Size:
			r.Changed = append(r.Changed, f.Path)
		}
	}
	for _, f := range present {
		if !seen[f.Path] {
			r.Added = append(r.Added, f.Path)
		}
	}
}

// checkSignature sets r.Signature. named is the key the manifest names (nil when none), want the
// key the caller trusts (nil when none given).
func (r *Result) checkSignature(dir string, manifest []byte, named, want ed25519.PublicKey) {
	sigData, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && want == nil && named == nil {
			r.Signature = SignatureAbsent
			return
		}
		r.Signature = SignatureBad
		r.Removed = append(r.Removed, SignatureFile)
		r.Detail = "the pack is not signed (" + SignatureFile + " is missing)"
		if named != nil {
			r.Detail = "the manifest names a signing key but " + SignatureFile + " is missing"
		}
		return
	}
	sig, err := decodeSignature(sigData)
	if err != nil {
		r.Signature = SignatureBad
		r.Changed = append(r.Changed, SignatureFile)
		r.Detail = SignatureFile + ": " + err.Error()
		return
	}
	key := named
	if want != nil {
		r.Pinned = true
		key = want
	}
	if key == nil {
		r.Signature = SignatureBad
		r.Detail = "the pack has a signature but the manifest names no key; pass --key"
		return
	}
	if !ed25519.Verify(key, manifest, sig) {
		r.Signature = SignatureBad
		r.Detail = "the signature does not match " + ManifestFile
		if !slices.Contains(r.Changed, ManifestFile) {
			// The manifest agrees with SHA256SUMS, so the signature is what changed (or both
			// the manifest and SHA256SUMS were rewritten together, which the signature exists to catch).
			r.Changed = append(r.Changed, SignatureFile)
		}
		if want != nil && named != nil && !want.Equal(named) {
			r.Signature = SignatureMismatch
			r.Detail = "the pack was signed by another key than the one given"
		}
		return
	}
	r.Signature = SignatureValid
}
