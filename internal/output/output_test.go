package output

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tailaudit/tailaudit/engine/finding"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, rewriting it first under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", name, d)
	}
}

// testReport is one realistic run: every result, every severity, findings with and without a file
// position, waivers live and expired, and messages full of characters the formats must escape.
func testReport() *finding.Report {
	aclAllowAll := finding.Rule{
		ID: "TA-ACL-001", Title: "Allow-all ACL", Severity: finding.Critical, Builtin: true,
		Description: "An ACL lets every source reach every destination on every port.",
		Remediation: `Replace "*" with named groups, tags and ports.`,
		Namespace:   "tailaudit.policy.acl_allow_all",
		Controls:    map[string][]string{"soc2": {"CC6.1", "CC6.6"}, "pci-dss": {"1.3.1"}},
	}
	sshRoot := finding.Rule{
		ID: "TA-SSH-001", Title: "SSH as root without check mode", Severity: finding.High, Builtin: true,
		Description: "An SSH rule lets sources log in as root without re-authentication.",
		Remediation: `Use "action": "check" for root, or name non-root users.`,
		Namespace:   "tailaudit.policy.ssh_root_accept",
		Controls:    map[string][]string{"soc2": {"CC6.1"}, "pci-dss": {"7.2.2"}},
	}
	keyExpiry := finding.Rule{
		ID: "TA-DEV-001", Title: "Device key expiry disabled", Severity: finding.High, Builtin: true,
		Remediation: "Re-enable key expiry, or tag the device if it is a server.",
		Namespace:   "tailaudit.tailnet.device_key_expiry",
		Controls:    map[string][]string{"iso27001": {"A.8.5"}, "hipaa": {"164.312(d)"}},
	}
	tagOwners := finding.Rule{
		ID: "TA-TAG-002", Title: "Tag owned by every member", Severity: finding.Medium, Builtin: true,
		Remediation: "Give tags to a small admin group.",
		Namespace:   "tailaudit.policy.tag_owner_broad",
	}
	emptyGroup := finding.Rule{
		ID: "TA-GRP-004", Title: "Empty group", Severity: finding.Low, Builtin: true,
		Namespace: "tailaudit.policy.group_empty",
	}
	portRange := finding.Rule{
		ID: "TA-ACL-010", Title: "Broad port range", Severity: finding.Medium, Builtin: true,
		Remediation: "List the ports the service needs.",
		Namespace:   "tailaudit.policy.acl_port_range", EffectiveOn: "2027-01-01",
	}
	sshAccept := finding.Rule{
		ID: "TA-SSH-002", Title: "SSH accept without check", Severity: finding.Medium, Builtin: true,
		Namespace: "tailaudit.policy.ssh_accept",
		Controls:  map[string][]string{"soc2": {"CC6.1"}},
	}
	logStream := finding.Rule{
		ID: "TA-LOG-001", Title: "Log streaming configured", Severity: finding.High, Builtin: true,
		Namespace: "tailaudit.tailnet.logstream",
		Controls:  map[string][]string{"soc2": {"CC7.2"}, "pci-dss": {"10.5.1"}},
	}
	mfa := finding.Rule{
		ID: "TA-MFA-001", Title: "MFA at the identity provider", Severity: finding.Medium,
		Controls: map[string][]string{"soc2": {"CC6.1"}, "hipaa": {"164.312(d)"}},
	}
	tests := finding.Rule{
		ID: "TA-TST-001", Title: "Policy has tests", Severity: finding.Info, Builtin: true,
		Namespace: "tailaudit.policy.tests_present",
	}
	custom := finding.Rule{
		ID: "ACME-900", Title: "Custom: prod reachable only from ops", Severity: finding.Low,
		Namespace: "tailaudit.policy.acme_prod",
		Source:    &finding.Location{File: "rules/acme.rego", Line: 3},
	}
	at := func(line, col int, path string) *finding.Location {
		return &finding.Location{File: "policy.hujson", Line: line, Column: col, Path: path}
	}
	device := func(id, name string) *finding.Resource {
		return &finding.Resource{Type: "device", ID: id, Name: name}
	}

	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "tailaudit", Version: "1.2.3", URI: "https://github.com/tailaudit/tailaudit"},
		GeneratedAt:   time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		FailOn:        finding.High,
		Inputs: []finding.Input{
			{Kind: "policy", Path: "policy.hujson", SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
			{Kind: "snapshot", Path: "snap.json", SHA256: "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"},
		},
		Rules: []finding.Rule{aclAllowAll, sshRoot, keyExpiry, tagOwners, emptyGroup, portRange, sshAccept, logStream, mfa, tests, custom},
		Findings: []finding.Finding{
			// Deliberately out of order: renderers sort.
			{Rule: tests.Ref(), Result: finding.Pass, Severity: finding.Info, Message: "policy has 4 tests and 2 sshTests", Location: &finding.Location{Path: "/tests"}},
			{Rule: sshRoot.Ref(), Result: finding.Fail, Severity: finding.High,
				Message:  "ssh[2] accepts root from [group:ops, group:sre] without check: 100% of prod hosts",
				Location: at(41, 5, "/ssh/2"), Controls: sshRoot.Controls, Fingerprint: "sha256:5f1a"},
			{Rule: sshRoot.Ref(), Result: finding.Fail, Severity: finding.High,
				Message:  "ssh[4] accepts root from [autogroup:member] without check",
				Location: at(58, 5, "/ssh/4"), Controls: sshRoot.Controls, Fingerprint: "sha256:77c0",
				Waiver: &finding.Waiver{Reason: "migration, see INC-12", By: "bob@example.com", Expires: "2026-10-01", Source: "inline", Expired: true}},
			{Rule: aclAllowAll.Ref(), Result: finding.Fail, Severity: finding.Critical,
				Message:  `acls[0] lets "*" reach "*:*"`,
				Location: at(12, 5, "/acls/0"), Controls: aclAllowAll.Controls, Fingerprint: "sha256:a001",
				Evidence: map[string]any{"src": []string{"*"}, "dst": []string{"*:*"}}},
			{Rule: keyExpiry.Ref(), Result: finding.Fail, Severity: finding.High,
				Message:  "key expiry is disabled on an untagged device owned by zoë@example.com",
				Resource: device("n123CNTRL", "db-1"), Controls: keyExpiry.Controls, Fingerprint: "sha256:d3v1",
				Evidence: map[string]any{"keyExpiryDisabled": true, "tags": []string{}}},
			{Rule: keyExpiry.Ref(), Result: finding.Pass, Severity: finding.High, Message: "key expiry enabled", Resource: device("n456CNTRL", "web-1"), Controls: keyExpiry.Controls},
			{Rule: keyExpiry.Ref(), Result: finding.Pass, Severity: finding.High, Message: "key expiry enabled", Resource: device("n789CNTRL", "laptop-ana"), Controls: keyExpiry.Controls},
			{Rule: tagOwners.Ref(), Result: finding.Fail, Severity: finding.Medium,
				Message:  "tagOwners[\"tag:prod\"] includes autogroup:member\nany | every member can tag a device as prod",
				Location: at(27, 17, "/tagOwners/tag:prod"), Fingerprint: "sha256:7a90"},
			{Rule: emptyGroup.Ref(), Result: finding.Fail, Severity: finding.Low,
				Message:  `group "group:café" has no members <&> is never matched, 0% used`,
				Location: at(7, 3, "/groups/group:café"), Fingerprint: "sha256:e0e0"},
			{Rule: portRange.Ref(), Result: finding.Warn, Severity: finding.Medium,
				Message:  "acls[3] opens ports 1-65535 to tag:ci (fails from 2027-01-01)",
				Location: at(20, 7, "/acls/3/dst/0"), Fingerprint: "sha256:0b0b"},
			{Rule: sshAccept.Ref(), Result: finding.Waived, Severity: finding.Medium,
				Message:  "ssh[1] accepts tag:bastion without check",
				Location: at(35, 5, "/ssh/1"), Controls: sshAccept.Controls, Fingerprint: "sha256:c4c4",
				Waiver: &finding.Waiver{Reason: `break-glass account, "ops" only`, By: "alice@example.com", Expires: "2027-01-31", Source: ".tailaudit.hujson"}},
			{Rule: logStream.Ref(), Result: finding.NotAssessed, Severity: finding.High,
				Message: "the snapshot could not collect logstream: 403 forbidden (scope logs:configuration:read)", Controls: logStream.Controls},
			{Rule: mfa.Ref(), Result: finding.Manual, Severity: finding.Medium,
				Message: "attest that your identity provider requires MFA for every tailnet user", Controls: mfa.Controls},
			{Rule: custom.Ref(), Result: finding.Error, Severity: finding.Low,
				Message: "rules/acme.rego:9: eval_conflict_error: functions must not produce multiple outputs"},
		},
		Diagnostics: []finding.Diagnostic{
			{Level: "warning", Message: `unknown top-level key "acl" (did you mean "acls"?)`, Location: &finding.Location{File: "policy.hujson", Line: 3, Column: 3, Path: "/acl"}},
		},
	}
	r.Summarize()
	return r
}

