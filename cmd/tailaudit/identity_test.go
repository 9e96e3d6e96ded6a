package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/output"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// identityGolden holds one line per input of the findings-identity guard: the input's name, the
// number of findings, the exit code and the SHA-256 of the findings.
const identityGolden = "testdata/findings_identity.golden"

// identityCase is one input of the findings-identity guard: the files it writes into a fresh
// directory and the check arguments, relative to that directory.
type identityCase struct {
	name  string
	files func() map[string][]byte
	args  []string
}

// TestFindingsIdentity guards every performance change: for the demo, every corpus policy and
// generated inputs (1,000 and 10,000 rules of each synth generator, a 1,000-device snapshot) it
// runs check -f json and compares a digest of the findings (ids, results, severities, messages,
// locations, evidence, controls, fingerprints, in report order) and the summary with
// testdata/findings_identity.golden. A change that alters any finding fails here; -update
// rewrites the lines of the inputs that ran, and belongs only in a commit meant to change findings.
func TestFindingsIdentity(t *testing.T) {
	cases := []identityCase{
		{"demo", demoFiles, []string{"--snapshot", "snapshot.json", "policy.hujson"}},
		{"demo_policy", demoFiles, []string{"policy.hujson"}},
		{"synth_rules=1000", policyFiles(synth.Policy(1, 1000)), []string{"policy.hujson"}},
		{"synth_rules=10000", policyFiles(synth.Policy(1, 10000)), []string{"policy.hujson"}},
		{"synth_wide_rules=500", policyFiles(synth.PolicyWide(1, 500)), []string{"policy.hujson"}},
		{"synth_wide_rules=1000", policyFiles(synth.PolicyWide(1, 1000)), []string{"policy.hujson"}},
		{"synth_wide_rules=10000", policyFiles(synth.PolicyWide(1, 10000)), []string{"policy.hujson"}},
		{"synth_devices=1000", snapshotFiles(t, 1000, 100, 40), []string{"--snapshot", "snapshot.json"}},
	}
	runIdentity(t, cases)
}

// TestFindingsIdentityCorpus is the guard on every policy of the shared corpus, one line each.
func TestFindingsIdentityCorpus(t *testing.T) {
	dir := sharedcorpus.Require(t, "corpus/policies")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []identityCase
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "SOURCES.md" || strings.HasPrefix(name, ".") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, identityCase{"corpus/" + name, policyFiles(src), []string{"policy.hujson"}})
	}
	if len(cases) == 0 {
		t.Fatalf("no policies in %s", dir)
	}
	runIdentity(t, cases)
}

// TestFindingsIdentityLarge is the guard on the 50,000-device snapshot (make test-large).
func TestFindingsIdentityLarge(t *testing.T) {
	if os.Getenv("TAILAUDIT_LARGE_TESTS") == "" {
		t.Skip("a 50,000-device snapshot; set TAILAUDIT_LARGE_TESTS=1 (make test-large)")
	}
	runIdentity(t, []identityCase{
		{"synth_devices=50000", snapshotFiles(t, 50000, 5000, 2000), []string{"--snapshot", "snapshot.json"}},
	})
}

func demoFiles() map[string][]byte {
	out := map[string][]byte{}
	for name, path := range map[string]string{"policy.hujson": demoPolicy, "snapshot.json": demoSnapshot} {
		b, err := os.ReadFile(path)
		if err != nil {
			panic(err) // the demo is part of the repository
		}
		out[name] = b
	}
	return out
}

func policyFiles(src []byte) func() map[string][]byte {
	return func() map[string][]byte { return map[string][]byte{"policy.hujson": src} }
}

func snapshotFiles(t *testing.T, devices, users, keys int) func() map[string][]byte {
	return func() map[string][]byte {
		raw, err := json.Marshal(synth.Snapshot(1, devices, users, keys))
		if err != nil {
			t.Fatal(err)
		}
		return map[string][]byte{"snapshot.json": raw}
	}
}

