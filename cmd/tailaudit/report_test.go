package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/evidence"
	"github.com/tailaudit/tailaudit/internal/output"
	"github.com/tailaudit/tailaudit/internal/sharedcorpus"
	"github.com/tailaudit/tailaudit/internal/synth"
)

const demoEvents = "../../fixtures/demo/audit.jsonl"

func TestReportArgs(t *testing.T) {
	testParse(t, newReportCmd, []parseCase[reportOptions]{
		{"minimal", "--framework soc2 --snapshot s.json -o pack", &reportOptions{Framework: "soc2", Snapshot: "s.json", Out: "pack",
			Args: []string{"report", "--framework", "soc2", "--output", "pack", "--snapshot", "s.json"}}},
		{"every_flag", "p.hujson --framework all --snapshot s.json --events a.jsonl --events b.jsonl --attestations att.hujson --period 2026-01-01..2026-06-30 -o pack --force --no-inputs --sign-key k --previous old --rules r --config c.hujson",
			&reportOptions{Framework: "all", Snapshot: "s.json", Policy: "p.hujson", Events: []string{"a.jsonl", "b.jsonl"}, Attestations: "att.hujson",
				Period: "2026-01-01..2026-06-30", Out: "pack", Force: true, NoInputs: true, SignKey: "k", Previous: "old",
				Rules: ruleSource{Dirs: []string{"r"}, ConfigPath: "c.hujson"},
				Args: []string{"report", "--attestations", "att.hujson", "--config", "c.hujson", "--events", "a.jsonl", "--events", "b.jsonl", "--force",
					"--framework", "all", "--no-inputs", "--output", "pack", "--period", "2026-01-01..2026-06-30", "--previous", "old",
					"--rules", "r", "--sign-key", "k", "--snapshot", "s.json", "p.hujson"}}},
		{"no_framework", "--snapshot s.json -o pack", nil},
		{"no_snapshot", "--framework soc2 -o pack", nil},
		{"no_output", "--framework soc2 --snapshot s.json", nil},
		{"two_policies", "--framework soc2 --snapshot s.json -o pack a.hujson b.hujson", nil},
	})
}

// demoPack writes a SOC 2 pack of the demo tailnet, signed, into a new directory and returns it.
func demoPack(t *testing.T, framework string, extra ...string) (dir, key string) {
	t.Helper()
	keys := t.TempDir()
	key = filepath.Join(keys, "ev.key")
	if _, stderr, code := tailaudit(t, "", nil, "keygen", "-o", key); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	dir = filepath.Join(t.TempDir(), "pack")
	args := append([]string{"report", "--framework", framework, "--snapshot", demoSnapshot, demoPolicy, "--events", demoEvents,
		"--period", "2026-11-17..2026-11-23", "--sign-key", key, "-o", dir}, extra...)
	if _, stderr, code := tailaudit(t, "", nil, args...); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	return dir, key
}

func readJSON[T any](t *testing.T, path string) T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestReport_DemoPack(t *testing.T) {
	dir, key := demoPack(t, "soc2")
	for _, name := range []string{"report.html", "report.md", "controls.csv", "report.json", "assessment-results.json",
		"evidence/snapshot.json", "evidence/policy.hujson", "evidence/events/1-audit.jsonl", "manifest.json", "SHA256SUMS", "manifest.json.sig"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("the pack lacks %s: %v", name, err)
		}
	}
	if stdout, stderr, code := tailaudit(t, "", nil, "verify", dir, "--key", key+".pub"); code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	rep := readJSON[finding.AssessmentReport](t, filepath.Join(dir, "report.json"))
	if rep.SchemaVersion != finding.AssessmentSchemaVersion || len(rep.Assessments) != 1 || rep.Assessments[0].Framework.ID != "soc2" {
		t.Fatalf("report.json: schema %q, %d assessments", rep.SchemaVersion, len(rep.Assessments))
	}
	m := readJSON[evidence.Manifest](t, filepath.Join(dir, "manifest.json"))
	if len(m.RuleBundle) != 64 || len(m.Inputs) != 3 || !slices.Contains(m.Command, "--framework") {
		t.Errorf("manifest: bundle %q, inputs %v, command %q", m.RuleBundle, m.Inputs, m.Command)
	}
	// the snapshot in evidence/ is the input byte for byte, so its hash is the one on the cover
	want, _ := os.ReadFile(demoSnapshot)
	got, _ := os.ReadFile(filepath.Join(dir, "evidence", "snapshot.json"))
	if string(want) != string(got) {
		t.Error("evidence/snapshot.json differs from the snapshot read")
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, string(html))
	for _, s := range []string{"acme.example", "SOC 2", "<svg", "sha256:" + m.RuleBundle, m.Inputs[0].SHA256, "<details>", "@media print"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	table, _ := os.ReadFile(filepath.Join(dir, "controls.csv"))
	if lines := strings.Count(string(table), "\n"); lines < 100 || !strings.HasPrefix(string(table), "framework,control,") {
		t.Errorf("controls.csv: %d lines, header %q", lines, strings.SplitN(string(table), "\n", 2)[0])
	}
}