// shipped is the order of the catalogues tailaudit ships, as the command passes it in.
func shipped() Settings {
	return Settings{Frameworks: []string{"soc2", "iso27001", "hipaa", "pci-dss"}}
}

func TestGolden(t *testing.T) {
	colorVerbose := shipped()
	colorVerbose.Color, colorVerbose.Verbose = true, true
	for _, tt := range []struct {
		name, format string
		settings     Settings
	}{
		{name: "text.golden", format: "text", settings: shipped()},
		{name: "text_color_verbose.golden", format: "text", settings: colorVerbose},
		{name: "json.golden", format: "json", settings: shipped()},
		{name: "sarif.golden", format: "sarif", settings: shipped()},
		{name: "junit.golden", format: "junit", settings: shipped()},
		{name: "github.golden", format: "github", settings: shipped()},
		{name: "github_step_summary.golden", format: "github-summary", settings: shipped()},
		{name: "markdown.golden", format: "markdown", settings: shipped()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := testReport()
			got := renderString(t, tt.format, tt.settings, r)
			golden(t, tt.name, []byte(got))
			if again := renderString(t, tt.format, tt.settings, r); again != got {
				t.Errorf("second %s rendering differs from the first", tt.format)
			}
			if d := cmp.Diff(testReport(), r); d != "" {
				t.Errorf("rendering changed the report (-before +after):\n%s", d)
			}
		})
	}
}

