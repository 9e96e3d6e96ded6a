package access

import (
	"slices"
	"strings"
)

// Ref is one place where a policy names something defined elsewhere or outside it: a selector (a
// user, group, tag, autogroup, host, IP set, address), a posture, or a login user on an SSH host.
type Ref struct {
	Path    []any  // the JSON path of the value, keys as spelt
	Alias   string // what is named, trimmed as Tailscale reads it; a destination without its ports
	Section string // the top-level section, in canonical spelling: "acls", "ssh", "tagOwners", ...
	Field   string // the last named step of its path: "src", "recorder", "routes", "tagOwners"
	Kind    string // RefSelector, RefPosture, RefUser or RefAddress
}

// What a reference names.
const (
	RefSelector = "selector" // a user, group, tag, autogroup, host, IP set or address
	RefPosture  = "posture"  // a "posture:" name
	RefUser     = "user"     // a login user on an SSH host: "root", autogroup:nonroot, localpart:*@domain
	RefAddress  = "address"  // an address or prefix a host or IP set stands for
)

// refField is one place in the policy that names something: the path to it, with "*" for every
// element of a list and "{}" for every key of an object, and how to read the value.
type refField struct {
	path []string
	kind string
	dst  bool // a destination with ports: "tag:x:22" names tag:x
}

// refFields is the one table of every reference a policy can make. TA-TAG-002, TA-TAG-003,
// TA-GROUP and TA-HOST rules read it through tailscale.references; TestReferencesTable walks a
// policy that uses every entry.
var refFields = []refField{
	{path: []string{"acls", "*", "src", "*"}, kind: RefSelector},
	{path: []string{"acls", "*", "dst", "*"}, kind: RefSelector, dst: true},
	{path: []string{"acls", "*", "srcPosture", "*"}, kind: RefPosture},
	{path: []string{"grants", "*", "src", "*"}, kind: RefSelector},
	{path: []string{"grants", "*", "dst", "*"}, kind: RefSelector},
	{path: []string{"grants", "*", "via", "*"}, kind: RefSelector},
	{path: []string{"grants", "*", "srcPosture", "*"}, kind: RefPosture},
	{path: []string{"ssh", "*", "src", "*"}, kind: RefSelector},
	{path: []string{"ssh", "*", "dst", "*"}, kind: RefSelector},
	{path: []string{"ssh", "*", "recorder", "*"}, kind: RefSelector},
	{path: []string{"ssh", "*", "users", "*"}, kind: RefUser},
	{path: []string{"ssh", "*", "srcPosture", "*"}, kind: RefPosture},
	{path: []string{"tagOwners", "{}", "*"}, kind: RefSelector},
	{path: []string{"autoApprovers", "routes", "{}", "*"}, kind: RefSelector},
	{path: []string{"autoApprovers", "services", "{}", "*"}, kind: RefSelector},
	{path: []string{"autoApprovers", "exitNode", "*"}, kind: RefSelector},
	{path: []string{"nodeAttrs", "*", "target", "*"}, kind: RefSelector},
	{path: []string{"defaultSrcPosture", "*"}, kind: RefPosture},
	{path: []string{"ipsets", "{}", "*"}, kind: RefSelector},
	{path: []string{"hosts", "{}"}, kind: RefAddress},
	{path: []string{"tests", "*", "src"}, kind: RefSelector},
	{path: []string{"tests", "*", "accept", "*"}, kind: RefSelector, dst: true},
	{path: []string{"tests", "*", "deny", "*"}, kind: RefSelector, dst: true},
	{path: []string{"sshTests", "*", "src"}, kind: RefSelector},
	{path: []string{"sshTests", "*", "dst", "*"}, kind: RefSelector},
	{path: []string{"sshTests", "*", "accept", "*"}, kind: RefUser},
	{path: []string{"sshTests", "*", "check", "*"}, kind: RefUser},
	{path: []string{"sshTests", "*", "deny", "*"}, kind: RefUser},
}

// field is the last named step of the path: "src", "recorder", "routes", "tagOwners".
func (f refField) field() string {
	for i := len(f.path) - 1; i >= 0; i-- {
		if f.path[i] != "*" && f.path[i] != "{}" {
			return f.path[i]
		}
	}
	return ""
}

// References lists every reference of a policy document, walking refFields in order: keys are
// looked up in any letter case, a lone string stands for a list of one, values are trimmed. The
// document need not be valid; what is not of the expected shape is passed over.
func References(doc map[string]any) []Ref {
	var out []Ref
	for _, f := range refFields {
		walkRefs(doc, f, 0, []any{}, func(path []any, s string) {
			alias := strings.TrimSpace(s)
			if f.dst {
				if host, _, err := SplitHostPorts(alias); err == nil {
					alias = host
				}
			}
			out = append(out, Ref{Path: path, Alias: alias, Section: f.path[0], Field: f.field(), Kind: f.kind})
		})
	}
	return out
}

// walkRefs descends v along f.path from step k, calling found for every string at the end.
func walkRefs(v any, f refField, k int, path []any, found func(path []any, s string)) {
	if k == len(f.path) {
		if s, ok := v.(string); ok {
			found(slices.Clone(path), s)
		}
		return
	}
	switch step := f.path[k]; step {
	case "*":
		switch l := v.(type) {
		case []any:
			for i, e := range l {
				walkRefs(e, f, k+1, append(path, i), found)
			}
		case string: // a lone string where a list is expected
			if k == len(f.path)-1 {
				found(slices.Clone(path), l)
			}
		}
	case "{}":
		m, _ := v.(map[string]any)
		for _, key := range sortedKeys(m) {
			walkRefs(m[key], f, k+1, append(path, key), found)
		}
	default:
		m, _ := v.(map[string]any)
		if m == nil {
			return
		}
		if e, key, ok := field(m, step); ok {
			walkRefs(e, f, k+1, append(path, key), found)
		}
	}
}

// RefFields returns the reference table as paths ("*": every element, "{}": every key) with the
// field and kind of each, for documentation and tests.
func RefFields() []Ref {
	out := make([]Ref, 0, len(refFields))
	for _, f := range refFields {
		p := make([]any, len(f.path))
		for i, s := range f.path {
			p[i] = s
		}
		out = append(out, Ref{Path: p, Section: f.path[0], Field: f.field(), Kind: f.kind})
	}
	return out
}