// externalRef finds a reference that would make a browser fetch something: a src or href, a CSS
// url() or @import, to anything but a fragment of the page or inline data.
var externalRef = regexp.MustCompile(`(?i)(\b(src|href|action|srcset|poster|data)\s*=\s*["']?\s*[^"'#\s>][^"'\s>]*|url\(\s*['"]?\s*[^'")#\s]|@import|<script|<link\b|<iframe|<object|<embed|<img\b)`)

func assertSelfContained(t *testing.T, html string) {
	t.Helper()
	for _, m := range externalRef.FindAllString(html, 5) {
		if strings.Contains(strings.ToLower(m), "data:") {
			continue
		}
		t.Errorf("report.html refers outside itself: %q", m)
	}
}

// TestReport_VerifyNamesEveryChangedFile changes one byte of each file of a real signed pack in
// turn: verify must exit 1 and name that file.
func TestReport_VerifyNamesEveryChangedFile(t *testing.T) {
	dir, key := demoPack(t, "soc2")
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if len(files) < 11 {
		t.Fatalf("the pack has %d files: %v", len(files), files)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "pack")
			if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(work, filepath.FromSlash(file))
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0x20
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"verify", work}, {"verify", work, "--key", key + ".pub"}} {
				stdout, stderr, code := tailaudit(t, "", nil, args...)
				if code != 1 {
					t.Errorf("%v after changing %s: exit %d, want 1\n%s%s", args, file, code, stdout, stderr)
				}
				if !strings.Contains(stdout, ": "+file+"\n") {
					t.Errorf("%v after changing %s: the output does not name it:\n%s", args, file, stdout)
				}
			}
		})
	}
}

