package output

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// AggregateMin is the number of findings of one cause from which the commands list them as one
// entry. Fewer are listed one by one: a handful of lines does not drown a report.
const AggregateMin = 10

// shownResources is how many of a group's resources the formats for people (text, Markdown, GitHub)
// name before saying how many more there are.
const shownResources = 5

// entry is one item of a report's listing: a finding, or the findings of one rule that share a cause.
type entry struct {
	// finding.Finding is the finding itself or, for a group, what its members share: rule, result,
	// severity, controls, waiver, baseline state, the file they are in, and a message saying how many
	// there are and what the cause is.
	finding.Finding
	members  []finding.Finding // a group's findings, in report order; nil for a finding on its own
	cause    []causeValue      // the evidence values the members share, in the rule's order
	identity string            // what the members have in common but their baseline state, for the group's fingerprint
}

// causeValue is one evidence key of a rule's custom.aggregate and the value the group's findings
// have under it.
type causeValue struct {
	key     string
	value   any
	present bool // the evidence has the key; a finding without it forms a group of its own
}

// aggregator groups the findings of the rules that declare custom.aggregate.
type aggregator struct {
	by  map[string][]string // rule id → evidence keys, for the rules that declare them
	min int                 // the fewest findings listed as a group; 0 lists every finding on its own
}

func newAggregator(r *finding.Report, min int) aggregator {
	a := aggregator{min: min}
	if min <= 0 {
		return a
	}
	for _, rule := range r.Rules {
		if rule.Aggregate != nil {
			if a.by == nil {
				a.by = map[string][]string{}
			}
			a.by[rule.ID] = rule.Aggregate.By
		}
	}
	return a
}

// entries lists fs with the findings of each cause that has at least a.min of them replaced by one
// group, at the place of its first member. Only fail, warn and waived findings are grouped; a
// group's members are in the order fs has them.
func (a aggregator) entries(fs []finding.Finding) []entry {
	if len(a.by) == 0 {
		out := make([]entry, len(fs))
		for i, f := range fs {
			out[i] = entry{Finding: f}
		}
		return out
	}
	keys := make([]string, len(fs))
	groups := map[string]*entry{}
	for i, f := range fs {
		by, ok := a.by[f.Rule.ID]
		if !ok || (f.Result != finding.Fail && f.Result != finding.Warn && f.Result != finding.Waived) {
			continue
		}
		cause := causeOf(f, by)
		identity := groupIdentity(f, cause)
		key := identity + "\x00" + string(f.Baseline)
		keys[i] = key
		g := groups[key]
		if g == nil {
			g = &entry{cause: cause, identity: identity}
			groups[key] = g
		}
		g.members = append(g.members, f)
	}
	var out []entry
	listed := map[string]bool{}
	for i, f := range fs {
		g := groups[keys[i]]
		switch {
		case keys[i] == "" || len(g.members) < a.min:
			out = append(out, entry{Finding: f})
		case !listed[keys[i]]: // a group is listed where its first member is
			listed[keys[i]] = true
			g.Finding = groupFinding(g.members, g.cause)
			out = append(out, *g)
		}
	}
	return out
}

// causeOf reads the evidence values of f under the keys by.
func causeOf(f finding.Finding, by []string) []causeValue {
	ev, _ := f.Evidence.(map[string]any)
	cause := make([]causeValue, len(by))
	for i, k := range by {
		v, ok := ev[k]
		cause[i] = causeValue{key: k, value: v, present: ok}
	}
	return cause
}

// groupIdentity is what findings of one group have in common but their baseline state: the rule,
// the result, the severity, the file, the type of resource, the waiver and the cause. (Their
// controls are the rule's, so they agree too; leaving them out keeps a cause's fingerprint when
// a catalogue maps the rule to other controls.)
func groupIdentity(f finding.Finding, cause []causeValue) string {
	var b []byte
	field := func(s string) {
		b = append(b, s...)
		b = append(b, 0)
	}
	field(f.Rule.ID)
	field(string(f.Result))
	field(string(f.Severity))
	if f.Location != nil {
		field(f.Location.File)
	} else {
		field("")
	}
	field(resourceType(f))
	if w := f.Waiver; w != nil {
		field(fmt.Sprintf("%q %q %q %q %v", w.Reason, w.By, w.Expires, w.Source, w.Expired))
	} else {
		field("")
	}
	for _, c := range cause {
		b = append(b, c.key...)
		if c.present {
			b = append(b, ' ')
			b = appendValue(b, c.value)
		}
		b = append(b, 0)
	}
	return string(b)
}

