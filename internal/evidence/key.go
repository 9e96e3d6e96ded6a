package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// GenerateKey writes a new ed25519 key pair: the private key at path (mode 0600, PKCS#8 PEM) and the
// public key at path+".pub" (PKIX PEM). It refuses to overwrite either file, and leaves neither
// behind when it fails.
func GenerateKey(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{path, path + ".pub"} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("%s already exists; keygen does not overwrite a key", p)
		}
	}
	if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(path+".pub", pubPEM, 0o644); err != nil {
		os.Remove(path)
		return nil, err
	}
	return pub, nil
}

// writeNew creates path, which must not exist, with data and mode.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; keygen does not overwrite a key", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// MarshalPublicKey encodes pub as a PKIX PEM block.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Fingerprint is a short, stable name for a public key: the first 16 hex digits of the SHA-256 of
// its PKIX encoding.
func Fingerprint(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}

// ReadPrivateKey reads an ed25519 private key written by GenerateKey. A key file that others than
// its owner may read is returned with a warning; a file holding anything else is an error.
func ReadPrivateKey(path string) (ed25519.PrivateKey, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read signing key: %w", err)
	}
	var warnings []string
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		warnings = append(warnings, fmt.Sprintf("%s: the private key is readable by others (mode %04o); chmod 600 it", path, fi.Mode().Perm()))
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, warnings, fmt.Errorf("%s: not a PEM file; expected an ed25519 private key from tailaudit keygen", path)
	}
	if block.Type == "PUBLIC KEY" {
		return nil, warnings, fmt.Errorf("%s: a public key; --sign-key takes the private key (the file without .pub)", path)
	}
	if block.Type != "PRIVATE KEY" {
		return nil, warnings, fmt.Errorf("%s: a PEM %q block; expected an ed25519 \"PRIVATE KEY\" (PKCS#8) from tailaudit keygen", path, block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, warnings, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, warnings, fmt.Errorf("%s: a %T; only ed25519 keys sign evidence packs", path, k)
	}
	return priv, warnings, nil
}

// ReadPublicKey reads a PKIX PEM ed25519 public key from path.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// ParsePublicKey decodes a PKIX PEM ed25519 public key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, rest := pem.Decode(data)
	if block == nil || len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("not one PEM block; expected an ed25519 public key from tailaudit keygen")
	}
	if block.Type == "PRIVATE KEY" {
		return nil, errors.New("a private key; --key takes the public key (KEY.pub)")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("a PEM %q block; expected a \"PUBLIC KEY\"", block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T; only ed25519 keys sign evidence packs", k)
	}
	return pub, nil
}

// encodeSignature writes a signature as one line of standard base64.
func encodeSignature(sig []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(sig) + "\n")
}

// decodeSignature reads what encodeSignature wrote, in exactly that form: a second spelling of the
// same bytes (other padding bits, a missing newline) is a changed file, not the same signature.
func decodeSignature(data []byte) ([]byte, error) {
	sig, err := base64.StdEncoding.Strict().DecodeString(string(bytes.TrimSuffix(data, []byte("\n"))))
	if err != nil {
		return nil, fmt.Errorf("not a base64 signature: %w", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%d bytes; an ed25519 signature has %d", len(sig), ed25519.SignatureSize)
	}
	if !bytes.Equal(encodeSignature(sig), data) {
		return nil, errors.New("not in the form tailaudit writes (one line of base64)")
	}
	return sig, nil
}
