package access

import (
	"encoding/json"
	"fmt"
)

// ReportSchemaVersion is the version of the Report document. It changes only when a field changes
// meaning or goes away; fields may be added within a version.
const ReportSchemaVersion = 1

// Report is a Diff as the versioned JSON document `tailaudit diff -f json` prints, and change rules
// see: the engine gives Report.Access to Rego as input.change.access (and the whole document as
// Value returns it, for rules that need the other sections). Every list is present, empty when
// nothing changed. Principals are written as a policy author writes them (group:contractors,
// tag:db, alice@example.com, 10.1.0.0/16, autogroup:member); a synthetic principal that stands
// for users no policy names is written with " (others)", as in "autogroup:member (others)".
type Report struct {
	SchemaVersion int                         `json:"schemaVersion"`
	Access        ReportChanges[ReportAccess] `json:"access"`
	App           ReportChanges[ReportApp]    `json:"app"`
	SSH           ReportChanges[ReportSSH]    `json:"ssh"`
	TagOwners     ReportChanges[ReportClaim]  `json:"tagOwners"`
	AutoApprovers ReportChanges[ReportClaim]  `json:"autoApprovers"`
	NodeAttrs     ReportChanges[ReportClaim]  `json:"nodeAttrs"`
	Groups        ReportChanges[ReportClaim]  `json:"groups"`
	Tests         ReportTests                 `json:"tests"`
	Validity      ReportValidity              `json:"validity"`
}

// ReportChanges are the entries head adds and removes.
type ReportChanges[T any] struct {
	Added   []T `json:"added"`
	Removed []T `json:"removed"`
}

// Location is where a responsible rule, or an error, is: file, 1-based line and column (0 when
// unknown) and the JSON pointer of the value.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Path   string `json:"path"`
}

// Locator finds a JSON path of the head (head set) or base policy in its file.
type Locator func(head bool, path []any) Location

// ReportAccess is an AccessChange: ports as a policy author writes them ("5432", "8000-9000",
// "*") and as numbers for rules that compare them.
type ReportAccess struct {
	Src        string     `json:"src"`
	Dst        string     `json:"dst"`
	Proto      string     `json:"proto"`
	Ports      []string   `json:"ports"`
	PortRanges []PortSpan `json:"portRanges"`
	Via        []string   `json:"via,omitempty"`
	Rules      []Location `json:"rules"`
}

// PortSpan is an inclusive port range.
type PortSpan struct {
	First int `json:"first"`
	Last  int `json:"last"`
}

// ReportApp is an AppChange; value is the capability's JSON value.
type ReportApp struct {
	Src        string          `json:"src"`
	Dst        string          `json:"dst"`
	Capability string          `json:"capability"`
	Value      json.RawMessage `json:"value"`
	Rules      []Location      `json:"rules"`
}

// ReportSSH is an SSHChange.
type ReportSSH struct {
	Src    string     `json:"src"`
	Dst    string     `json:"dst"`
	Users  []string   `json:"users"`
	Action string     `json:"action"`
	Root   bool       `json:"root"`
	Rules  []Location `json:"rules"`
}

// ReportClaim is a change of tagOwners (key: the tag; who: owners), autoApprovers (key: the route,
// or autogroup:internet for exit nodes; who: approvers), nodeAttrs (key: the attribute; who:
// targets) or a group's members (key: the group; who: members).
type ReportClaim struct {
	Key   string     `json:"key"`
	Who   []string   `json:"who"`
	Rules []Location `json:"rules"`
}

// ReportTests are the test assertions added, removed, and changed in outcome.
type ReportTests struct {
	Added   []ReportAssertion `json:"added"`
	Removed []ReportAssertion `json:"removed"`
	Changed []ReportAssertion `json:"changed"`
}

// ReportAssertion is a TestAssertion; base and head are set for changed outcomes.
type ReportAssertion struct {
	Section string   `json:"section"`
	Src     string   `json:"src"`
	Proto   string   `json:"proto,omitempty"`
	Dst     string   `json:"dst"`
	Want    string   `json:"want"`
	Base    string   `json:"base,omitempty"`
	Head    string   `json:"head,omitempty"`
	Rule    Location `json:"rule"`
}

// ReportValidity says whether Tailscale would accept each side; headRejected is set when it would
// reject head although it accepts base.
type ReportValidity struct {
	Base         ReportSide `json:"base"`
	Head         ReportSide `json:"head"`
	HeadRejected bool       `json:"headRejected"`
}

// ReportSide is one side's validity, with Tailscale's messages.
type ReportSide struct {
	Accepted bool          `json:"accepted"`
	Errors   []ReportError `json:"errors"`
}

// ReportError is a reason Tailscale would reject a policy.
type ReportError struct {
	Message string `json:"message"`
	Location
}

