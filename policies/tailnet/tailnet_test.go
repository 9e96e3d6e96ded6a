package tailnet_test

// The Rego unit tests of these rules run with every other built-in rule's, through the engine, in
// policies/policies_test.go. The tests here evaluate the tailnet rules through the engine too, as
// check does: the same sandbox, the same tailscale.* built-ins, the same result decoding.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/tailnet"
	"github.com/tailaudit/tailaudit/internal/synth"
	"github.com/tailaudit/tailaudit/policies"
)

var idPattern = regexp.MustCompile(`^TA-(DEV|USER|KEY|SET|LOG|HOOK|CONTACT)-[0-9]{3}$`)

// ruleMeta is what README.md's table says of a rule, read from its METADATA.
type ruleMeta struct {
	id, severity, title string
	resources, requires string   // as the table writes them: "tailnet" for no resources, "—" for none
	pkg                 string   // the package's last element, the file name
	params              []string // "`name` = default" for each parameter it reads, in key order
}

// tailnetRules reads the METADATA of every rule in tailnet/ of the embedded rules.
func tailnetRules(t *testing.T) []ruleMeta {
	t.Helper()
	names, err := fs.Glob(policies.FS, "tailnet/*.rego")
	if err != nil {
		t.Fatal(err)
	}
	shared := sharedDefaults(t)
	var out []ruleMeta
	for _, name := range names {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		src, err := fs.ReadFile(policies.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range mod.Annotations {
			if a.Scope != "package" {
				continue
			}
			m := ruleMeta{title: a.Title, resources: "tailnet", requires: "—", pkg: strings.TrimSuffix(path.Base(name), ".rego")}
			m.id, _ = a.Custom["id"].(string)
			m.severity, _ = a.Custom["severity"].(string)
			if r, ok := a.Custom["resources"].(string); ok {
				m.resources = r
			}
			if req, ok := a.Custom["requires"].([]any); ok {
				keys := make([]string, len(req))
				for i, k := range req {
					keys[i] = fmt.Sprint(k)
				}
				m.requires = strings.Join(keys, ", ")
			}
			m.params = parameters(t, name, mod, shared)
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		t.Fatal("no tailnet rules embedded")
	}
	return out
}

// sharedDefaults is params.shared of lib/params.rego.
func sharedDefaults(t *testing.T) ast.Object {
	t.Helper()
	src, err := fs.ReadFile(policies.FS, "lib/params.rego")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ast.ParseModuleWithOpts("lib/params.rego", string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mod.Rules {
		if obj, ok := r.Head.Value.Value.(ast.Object); ok && r.Head.Name.String() == "shared" {
			return obj
		}
	}
	t.Fatal("lib/params.rego has no shared object")
	return nil
}

// parameters renders the defaults a rule gives params.merged as "`name` = default".
func parameters(t *testing.T, file string, mod *ast.Module, shared ast.Object) []string {
	t.Helper()
	var out []string
	for _, r := range mod.Rules {
		if r.Head.Name.String() != "parameters" {
			continue
		}
		call, _ := r.Head.Value.Value.(ast.Call)
		var defaults ast.Object
		if len(call) == 2 && call[0].String() == "params.merged" {
			defaults, _ = call[1].Value.(ast.Object)
		}
		if defaults == nil {
			t.Errorf("%s: parameters is %v, want params.merged({...})", file, r.Head.Value)
			continue
		}
		for _, key := range defaults.Keys() {
			value := defaults.Get(key)
			if ref, isRef := value.Value.(ast.Ref); isRef {
				value = shared.Get(ast.StringTerm(strings.TrimPrefix(ref.String(), "params.shared.")))
			}
			name, _ := key.Value.(ast.String)
			out = append(out, fmt.Sprintf("`%s` = %v", string(name), value))
		}
	}
	return out
}

// TestReadmeTable keeps README.md's table of rules in step with the rules: id, severity, title,
// the parameters with their defaults, the collection the engine derives pass records from, the
// sections the rule requires, and the package.
func TestReadmeTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tailnetRules(t) {
		if !idPattern.MatchString(r.id) {
			t.Errorf("%s: id %q does not match %s", r.pkg, r.id, idPattern)
		}
		start := fmt.Sprintf("| %s | %s | %s |", r.id, r.severity, r.title)
		end := fmt.Sprintf("| %s | %s | `%s` |", r.resources, r.requires, r.pkg)
		var row string
		for line := range strings.SplitSeq(string(readme), "\n") {
			if strings.HasPrefix(line, start) {
				row = line
			}
		}
		switch {
		case row == "":
			t.Errorf("README.md has no row starting %q", start)
		case !strings.HasSuffix(row, end):
			t.Errorf("README.md row of %s should end %q:\n%s", r.id, end, row)
		}
		cells := strings.Split(row, " | ")
		if row == "" || len(cells) < 4 {
			continue
		}
		if len(r.params) == 0 && cells[3] != "—" {
			t.Errorf("README.md gives %s the parameters %q; it reads none", r.id, cells[3])
		}
		for _, p := range r.params {
			if !strings.Contains(cells[3], p) {
				t.Errorf("README.md's row of %s does not give %s", r.id, p)
			}
		}
	}
}

// evaluate runs every built-in rule over a snapshot through the engine and returns "ID kind
// resource-name" lines for the tailnet rules' results, sorted. It fails t on any result the engine
// could not turn into a complete finding (no message, no resource id, no location), and on a rule
// whose pass record and results do not add up to the items it examined: the ids the rules give
// their resources must be the ids the engine reads from the snapshot.
func evaluate(t *testing.T, snap *tailnet.Snapshot) []string {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithBuiltinRules(policies.FS))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(ctx, engine.Input{Tailnet: snap, Now: snap.CollectedAt})
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	kinds := map[finding.Result]string{finding.Fail: "deny", finding.Warn: "warn", finding.Manual: "manual"}
	var lines []string
	for _, f := range rep.Findings {
		if r, _ := eng.Rule(f.Rule.ID); !strings.HasPrefix(r.Namespace, "tailaudit.tailnet.") {
			continue
		}
		if f.Result == finding.Error {
			t.Errorf("%s: %s", f.Rule.ID, f.Message)
			continue
		}
		kind, ok := kinds[f.Result]
		if !ok {
			continue
		}
		if f.Message == "" || strings.HasPrefix(f.Message, "map[") || f.Resource == nil || f.Resource.Type == "" || f.Resource.ID == "" || f.Location == nil {
			t.Errorf("%s %s: result lacks msg, resource or path: %+v", f.Rule.ID, kind, f)
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s", f.Rule.ID, kind, f.Resource.Name))
	}
	checkPassRecords(t, rep)
	sort.Strings(lines)
	return lines
}

// checkPassRecords checks, for every rule with a per-resource pass record, that no resource both
// passed and has a result, and that the passed and the reported resources are every one examined.
func checkPassRecords(t *testing.T, rep *finding.Report) {
	t.Helper()
	reported := map[string]map[string]bool{} // rule id → resource ids with a result
	for _, f := range rep.Findings {
		if f.Result != finding.Pass && f.Resource != nil {
			if reported[f.Rule.ID] == nil {
				reported[f.Rule.ID] = map[string]bool{}
			}
			reported[f.Rule.ID][f.Resource.ID] = true
		}
	}
	records := 0
	for _, f := range rep.Findings {
		ev, _ := f.Evidence.(map[string]any)
		passed, ok := ev["passedIds"].([]string)
		if f.Result != finding.Pass || !ok {
			continue
		}
		records++
		for _, id := range passed {
			if reported[f.Rule.ID][id] {
				t.Errorf("%s: %s %s both passed and has a result", f.Rule.ID, f.Resource.Type, id)
			}
		}
		if examined := ev["examined"].(int); len(passed)+len(reported[f.Rule.ID]) != examined {
			t.Errorf("%s: %d %ss passed and %d have results, but %d were examined", f.Rule.ID, len(passed), f.Resource.Type, len(reported[f.Rule.ID]), examined)
		}
	}
	if records == 0 {
		t.Error("no rule gave a per-resource pass record")
	}
}

func demoSnapshot(t *testing.T) *tailnet.Snapshot {
	t.Helper()
	snap, err := tailnet.Load(filepath.Join("..", "..", "fixtures", "demo", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// syntheticSnapshot is a generated tailnet of realistic size, with shapes the demo lacks.
func syntheticSnapshot(t *testing.T) *tailnet.Snapshot {
	t.Helper()
	raw, err := json.Marshal(synth.Snapshot(11, 400, 120, 40))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := tailnet.Decode("synthetic.json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestDemoSnapshot pins what the rules find in the demo tailnet, so that a change to either
// shows up here. The demo is meant to fail some checks in every area, not all of them.
func TestDemoSnapshot(t *testing.T) {
	got := evaluate(t, demoSnapshot(t))
	if d := cmp.Diff(demoFindings, got); d != "" {
		t.Errorf("demo findings (-want +got):\n%s", d)
	}
}

// TestSyntheticTailnet runs every rule over a generated tailnet of realistic size, so that a rule
// tripping over a shape the demo lacks shows up here.
func TestSyntheticTailnet(t *testing.T) {
	lines := evaluate(t, syntheticSnapshot(t))
	fired := map[string]bool{}
	for _, l := range lines {
		fired[strings.Fields(l)[0]] = true
	}
	if len(fired) < 12 {
		t.Errorf("only %d rules fired on a 400-device synthetic tailnet: %v", len(fired), fired)
	}
}

// TestResultContract runs testdata/contract as user tests beside the built-in rules, through the
// engine's test runner with built-in errors raised: over the demo and the synthetic tailnet, every
// result of every tailnet rule must be an object with a message, a resource, a path and, when it
// overrides the rule's severity, a known severity. The engine reads a malformed result as best it
// can, so this is checked on the results as the rules give them.
func TestResultContract(t *testing.T) {
	docs := map[string]any{}
	for name, snap := range map[string]*tailnet.Snapshot{"demo": demoSnapshot(t), "synthetic": syntheticSnapshot(t)} {
		docs[name] = map[string]any{"tailnet": snap.Raw, "now": snap.CollectedAt.Format(time.RFC3339)}
	}
	b, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	module := "# Generated by TestResultContract: the documents the contract tests judge.\npackage tailaudit.contract\n\ndocuments := " + string(b) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "documents.rego"), []byte(module), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := engine.RunTests(context.Background(), engine.TestOptions{StrictBuiltinErrors: true},
		engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs(filepath.Join("testdata", "contract"), dir))
	if err != nil {
		t.Fatalf("run contract tests: %v", err)
	}
	for _, r := range run.Results {
		if r.Error != nil || !r.Pass() {
			t.Errorf("%s.%s: %v\n%s", r.Package, r.Name, r.Error, r.Output)
		}
	}
	if len(run.Results) != 2 {
		t.Errorf("%d contract tests ran, want 2", len(run.Results))
	}
}
