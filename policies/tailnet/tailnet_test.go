package tailnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// policyDirs are the directories under policies/ whose Rego the tailnet rules need. A directory
// that does not exist yet (policies/lib belongs to another package of rules) is skipped.
var policyDirs = []string{"tailnet", "tailnet_lib", "lib"}

type regoFile struct {
	path string // relative to policies/
	src  []byte
	mod  *ast.Module
}

func loadRego(t *testing.T) []regoFile {
	t.Helper()
	root := os.DirFS("..")
	var files []regoFile
	for _, dir := range policyDirs {
		err := fs.WalkDir(root, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") {
				return nil
			}
			src, err := fs.ReadFile(root, p)
			if err != nil {
				return err
			}
			mod, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
			if err != nil {
				return err
			}
			files = append(files, regoFile{path: p, src: src, mod: mod})
			return nil
		})
		if err != nil && !(dir != "tailnet" && os.IsNotExist(err)) {
			t.Fatalf("load %s: %v", dir, err)
		}
	}
	if len(files) == 0 {
		t.Fatal("no Rego files found")
	}
	return files
}

func modules(files []regoFile) map[string]*ast.Module {
	m := make(map[string]*ast.Module, len(files))
	for _, f := range files {
		m[f.path] = f.mod
	}
	return m
}

// TestRego runs the _test.rego files next to the rules, as opa test would.
func TestRego(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	ch, err := tester.NewRunner().
		SetModules(modules(loadRego(t))).
		RaiseBuiltinErrors(true).
		CapturePrintOutput(true).
		RunTests(ctx, nil)
	if err != nil {
		t.Fatalf("run Rego tests: %v", err)
	}
	n := 0
	for r := range ch {
		n++
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
		case r.Fail:
			t.Errorf("%s.%s (%s): failed at %v\n%s", r.Package, r.Name, r.Location, r.FailedAt, r.Output)
		}
	}
	if n == 0 {
		t.Error("no Rego tests ran")
	}
	t.Logf("%d Rego tests", n)
}

// TestRegoFormatted keeps every file as opa fmt writes it.
func TestRegoFormatted(t *testing.T) {
	for _, f := range loadRego(t) {
		if !strings.HasPrefix(f.path, "tailnet") {
			continue
		}
		want, err := format.Source(f.path, f.src)
		if err != nil {
			t.Errorf("format %s: %v", f.path, err)
			continue
		}
		if !bytes.Equal(want, f.src) {
			t.Errorf("%s is not formatted (run opa fmt -w):\n%s", f.path, cmp.Diff(string(want), string(f.src)))
		}
	}
}

var (
	idPattern     = regexp.MustCompile(`^TA-(DEV|USER|KEY|SET|LOG|HOOK|CONTACT)-[0-9]{3}$`)
	severities    = []string{"critical", "high", "medium", "low", "info"}
	resourceKinds = []string{"devices", "users", "keys", "webhooks"}
	snapshotKeys  = []string{"devices", "users", "keys", "settings", "dns", "policy", "logstream", "webhooks", "postureIntegrations", "contacts"}
)

type ruleInfo struct {
	id, severity, title string
	file                string
}

// rules checks the metadata of every rule package and returns the rules by package path.
func rules(t *testing.T, files []regoFile) map[string]ruleInfo {
	t.Helper()
	out := map[string]ruleInfo{}
	tests := map[string]int{}
	ids := map[string]string{}
	for _, f := range files {
		if path.Dir(f.path) != "tailnet" {
			continue
		}
		base := strings.TrimSuffix(path.Base(f.path), ".rego")
		if strings.HasSuffix(base, "_test") {
			for _, r := range f.mod.Rules {
				if strings.HasPrefix(r.Head.Name.String(), "test_") {
					tests[strings.TrimSuffix(base, "_test")]++
				}
			}
			continue
		}
		pkg := f.mod.Package.Path.String()
		if want := "data.tailaudit.tailnet." + base; pkg != want {
			t.Errorf("%s: package %s, want %s", f.path, pkg, want)
		}
		var a *ast.Annotations
		for _, ann := range f.mod.Annotations {
			if ann.Scope == "package" {
				a = ann
			}
		}
		if a == nil {
			t.Errorf("%s: no package-scoped METADATA", f.path)
			continue
		}
		id, _ := a.Custom["id"].(string)
		sev, _ := a.Custom["severity"].(string)
		rem, _ := a.Custom["remediation"].(string)
		if !idPattern.MatchString(id) {
			t.Errorf("%s: id %q does not match %s", f.path, id, idPattern)
		}
		if other, dup := ids[id]; dup {
			t.Errorf("%s: id %s already used by %s", f.path, id, other)
		}
		ids[id] = f.path
		if !slices.Contains(severities, sev) {
			t.Errorf("%s: severity %q, want one of %v", f.path, sev, severities)
		}
		if a.Title == "" || a.Description == "" || rem == "" {
			t.Errorf("%s: title, description and remediation are all required", f.path)
		}
		if r, ok := a.Custom["resources"]; ok {
			if s, _ := r.(string); !slices.Contains(resourceKinds, s) {
				t.Errorf("%s: resources %v, want one of %v", f.path, r, resourceKinds)
			}
		}
		if req, ok := a.Custom["requires"]; ok {
			list, _ := req.([]any)
			if len(list) == 0 {
				t.Errorf("%s: requires must be a non-empty list", f.path)
			}
			for _, k := range list {
				if s, _ := k.(string); !slices.Contains(snapshotKeys, s) {
					t.Errorf("%s: requires names unknown snapshot key %v", f.path, k)
				}
			}
		}
		kinds := 0
		for _, r := range f.mod.Rules {
			switch r.Head.Name.String() {
			case "deny", "warn", "manual":
				kinds++
			}
		}
		if kinds == 0 {
			t.Errorf("%s: defines none of deny, warn, manual", f.path)
		}
		out[pkg] = ruleInfo{id: id, severity: sev, title: a.Title, file: base}
	}
	for pkg, r := range out {
		if tests[r.file] < 2 {
			t.Errorf("%s: %d tests in %s_test.rego, want at least one firing and one silent", pkg, tests[r.file], r.file)
		}
	}
	return out
}