// TestFrameworkOrderFromSettings checks that controls are listed in the order the settings give, with
// frameworks they do not name after them, sorted: output knows no framework ids of its own.
func TestFrameworkOrderFromSettings(t *testing.T) {
	controls := map[string][]string{"soc2": {"CC6.1"}, "pci-dss": {"7.2.2"}, "hipaa": {"164.312(d)"}, "acme": {"A-1"}}
	for _, tt := range []struct {
		order []string
		want  string
	}{
		{nil, "acme A-1 · hipaa 164.312(d) · pci-dss 7.2.2 · soc2 CC6.1"},
		{[]string{"soc2", "iso27001", "hipaa", "pci-dss"}, "soc2 CC6.1 · hipaa 164.312(d) · pci-dss 7.2.2 · acme A-1"},
		{[]string{"pci-dss", "acme"}, "pci-dss 7.2.2 · acme A-1 · hipaa 164.312(d) · soc2 CC6.1"},
	} {
		if got := frameworkOrder(tt.order).text(controls); got != tt.want {
			t.Errorf("order %q: controls = %q, want %q", tt.order, got, tt.want)
		}
	}
	r := testReport()
	for _, format := range []string{"text", "markdown", "junit", "github", "github-summary", "sarif"} {
		out := renderString(t, format, Settings{Frameworks: []string{"pci-dss", "soc2"}}, r)
		if !strings.Contains(out, "pci-dss 1.3.1 · soc2 CC6.1, CC6.6") {
			t.Errorf("%s: controls of TA-ACL-001 not listed pci-dss first, as the settings order:\n%s", format, out)
		}
	}
}

