package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/internal/sink"
)

func TestAlertsTemplatesWrites(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := tailaudit(t, dir, nil, "alerts", "templates", "--out", "siem")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "tailaudit: wrote 6 template files to siem") {
		t.Errorf("stderr %q", stderr)
	}
	n := 0
	fs.WalkDir(sink.Templates(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		want, _ := fs.ReadFile(sink.Templates(), name)
		got, err := os.ReadFile(filepath.Join(dir, "siem", filepath.FromSlash(name)))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %v, or not the embedded file", name, err)
		}
		return nil
	})
	if n != 6 {
		t.Errorf("%d embedded templates, want 6", n)
	}
}

func TestAlertsTemplatesRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := tailaudit(t, dir, nil, "alerts", "templates", "-o", "out"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	edited := filepath.Join(dir, "out", "splunk", "savedsearches.conf")
	if err := os.WriteFile(edited, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "out", "README.md"))
	_, stderr, code := tailaudit(t, dir, nil, "alerts", "templates", "-o", "out")
	if code != 2 || !strings.Contains(stderr, "template files are there already") || !strings.Contains(stderr, "--force") {
		t.Fatalf("second run: exit %d, stderr %q; want 2 and a refusal", code, stderr)
	}
	if b, _ := os.ReadFile(edited); string(b) != "# mine\n" {
		t.Errorf("the refused run changed %s", edited)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "README.md")); err == nil {
		t.Errorf("the refused run wrote the missing README.md")
	}
	if _, stderr, code := tailaudit(t, dir, nil, "alerts", "templates", "-o", "out", "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(edited); !strings.Contains(string(b), "[tailaudit - policy changes]") {
		t.Errorf("--force left %s as it was", edited)
	}
}

func TestAlertsTemplatesUsage(t *testing.T) {
	for _, args := range [][]string{{"alerts", "templates"}, {"alerts", "templates", "--out", "x", "extra"}} {
		if _, stderr, code := tailaudit(t, "", nil, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	if _, stderr, code := tailaudit(t, dir, nil, "alerts", "templates", "--out", "file"); code != 2 || !strings.Contains(stderr, "file") {
		t.Errorf("--out a file: exit %d, stderr %q; want 2", code, stderr)
	}
}

// TestDemoECSDocumentsAreMapped renders the demo week's real alerts, and the drift between its two
// snapshots, as the ECS documents the Elasticsearch sink sends (-f ecs, the same function), and
// finds every field in the shipped index template.
func TestDemoECSDocumentsAreMapped(t *testing.T) {
	var tmpl struct {
		Template struct {
			Mappings map[string]any `json:"mappings"`
		} `json:"template"`
	}
	b, _ := fs.ReadFile(sink.Templates(), "elasticsearch/index-template.json")
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	demo := filepath.Join("..", "..", "fixtures", "demo")
	docs := 0
	for _, args := range [][]string{
		{"alerts", "--events", filepath.Join(demo, "audit.jsonl"), "--snapshot", filepath.Join(demo, "snapshot.json"), "-f", "ecs"},
		{"alerts", "--before", filepath.Join(demo, "snapshot-before.json"), "--after", filepath.Join(demo, "snapshot.json"), "-f", "ecs"},
	} {
		stdout, stderr, code := tailaudit(t, "", nil, args...)
		if code > 1 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		for line := range strings.SplitSeq(strings.TrimSpace(stdout), "\n") {
			var doc map[string]any
			if err := json.Unmarshal([]byte(line), &doc); err != nil {
				t.Fatal(err)
			}
			docs++
			for _, path := range unmapped("", doc, tmpl.Template.Mappings) {
				t.Errorf("%s (rule %v) is not mapped in the index template", path, doc["rule"].(map[string]any)["id"])
			}
		}
	}
	if docs < 20 {
		t.Errorf("%d documents, want the demo's alerts", docs)
	}
}

// unmapped lists the fields of obj that mapping has no place for. A flattened field takes any
// object below it.
func unmapped(prefix string, obj map[string]any, mapping map[string]any) []string {
	props, _ := mapping["properties"].(map[string]any)
	var out []string
	for k, v := range obj {
		path := strings.TrimPrefix(prefix+"."+k, ".")
		m, ok := props[k].(map[string]any)
		switch {
		case !ok:
			out = append(out, path)
		case m["type"] == "flattened":
			if _, isObj := v.(map[string]any); !isObj {
				out = append(out, path+" (not an object, mapped flattened)")
			}
		case m["properties"] != nil:
			sub, isObj := v.(map[string]any)
			if !isObj {
				out = append(out, path+" (not an object)")
				continue
			}
			out = append(out, unmapped(path, sub, m)...)
		}
	}
	return out
}
