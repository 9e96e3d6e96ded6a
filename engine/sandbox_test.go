package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/policies"
)

// writeRule writes one rule file into a fresh directory and returns the directory.
func writeRule(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ruleHeader is the METADATA and package line of a policy rule with the given id.
func ruleHeader(id, pkg string) string {
	return fmt.Sprintf("# METADATA\n# title: Test rule\n# custom:\n#   id: %s\n#   severity: high\npackage tailaudit.policy.%s\n\n", id, pkg)
}

// schemaListener counts the requests that reach it; it answers with a schema any value matches.
func schemaListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"type": "object"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/schema.json?policy=leaked", &hits
}

// TestSchemaRemoteRefNeedsNetwork checks that json.match_schema and json.verify_schema fetch a
// remote $ref only when network built-ins are allowed, in evaluation and in rule tests.
func TestSchemaRemoteRefNeedsNetwork(t *testing.T) {
	for _, call := range []string{
		`json.match_schema(input.policy, {"$ref": %q})`,
		`json.verify_schema({"$ref": %q})`,
	} {
		for _, allow := range []bool{false, true} {
			name := strings.SplitN(call, "(", 2)[0] + fmt.Sprintf("/network=%v", allow)
			t.Run(name, func(t *testing.T) {
				url, hits := schemaListener(t)
				body := fmt.Sprintf("deny contains \"schema checked\" if {\n\t[ok, _] := "+call+"\n\tok\n}\n", url)
				dir := writeRule(t, "schema.rego", ruleHeader("T-SCHEMA-001", "schema")+body)
				eng, err := engine.New(context.Background(), engine.WithRuleDirs(dir), engine.WithNetworkBuiltins(allow))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{}`), Now: now}); err != nil {
					t.Fatal(err)
				}
				test := fmt.Sprintf("package tailaudit.policy.schema_test\n\ntest_fetch if {\n\t"+call+"\n}\n", url)
				if err := os.WriteFile(filepath.Join(dir, "schema_test.rego"), []byte(test), 0o644); err != nil {
					t.Fatal(err)
				}
				if _, err := engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithRuleDirs(dir), engine.WithNetworkBuiltins(allow)); err != nil {
					t.Fatal(err)
				}
				if got, want := hits.Load() > 0, allow; got != want {
					t.Errorf("requests to the listener: %d; want some: %v", hits.Load(), want)
				}
			})
		}
	}
}

// TestSchemaLocalStillWorks checks that the schema built-ins stay available for local schemas.
func TestSchemaLocalStillWorks(t *testing.T) {
	dir := writeRule(t, "schema.rego", ruleHeader("T-SCHEMA-002", "schema")+
		"deny contains \"the policy has no tests\" if {\n\t[ok, _] := json.match_schema(input.policy, {\"required\": [\"tests\"]})\n\tnot ok\n}\n")
	eng, err := engine.New(context.Background(), engine.WithRuleDirs(dir))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{"acls": []}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Result != finding.Fail {
		t.Errorf("findings = %+v, want one failure", rep.Findings)
	}
}

// TestNondeterministicBuiltinsDenied checks that rules cannot read the clock or randomness, and
// that the error says to read input.now instead.
func TestNondeterministicBuiltinsDenied(t *testing.T) {
	for _, tt := range []struct{ name, expr string }{
		{"time.now_ns", "time.now_ns() > 0"},
		{"rand.intn", `rand.intn("x", 10) > 0`},
		{"uuid.rfc4122", `uuid.rfc4122("x") != ""`},
		{"io.jwt.encode_sign", `io.jwt.encode_sign({"alg": "HS256"}, {}, {"kty": "oct", "k": "c2VjcmV0"}) != ""`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRule(t, "clock.rego", ruleHeader("T-ND-001", "clock")+"deny contains \"x\" if {\n\t"+tt.expr+"\n}\n")
			for _, allowNetwork := range []bool{false, true} {
				_, err := engine.New(context.Background(), engine.WithRuleDirs(dir), engine.WithNetworkBuiltins(allowNetwork))
				want := "clock.rego:9:"
				if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "undefined function "+tt.name) || !strings.Contains(err.Error(), "input.now") {
					t.Errorf("New(network=%v) error = %v, want %s undefined function %s and a pointer to input.now", allowNetwork, err, want, tt.name)
				}
			}
			if _, err := engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithRuleDirs(dir)); err == nil || !strings.Contains(err.Error(), "undefined function "+tt.name) {
				t.Errorf("RunTests() error = %v, want undefined function %s", err, tt.name)
			}
		})
	}
}

// TestCapabilitiesHaveNoNondeterminism checks every built-in OPA marks nondeterministic: only the
// schema built-ins (whose remote $ref is refused) remain, and the network ones only when allowed.
func TestCapabilitiesHaveNoNondeterminism(t *testing.T) {
	for _, allow := range []bool{false, true} {
		caps := engine.Capabilities(allow)
		have := map[string]bool{}
		for _, b := range caps.Builtins {
			have[b.Name] = true
		}
		for _, b := range ast.CapabilitiesForThisVersion().Builtins {
			if !b.Nondeterministic {
				continue
			}
			want := false
			switch b.Name {
			case "json.match_schema", "json.verify_schema":
				want = true
			case "http.send", "net.lookup_ip_addr", "opa.runtime":
				want = allow
			}
			if have[b.Name] != want {
				t.Errorf("Capabilities(%v) has %s: %v, want %v", allow, b.Name, have[b.Name], want)
			}
		}
		if allow != (caps.AllowNet == nil) {
			t.Errorf("Capabilities(%v).AllowNet = %#v; want nil only when the network is allowed", allow, caps.AllowNet)
		}
	}
}

// TestResultSetShape checks that deny, warn and manual must be partial set rules, reported at the
// rule's line.
func TestResultSetShape(t *testing.T) {
	for _, tt := range []struct{ dir, want string }{
		{"testdata/shape_single", "shape_single/single.rego:8:1: deny must be a partial set rule (deny contains result if { ... }), not a single value"},
		{"testdata/shape_object", "shape_object/object.rego:8:1: deny must be a partial set rule (deny contains result if { ... }), not an object (deny[x] := ...)"},
		{"testdata/shape_function", "shape_function/function.rego:8:1: warn must be a partial set rule (warn contains result if { ... }), not a function"},
		{"testdata/shape_nested", "shape_nested/nested.rego:8:1: deny must be a partial set rule (deny contains result if { ... }), not a set under deny.ssh"},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			_, err := engine.New(context.Background(), engine.WithRuleDirs(tt.dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReservedPackages checks that user modules cannot define anything under the built-in
// libraries or inside a built-in rule's package.
func TestReservedPackages(t *testing.T) {
	for _, tt := range []struct{ dir, want string }{
		{"testdata/reserved_lib", "reserved_lib/params.rego:2:1: package tailaudit.lib.params: tailaudit.lib is reserved for tailaudit's built-in libraries"},
		{"testdata/reserved_builtin", "reserved_builtin/ssh.rego:6:1: package tailaudit.policy.ssh_root_accept: tailaudit.policy.ssh_root_accept is the package of a built-in rule (policies/policy/ssh_root_accept.rego)"},
		{"testdata/reserved_refhead", "reserved_refhead/refhead.rego:4:1: rule tailaudit.lib.params.extra: tailaudit.lib is reserved"},
	} {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			_, err := engine.New(context.Background(), engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs(tt.dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want %q", err, tt.want)
			}
			_, err = engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs(tt.dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RunTests() error = %v, want %q", err, tt.want)
			}
		})
	}
	// Tests of the built-in library, in a _test package of their own, are allowed.
	dir := writeRule(t, "params_test.rego", "package tailaudit.lib.params_test\n\nimport data.tailaudit.lib.params\n\ntest_default if params.merged({\"staleDays\": 90}).staleDays == 90\n")
	run, err := engine.RunTests(context.Background(), engine.TestOptions{}, engine.WithBuiltinRules(policies.FS), engine.WithRuleDirs(dir))
	if err != nil {
		t.Errorf("RunTests() with a user test of the library: %v", err)
	} else if len(run.Results) != 1 || !run.Results[0].Pass() {
		t.Errorf("RunTests() with a user test of the library: %v, want one passing test", run.Results)
	}
}

// TestBadResultsAreErrors checks that a result of the wrong shape is an error finding of its rule
// that says what is wrong, and that the rule then records no passes.
func TestBadResultsAreErrors(t *testing.T) {
	for _, tt := range []struct{ name, result, want string }{
		{"number", `5`, "must be a string or an object with a msg, not 5"},
		{"empty_string", `""`, "is an empty string"},
		{"msg_not_string", `{"msg": 5}`, "must have a non-empty string msg, not 5"},
		{"no_msg", `{"path": ["policy"]}`, "has no msg"},
		{"path_string", `{"msg": "m", "path": "policy/ssh"}`, `has a bad path "policy/ssh": want a non-empty array`},
		{"path_empty", `{"msg": "m", "path": []}`, "has a bad path []"},
		{"path_unknown_root", `{"msg": "m", "path": ["nowhere", 1]}`, "it must start with a document of input"},
		{"path_negative_index", `{"msg": "m", "path": ["policy", "ssh", -1]}`, "-1 is not an array index"},
		{"path_object_segment", `{"msg": "m", "path": ["policy", {"a": 1}]}`, `{"a":1} is not a key or an array index`},
		{"severity_bogus", `{"msg": "m", "severity": "bogus"}`, `has severity "bogus"`},
		{"severity_number", `{"msg": "m", "severity": 3}`, "has severity 3"},
		{"resource_string", `{"msg": "m", "resource": "db-1"}`, "has a bad resource \"db-1\": want an object"},
		{"resource_id_number", `{"msg": "m", "resource": {"type": "device", "id": 5}}`, "id must be a string, not 5"},
		{"resource_unknown_key", `{"msg": "m", "resource": {"id": "n1", "owner": "x"}}`, `unknown key "owner"`},
		{"resource_empty", `{"msg": "m", "resource": {"type": "device"}}`, "give an id or a name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRule(t, "bad.rego", ruleHeader("T-BAD-001", "bad")+"deny contains "+tt.result+" if input.policy\n")
			eng, err := engine.New(context.Background(), engine.WithRuleDirs(dir))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{"ssh": []}`), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 1 || rep.Findings[0].Result != finding.Error ||
				!strings.HasPrefix(rep.Findings[0].Message, "rule T-BAD-001: a deny result ") || !strings.Contains(rep.Findings[0].Message, tt.want) {
				t.Fatalf("findings = %+v, want only an error of T-BAD-001 saying %q", briefs(rep), tt.want)
			}
			if strings.Contains(rep.Findings[0].Message, "map[") {
				t.Errorf("message %q shows a Go map", rep.Findings[0].Message)
			}
			if !rep.Failed() {
				t.Error("the gate passed with an error result")
			}
		})
	}
}

// TestGoodResultsStillRead checks the shapes the contract allows.
func TestGoodResultsStillRead(t *testing.T) {
	dir := writeRule(t, "good.rego", ruleHeader("T-GOOD-001", "good")+`deny contains "plain" if input.policy

deny contains {"msg": "full", "path": ["policy", "ssh", 0], "severity": "LOW", "resource": {"type": "device", "id": "n1", "name": "db-1"}, "evidence": {"any": [1]}} if input.policy
`)
	eng, err := engine.New(context.Background(), engine.WithRuleDirs(dir))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Evaluate(context.Background(), engine.Input{Policy: mustPolicy(t, `{"ssh": [{"action": "check"}]}`), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{{"T-GOOD-001", "fail", "plain", ""}, {"T-GOOD-001", "fail", "full", "policy.hujson:1:10"}}
	if d := cmp.Diff(want, briefs(rep)); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
}
