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
	threshold int           // custom.threshold: matching events in the window before an alert
	groupBy   [][]string    // custom.group_by: fields whose values must agree for the count
	suppress  time.Duration // custom.suppress: no repeat for the same dedup key within this
	runbook   string
	key       string // window and match, canonical: rules with the same key share one window
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
		alts, isList := v.([]any) // a list of filters: an event passes when it passes any
		if !isList {
			alts = []any{v}
		}
		for _, alt := range alts {
			f, err := readMatch(alt)
			if err != nil {
				return nil, "match", err
			}
			s.match = append(s.match, f)
		}
		if len(s.match) == 0 {
			return nil, "match", fmt.Errorf("is an empty list")
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
		b, _ := json.Marshal(s.match)
		s.key = s.window.String() + " " + string(b)
	}
	return s, "", nil
}

// matchFilter admits an event whose every field has one of the values given ("*": any value).
type matchFilter struct {
	fields [][]string          // dotted names, split, sorted
	values map[string][]string // dotted name → the values admitted, as JSON text
}

// anyValue is the match value that admits any value but null or absence.
const anyValue = "*"

func readMatch(v any) (matchFilter, error) {
	f := matchFilter{values: map[string][]string{}}
	m, isMap := v.(map[string]any)
	if !isMap || len(m) == 0 {
		return f, fmt.Errorf(`must map event fields to the values admitted, such as {"action": ["DELETE"], "target.type": ["NODE"]}, or be a list of such maps`)
	}
	for _, field := range slices.Sorted(maps.Keys(m)) {
		vals, isList := m[field].([]any)
		if !isList {
			vals = []any{m[field]}
		}
		for _, val := range vals {
			switch val.(type) {
			case string, bool, int, int64, uint64, float64, json.Number:
			default:
				return f, fmt.Errorf("%s: values must be strings, numbers or booleans, not %v", field, val)
			}
			text, _ := json.Marshal(val)
			if val == anyValue {
				text = []byte(anyValue)
			}
			f.values[field] = append(f.values[field], string(text))
		}
		f.fields = append(f.fields, strings.Split(field, "."))
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
func (s *alertSpec) admits(doc map[string]any) bool {
	for _, f := range s.match {
		if f.admits(doc) {
			return true
		}
	}
	return false
}

func (f matchFilter) admits(doc map[string]any) bool {
	for _, path := range f.fields {
		want := f.values[strings.Join(path, ".")]
		v := lookup(doc, path)
		if v != nil && slices.Contains(want, anyValue) {
			continue
		}
		got, ok := jsonText(v)
		if !ok || !slices.Contains(want, got) {
			return false
		}
	}
	return true
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