// Report returns the diff as the versioned document, with rules and errors located by loc.
func (d *Diff) Report(loc Locator) *Report {
	locs := func(refs []RuleRef) []Location {
		out := make([]Location, 0, len(refs))
		for _, r := range refs {
			out = append(out, loc(r.Head, r.Path))
		}
		return out
	}
	r := &Report{SchemaVersion: ReportSchemaVersion}
	access := func(cs []AccessChange) []ReportAccess {
		out := make([]ReportAccess, 0, len(cs))
		for _, c := range cs {
			e := ReportAccess{Src: c.Src, Dst: c.Dst, Proto: c.Proto, Ports: []string{}, PortRanges: []PortSpan{}, Via: c.Via, Rules: locs(c.Rules)}
			for _, p := range c.Ports {
				e.Ports = append(e.Ports, p.String())
				e.PortRanges = append(e.PortRanges, PortSpan{int(p.First), int(p.Last)})
			}
			out = append(out, e)
		}
		return out
	}
	r.Access = ReportChanges[ReportAccess]{access(d.Access.Added), access(d.Access.Removed)}
	app := func(cs []AppChange) []ReportApp {
		out := make([]ReportApp, 0, len(cs))
		for _, c := range cs {
			out = append(out, ReportApp{Src: c.Src, Dst: c.Dst, Capability: c.Capability, Value: json.RawMessage(c.Value), Rules: locs(c.Rules)})
		}
		return out
	}
	r.App = ReportChanges[ReportApp]{app(d.App.Added), app(d.App.Removed)}
	ssh := func(cs []SSHChange) []ReportSSH {
		out := make([]ReportSSH, 0, len(cs))
		for _, c := range cs {
			out = append(out, ReportSSH{Src: c.Src, Dst: c.Dst, Users: c.Users, Action: c.Action, Root: c.Root, Rules: locs(c.Rules)})
		}
		return out
	}
	r.SSH = ReportChanges[ReportSSH]{ssh(d.SSH.Added), ssh(d.SSH.Removed)}
	r.TagOwners = claimChanges(d.TagOwners, locs, func(c OwnerChange) (string, []string, []RuleRef) { return c.Tag, c.Owners, c.Rules })
	r.AutoApprovers = claimChanges(d.AutoApprovers, locs, func(c ApproverChange) (string, []string, []RuleRef) { return c.Route, c.Approvers, c.Rules })
	r.NodeAttrs = claimChanges(d.NodeAttrs, locs, func(c AttrChange) (string, []string, []RuleRef) { return c.Attr, c.Targets, c.Rules })
	r.Groups = claimChanges(d.Groups, locs, func(c MemberChange) (string, []string, []RuleRef) { return c.Group, c.Members, c.Rules })
	assertions := func(as []TestAssertion) []ReportAssertion {
		out := make([]ReportAssertion, 0, len(as))
		for _, a := range as {
			out = append(out, ReportAssertion{Section: a.Section, Src: a.Src, Proto: a.Proto, Dst: a.Dst, Want: a.Want, Rule: loc(a.Rule.Head, a.Rule.Path)})
		}
		return out
	}
	r.Tests = ReportTests{Added: assertions(d.Tests.Added), Removed: assertions(d.Tests.Removed), Changed: []ReportAssertion{}}
	for _, c := range d.Tests.Changed {
		a := assertions([]TestAssertion{c.TestAssertion})[0]
		a.Base, a.Head = c.Base, c.Head
		r.Tests.Changed = append(r.Tests.Changed, a)
	}
	side := func(isHead bool, errs []Error) ReportSide {
		s := ReportSide{Accepted: len(errs) == 0, Errors: []ReportError{}}
		for _, e := range errs {
			s.Errors = append(s.Errors, ReportError{Message: e.Message, Location: loc(isHead, e.Path)})
		}
		return s
	}
	r.Validity = ReportValidity{Base: side(false, d.Validity.Base), Head: side(true, d.Validity.Head), HeadRejected: d.Validity.HeadRejected()}
	return r
}

// claimChanges turns changes of one kind of claim into report entries; f returns an entry's key,
// principals and rules.
func claimChanges[T any](c Changes[T], locs func([]RuleRef) []Location, f func(T) (string, []string, []RuleRef)) ReportChanges[ReportClaim] {
	list := func(cs []T) []ReportClaim {
		out := make([]ReportClaim, 0, len(cs))
		for _, x := range cs {
			k, who, rules := f(x)
			out = append(out, ReportClaim{Key: k, Who: who, Rules: locs(rules)})
		}
		return out
	}
	return ReportChanges[ReportClaim]{list(c.Added), list(c.Removed)}
}

// Value returns the document as decoded JSON (maps, slices, strings, numbers, bools), the shape
// Rego input takes.
func (r *Report) Value() (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode diff report: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode diff report: %w", err)
	}
	return out, nil
}
