package access

import (
	"slices"
	"testing"
)

func TestSnapshotDomains(t *testing.T) {
	for _, tt := range []struct {
		name string
		snap map[string]any
		want []string
	}{
		{"organisation", map[string]any{"tailnet": "Example.com", "users": []any{
			map[string]any{"loginName": "odin@example.com", "type": "member"},
			map[string]any{"loginName": "thor@example.org"},
			map[string]any{"loginName": "guest@gmail.com", "type": "shared"},
		}}, []string{"example.com", "example.org"}},
		{"personal", map[string]any{"tailnet": "odin@gmail.com"}, []string{"gmail.com"}},
		{"generated_name_and_no_users", map[string]any{"tailnet": "tail78f774.ts.net"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SnapshotDomains(tt.snap); !slices.Equal(got, tt.want) {
				t.Errorf("SnapshotDomains = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnchecked(t *testing.T) {
	doc := mustDoc(t, `{"acls": [{"action": "accept", "src": ["user:*@example.com"], "dst": ["*:*"]}],
		"ssh": [{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self"], "users": ["localpart:*@example.com"]}]}`)
	p, errs := Compile(doc)
	if len(errs) > 0 {
		t.Fatalf("Compile: %v", errs)
	}
	var got []string
	for _, e := range p.Unchecked() {
		got = append(got, e.Error())
	}
	want := []string{
		`/acls/0/src/0: "user:*@example.com": not checked against the tailnet's domains, which are not known (set the tailnetDomains parameter or give a snapshot)`,
		`/ssh/0/users/0: "localpart:*@example.com": not checked against the tailnet's domains, which are not known (set the tailnetDomains parameter or give a snapshot)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Unchecked:\n%q\nwant\n%q", got, want)
	}
	p, errs = Compile(doc, WithTailnetDomains("example.com"))
	if len(errs) > 0 || len(p.Unchecked()) > 0 {
		t.Errorf("with the domain known: errors %v, unchecked %v", errs, p.Unchecked())
	}
	if _, errs := Compile(doc, WithTailnetDomains("example.org")); len(errs) != 2 {
		t.Errorf("with another domain: %d errors, want 2: %v", len(errs), errs)
	}
}

func TestNotModelledIsUnchecked(t *testing.T) {
	doc := mustDoc(t, `{"postures": {"posture:mac": ["node:os == 'macos'"]},
		"grants": [{"src": ["*"], "dst": ["*"], "ip": ["*"], "srcPosture": ["posture:mac"]}]}`)
	p, errs := Compile(doc)
	if len(errs) > 0 {
		t.Fatalf("Compile: %v", errs)
	}
	var got []string
	for _, e := range p.Unchecked() {
		got = append(got, e.Error())
	}
	want := []string{
		`/postures: "postures" is not modelled by tailaudit: it is neither checked nor applied to access`,
		`/grants/0/srcPosture: "srcPosture" is not modelled by tailaudit: the entry is evaluated as if every device met every posture`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Unchecked:\n%q\nwant\n%q", got, want)
	}
}