// TestReport_OSCALValidates validates assessment-results.json against the official NIST schema, for
// one framework and for all of them.
func TestReport_OSCALValidates(t *testing.T) {
	schemaPath := sharedcorpus.Require(t, "schemas/oscal_assessment-results_schema.json")
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := gojsonschema.NewSchema(gojsonschema.NewReferenceLoader("file://" + filepath.ToSlash(abs)))
	if err != nil {
		t.Fatal(err)
	}
	for _, fw := range []string{"soc2", "all"} {
		t.Run(fw, func(t *testing.T) {
			dir, _ := demoPack(t, fw, "--attestations", "testdata/attestations.hujson")
			doc, err := os.ReadFile(filepath.Join(dir, "assessment-results.json"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := schema.Validate(gojsonschema.NewBytesLoader(doc))
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range res.Errors() {
				if i == 20 {
					t.Errorf("and %d more", len(res.Errors())-i)
					break
				}
				t.Errorf("schema: %s", e)
			}
			var ar struct {
				AR struct {
					ImportAP   struct{ Href string } `json:"import-ap"`
					BackMatter struct {
						Resources []struct{ UUID, Description string }
					} `json:"back-matter"`
					Results []struct {
						Observations []struct{ Methods []string }
						Findings     []struct {
							Target struct {
								TargetID string `json:"target-id"`
								Props    []struct{ Name, Value string }
								Status   struct{ State string }
							}
						}
						Attestations []any
					}
				} `json:"assessment-results"`
			}
			if err := json.Unmarshal(doc, &ar); err != nil {
				t.Fatal(err)
			}
			if len(ar.AR.Results) != 1 || len(ar.AR.Results[0].Observations) == 0 || len(ar.AR.Results[0].Findings) == 0 {
				t.Fatalf("want one result with observations and findings, got %+v", ar.AR.Results)
			}
			if r := ar.AR.BackMatter.Resources; len(r) != 1 || ar.AR.ImportAP.Href != "#"+r[0].UUID || !strings.Contains(r[0].Description, "automatically") {
				t.Errorf("import-ap %q does not point at a back-matter resource saying the assessment is automated: %+v", ar.AR.ImportAP.Href, r)
			}
			states := map[string]int{}
			for _, f := range ar.AR.Results[0].Findings {
				states[f.Target.Status.State]++
				if len(f.Target.Props) == 0 || f.Target.Props[0].Name != "label" {
					t.Errorf("finding %s keeps no label prop", f.Target.TargetID)
				}
			}
			if states["satisfied"] == 0 || states["not-satisfied"] == 0 {
				t.Errorf("finding states %v: want both satisfied (an attested control) and not-satisfied", states)
			}
			if len(ar.AR.Results[0].Attestations) == 0 {
				t.Error("the attestation is not in the OSCAL result")
			}
		})
	}
}

func TestReport_BadInput(t *testing.T) {
	tmp := t.TempDir()
	full := filepath.Join(tmp, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	badAtt := filepath.Join(tmp, "att.hujson")
	os.WriteFile(badAtt, []byte(`{"attestations": [
  {"framework": "soc2", "control": "CC99.9", "statement": "s", "by": "b", "date": "2026-10-01", "expires": "2027-09-30", "evidence": "e"},
]}`), 0o644)
	notKey := filepath.Join(tmp, "not.key")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	base := []string{"report", "--snapshot", demoSnapshot, demoPolicy}
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"unknown_framework", []string{"--framework", "nist", "-o", filepath.Join(tmp, "a")}, []string{`unknown framework "nist"`, "soc2", "iso27001", "hipaa", "pci-dss", "all"}},
		{"non_empty_output", []string{"--framework", "soc2", "-o", full}, []string{"exists and is not empty", "--force"}},
		{"output_is_a_file", []string{"--framework", "soc2", "-o", filepath.Join(full, "keep.txt")}, []string{"not a directory"}},
		{"bad_period", []string{"--framework", "soc2", "--period", "2026-13-01..2026-12-31", "-o", filepath.Join(tmp, "b")}, []string{"--period", "not a date"}},
		{"period_backwards", []string{"--framework", "soc2", "--period", "2026-12-31..2026-01-01", "-o", filepath.Join(tmp, "c")}, []string{"before the start"}},
		{"unknown_control", []string{"--framework", "soc2", "--attestations", badAtt, "-o", filepath.Join(tmp, "d")}, []string{badAtt + ":2:", "CC99.9"}},
		{"key_of_wrong_type", []string{"--framework", "soc2", "--sign-key", notKey, "-o", filepath.Join(tmp, "e")}, []string{"not a PEM"}},
		{"previous_not_a_pack", []string{"--framework", "soc2", "--previous", tmp, "-o", filepath.Join(tmp, "f")}, []string{"not an evidence pack"}},
		{"missing_snapshot", []string{"--framework", "soc2", "--snapshot", filepath.Join(tmp, "none.json"), "-o", filepath.Join(tmp, "g")}, []string{"none.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tailaudit(t, "", nil, append(slices.Clone(base), tt.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
	// nothing was written: the full directory is as it was, and no pack or temporary directory is left
	entries, _ := os.ReadDir(tmp)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"att.hujson", "full", "not.key"}; !slices.Equal(names, want) {
		t.Errorf("after the failed runs %s holds %v, want %v", tmp, names, want)
	}
	if b, _ := os.ReadFile(filepath.Join(full, "keep.txt")); string(b) != "mine" {
		t.Error("a refused run changed the existing directory")
	}
	// --force replaces it with a whole pack
	if _, stderr, code := tailaudit(t, "", nil, append(slices.Clone(base), "--framework", "soc2", "-o", full, "--force")...); code != 0 {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(full, "keep.txt")); err == nil {
		t.Error("--force kept a file of the old directory in the pack")
	}
	if _, _, code := tailaudit(t, "", nil, "verify", full); code != 0 {
		t.Error("the pack written with --force does not verify")
	}
}

// TestReport_MissingEndpoint: a snapshot whose keys could not be collected gives not_assessed
// controls naming why, never pass.
func TestReport_MissingEndpoint(t *testing.T) {
	raw := readJSON[map[string]any](t, demoSnapshot)
	delete(raw, "keys")
	raw["collection"] = map[string]any{"errors": []any{map[string]any{"endpoint": "keys", "status": 403, "message": "the API key lacks the keys scope"}}}
	b, _ := json.Marshal(raw)
	snap := filepath.Join(t.TempDir(), "snap.json")
	os.WriteFile(snap, b, 0o644)
	dir := filepath.Join(t.TempDir(), "pack")
	if _, stderr, code := tailaudit(t, "", nil, "report", "--framework", "all", "--snapshot", snap, demoPolicy, "-o", dir); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	rep := readJSON[finding.AssessmentReport](t, filepath.Join(dir, "report.json"))
	found := false
	for _, a := range rep.Assessments {
		for _, c := range a.Controls {
			for _, ch := range c.Checks {
				if ch.Result == finding.NotAssessed && strings.Contains(ch.Reason, "keys") {
					found = true
					if c.Status == finding.ControlPass {
						t.Errorf("%s %s passes although %s was not assessed", a.Framework.ID, c.ID, ch.Rule.ID)
					}
				}
			}
		}
	}
	if !found {
		t.Error("no check is not_assessed for the missing keys")
	}
}

// TestReport_Previous compares a pack with an earlier one, in every format.
func TestReport_Previous(t *testing.T) {
	old, _ := demoPack(t, "soc2")
	dir, _ := demoPack(t, "soc2", "--previous", old, "--attestations", "testdata/attestations.hujson")
	rep := readJSON[finding.AssessmentReport](t, filepath.Join(dir, "report.json"))
	if rep.Changes == nil || len(rep.Changes.Controls) == 0 {
		t.Fatalf("report.json changes = %+v, want the attested control changed", rep.Changes)
	}
	for _, c := range rep.Changes.Controls {
		if c.To != finding.ControlAttested {
			t.Errorf("control %s changed to %s; only attestations changed", c.Control, c.To)
		}
	}
	for _, name := range []string{"report.html", "report.md"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if !strings.Contains(string(b), "Since the previous pack") || !strings.Contains(string(b), rep.Changes.Controls[0].Control) {
			t.Errorf("%s does not show what changed", name)
		}
	}
}

// TestReport_LargePopulation: with more devices than the HTML lists, report.html and report.md cut
// each list with the count of the rest, and controls.csv still has every device.
func TestReport_LargePopulation(t *testing.T) {
	snap, err := json.Marshal(synth.Snapshot(1, 1500, 150, 60))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := os.WriteFile(path, snap, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pack")
	if _, stderr, code := tailaudit(t, "", nil, "report", "--framework", "soc2", "--snapshot", path, "-o", dir); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(html), "more: every one is in controls.csv") || !strings.Contains(string(md), "more (controls.csv)") {
		t.Error("report.html or report.md lists a population of 1,500 devices without cutting it")
	}
	rep := readJSON[finding.AssessmentReport](t, filepath.Join(dir, "report.json"))
	f, err := os.Open(filepath.Join(dir, "controls.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	inCSV := map[[3]string]bool{} // rule, resource, result
	for _, row := range rows[1:] {
		inCSV[[3]string{row[5], row[11], row[12]}] = true
	}
	checked := false
	for _, c := range rep.Assessments[0].Controls {
		for _, ch := range c.Checks {
			if p := ch.Population; p != nil && p.Type == "device" && len(p.Passed) > output.DefaultListLimit {
				checked = true
				for _, id := range p.Passed {
					if !inCSV[[3]string{ch.Rule.ID, id, "pass"}] {
						t.Fatalf("controls.csv lacks %s's passing device %s", ch.Rule.ID, id)
					}
				}
				if strings.Contains(string(html), p.Passed[len(p.Passed)-1]+"</code>") {
					t.Errorf("report.html lists the last of %d passing devices of %s", len(p.Passed), ch.Rule.ID)
				}
			}
		}
	}
	if !checked {
		t.Fatal("no device check with more passing devices than the list limit: the test checks nothing")
	}
}