func renderString(t *testing.T, format string, s Settings, r *finding.Report) string {
	t.Helper()
	rr, err := New(format, s)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rr.Render(&b, r); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return b.String()
}

func TestEveryFormatRendersAnEmptyReport(t *testing.T) {
	empty := &finding.Report{}
	empty.Summarize()
	for _, format := range Formats() {
		if got := renderString(t, format, Settings{}, empty); got == "" {
			t.Errorf("%s: empty output for an empty report", format)
		}
	}
}

func TestNewUnknownFormat(t *testing.T) {
	_, err := New("yaml", Settings{})
	if err == nil {
		t.Fatal(`New("yaml") = nil error, want an error`)
	}
	for _, want := range append([]string{`"yaml"`}, Formats()...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) error = %q, want it to mention %s", "yaml", err, want)
		}
	}
}

func TestFormats(t *testing.T) {
	want := []string{"github", "github-summary", "json", "junit", "markdown", "sarif", "text"}
	if d := cmp.Diff(want, Formats()); d != "" {
		t.Errorf("Formats() (-want +got):\n%s", d)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		spec, wantFormat, wantPath string
		wantErr                    bool
	}{
		{spec: "text", wantFormat: "text"},
		{spec: "sarif=results.sarif", wantFormat: "sarif", wantPath: "results.sarif"},
		{spec: "JSON=out/report.json", wantFormat: "json", wantPath: "out/report.json"},
		{spec: "json=-", wantFormat: "json"},
		{spec: "junit=a=b.xml", wantFormat: "junit", wantPath: "a=b.xml"},
		{spec: "", wantErr: true},
		{spec: "=results.sarif", wantErr: true},
		{spec: "sarif=", wantErr: true},
		{spec: "yaml=out.yaml", wantErr: true},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			format, path, err := ParseTarget(tt.spec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTarget(%q) error = %v, want error %v", tt.spec, err, tt.wantErr)
			}
			if format != tt.wantFormat || path != tt.wantPath {
				t.Errorf("ParseTarget(%q) = %q, %q, want %q, %q", tt.spec, format, path, tt.wantFormat, tt.wantPath)
			}
		})
	}
}

func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	jsonPath, sarifPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "results.sarif")
	if err := os.WriteFile(jsonPath, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := []Target{{Format: "json", Path: jsonPath}, {Format: "text"}, {Format: "sarif", Path: sarifPath}}
	r := testReport()
	var stdout bytes.Buffer
	if err := WriteAll(context.Background(), targets, r, &stdout, Settings{}); err != nil {
		t.Fatal(err)
	}

	if got, want := stdout.String(), renderString(t, "text", Settings{}, r); got != want {
		t.Errorf("stdout = %q, want the text rendering", got)
	}
	for _, tgt := range []Target{targets[0], targets[2]} {
		got, err := os.ReadFile(tgt.Path)
		if err != nil {
			t.Fatal(err)
		}
		if want := renderString(t, tgt.Format, Settings{}, r); string(got) != want {
			t.Errorf("%s holds %d bytes, want the %s rendering (%d bytes)", tgt.Path, len(got), tgt.Format, len(want))
		}
	}
	if fi, err := os.Stat(jsonPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("stat %s = %v, %v; want the replaced file's mode 0600 kept", jsonPath, fi.Mode(), err)
	}
	if fi, err := os.Stat(sarifPath); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("stat %s = %v, %v; want a new file with mode 0644", sarifPath, fi.Mode(), err)
	}
	assertFiles(t, dir, "report.json", "results.sarif")
}