// appendValue appends v as JSON: strings, booleans and lists of strings (what causes mostly are)
// directly, anything else through encoding/json.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return strconv.AppendQuote(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Appendf(b, "%#v", v)
	}
	return append(b, j...)
}

// groupFinding is what the members of a group share, with a message that counts them and names the
// cause: "2539 devices: Tailscale client out of date (clientVersion 1.72.1, minClientVersion 1.80.0)".
func groupFinding(members []finding.Finding, cause []causeValue) finding.Finding {
	first := members[0]
	g := finding.Finding{
		Rule: first.Rule, Result: first.Result, Severity: first.Severity, Controls: first.Controls,
		Waiver: first.Waiver, Baseline: first.Baseline,
	}
	if first.Location != nil && first.Location.File != "" {
		g.Location = &finding.Location{File: first.Location.File}
	}
	g.Message = fmt.Sprintf("%d %s: %s", len(members), pluralType(resourceType(first)), first.Rule.Title)
	if text := causeText(cause); text != "" {
		g.Message += " (" + text + ")"
	}
	return g
}

// pluralType names resources of a type in the plural: devices, users, keys.
func pluralType(t string) string {
	switch t {
	case "":
		return "findings"
	case "device", "user", "key", "webhook", "tailnet":
		return t + "s"
	}
	return t + " resources"
}

// causeText renders a cause as "clientVersion 1.72.1, minClientVersion 1.80.0": strings as they are,
// other values as JSON, a key the evidence lacks as "no clientVersion".
func causeText(cause []causeValue) string {
	var parts []string
	for _, c := range cause {
		if !c.present {
			parts = append(parts, "no "+c.key)
			continue
		}
		parts = append(parts, c.key+" "+causeValueText(c))
	}
	return strings.Join(parts, ", ")
}

func causeValueText(c causeValue) string {
	if s, ok := c.value.(string); ok {
		return s
	}
	b, err := json.Marshal(c.value)
	if err != nil {
		return fmt.Sprint(c.value)
	}
	return string(b)
}

// causeMap is the cause as a JSON object: each key the members' evidence has, with its value.
func causeMap(cause []causeValue) map[string]any {
	m := map[string]any{}
	for _, c := range cause {
		if c.present {
			m[c.key] = c.value
		}
	}
	return m
}

// fingerprint identifies a group across runs, whichever resources it holds: a hash of its rule,
// result, severity, cause and waiver, so that code scanning sees one alert per cause.
// The baseline state is left out: it changes with the base, not with the cause.
func (e entry) fingerprint() string {
	sum := sha256.Sum256([]byte(e.identity))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// memberName is how a group names one of its findings: the resource's name (or id), else where it is,
// else its message.
func memberName(f finding.Finding) string {
	if r := f.Resource; r != nil {
		if r.Name != "" {
			return r.Name
		}
		if r.ID != "" {
			return r.ID
		}
	}
	if w := where(f); w != "" {
		return w
	}
	return f.Message
}

// memberNames names the first shownResources members of a group, then says how many more there are:
// "a, b, c, d, e and 2534 more".
func memberNames(members []finding.Finding) string {
	n := min(len(members), shownResources)
	names := make([]string, n)
	for i, f := range members[:n] {
		names[i] = memberName(f)
	}
	s := strings.Join(names, ", ")
	if rest := len(members) - n; rest > 0 {
		s += fmt.Sprintf(" and %d more", rest)
	}
	return s
}

// resourceType is the type of the resource f is about, or "".
func resourceType(f finding.Finding) string {
	if f.Resource == nil {
		return ""
	}
	return f.Resource.Type
}

// memberWhere names one finding of a group fully: its resource with type and id, else where it is.
func memberWhere(f finding.Finding) string {
	if s := resourceText(f.Resource); s != "" {
		return s
	}
	return where(f)
}
