package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/policies"
)

// TestBuiltinRulesCompile compiles every embedded module together, with network built-ins off and
// on, and checks every rule's params.merged defaults against its declarations: what an engine built
// with WithEmbeddedRules leaves uncompiled until a document needs it must compile.
func TestBuiltinRulesCompile(t *testing.T) {
	for _, network := range []bool{false, true} {
		e, err := New(context.Background(), WithBuiltinRules(policies.FS), WithNetworkBuiltins(network))
		if err != nil {
			t.Fatalf("network built-ins %v: %v", network, err)
		}
		if e.compiler == nil || len(e.compiler.Modules) != len(e.modules.names) {
			t.Fatalf("network built-ins %v: New compiled %d of %d modules", network, len(compiledOf(e.compiler)), len(e.modules.names))
		}
		if _, err := collectParams(slices.Concat(e.rules, e.alerts), e.compiler.Modules); err != nil {
			t.Errorf("network built-ins %v: %v", network, err)
		}
	}
}

func compiledOf(c *ast.Compiler) map[string]*ast.Module {
	if c == nil {
		return nil
	}
	return c.Modules
}

// demoInputs reads the demo policy and snapshot.
func demoInputs(t *testing.T) (*policyfile.File, *tailnet.Snapshot) {
	t.Helper()
	src, err := os.ReadFile("../fixtures/demo/policy.hujson")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policyfile.Parse("policy.hujson", src)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../fixtures/demo/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := tailnet.Decode("snapshot.json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return pol, snap
}

// TestEmbeddedRulesCompiledPerDocument checks that an engine of the embedded rules alone compiles
// nothing in New, that a policy-only evaluation compiles no tailnet, change or alert rule, and that
// its reports, policy-only and with the snapshot and a base, equal those of an engine that compiled
// every module.
func TestEmbeddedRulesCompiledPerDocument(t *testing.T) {
	ctx := context.Background()
	pol, snap := demoInputs(t)
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	full, err := New(ctx, WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := New(ctx, WithEmbeddedRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	if lazy.compiler != nil {
		t.Fatal("New compiled the embedded rules")
	}
	if got, want := slices.Sorted(maps.Keys(lazy.params)), slices.Sorted(maps.Keys(full.params)); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("parameters declared: %v, want %v", got, want)
	}
	for i, in := range []Input{
		{Policy: pol, Now: now},
		{Policy: pol, Tailnet: snap, Now: now},
		{Policy: pol, Base: pol, Tailnet: snap, Now: now},
	} {
		want, err := full.Evaluate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := lazy.Evaluate(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			mods := lazy.docs["policy"].compiler.Modules
			for name, m := range mods {
				if pkg := packageName(m); documentFor(pkg) != "policy" && !strings.HasPrefix(pkg, reservedLib+".") {
					t.Errorf("a policy-only evaluation compiled %s (package %s)", name, pkg)
				}
			}
			if len(mods) == 0 || len(mods) >= len(lazy.modules.names) {
				t.Errorf("a policy-only evaluation compiled %d of %d modules", len(mods), len(lazy.modules.names))
			}
			if _, ok := lazy.docs["tailnet"]; !ok || lazy.docs["tailnet"].compiler != nil {
				t.Error("a policy-only evaluation compiled the tailnet rules")
			}
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if len(want.Findings) == 0 || string(wj) != string(gj) {
			t.Errorf("input %d: the reports differ (%d and %d findings):\n%s", i, len(want.Findings), len(got.Findings), cmp.Diff(string(wj), string(gj)))
		}
	}
}

// TestCustomRulesCompiledInNew checks that beside the embedded rules, any other module makes New
// compile every module: a custom tailnet rule that does not compile fails New, and so a
// policy-only check, and a custom rule that compiles makes New compile the built-in ones too.
func TestCustomRulesCompiledInNew(t *testing.T) {
	ctx := context.Background()
	broken := RuleFile{Name: "custom/broken.rego", Text: `# METADATA
# title: Broken
# custom:
#   id: ACME-NET-001
#   severity: high
package acme_broken

deny contains msg if {
	some d in input.tailnet.devices
	msg := no_such_function(d)
}
`}
	broken.Text = strings.Replace(broken.Text, "package acme_broken", "package tailaudit.tailnet.acme_broken", 1)
	_, err := New(ctx, WithEmbeddedRules(policies.FS), WithRuleFiles(broken))
	errs := source.All(err)
	if err == nil || len(errs) == 0 || errs[0].File != "custom/broken.rego" || errs[0].Line != 10 || !strings.Contains(errs[0].Msg, "undefined function no_such_function") {
		t.Fatalf("New with a broken custom tailnet rule: %v, want undefined function no_such_function at custom/broken.rego:10", err)
	}
	ok := RuleFile{Name: "custom/ok.rego", Text: strings.Replace(broken.Text, "no_such_function(d)", "d.name", 1)}
	e, err := New(ctx, WithEmbeddedRules(policies.FS), WithRuleFiles(ok))
	if err != nil {
		t.Fatal(err)
	}
	if e.compiler == nil || len(e.compiler.Modules) != len(e.modules.names) {
		t.Errorf("with a custom rule, New compiled %d of %d modules, want all", len(compiledOf(e.compiler)), len(e.modules.names))
	}
}

// TestStandInBuiltinsCompiledInNew checks that rules given with WithBuiltinRules that are not the
// embedded ones (a bundle standing in for the built-in rules) are all compiled by New: a broken
// tailnet rule among them fails New.
func TestStandInBuiltinsCompiledInNew(t *testing.T) {
	fsys := fstest.MapFS{"tailnet/broken.rego": {Data: []byte(`# METADATA
# title: Broken
# custom:
#   id: TA-X-001
#   severity: high
package tailaudit.tailnet.broken

deny contains msg if {
	msg := no_such_function(input.tailnet)
}
`)}}
	if _, err := New(context.Background(), WithBuiltinRules(fsys)); err == nil || !strings.Contains(err.Error(), "undefined function no_such_function") {
		t.Fatalf("New = %v, want the undefined function", err)
	}
	// WithEmbeddedRules on such a file system (which it is not for) still fails the evaluation
	// that needs the rule, with the compile error, rather than passing it.
	e, err := New(context.Background(), WithEmbeddedRules(fsys))
	if err != nil {
		t.Fatal(err)
	}
	snap := &tailnet.Snapshot{Name: "snap.json", Raw: map[string]any{"devices": []any{}}}
	_, err = e.Evaluate(context.Background(), Input{Tailnet: snap, Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err == nil || !strings.Contains(err.Error(), "undefined function no_such_function") {
		t.Fatalf("Evaluate = %v, want the undefined function", err)
	}
}

func TestNeededModules(t *testing.T) {
	files := map[string]string{
		"rule_a.rego":    "package tailaudit.policy.a\nimport data.tailaudit.lib.x\ndeny contains 1 if x.f",
		"rule_a2.rego":   "package tailaudit.policy.a\nwarn contains 1 if true",
		"rule_b.rego":    "package tailaudit.policy.b\ndeny contains 1 if data.tailaudit.lib.y.g",
		"rule_c.rego":    "package tailaudit.policy.c\ndeny contains 1 if data.tailaudit.lib[k].h",
		"rule_d.rego":    "package tailaudit.policy.d\ndeny contains 1 if data[k]",
		"rule_e.rego":    "package tailaudit.policy.e\ndeny contains 1 if true",
		"lib_x.rego":     "package tailaudit.lib.x\nimport data.tailaudit.lib.z\nf if z.q",
		"lib_y.rego":     "package tailaudit.lib.y\ng := 1",
		"lib_y_sub.rego": "package tailaudit.lib.y.g.deeper\nh := 1",
		"lib_z.rego":     "package tailaudit.lib.z\nq if true",
		"lib_w.rego":     "package tailaudit.lib.w\nh := 1",
		"net.rego":       "package tailaudit.tailnet.n\ndeny contains 1 if true",
	}
	mods := map[string]*ast.Module{}
	var srcs []regoFile
	for name, text := range files {
		mods[name] = ast.MustParseModuleWithOpts(text, ast.ParserOptions{RegoVersion: ast.RegoV1})
		srcs = append(srcs, regoFile{name: name, text: text, builtin: true})
	}
	headers, _, err := parseFiles(srcs, parseHeader)
	if err != nil {
		t.Fatal(err)
	}
	libs := []string{"lib_w.rego", "lib_x.rego", "lib_y.rego", "lib_y_sub.rego", "lib_z.rego"}
	for _, tt := range []struct {
		pkgs []string
		want []string
	}{
		{[]string{"tailaudit.policy.a"}, []string{"lib_x.rego", "lib_z.rego", "rule_a.rego", "rule_a2.rego"}}, // both files, and an import's import
		{[]string{"tailaudit.policy.b"}, []string{"lib_y.rego", "lib_y_sub.rego", "rule_b.rego"}},             // the package and what lies below the path
		{[]string{"tailaudit.policy.c"}, append(slices.Clone(libs), "rule_c.rego")},                           // data.tailaudit.lib[k]: every library
		{[]string{"tailaudit.policy.d"}, slices.Sorted(maps.Keys(files))},                                     // data[k]: everything
		{[]string{"tailaudit.policy.e"}, []string{"rule_e.rego"}},
		{[]string{"tailaudit.policy.e", "tailaudit.tailnet.n"}, []string{"net.rego", "rule_e.rego"}},
		{nil, nil},
	} {
		// Modules parsed whole, and headers whose files are parsed when needed, give the same.
		for _, set := range []*moduleSet{parsedModules(mods), headerModules(srcs, headers)} {
			needed, err := neededModules(set, tt.pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(needed)); !slices.Equal(got, tt.want) {
				t.Errorf("neededModules(%v) = %v, want %v", tt.pkgs, got, tt.want)
			}
			for name, m := range needed {
				if len(m.Rules) == 0 {
					t.Errorf("neededModules(%v): %s has no rules; want it parsed whole", tt.pkgs, name)
				}
			}
		}
	}
}

// TestHeadersLoadAsFullModules checks, for every embedded rule file, that what New reads of it when
// it loads the embedded rules alone (its header, parseHeader, and the result sets its text
// declares) gives the same rules, metadata and all, as parsing the whole file, and the same package.
func TestHeadersLoadAsFullModules(t *testing.T) {
	srcs, err := readFS(policies.FS, ".", "", true, false)
	if err != nil {
		t.Fatal(err)
	}
	builtin := map[string]bool{}
	declared := map[string][]string{}
	for _, f := range srcs {
		builtin[f.name] = true
		declared[f.name] = declaredSets(f.text)
	}
	full, err := parseModules(srcs)
	if err != nil {
		t.Fatal(err)
	}
	headers, _, err := parseFiles(srcs, parseHeader)
	if err != nil {
		t.Fatal(err)
	}
	known := func(string, string) bool { return true }
	want, errs := gatherRules(full, builtin, known, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got, errs := gatherRules(headers, builtin, known, declared)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(want) < 100 {
		t.Fatalf("%d embedded rules; want the whole set", len(want))
	}
	if d := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
		t.Errorf("rules from headers differ from rules from whole files (-whole +headers):\n%s", d)
	}
	for name, m := range full {
		h := headers[name]
		if !h.Package.Path.Equal(m.Package.Path) || len(h.Rules) != 0 {
			t.Errorf("%s: header package %v with %d rules, want package %v and no rules", name, h.Package.Path, len(h.Rules), m.Package.Path)
		}
	}
}

// TestDeclaredSets checks the result sets found in a file's text against the ones parsing finds.
func TestDeclaredSets(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"package p\n\ndeny contains msg if {\n\tfalse\n}\n\nwarn contains 1 if true\ndeny contains 2 if true\n", []string{"deny", "warn"}},
		{"package p\n\n# deny contains a comment\nhelper contains 1 if true\n", nil},
		{"package p\n\nalert contains x if x := 1\n", []string{"alert"}},
		{"package p\n\nmanual contains {\"msg\": \"m\"} if true\n", []string{"manual"}},
		{"package p\n\ndenying contains 1 if true\ndeny containsx := 1\n  warn contains 1 if true\nwarn contains", []string{"warn"}},
	} {
		if got := declaredSets(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("declaredSets(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
