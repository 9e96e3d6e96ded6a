package sharedcorpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// EnvVar names the environment variable that points at the shared directory when it is not beside
// the checkout.
const EnvVar = "TAILAUDIT_SHARED"

// Dir returns the shared directory: $TAILAUDIT_SHARED when set, otherwise ../shared beside the
// repository root. It reports false when that directory does not exist.
func Dir() (string, bool) {
	dir := os.Getenv(EnvVar)
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", false
		}
		// file is <repo>/internal/sharedcorpus/sharedcorpus.go.
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return dir, false
	}
	return filepath.Clean(dir), true
}

// Require returns the path of rel inside the shared directory, or skips t with a one-line reason
// when the shared directory or rel is absent (as in a fresh clone without ../shared).
func Require(t testing.TB, rel string) string {
	t.Helper()
	dir, ok := Dir()
	if !ok {
		t.Skipf("shared corpus not found at %s (set %s to its location)", dir, EnvVar)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared corpus has no %s (set %s to another location)", rel, EnvVar)
	}
	return p
}
