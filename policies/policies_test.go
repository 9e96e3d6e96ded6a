package policies

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/tailnet"
)

// ruleDirs are the directories of FS whose packages are rules (and so need
// metadata and tests); everything else is a helper library.
var ruleDirs = []string{"policy", "tailnet", "change", "alerts"}

var (
	idPattern  = regexp.MustCompile(`^TA-[A-Z]+-[0-9]{3}$`)
	severities = []string{"critical", "high", "medium", "low", "info"}
	// collections are the snapshot arrays the engine derives per-resource pass records from
	// (custom.resources); a rule may require (custom.requires) any of tailnet.Endpoints.
	collections = []string{tailnet.EndpointDevices, tailnet.EndpointUsers, tailnet.EndpointKeys, tailnet.EndpointWebhooks}
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
			if !hasRule(f.module, "deny") && !hasRule(f.module, "warn") && !hasRule(f.module, "manual") && !hasRule(f.module, "alert") {
				t.Error("defines none of deny, warn, manual and alert")
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
					if s, _ := k.(string); !slices.Contains(tailnet.Endpoints(), s) {
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

// TestParamsTable keeps the parameter table of README.md in step with the rules: every parameter a
// rule reads through params.merged is a row with the rule's default and its id under "used by", and
// every row is read by some rule.
func TestParamsTable(t *testing.T) {
	files := loadFS(t)
	var shared ast.Object
	for _, f := range files {
		if f.name != "lib/params.rego" {
			continue
		}
		for _, r := range f.module.Rules {
			if r.Head.Name.String() == "shared" {
				shared, _ = r.Head.Value.Value.(ast.Object)
			}
		}
	}
	if shared == nil {
		t.Fatal("lib/params.rego has no shared object")
	}
	type row struct{ value, usedBy string }
	table := map[string]row{} // parameter → its row
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Parameters\n")
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("`([^`]*)`")
	for line := range strings.SplitSeq(section, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 3 || !strings.HasPrefix(cells[0], "| `") {
			continue
		}
		keys, values := code.FindAllStringSubmatch(cells[0], -1), code.FindAllStringSubmatch(cells[1], -1)
		for i, k := range keys {
			if i < len(values) {
				table[k[1]] = row{value: values[i][1], usedBy: cells[2]}
			}
		}
	}
	if len(table) == 0 {
		t.Fatal("README.md has no parameter table under ## Parameters")
	}
	read := map[string]bool{}
	for _, f := range files {
		if !isRuleFile(f.name) {
			continue
		}
		id := ""
		for _, a := range f.module.Annotations {
			if a.Scope == "package" {
				id, _ = a.Custom["id"].(string)
			}
		}
		for _, r := range f.module.Rules {
			if r.Head.Name.String() != "parameters" {
				continue
			}
			call, _ := r.Head.Value.Value.(ast.Call)
			if len(call) != 2 || call[0].String() != "params.merged" {
				t.Errorf("%s: parameters is %v, want params.merged({...})", f.name, r.Head.Value)
				continue
			}
			defaults, ok := call[1].Value.(ast.Object)
			if !ok {
				t.Errorf("%s: params.merged is given %v, want an object of defaults", f.name, call[1])
				continue
			}
			for _, key := range defaults.Keys() {
				str, _ := key.Value.(ast.String)
				name := string(str)
				value := defaults.Get(key)
				if ref, isRef := value.Value.(ast.Ref); isRef && strings.HasPrefix(ref.String(), "params.shared.") {
					if value = shared.Get(ast.StringTerm(strings.TrimPrefix(ref.String(), "params.shared."))); value == nil {
						t.Errorf("%s: %v is not in params.shared", f.name, ref)
						continue
					}
				}
				read[name] = true
				switch r, ok := table[name]; {
				case !ok:
					t.Errorf("%s reads parameter %s, which README.md's table does not list", f.name, name)
				case r.value != value.String():
					t.Errorf("README.md gives %s the default %s; %s gives %v", name, r.value, f.name, value)
				case !strings.Contains(r.usedBy, id):
					t.Errorf("README.md's row of %s does not name %s among its users", name, id)
				}
			}
		}
	}
	for name := range table {
		if !read[name] {
			t.Errorf("README.md lists parameter %s, which no rule reads", name)
		}
	}
}

// TestSeverityTable keeps README.md's table of severities against Tailscale's hardening guide in
// step with the rules: every rule of policy, tailnet and change has one row, with its severity.
func TestSeverityTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Severities and Tailscale's hardening guide\n")
	if !ok {
		t.Fatal("README.md has no section ## Severities and Tailscale's hardening guide")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string]string{} // id → severity
	for _, m := range regexp.MustCompile(`(?m)^\| (TA-[A-Z]+-\d+) \| ([a-z]+) \| \S`).FindAllStringSubmatch(section, -1) {
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s has two rows", m[1])
		}
		rows[m[1]] = m[2]
	}
	want := map[string]string{}
	for _, f := range loadFS(t) {
		if !isRuleFile(f.name) || !slices.Contains([]string{"policy", "tailnet", "change"}, path.Dir(f.name)) {
			continue
		}
		for _, a := range f.module.Annotations {
			if a.Scope == "package" {
				id, _ := a.Custom["id"].(string)
				sev, _ := a.Custom["severity"].(string)
				want[id] = sev
			}
		}
	}
	for id, sev := range want {
		switch got, ok := rows[id]; {
		case !ok:
			t.Errorf("%s (%s) has no row in the severity table", id, sev)
		case got != sev:
			t.Errorf("%s: the severity table says %s, its METADATA %s", id, got, sev)
		}
	}
	for id := range rows {
		if _, ok := want[id]; !ok {
			t.Errorf("the severity table lists %s, which is no policy, tailnet or change rule", id)
		}
	}
}
