package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// chromiumBinary finds a Chromium to render with, or skips the test.
func chromiumBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary on PATH (apt-get install chromium) to render report.html with")
	return ""
}

// artefactDir is where a test leaves files for people to look at: $TAILAUDIT_ARTEFACTS, or the
// test's temporary directory.
func artefactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TAILAUDIT_ARTEFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserService reports whether host is one of the Google services Chromium itself calls in the
// background (component and variations updates, the clock check, account sign-in), whatever page it
// shows and whatever flags turn them down. The page never names them (TestReport_DemoPack scans it
// for any reference outside itself), so requests to them are the browser's, not the report's; they
// still reach only the local proxy, which refuses them.
func browserService(host string) bool {
	host, _, _ = strings.Cut(host, ":")
	for _, suffix := range []string{".googleapis.com", ".google.com", ".gvt1.com", ".gstatic.com"} {
		if strings.HasSuffix("."+host, suffix) {
			return true
		}
	}
	return false
}

// TestReportHTML_Chromium renders the demo pack's report.html in headless Chromium. Every request
// the browser makes goes to a local proxy that records it: the page must cause none (the browser's
// own background calls aside, see browserService). Chromium logs
// console messages to stderr: a page without scripts must log none (a blocked fetch or a CSP
// violation would). The screenshot and the PDF are left as artefacts.
func TestReportHTML_Chromium(t *testing.T) {
	bin := chromiumBinary(t)
	dir, _ := demoPack(t, "soc2", "--attestations", "testdata/attestations.hujson")
	page := filepath.Join(dir, "report.html")
	var mu sync.Mutex
	var requests []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if !browserService(r.Host) {
			requests = append(requests, r.Method+" "+r.Host+" "+r.URL.String())
		}
		mu.Unlock()
		http.Error(w, "no network in tests", http.StatusForbidden)
	}))
	defer proxy.Close()
	art := artefactDir(t)
	profile := t.TempDir()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + profile,
		"--proxy-server=" + proxy.URL, "--proxy-bypass-list=<-loopback>",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
		"--disable-client-side-phishing-detection", "--no-pings", "--metrics-recording-only",
		"--enable-logging=stderr", "--v=0",
	}
	shot := filepath.Join(art, "report-summary.png")
	pdf := filepath.Join(art, "report.pdf")
	for _, run := range [][]string{
		{"--window-size=1100,1500", "--screenshot=" + shot},
		{"--no-pdf-header-footer", "--print-to-pdf=" + pdf},
	} {
		cmd := exec.CommandContext(t.Context(), bin, append(append(append([]string{}, base...), run...), "file://"+page)...)
		cmd.Env = append(os.Environ(), "HOME="+profile)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s", bin, run[len(run)-1], err, stderr.String())
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Content Security Policy") ||
				strings.Contains(line, "net::ERR_") {
				t.Errorf("chromium logged, rendering report.html: %s", line)
			}
		}
	}
	// the proxy does see what a page fetches: a page with one external image must show it
	control := filepath.Join(t.TempDir(), "control.html")
	if err := os.WriteFile(control, []byte(`<!doctype html><title>c</title><img src="http://report.invalid/pixel.png">`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, append(append([]string{}, base...), "--dump-dom", "file://"+control)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s --dump-dom: %v\n%s", bin, err, out)
	}
	mu.Lock()
	defer mu.Unlock()
	n := len(requests)
	requests = slices.DeleteFunc(requests, func(r string) bool { return strings.Contains(r, "report.invalid") })
	if len(requests) == n {
		t.Fatalf("the proxy did not see the control page's image request (saw %q): it cannot show the report makes none", requests)
	}
	for _, r := range requests {
		t.Errorf("rendering report.html made a network request: %s", r)
	}
	for _, p := range []string{shot, pdf} {
		fi, err := os.Stat(p)
		if err != nil || fi.Size() < 1000 {
			t.Fatalf("chromium did not write %s: %v", p, err)
		}
		t.Logf("artefact: %s (%d bytes)", p, fi.Size())
	}
	b, _ := os.ReadFile(pdf)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("%s is not a PDF", pdf)
	}
}
