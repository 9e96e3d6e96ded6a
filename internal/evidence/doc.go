// Package evidence seals a directory as an evidence pack: a manifest of every file with its SHA-256, a sha256sum-compatible SHA256SUMS, an ed25519 signature, and their verification.
package evidence
