package synth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tailaudit/tailaudit/engine/policyfile"
	"github.com/tailaudit/tailaudit/internal/access"
	"github.com/tailaudit/tailaudit/internal/synth"
)

func TestPolicyWideDeterministic(t *testing.T) {
	if a, b := synth.PolicyWide(42, 60), synth.PolicyWide(42, 60); !bytes.Equal(a, b) {
		t.Error("PolicyWide(42, 60) differs between calls")
	}
	if bytes.Equal(synth.PolicyWide(42, 60), synth.PolicyWide(43, 60)) {
		t.Error("PolicyWide(42, 60) and PolicyWide(43, 60) are identical")
	}
}

// TestPolicyWide checks that PolicyWide's policies have the asked number of rules, that Tailscale
// accepts them and their tests pass, and that they have the shape they are for: sources of every
// kind in numbers that grow with the policy, "*" ports and wide ranges, grants with ip and app, and
// reordered copies.
func TestPolicyWide(t *testing.T) {
	for _, rules := range []int{0, 1, 3, 10, 100, 1000, 4000} {
		src := synth.PolicyWide(int64(rules), rules)
		f, err := policyfile.Parse("policy.hujson", src)
		if err != nil {
			t.Fatalf("rules=%d: %v", rules, err)
		}
		pol, errs := access.Compile(f.Doc)
		for _, e := range errs {
			t.Errorf("rules=%d: Tailscale would reject %v: %s", rules, e.Path, e.Message)
		}
		for _, r := range pol.RunTests(nil) {
			if !r.Passed {
				t.Errorf("rules=%d: %s", rules, r.String())
			}
		}
		p := parsePolicy(t, src)
		if got := len(p.ACLs) + len(p.Grants) + len(p.SSH); got != rules {
			t.Errorf("rules=%d: acls+grants+ssh = %d", rules, got)
		}
		if rules < 1000 {
			continue
		}
		sources := map[string]bool{}
		kinds := map[string]int{}
		for _, r := range append(append([]map[string]any{}, p.ACLs...), p.Grants...) {
			for _, s := range r["src"].([]any) {
				s := s.(string)
				sources[s] = true
				switch {
				case strings.Contains(s, "@"):
					kinds["user"]++
				case strings.HasPrefix(s, "group:"):
					kinds["group"]++
				case strings.HasPrefix(s, "tag:"):
					kinds["tag"]++
				case strings.Contains(s, "/"):
					kinds["cidr"]++
				case strings.HasPrefix(s, "100."):
					kinds["ip"]++
				}
			}
		}
		if len(sources) < rules/4 {
			t.Errorf("rules=%d: %d distinct sources, want at least %d", rules, len(sources), rules/4)
		}
		for _, k := range []string{"user", "group", "tag", "cidr", "ip"} {
			if kinds[k] == 0 {
				t.Errorf("rules=%d: no %s source", rules, k)
			}
		}
		for _, want := range []string{`:*"`, `:1-65535"`, `"ip": ["*"]`, `"ip": [`, `"app": {`} {
			if !bytes.Contains(src, []byte(want)) {
				t.Errorf("rules=%d: no %s in the policy", rules, want)
			}
		}
		var both int
		for _, g := range p.Grants {
			if g["ip"] != nil && g["app"] != nil {
				both++
			}
		}
		if both == 0 {
			t.Errorf("rules=%d: no grant with both ip and app", rules)
		}
		if len(p.TagOwners) < rules/10 {
			t.Errorf("rules=%d: %d tags, want at least %d", rules, len(p.TagOwners), rules/10)
		}
	}
}
