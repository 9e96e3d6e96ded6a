package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/tailscale/hujson"
)

// TestDemoPolicy runs every policy rule over the demo tailnet's policy file and
// checks that exactly its deliberate problems are found. The demo uses canonical
// key spellings only, so it needs no normalisation beyond standard JSON.
func TestDemoPolicy(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "fixtures", "demo", "policy.hujson"))
	if err != nil {
		t.Fatal(err)
	}
	std, err := hujson.Standardize(raw)
	if err != nil {
		t.Fatalf("parse demo policy: %v", err)
	}
	var policy any
	if err := json.Unmarshal(std, &policy); err != nil {
		t.Fatalf("decode demo policy: %v", err)
	}

	opts := []func(*rego.Rego){
		rego.Query("data.tailaudit.policy"),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(true),
		rego.Input(map[string]any{"policy": policy}),
	}
	ids := map[string]string{} // package name → rule id
	for _, f := range loadFS(t) {
		if isTestFile(f.name) {
			continue
		}
		opts = append(opts, rego.ParsedModule(f.module))
		for _, a := range f.module.Annotations {
			if a.Scope == "package" && isRuleFile(f.name) {
				ids[strings.TrimPrefix(f.module.Package.Path.String(), "data.tailaudit.policy.")], _ = a.Custom["id"].(string)
			}
		}
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil {
		t.Fatalf("evaluate rules: %v", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		t.Fatalf("unexpected result set: %v", rs)
	}
	packages, _ := rs[0].Expressions[0].Value.(map[string]any)

	var got []string
	for pkg, doc := range packages {
		rules, _ := doc.(map[string]any)
		for _, kind := range []string{"deny", "warn"} {
			results, _ := rules[kind].([]any)
			for _, r := range results {
				res, _ := r.(map[string]any)
				got = append(got, fmt.Sprintf("%s %s %s", ids[pkg], kind, pointer(res["path"])))
			}
		}
	}
	slices.Sort(got)

	want := []string{
		"TA-ACL-005 deny /policy/acls/2/dst/1",
		"TA-ATTR-001 deny /policy/nodeAttrs/0/target/0",
		"TA-GROUP-002 deny /policy/groups/group:interns",
		"TA-HOST-002 deny /policy/hosts/legacy-dc",
		"TA-SSH-001 deny /policy/ssh/1/users/0",
		"TA-SSH-004 deny /policy/ssh/3/checkPeriod",
		"TA-TAG-002 deny /policy/grants/2/dst/0",
		"TA-TAG-003 warn /policy/tagOwners/tag:k8s-operator",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo findings (-want +got):\n%s", diff)
	}
}

func pointer(path any) string {
	segs, _ := path.([]any)
	var b strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&b, "/%v", s)
	}
	return b.String()
}