func runIdentity(t *testing.T, cases []identityCase) {
	want := readIdentity(t)
	got := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := identityLine(t, c)
			got[c.name] = line
			if *update {
				return
			}
			w, ok := want[c.name]
			if !ok {
				t.Fatalf("no line for %s in %s (run: go test ./cmd/tailaudit -run FindingsIdentity -update)", c.name, identityGolden)
			}
			if w != line {
				t.Errorf("findings changed:\n want %s\n  got %s", w, line)
			}
		})
	}
	if *update {
		all := readIdentity(t)
		for k, v := range got {
			all[k] = v
		}
		writeIdentity(t, all)
	}
}

// identityLine runs check on c and returns "count=N exit=E sha256:…" over the canonical JSON of
// the findings and the summary (object keys sorted, the run directory replaced by a placeholder).
func identityLine(t *testing.T, c identityCase) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"check"}
	files := c.files()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range c.args {
		if _, ok := files[a]; ok {
			a = filepath.Join(dir, a)
		}
		args = append(args, a)
	}
	stdout, stderr, code := tailaudit(t, dir, nil, append(args, "-f", "json")...)
	if code == 2 {
		// An input check rejects: its error message is what must not change.
		sum := sha256.Sum256([]byte(strings.ReplaceAll(stderr, dir, "%DIR%")))
		return fmt.Sprintf("count=0 exit=2 sha256:%s", hex.EncodeToString(sum[:]))
	}
	stdout = strings.ReplaceAll(stdout, dir, "%DIR%")
	findings, summary := expandedFindings(t, stdout)
	canon, err := json.Marshal(struct {
		Findings []any `json:"findings"`
		Summary  any   `json:"summary"`
	}{findings, summary})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	return fmt.Sprintf("count=%d exit=%d sha256:%s", len(findings), code, hex.EncodeToString(sum[:]))
}

// expandedFindings reads the findings and the summary of a check -f json report. The findings of
// one cause that the report lists as one entry are expanded back into one finding each
// (output.ExpandFindings) and put back in report order, so that the digest is of every finding
// exactly as it was before aggregation: aggregation changes the listing, never a finding.
func expandedFindings(t *testing.T, report string) (findings []any, summary any) {
	t.Helper()
	var rep struct {
		Findings []json.RawMessage `json:"findings"`
		Summary  json.RawMessage   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	expanded, err := output.ExpandFindings(rep.Findings)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if len(expanded) != len(rep.Findings) {
		type keyed struct {
			f   finding.Finding
			raw json.RawMessage
		}
		ks := make([]keyed, len(expanded))
		for i, raw := range expanded {
			ks[i].raw = raw
			if err := json.Unmarshal(raw, &ks[i].f); err != nil {
				t.Fatalf("report: %v", err)
			}
		}
		slices.SortStableFunc(ks, func(a, b keyed) int { return finding.Compare(a.f, b.f) })
		for i := range ks {
			expanded[i] = ks[i].raw
		}
	}
	decode := func(raw []byte) any {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("report: %v", err)
		}
		return v
	}
	findings = make([]any, len(expanded))
	for i, raw := range expanded {
		findings[i] = decode(raw)
	}
	return findings, decode(rep.Summary)
}

func readIdentity(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	b, err := os.ReadFile(identityGolden)
	if os.IsNotExist(err) && *update {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", identityGolden, line)
		}
		out[name] = rest
	}
	return out
}

func writeIdentity(t *testing.T, lines map[string]string) {
	t.Helper()
	names := make([]string, 0, len(lines))
	for k := range lines {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("# Findings of check per input: count, exit code and the SHA-256 of the canonical JSON of the\n")
	b.WriteString("# findings and summary. Written by go test ./cmd/tailaudit -run FindingsIdentity -update.\n")
	for _, n := range names {
		b.WriteString(n + " " + lines[n] + "\n")
	}
	if err := os.WriteFile(identityGolden, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
