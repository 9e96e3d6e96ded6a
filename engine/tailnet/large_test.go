package tailnet_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// writeLargeSnapshot writes a snapshot of at least size bytes of realistic devices, streaming so
// that generating it does not itself raise the process's peak memory.
func writeLargeSnapshot(tb testing.TB, path string, size int64) int {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, `{"schemaVersion": "tailaudit.snapshot/v1", "tailnet": "example.com", "collectedAt": "2026-11-24T12:00:00Z",`+
		`"settings": {"devicesApprovalOn": true}, "devices": [`)
	var written int64
	n := 0
	for ; written < size; n++ {
		if n > 0 {
			w.WriteString(",\n")
		}
		k, _ := fmt.Fprintf(w, `{"id": "%d", "nodeId": "n%dCNTRL", "name": "host-%d.tail1234.ts.net", "hostname": "host-%d",`+
			`"addresses": ["100.%d.%d.%d", "fd7a:115c:a1e0::%x"], "user": "user%d@example.com", "tags": ["tag:prod", "tag:web"],`+
			`"authorized": true, "keyExpiryDisabled": false, "blocksIncomingConnections": false, "isExternal": false,`+
			`"created": "2026-01-10T09:12:00Z", "expires": "2027-01-10T09:12:00Z", "lastSeen": "2026-11-24T11:58:01.123Z",`+
			`"os": "linux", "clientVersion": "1.78.1-t1234567-gabcdef", "updateAvailable": false, "multipleConnections": false,`+
			`"tailnetLockError": "", "advertisedRoutes": ["10.%d.0.0/24"], "enabledRoutes": [],`+
			`"postureIdentity": {"serialNumbers": ["C02XK%06dJ"]},`+
			`"clientConnectivity": {"endpoints": ["198.51.100.7:41641", "10.0.0.5:41641"], "mappingVariesByDestIP": false,`+
			`"latency": {"Frankfurt": {"latencyMs": 12.5, "preferred": true}, "London": {"latencyMs": 20.1}},`+
			`"clientSupports": {"hairPinning": false, "ipv6": true, "pcp": false, "pmp": false, "udp": true, "upnp": false}}}`,
			92960230385+n, n, n, n, 64+n%64, n/256%256, n%256, n, n%5000, n%256, n)
		written += int64(k)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// peakRSS returns the process's peak resident set size in bytes, from /proc (Linux only).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// largeTestsEnv turns on, when set to 1, the tests that generate inputs of hundreds of megabytes.
// make test leaves them out; make test-large and .ci/run run them.
const largeTestsEnv = "TAILAUDIT_LARGE_TESTS"

// TestLoadLarge loads a generated 200 MB snapshot and reports time and memory. It asserts only
// that memory stays within a generous multiple of the file size (no quadratic or copy-the-world
// behaviour); the numbers are logged for the record.
func TestLoadLarge(t *testing.T) {
	if os.Getenv(largeTestsEnv) != "1" {
		t.Skipf("generates a 200 MB file; set %s=1 to run it", largeTestsEnv)
	}
	path := filepath.Join(t.TempDir(), "large.json")
	const size = 200 << 20
	devices := writeLargeSnapshot(t, path, size)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	before := peakRSS()
	start := time.Now()
	s, err := tailnet.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	after := peakRSS()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if got := len(s.Raw["devices"].([]any)); got != devices {
		t.Fatalf("loaded %d devices, want %d", got, devices)
	}
	t.Logf("loaded %d MB, %d devices in %v; peak RSS %d MB (before load %d MB); live heap after load %d MB",
		fi.Size()>>20, devices, elapsed.Round(time.Millisecond), after>>20, before>>20, ms.HeapAlloc>>20)
	if after > 0 && after > 12*fi.Size() {
		t.Errorf("peak RSS %d MB is more than 12× the %d MB file", after>>20, fi.Size()>>20)
	}
	runtime.KeepAlive(s)
}

func BenchmarkDecode(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.json")
	devices := writeLargeSnapshot(b, path, 10<<20)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		s, err := tailnet.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Raw["devices"].([]any)) != devices {
			b.Fatal("device count")
		}
	}
}