func TestRuleMetadata(t *testing.T) {
	got := rules(t, loadRego(t))
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		row := fmt.Sprintf("| %s | %s | %s |", r.id, r.severity, r.title)
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README.md has no row starting %q", row)
		}
	}
}

// evaluate runs every rule over one input and returns "ID kind resource" lines, sorted.
func evaluate(t *testing.T, files []regoFile, input map[string]any) []string {
	t.Helper()
	info := rules(t, files)
	opts := []func(*rego.Rego){
		rego.Query("data.tailaudit.tailnet"),
		rego.Input(input),
		rego.StrictBuiltinErrors(true),
	}
	for _, f := range files {
		if !strings.HasSuffix(f.path, "_test.rego") {
			opts = append(opts, rego.ParsedModule(f.mod))
		}
	}
	rs, err := rego.New(opts...).Eval(t.Context())
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if len(rs) != 1 {
		t.Fatalf("evaluate: %d results", len(rs))
	}
	pkgs, _ := rs[0].Expressions[0].Value.(map[string]any)
	var lines []string
	for name, v := range pkgs {
		ri, ok := info["data.tailaudit.tailnet."+name]
		if !ok {
			t.Fatalf("no metadata for package %s", name)
		}
		doc, _ := v.(map[string]any)
		for _, kind := range []string{"deny", "warn", "manual"} {
			results, _ := doc[kind].([]any)
			for _, res := range results {
				obj, ok := res.(map[string]any)
				if !ok {
					t.Errorf("%s %s: result %v is not an object", ri.id, kind, res)
					continue
				}
				msg, _ := obj["msg"].(string)
				resource, _ := obj["resource"].(map[string]any)
				if msg == "" || resource["type"] == nil || resource["id"] == nil || resource["id"] == "" {
					t.Errorf("%s %s: result lacks msg or resource: %v", ri.id, kind, obj)
				}
				if _, ok := obj["path"].([]any); !ok {
					t.Errorf("%s %s: result lacks path: %v", ri.id, kind, obj)
				}
				if sev, ok := obj["severity"]; ok && !slices.Contains(severities, fmt.Sprint(sev)) {
					t.Errorf("%s %s: result severity %v", ri.id, kind, sev)
				}
				lines = append(lines, fmt.Sprintf("%s %s %v", ri.id, kind, resource["name"]))
			}
		}
	}
	sort.Strings(lines)
	return lines
}

func readJSON(t *testing.T, p string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return v
}

// TestDemoSnapshot pins what the rules find in the demo tailnet, so that a change to either
// shows up here. The demo is meant to fail some checks in every area, not all of them.
func TestDemoSnapshot(t *testing.T) {
	snap := readJSON(t, "../../fixtures/demo/snapshot.json")
	got := evaluate(t, loadRego(t), map[string]any{"tailnet": snap, "now": snap["collectedAt"]})
	want := demoFindings
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("demo findings (-want +got):\n%s", d)
	}
}

// TestSyntheticTailnet runs every rule over a generated tailnet of realistic size with strict
// builtin errors, so that a rule tripping over a shape the demo lacks shows up here.
func TestSyntheticTailnet(t *testing.T) {
	raw, err := json.Marshal(synth.Snapshot(11, 400, 120, 40))
	if err != nil {
		t.Fatal(err)
	}
	var snap map[string]any
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	lines := evaluate(t, loadRego(t), map[string]any{"tailnet": snap, "now": synth.CollectedAt})
	fired := map[string]bool{}
	for _, l := range lines {
		fired[strings.Fields(l)[0]] = true
	}
	if len(fired) < 12 {
		t.Errorf("only %d rules fired on a 400-device synthetic tailnet: %v", len(fired), fired)
	}
}
