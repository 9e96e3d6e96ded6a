package access

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReferencesEveryKey walks a policy, written by hand, that uses every key where a policy can
// name something, and checks that each value is seen at its path with its kind.
func TestReferencesEveryKey(t *testing.T) {
	doc := mustDoc(t, `{
		"acls": [{"action": "accept", "src": ["group:a"], "dst": ["tag:b:22", "[fd7a::1]:443"], "srcPosture": ["posture:c"]}],
		"grants": [{"src": ["group:d"], "dst": ["tag:e"], "via": ["tag:f"], "ip": ["*"], "srcPosture": ["posture:g"]}],
		"ssh": [{"action": "check", "src": ["group:h"], "dst": ["tag:i"], "users": ["root", "autogroup:nonroot"], "recorder": ["tag:j"], "srcPosture": ["posture:k"]}],
		"tagOwners": {"tag:l": ["group:m", "tag:n"]},
		"autoApprovers": {"routes": {"10.0.0.0/8": ["tag:o"]}, "exitNode": ["tag:p"], "services": {"svc:q": ["tag:r"]}},
		"nodeAttrs": [{"target": [" tag:s "], "attr": ["funnel"]}],
		"defaultSrcPosture": ["posture:t"],
		"postures": {"posture:c": ["node:os == 'macos'"]},
		"ipsets": {"ipset:u": ["host-v", "10.1.0.0/16"]},
		"hosts": {"host-v": "10.1.2.3"},
		"tests": [{"src": "group:w", "accept": ["tag:x:443"], "deny": ["tag:y:22"]}],
		"sshTests": [{"src": "group:z", "dst": ["tag:aa"], "accept": ["root"], "check": ["alice"], "deny": ["bob"]}],
	}`)
	type seen struct{ Path, Alias, Kind string }
	var got []seen
	for _, r := range References(doc) {
		got = append(got, seen{fmt.Sprint(r.Path), r.Alias, r.Kind})
	}
	want := []seen{
		{"[acls 0 src 0]", "group:a", RefSelector},
		{"[acls 0 dst 0]", "tag:b", RefSelector},
		{"[acls 0 dst 1]", "fd7a::1", RefSelector},
		{"[acls 0 srcPosture 0]", "posture:c", RefPosture},
		{"[grants 0 src 0]", "group:d", RefSelector},
		{"[grants 0 dst 0]", "tag:e", RefSelector},
		{"[grants 0 via 0]", "tag:f", RefSelector},
		{"[grants 0 srcPosture 0]", "posture:g", RefPosture},
		{"[ssh 0 src 0]", "group:h", RefSelector},
		{"[ssh 0 dst 0]", "tag:i", RefSelector},
		{"[ssh 0 recorder 0]", "tag:j", RefSelector},
		{"[ssh 0 users 0]", "root", RefUser},
		{"[ssh 0 users 1]", "autogroup:nonroot", RefUser},
		{"[ssh 0 srcPosture 0]", "posture:k", RefPosture},
		{"[tagOwners tag:l 0]", "group:m", RefSelector},
		{"[tagOwners tag:l 1]", "tag:n", RefSelector},
		{"[autoApprovers routes 10.0.0.0/8 0]", "tag:o", RefSelector},
		{"[autoApprovers services svc:q 0]", "tag:r", RefSelector},
		{"[autoApprovers exitNode 0]", "tag:p", RefSelector},
		{"[nodeAttrs 0 target 0]", "tag:s", RefSelector},
		{"[defaultSrcPosture 0]", "posture:t", RefPosture},
		{"[ipsets ipset:u 0]", "host-v", RefSelector},
		{"[ipsets ipset:u 1]", "10.1.0.0/16", RefSelector},
		{"[hosts host-v]", "10.1.2.3", RefAddress},
		{"[tests 0 src]", "group:w", RefSelector},
		{"[tests 0 accept 0]", "tag:x", RefSelector},
		{"[tests 0 deny 0]", "tag:y", RefSelector},
		{"[sshTests 0 src]", "group:z", RefSelector},
		{"[sshTests 0 dst 0]", "tag:aa", RefSelector},
		{"[sshTests 0 accept 0]", "root", RefUser},
		{"[sshTests 0 check 0]", "alice", RefUser},
		{"[sshTests 0 deny 0]", "bob", RefUser},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("References (-want +got):\n%s", d)
	}
}

// TestReferencesTable builds, for every entry of the table, a policy holding one value there (with
// keys in another letter case, and a lone string where the entry ends in a list) and checks that
// References finds it at its path: no entry of the table is left unread.
func TestReferencesTable(t *testing.T) {
	for n, f := range RefFields() {
		want := fmt.Sprintf("ref%d", n)
		var build func(k int) (any, []any)
		build = func(k int) (any, []any) {
			if k == len(f.Path) {
				return " " + want + " ", nil
			}
			inner, rest := build(k + 1)
			switch step := f.Path[k].(string); step {
			case "*":
				return []any{inner}, append([]any{0}, rest...)
			case "{}":
				return map[string]any{"k": inner}, append([]any{"k"}, rest...)
			default:
				key := step
				if k > 0 {
					key = upperFirst(step)
				}
				return map[string]any{key: inner}, append([]any{key}, rest...)
			}
		}
		v, path := build(0)
		doc := v.(map[string]any)
		found := slices.IndexFunc(References(doc), func(r Ref) bool {
			return r.Alias == want && cmp.Equal(r.Path, path) && r.Kind == f.Kind && r.Field == f.Field
		})
		if found < 0 {
			t.Errorf("%v: %s not found at %v in %v", f.Path, want, path, References(doc))
		}
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// TestIPSetSelectorNotModelled checks that an ipset: selector, which Tailscale accepts, is never an
// error Tailscale makes: it is reported among the checks not made, naming the feature, and the
// policy says what it left out (NotModelled).
func TestIPSetSelectorNotModelled(t *testing.T) {
	p, errs := Compile(mustDoc(t, `{"ipsets": {"ipset:office": ["10.0.0.0/8"]}, "acls": [{"action": "accept", "src": ["ipset:office"], "dst": ["*:*"]}]}`))
	if len(errs) != 0 {
		t.Fatalf("Compile: %v, want no error Tailscale makes", errs)
	}
	const want = `"ipset:office": IP sets are not modelled by tailaudit, so access through them cannot be evaluated`
	nm := p.NotModelled()
	if len(nm) != 1 || nm[0].Pointer() != "/acls/0/src/0" || nm[0].Message != want || nm[0].NotModelled != "IP sets" {
		t.Fatalf("NotModelled() = %+v, want one at /acls/0/src/0: %s (IP sets)", nm, want)
	}
	if !slices.ContainsFunc(p.Unchecked(), func(e Error) bool { return e.Pointer() == "/acls/0/src/0" }) {
		t.Errorf("Unchecked() = %v, want the selector among the checks not made", p.Unchecked())
	}
}
