package sink

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/output"
)

func readTemplate(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(Templates(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTemplatesParse(t *testing.T) {
	var names []string
	err := fs.WalkDir(Templates(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, path)
		b := readTemplate(t, path)
		switch filepath.Ext(path) {
		case ".json":
			dec := json.NewDecoder(bytes.NewReader(b))
			var v map[string]any
			if err := dec.Decode(&v); err != nil || dec.More() {
				t.Errorf("%s is not one JSON object: %v", path, err)
			}
		case ".ndjson":
			for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
				var v map[string]any
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Errorf("%s:%d: %v", path, i+1, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"README.md", "elasticsearch/index-template.json", "elasticsearch/ingest-pipeline.json",
		"kibana/saved-searches.ndjson", "splunk/macros.conf", "splunk/savedsearches.conf"}
	if !slices.Equal(names, want) {
		t.Errorf("templates = %v, want %v", names, want)
	}
}

// mappingOf is the index template's mapping.
func mappingOf(t *testing.T) map[string]any {
	t.Helper()
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings map[string]any `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(readTemplate(t, "elasticsearch/index-template.json"), &tmpl); err != nil {
		t.Fatal(err)
	}
	matches := false
	for _, p := range tmpl.IndexPatterns {
		if ok, _ := filepath.Match(p, DefaultIndex); ok {
			matches = true
		}
	}
	if !matches {
		t.Errorf("index patterns %v do not match the default index %s", tmpl.IndexPatterns, DefaultIndex)
	}
	return tmpl.Template.Mappings
}

// representativeAlerts are alerts with every optional part set or missing, as the rules raise
// them: an audit event with an actor, a windowed rule, a flow log alert with no actor, evidence
// and controls.
func representativeAlerts() []finding.Alert {
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	full := testAlert(0)
	full.Evidence = map[string]any{"old": map[string]any{"tags": []any{"tag:a"}}, "new": []any{"x", 2.5, true}, "count": 3}
	full.Controls = map[string][]string{"soc2": {"CC6.1", "CC7.2"}, "iso27001": {"A.8.2"}}
	full.Target.Property = "TAGS"
	windowed := testAlert(1)
	windowed.Window = &finding.AlertWindow{Start: at.Add(-10 * time.Minute), End: at, Count: 12}
	flow := testAlert(2)
	flow.Actor = nil
	flow.Runbook = ""
	flow.Target = &finding.Target{ID: "nABC", Name: "build-7", Type: "NODE"}
	bare := finding.Alert{Result: finding.AlertResult, ID: "sha256:00", Rule: finding.RuleRef{ID: "TA-DRIFT-002"},
		Severity: finding.Low, Message: "m", Time: at, Actor: &finding.Actor{Type: "NODE", ID: "n1"}}
	return []finding.Alert{full, windowed, flow, bare}
}

// TestTemplateMapsEveryField walks the ECS documents of representative alerts and finds each
// field in the template with a type its value fits, so that nothing the sink writes is left to
// Elasticsearch's guesses.
func TestTemplateMapsEveryField(t *testing.T) {
	mapping := mappingOf(t)
	seen := map[string]bool{}
	for _, a := range representativeAlerts() {
		b, err := json.Marshal(output.ECS(a))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		checkMapped(t, "", doc, mapping, seen)
	}
	// The walk covered the parts an alert may leave out.
	for _, f := range []string{"event.start", "event.end", "user.email", "tailaudit.evidence", "tailaudit.controls", "tailaudit.target.property", "rule.reference"} {
		if !seen[f] {
			t.Errorf("no representative alert has %s", f)
		}
	}
}

// TestTemplateMapsAnyEvidence: whatever a custom rule gives as evidence, a string, a number, a
// boolean, a list or an object, its ECS document fits the template (tailaudit.evidence is mapped
// flattened, which takes only an object), so Elasticsearch does not reject it and the outbox does
// not retry it for ever; the value is kept.
func TestTemplateMapsAnyEvidence(t *testing.T) {
	mapping := mappingOf(t)
	for _, ev := range []any{"the key was created by hand", 3.0, true, []any{"tag:a", "tag:b"}, []any{map[string]any{"n": 1.0}}, map[string]any{"n": 1.0}} {
		a := testAlert(0)
		a.Evidence = ev
		b, err := json.Marshal(output.ECS(a))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		checkMapped(t, "", doc, mapping, map[string]bool{})
		got := doc["tailaudit"].(map[string]any)["evidence"]
		if obj, isObj := ev.(map[string]any); isObj {
			if !reflect.DeepEqual(got, any(obj)) {
				t.Errorf("object evidence %v became %v", ev, got)
			}
		} else if w, _ := got.(map[string]any); !reflect.DeepEqual(w["value"], ev) || len(w) != 1 {
			t.Errorf("evidence %v (%T) became %v, want {\"value\": %v}", ev, ev, got, ev)
		}
	}
}

func checkMapped(t *testing.T, prefix string, obj map[string]any, mapping map[string]any, seen map[string]bool) {
	t.Helper()
	props, _ := mapping["properties"].(map[string]any)
	for k, v := range obj {
		path := strings.TrimPrefix(prefix+"."+k, ".")
		seen[path] = true
		m, ok := props[k].(map[string]any)
		if !ok {
			t.Errorf("%s is written but not mapped in the index template", path)
			continue
		}
		typ, _ := m["type"].(string)
		if typ == "" || typ == "object" {
			if sub, isObj := v.(map[string]any); isObj {
				if _, hasProps := m["properties"]; hasProps {
					checkMapped(t, path, sub, m, seen)
					continue
				}
			}
			t.Errorf("%s is %T, mapped as an object without properties", path, v)
			continue
		}
		for _, leaf := range leaves(v) {
			if !fits(typ, leaf) {
				t.Errorf("%s = %v (%T) does not fit its mapping type %s", path, leaf, leaf, typ)
			}
		}
		if typ == "flattened" {
			if _, isObj := v.(map[string]any); !isObj {
				t.Errorf("%s is %T; a flattened field takes an object", path, v)
			}
		}
	}
}

// leaves is v itself, or the values of an array (Elasticsearch maps an array as its elements).
func leaves(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}

func fits(typ string, v any) bool {
	switch typ {
	case "keyword", "text":
		_, ok := v.(string)
		return ok
	case "long":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "date":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case "flattened":
		return true
	}
	return false
}

// savedSearches are the four searches of the brief, by the rule ids and severities they name.
var ruleIDPattern = regexp.MustCompile(`TA-[A-Z]+-[0-9]+`)

func builtinRuleIDs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../../policies/alerts/*.rego")
	if err != nil || len(files) == 0 {
		t.Fatalf("no alert rules found: %v", err)
	}
	ids := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`(?m)^#\s+id:\s*(TA-[A-Z]+-[0-9]+)`).FindSubmatch(b); m != nil {
			ids[string(m[1])] = true
		}
	}
	return ids
}

func TestKibanaSavedSearches(t *testing.T) {
	ids := builtinRuleIDs(t)
	var patterns = map[string]bool{}
	var searches []string
	for i, line := range strings.Split(strings.TrimSuffix(string(readTemplate(t, "kibana/saved-searches.ndjson")), "\n"), "\n") {
		var obj struct {
			Type       string `json:"type"`
			ID         string `json:"id"`
			Attributes struct {
				Title string `json:"title"`
				Meta  struct {
					Source string `json:"searchSourceJSON"`
				} `json:"kibanaSavedObjectMeta"`
				TimeField string `json:"timeFieldName"`
			} `json:"attributes"`
			References []struct{ Name, Type, ID string } `json:"references"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		switch obj.Type {
		case "index-pattern":
			if ok, _ := filepath.Match(obj.Attributes.Title, DefaultIndex); !ok || obj.Attributes.TimeField != "@timestamp" {
				t.Errorf("data view %q (time field %q) does not cover %s by @timestamp", obj.Attributes.Title, obj.Attributes.TimeField, DefaultIndex)
			}
			patterns[obj.ID] = true
		case "search":
			searches = append(searches, obj.Attributes.Title)
			var src struct {
				Query struct{ Query, Language string } `json:"query"`
				Ref   string                           `json:"indexRefName"`
			}
			if err := json.Unmarshal([]byte(obj.Attributes.Meta.Source), &src); err != nil {
				t.Errorf("%s: searchSourceJSON: %v", obj.ID, err)
			}
			if src.Query.Language != "kuery" || src.Query.Query == "" {
				t.Errorf("%s: query %+v", obj.ID, src.Query)
			}
			if len(obj.References) != 1 || obj.References[0].Name != src.Ref || !patterns[obj.References[0].ID] {
				t.Errorf("%s: references %+v do not name the data view above it", obj.ID, obj.References)
			}
			checkQueryNames(t, obj.ID, src.Query.Query, ids)
		default:
			t.Errorf("line %d: unexpected saved object type %q", i+1, obj.Type)
		}
	}
	if len(searches) != 4 {
		t.Errorf("saved searches %v, want the four", searches)
	}
}

// checkQueryNames fails a query naming a rule the built-in pack does not have, or an ECS field
// the sink does not write.
func checkQueryNames(t *testing.T, name, q string, ids map[string]bool) {
	t.Helper()
	for _, id := range ruleIDPattern.FindAllString(q, -1) {
		if !ids[id] {
			t.Errorf("%s names rule %s, which is not a built-in alert rule", name, id)
		}
	}
	mapping := mappingOf(t)
	for _, f := range regexp.MustCompile(`([@a-z_.]+) *(:|>=)`).FindAllStringSubmatch(q, -1) {
		m := mapping
		for _, part := range strings.Split(f[1], ".") {
			props, _ := m["properties"].(map[string]any)
			m, _ = props[part].(map[string]any)
		}
		if m == nil {
			t.Errorf("%s queries %s, which the template does not map", name, f[1])
		}
	}
}

func TestSplunkSavedSearches(t *testing.T) {
	ids := builtinRuleIDs(t)
	stanzas := func(name string) map[string]map[string]string {
		out := map[string]map[string]string{}
		var cur map[string]string
		sc := bufio.NewScanner(bytes.NewReader(readTemplate(t, name)))
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
				cur = map[string]string{}
				out[line[1:len(line)-1]] = cur
			default:
				k, v, ok := strings.Cut(line, " = ")
				if !ok || cur == nil {
					t.Fatalf("%s:%d: not a key = value line in a stanza: %q", name, n, line)
				}
				cur[k] = v
			}
		}
		return out
	}
	macros := stanzas("splunk/macros.conf")
	if macros["tailaudit_alerts"]["definition"] != `sourcetype="`+DefaultSourcetype+`"` {
		t.Errorf("macro tailaudit_alerts = %v, want the sink's sourcetype", macros["tailaudit_alerts"])
	}
	searches := stanzas("splunk/savedsearches.conf")
	if len(searches) != 4 {
		t.Errorf("%d saved searches, want the four", len(searches))
	}
	for name, s := range searches {
		if !strings.HasPrefix(s["search"], "`tailaudit_alerts` ") || s["dispatch.earliest_time"] == "" {
			t.Errorf("%s: search %q from %q", name, s["search"], s["dispatch.earliest_time"])
		}
		for _, id := range ruleIDPattern.FindAllString(s["search"], -1) {
			if !ids[id] {
				t.Errorf("%s names rule %s, which is not a built-in alert rule", name, id)
			}
		}
	}
	for _, want := range []struct{ name, earliest string }{{"tailaudit - new devices (24 h)", "-24h"}, {"tailaudit - high and critical alerts (7 days)", "-7d"}} {
		if searches[want.name]["dispatch.earliest_time"] != want.earliest {
			t.Errorf("%s starts at %q, want %s", want.name, searches[want.name]["dispatch.earliest_time"], want.earliest)
		}
	}
}