// TestWriteAllAppendsJobSummary checks that the job summary is added after what earlier steps wrote
// to the file, never replacing it, and that only stdout gets colour.
func TestWriteAllAppendsJobSummary(t *testing.T) {
	dir := t.TempDir()
	summaryPath, textPath := filepath.Join(dir, "step_summary.md"), filepath.Join(dir, "report.txt")
	const earlier = "## Lint\n\nwritten by an earlier step\n"
	if err := os.WriteFile(summaryPath, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}
	r := testReport()
	s := shipped()
	s.Color = true
	targets := []Target{{Format: "github-summary", Path: summaryPath}, {Format: "github"}, {Format: "text", Path: textPath}}
	for range 2 {
		var stdout bytes.Buffer
		if err := WriteAll(context.Background(), targets, r, &stdout, s); err != nil {
			t.Fatal(err)
		}
		if got, want := stdout.String(), renderString(t, "github", s, r); got != want {
			t.Errorf("stdout = %q, want the github rendering", got)
		}
	}
	summary := renderString(t, "github-summary", s, r)
	if got, _ := os.ReadFile(summaryPath); string(got) != earlier+summary+summary {
		t.Errorf("%s holds %d bytes, want what the earlier step wrote followed by two job summaries (%d bytes)", summaryPath, len(got), len(earlier)+2*len(summary))
	}
	if got, _ := os.ReadFile(textPath); strings.Contains(string(got), "\x1b[") {
		t.Errorf("%s holds ANSI colour; only stdout may", textPath)
	}
}

func TestWriteAllErrorsLeaveFilesUntouched(t *testing.T) {
	// A channel cannot be encoded as JSON, so the json renderer fails after the text one succeeded.
	unencodable := testReport()
	unencodable.Findings[0].Evidence = map[string]any{"bad": make(chan int)}

	for _, tt := range []struct {
		name    string
		targets func(dir string) []Target
		report  *finding.Report
		wantErr string
	}{
		{"renderer_fails", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"json", filepath.Join(dir, "b.json")}, {"markdown", ""}}
		}, unencodable, "render json output"},
		{"two_stdout_targets", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"text", ""}, {"json", ""}}
		}, testReport(), "both write to stdout"},
		{"same_file_twice", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"json", filepath.Join(dir, ".", "a.txt")}}
		}, testReport(), "two outputs write to"},
		{"unknown_format", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"yaml", filepath.Join(dir, "b.json")}}
		}, testReport(), "unknown output format"},
		{"job_summary_not_appended_when_another_output_fails", func(dir string) []Target {
			return []Target{{"github-summary", filepath.Join(dir, "a.txt")}, {"json", filepath.Join(dir, "b.json")}}
		}, unencodable, "render json output"},
		{"job_summary_needs_a_file", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"github-summary", ""}}
		}, testReport(), "github-summary output needs a file"},
		{"job_summary_and_another_output_in_one_file", func(dir string) []Target {
			return []Target{{"github-summary", filepath.Join(dir, "a.txt")}, {"text", filepath.Join(dir, "a.txt")}}
		}, testReport(), "two outputs write to"},
		{"missing_directory", func(dir string) []Target {
			return []Target{{"text", filepath.Join(dir, "a.txt")}, {"json", filepath.Join(dir, "no", "b.json")}}
		}, testReport(), "write json output"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"a.txt", "b.json"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("old "+name), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout bytes.Buffer
			err := WriteAll(context.Background(), tt.targets(dir), tt.report, &stdout, Settings{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("WriteAll error = %v, want one containing %q", err, tt.wantErr)
			}
			for _, name := range []string{"a.txt", "b.json"} {
				if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != "old "+name {
					t.Errorf("%s = %q after a failed WriteAll, want it untouched", name, got)
				}
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout = %q after a failed WriteAll, want nothing", stdout.String())
			}
			assertFiles(t, dir, "a.txt", "b.json")
		})
	}
}

// assertFiles checks that dir holds exactly the named files: no temporary file was left behind.
func assertFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files in %s (-want +got):\n%s", dir, d)
	}
}
