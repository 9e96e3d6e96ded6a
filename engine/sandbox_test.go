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

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine"
	"github.com/tailaudit/tailaudit/engine/finding"
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
