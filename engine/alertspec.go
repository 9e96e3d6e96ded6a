package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maxWindowEvents bounds the events the engine keeps for one window; older ones are dropped first.
const maxWindowEvents = 10_000

// alertSpec is what an alert rule's METADATA asks of the engine.
type alertSpec struct {
	window    time.Duration // custom.window: how far back input.window reaches; 0 for none
	match     []matchFilter // custom.match: an event is admitted when it passes any of them
	keep      []matchFilter // custom.window_match: the events input.window holds; nil: those match admits
	threshold int           // custom.threshold: matching events in the window before an alert
	groupBy   [][]string    // custom.group_by: fields whose values must agree for the count
	suppress  time.Duration // custom.suppress: no repeat for the same dedup key within this
	runbook   string
	key       string // window and the filter of its events, canonical: rules with the same key share one window
}

// readAlertSpec reads the alert keys of a METADATA custom block; on error it names the key at fault.
func readAlertSpec(custom map[string]any) (*alertSpec, string, error) {
	s := &alertSpec{}
	var err error
	if v, ok := custom["window"]; ok {
		if s.window, err = parseDuration(v); err != nil {
			return nil, "window", err
		}
	}
	if v, ok := custom["suppress"]; ok {
		if s.suppress, err = parseDuration(v); err != nil {
			return nil, "suppress", err
		}
	}
	if v, ok := custom["runbook"]; ok {
		text, isStr := v.(string)
		if !isStr || strings.TrimSpace(text) == "" {
			return nil, "runbook", fmt.Errorf("must be a non-empty string: a line or a link saying what to do")
		}
		s.runbook = strings.TrimSpace(text)
	}
	if v, ok := custom["match"]; ok {
		if s.match, err = readFilters(v); err != nil {
			return nil, "match", err
		}
	}
	if v, ok := custom["window_match"]; ok {
		if s.keep, err = readFilters(v); err != nil {
			return nil, "window_match", err
		}
		if s.window == 0 {
			return nil, "window_match", fmt.Errorf("needs custom.window: it says which earlier events the window holds")
		}
	}
	if v, ok := custom["threshold"]; ok {
		n, isInt := intValue(v)
		if !isInt || n < 1 {
			return nil, "threshold", fmt.Errorf("must be a whole number of events, 1 or more, not %v", v)
		}
		if s.window == 0 {
			return nil, "threshold", fmt.Errorf("needs custom.window: the events are counted within it")
		}
		s.threshold = n
	}
	if v, ok := custom["group_by"]; ok {
		list, isList := stringList(v)
		if !isList {
			return nil, "group_by", fmt.Errorf("must be a list of event fields, such as [actor.loginName]")
		}
		if s.threshold == 0 {
			return nil, "group_by", fmt.Errorf("needs custom.threshold: it says which events count together")
		}
		for _, f := range list {
			s.groupBy = append(s.groupBy, strings.Split(f, "."))
		}
	}
	if s.window > 0 {
		kept, raw := custom["match"], custom["window_match"]
		if raw != nil {
			kept = raw
		}
		b, _ := json.Marshal(kept)
		s.key = s.window.String() + " " + string(b)
	}
	return s, "", nil
}

// kept returns the filters of the events the rule's window holds: custom.window_match, else
// custom.match; nil holds every event.
func (s *alertSpec) kept() []matchFilter {
	if s.keep != nil {
		return s.keep
	}
	return s.match
}

// readFilters reads custom.match or custom.window_match: one filter or a list of them, an event
// passing when it passes any.
func readFilters(v any) ([]matchFilter, error) {
	alts, isList := v.([]any)
	if !isList {
		alts = []any{v}
	}
	var out []matchFilter
	for _, alt := range alts {
		f, err := readMatch(alt)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("is an empty list")
	}
	return out, nil
}

// matchFilter admits an event whose every field has one of the values given ("*": any value), or
// none of the values a field's {"not": [...]} excludes.
type matchFilter struct {
	fields []matchField // sorted by name
}

// matchField is one field of a filter and the values it admits, or with not those it excludes.
type matchField struct {
	name  string   // dotted, as written
	path  []string // name, split
	not   bool     // {"not": [...]}: any value but those listed, null and absence included
	any   bool     // "*": any value but null or absence
	strs  []string // the string values admitted (excluded, with not)
	other []string // the other values admitted (excluded, with not), as JSON text
}

// notKey is the key of a field's exclusion: {"actor.type": {"not": ["AUTOMATED_WORKER"]}}.
const notKey = "not"

// anyValue is the match value that admits any value but null or absence.
const anyValue = "*"

