package policies

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/tailaudit/tailaudit/engine"
)

// ruleDirs are the directories of FS whose packages are rules (and so need
// metadata and tests); everything else is a helper library.
var ruleDirs = []string{"policy", "tailnet"}

var (
	idPattern  = regexp.MustCompile(`^TA-[A-Z]+-[0-9]{3}$`)
	severities = []string{"critical", "high", "medium", "low", "info"}
	// collections are the snapshot arrays the engine derives per-resource pass records from
	// (custom.resources); snapshotKeys the snapshot sections a rule may require (custom.requires).
	collections  = []string{"devices", "users", "keys", "webhooks"}
	snapshotKeys = []string{"devices", "users", "keys", "settings", "dns", "policy", "logstream", "webhooks", "postureIntegrations", "contacts"}
)

type regoFile struct {
	name   string
	src    []byte
	module *ast.Module
}

func loadFS(t *testing.T) []regoFile {
	t.Helper()
	var files []regoFile
	err := fs.WalkDir(FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) != ".rego" {
			return err
		}
		src, err := FS.ReadFile(name)
		if err != nil {
			return err
		}
		mod, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
			RegoVersion:       ast.RegoV1,
			ProcessAnnotation: true,
		})
		if err != nil {
			return err
		}
		files = append(files, regoFile{name: name, src: src, module: mod})
		return nil
	})
	if err != nil {
		t.Fatalf("load embedded rules: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("no .rego files embedded")
	}
	return files
}

func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

func isRuleFile(name string) bool {
	return !isTestFile(name) && slices.Contains(ruleDirs, path.Dir(name))
}

func TestRegoTests(t *testing.T) {
	run, err := engine.RunTests(context.Background(), engine.TestOptions{Builtin: true, StrictBuiltinErrors: true}, engine.WithBuiltinRules(FS))
	if err != nil {
		t.Fatalf("run rego tests: %v", err)
	}
	for _, r := range run.Results {
		switch {
		case r.Error != nil:
			t.Errorf("%s: %s.%s: %v", r.Location, r.Package, r.Name, r.Error)
		case r.Skip:
		case !r.Pass():
			t.Errorf("%s: %s", r.Location, r)
		}
	}
	if len(run.Results) == 0 {
		t.Error("no rego tests ran")
	}
}

// TestRegoStrict compiles every rule in OPA's strict mode (unused variables and imports, shadowed
// names, deprecated built-ins are errors) with the capabilities rules run with.
func TestRegoStrict(t *testing.T) {
	modules := map[string]*ast.Module{}
	for _, f := range loadFS(t) {
		modules[f.name] = f.module
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(engine.Capabilities(false))
	if c.Compile(modules); c.Failed() {
		t.Errorf("strict compile:\n%v", c.Errors)
	}
}

func TestRuleMetadata(t *testing.T) {
	seen := map[string]string{} // id → file
	for _, f := range loadFS(t) {
		if !isRuleFile(f.name) {
			continue
		}
		t.Run(f.name, func(t *testing.T) {
			pkg := f.module.Package.Path.String()
			wantPkg := "data.tailaudit." + path.Dir(f.name) + "." + strings.TrimSuffix(path.Base(f.name), ".rego")
			if pkg != wantPkg {
				t.Errorf("package = %s, want %s", pkg, wantPkg)
			}
			var meta *ast.Annotations
			for _, a := range f.module.Annotations {
				if a.Scope == "package" {
					meta = a
				}
			}
			if meta == nil {
				t.Fatal("no package-scoped # METADATA block")
			}
			if meta.Title == "" {
				t.Error("metadata has no title")
			}
			if meta.Description == "" {
				t.Error("metadata has no description")
			}
			id, _ := meta.Custom["id"].(string)
			if !idPattern.MatchString(id) {
				t.Errorf("custom.id = %q, want the form TA-AREA-000", id)
			}
			if other, dup := seen[id]; dup {
				t.Errorf("custom.id %s is also used by %s", id, other)
			}
			seen[id] = f.name
			if sev, _ := meta.Custom["severity"].(string); !slices.Contains(severities, sev) {
				t.Errorf("custom.severity = %q, want one of %v", sev, severities)
			}
			if rem, _ := meta.Custom["remediation"].(string); rem == "" {
				t.Error("metadata has no custom.remediation")
			}
			if !hasRule(f.module, "deny") && !hasRule(f.module, "warn") && !hasRule(f.module, "manual") {
				t.Error("defines none of deny, warn and manual")
			}
			_, hasResources := meta.Custom["resources"]
			_, hasRequires := meta.Custom["requires"]
			if (hasResources || hasRequires) && path.Dir(f.name) != "tailnet" {
				t.Error("custom.resources and custom.requires are for rules on the tailnet snapshot")
			}
			if r, ok := meta.Custom["resources"]; ok {
				if s, _ := r.(string); !slices.Contains(collections, s) {
					t.Errorf("custom.resources = %v, want one of %v", r, collections)
				}
			}
			if req, ok := meta.Custom["requires"]; ok {
				list, _ := req.([]any)
				if len(list) == 0 {
					t.Error("custom.requires must be a non-empty list")
				}
				for _, k := range list {
					if s, _ := k.(string); !slices.Contains(snapshotKeys, s) {
						t.Errorf("custom.requires names unknown snapshot key %v", k)
					}
				}
			}
		})
	}
	if len(seen) == 0 {
		t.Error("no rules found")
	}
}

func hasRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if ref := r.Head.Ref(); len(ref) > 0 && ref[0].Value.Compare(ast.Var(name)) == 0 {
			return true
		}
	}
	return false
}

// TestRulesHaveTests checks that every rule has a _test.rego beside it with at least two tests: one
// that makes it fire and one that keeps it silent.
func TestRulesHaveTests(t *testing.T) {
	files := loadFS(t)
	tests := map[string]int{} // test file → test_ rules
	for _, f := range files {
		if !isTestFile(f.name) {
			continue
		}
		tests[f.name] = 0
		for _, r := range f.module.Rules {
			if strings.HasPrefix(r.Head.Name.String(), "test_") {
				tests[f.name]++
			}
		}
	}
	for _, f := range files {
		if !isRuleFile(f.name) {
			continue
		}
		want := strings.TrimSuffix(f.name, ".rego") + "_test.rego"
		n, ok := tests[want]
		switch {
		case !ok:
			t.Errorf("%s has no %s", f.name, path.Base(want))
		case n < 2:
			t.Errorf("%s has %d tests, want at least one that fires and one that stays silent", want, n)
		}
	}
}

func TestRegoFormatted(t *testing.T) {
	for _, f := range loadFS(t) {
		got, err := format.SourceWithOpts(f.name, f.src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("format %s: %v", f.name, err)
			continue
		}
		if !bytes.Equal(got, f.src) {
			t.Errorf("%s is not formatted (opa fmt --v1-compatible)", f.name)
		}
	}
}
