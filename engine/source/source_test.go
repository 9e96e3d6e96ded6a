package source_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

func TestPointerRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		path []any
		want string
	}{
		{nil, ""},
		{[]any{"acls", 0, "dst"}, "/acls/0/dst"},
		{[]any{"groups", "group:a/b", "x~y"}, "/groups/group:a~1b/x~0y"},
		{[]any{""}, "/"},
	} {
		got := source.Pointer(tt.path)
		if got != tt.want {
			t.Errorf("Pointer(%v) = %q, want %q", tt.path, got, tt.want)
		}
		var strs []string
		for _, p := range tt.path {
			switch v := p.(type) {
			case string:
				strs = append(strs, v)
			case int:
				strs = append(strs, source.Pointer([]any{v})[1:])
			}
		}
		if toks := source.Tokens(got); !slices.Equal(toks, strs) {
			t.Errorf("Tokens(%q) = %q, want %q", got, toks, strs)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tt := range []struct {
		err  source.Error
		want string
	}{
		{source.Error{File: "p.hujson", Line: 5, Column: 14, Msg: "string is not closed"}, "p.hujson:5:14: string is not closed"},
		{source.Error{File: "r.rego", Line: 3, Msg: "bad"}, "r.rego:3: bad"},
		{source.Error{File: "s.json", Pointer: "/devices/0", Msg: "bad"}, "s.json: /devices/0: bad"},
		{source.Error{File: "s.json", Msg: "empty"}, "s.json: empty"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		ptr, scope string
		want       bool
	}{
		{"/acls/1", "/acls/1", true},
		{"/acls/1/dst", "/acls/1", true},
		{"/acls/10", "/acls/1", false},
	} {
		if got := source.Within(tt.ptr, tt.scope); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.ptr, tt.scope, got, tt.want)
		}
	}
}

func TestAll(t *testing.T) {
	a := &source.Error{File: "a.hujson", Line: 1, Column: 2, Msg: "a"}
	b := &source.Error{File: "b.rego", Line: 3, Msg: "b"}
	c := &source.Error{File: "c.yaml", Msg: "c"}
	for _, tt := range []struct {
		name string
		err  error
		want []*source.Error
	}{
		{"nil", nil, nil},
		{"plain", errors.New("no place"), nil},
		{"one", a, []*source.Error{a}},
		{"wrapped", fmt.Errorf("load: %w", a), []*source.Error{a}},
		{"joined_in_order", errors.Join(b, errors.New("x"), fmt.Errorf("y: %w", errors.Join(c, a))), []*source.Error{b, c, a}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := source.All(tt.err); !slices.Equal(got, tt.want) {
				t.Errorf("All(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorFinding(t *testing.T) {
	e := &source.Error{File: "policy.hujson", Line: 5, Column: 14, Pointer: "/acls/0/dst/0", Msg: "string is not closed"}
	want := finding.Finding{
		Rule:     finding.RuleRef{ID: "TA-INPUT-001", Title: "input could not be read", Severity: finding.Critical, Remediation: source.InputRule().Remediation},
		Result:   finding.Error,
		Severity: finding.Critical,
		Message:  "string is not closed",
		Location: &finding.Location{File: "policy.hujson", Line: 5, Column: 14, Path: "/acls/0/dst/0"},
	}
	if d := cmp.Diff(want, e.Finding()); d != "" {
		t.Errorf("Finding() (-want +got):\n%s", d)
	}
	if r := source.InputRule(); r.ID != want.Rule.ID || r.Ref() != want.Rule {
		t.Errorf("InputRule().Ref() = %+v, want %+v", r.Ref(), want.Rule)
	}
}