func readMatch(v any) (matchFilter, error) {
	var f matchFilter
	m, isMap := v.(map[string]any)
	if !isMap || len(m) == 0 {
		return f, fmt.Errorf(`must map event fields to the values admitted, such as {"action": ["DELETE"], "target.type": ["NODE"]}, or be a list of such maps`)
	}
	for _, field := range slices.Sorted(maps.Keys(m)) {
		fl := matchField{name: field, path: strings.Split(field, ".")}
		given := m[field]
		if obj, isObj := given.(map[string]any); isObj {
			excluded, ok := obj[notKey]
			if !ok || len(obj) != 1 {
				return f, fmt.Errorf(`%s: an object excludes values, as {"not": ["AUTOMATED_WORKER"]}, and holds nothing else`, field)
			}
			fl.not, given = true, excluded
		}
		vals, isList := given.([]any)
		if !isList {
			vals = []any{given}
		}
		if fl.not && len(vals) == 0 {
			return f, fmt.Errorf(`%s: {"not": [...]} lists no value to exclude`, field)
		}
		for _, val := range vals {
			switch x := val.(type) {
			case string:
				if x == anyValue && fl.not {
					return f, fmt.Errorf(`%s: "*" cannot be excluded; {"not": [...]} lists the values an event must not have`, field)
				}
				if x == anyValue {
					fl.any = true
				} else {
					fl.strs = append(fl.strs, x)
				}
			case bool, int, int64, uint64, float64, json.Number:
				text, _ := json.Marshal(val)
				fl.other = append(fl.other, string(text))
			default:
				return f, fmt.Errorf("%s: values must be strings, numbers or booleans, not %v", field, val)
			}
		}
		f.fields = append(f.fields, fl)
	}
	return f, nil
}

// parseDuration reads a duration such as 10m, 36h or 30d (days are 24 hours).
func parseDuration(v any) (time.Duration, error) {
	text, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("must be a duration such as 10m, 24h or 7d, not %v", v)
	}
	var d time.Duration
	var err error
	if days, isDays := strings.CutSuffix(text, "d"); isDays {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(text)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 10m, 24h or 7d", text)
	}
	return d, nil
}

func intValue(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case uint64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	case json.Number:
		i, err := strconv.Atoi(n.String())
		return i, err == nil
	}
	return 0, false
}

// metadataLines returns a function giving the line of a custom key in the METADATA block a, or 0.
func metadataLines(m *ast.Module, a *ast.Annotations) func(string) int {
	return func(key string) int {
		for _, c := range m.Comments {
			if c.Location == nil || c.Location.Row < a.Location.Row {
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(string(c.Text)), key+":") {
				return c.Location.Row
			}
		}
		return 0
	}
}

// alertShape explains what is wrong with an alert rule's package, or returns "".
func alertShape(r *rule) string {
	switch {
	case r.document != "event":
		return fmt.Sprintf("package %s defines alert results, which belong to alert rules: name the package tailaudit.alerts.<name>", r.pkg)
	case len(r.sets) > 1:
		return fmt.Sprintf("package %s defines alert and %s: an alert rule emits alert results only", r.pkg, strings.Join(slices.DeleteFunc(slices.Clone(r.sets), func(s string) bool { return s == "alert" }), " and "))
	}
	return ""
}

// driftPrefix is the package prefix of the alert rules that judge two snapshots, not events.
const driftPrefix = "tailaudit.alerts.drift_"

// splitAlertRules separates the alert rules from the rules Evaluate runs.
func splitAlertRules(all []*rule) (rules, alerts []*rule) {
	for _, r := range all {
		if slices.Contains(r.sets, "alert") {
			r.drift = strings.HasPrefix(r.pkg, driftPrefix)
			alerts = append(alerts, r)
		} else {
			rules = append(rules, r)
		}
	}
	return rules, alerts
}

// admits reports whether an event passes the rule's custom.match.
func (s *alertSpec) admits(doc map[string]any) bool { return anyAdmits(s.match, doc) }

// anyAdmits reports whether an event passes one of the filters.
func anyAdmits(fs []matchFilter, doc map[string]any) bool {
	for _, f := range fs {
		if f.admits(doc) {
			return true
		}
	}
	return false
}

func (f matchFilter) admits(doc map[string]any) bool {
	for i := range f.fields {
		if !f.fields[i].admits(lookup(doc, f.fields[i].path)) {
			return false
		}
	}
	return true
}

func (fl *matchField) admits(v any) bool {
	if fl.not {
		return !fl.lists(v)
	}
	return fl.lists(v)
}

// lists reports whether v is among the field's values (any value but null or absence for "*").
func (fl *matchField) lists(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return fl.any || slices.Contains(fl.strs, x)
	}
	if fl.any {
		return true
	}
	text, ok := jsonText(v)
	return ok && slices.Contains(fl.other, text)
}

// lookup follows a path of keys into doc.
func lookup(doc map[string]any, path []string) any {
	var v any = doc
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// jsonText renders a scalar as JSON text, to compare it with match values.
func jsonText(v any) (string, bool) {
	switch v.(type) {
	case nil, map[string]any, []any:
		return "", false
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}
