package tailnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"

	"github.com/tailaudit/tailaudit/engine/source"
	"github.com/tailaudit/tailaudit/internal/synth"
)

// reference validates with gojsonschema, a general JSON Schema implementation, and words the
// problems as the snapshot decoder always has: the yardstick the compiled validator is held to.
type reference struct {
	doc   *gojsonschema.Schema
	items map[string]*gojsonschema.Schema
	time  string
}

func newReference(t *testing.T) *reference {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		t.Fatal(err)
	}
	r := &reference{items: map[string]*gojsonschema.Schema{}}
	var err error
	if r.doc, err = gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schemaJSON)); err != nil {
		t.Fatal(err)
	}
	defs, _ := doc["definitions"].(map[string]any)
	r.time, _ = defs["timestamp"].(map[string]any)["pattern"].(string)
	for key, def := range streamedArrays {
		sub := map[string]any{"$schema": doc["$schema"], "definitions": defs, "allOf": []any{map[string]any{"$ref": "#/definitions/" + def}}}
		if r.items[key], err = gojsonschema.NewSchema(gojsonschema.NewGoLoader(sub)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r *reference) problems(t *testing.T, s *gojsonschema.Schema, prefix string, v any) []string {
	t.Helper()
	res, err := s.Validate(gojsonschema.NewRawLoader(v))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range res.Errors() {
		if e.Type() == "number_all_of" || e.Type() == "number_any_of" {
			continue // the sub-schema's own errors say what is wrong
		}
		out = append(out, prefix+referencePointer(e.Context())+": "+r.reason(e))
	}
	return sortedUnique(out)
}

func (r *reference) reason(e gojsonschema.ResultError) string {
	switch e.Type() {
	case "pattern":
		if p := fmt.Sprint(e.Details()["pattern"]); strings.HasSuffix(p, strings.TrimPrefix(r.time, "^")) {
			return fmt.Sprintf("must be an RFC 3339 date-time, got %s", quoteValue(e.Value()))
		}
	case "invalid_type":
		want := strings.Trim(fmt.Sprint(e.Details()["expected"]), "[]")
		return fmt.Sprintf("must be %s, got %v", strings.ReplaceAll(want, ",", " or "), e.Details()["given"])
	case "const":
		return fmt.Sprintf("must be %v, got %s", e.Details()["allowed"], quoteValue(e.Value()))
	case "string_gte":
		return "must not be empty"
	case "required":
		return fmt.Sprintf("missing required field %q", e.Details()["property"])
	}
	return e.Description()
}

func referencePointer(c *gojsonschema.JsonContext) string {
	const sep = "\x00"
	var b strings.Builder
	for i, p := range strings.Split(c.String(sep), sep) {
		if i == 0 && p == "(root)" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(source.EscapeToken(p))
	}
	return b.String()
}

func ours(v *validator, prefix string, value any) []string {
	var out []string
	for _, p := range v.check("s.json", prefix, value) {
		out = append(out, p.Pointer+": "+p.Msg)
	}
	return sortedUnique(out)
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// decodeNumbers decodes JSON as the snapshot decoder does, numbers as json.Number.
func decodeNumbers(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// validatorCorpus is the snapshots of the repository and generated ones, and hand-made invalid
// variants covering each keyword of the schema.
func validatorCorpus(t *testing.T) map[string]map[string]any {
	t.Helper()
	corpus := map[string]map[string]any{}
	for _, path := range []string{"../../fixtures/demo/snapshot.json", "../../fixtures/demo/snapshot-before.json", "testdata/snapshot.json"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		corpus[path] = decodeNumbers(t, b)
	}
	for seed := range int64(3) {
		b, err := json.Marshal(synth.Snapshot(seed+1, 30, 8, 6))
		if err != nil {
			t.Fatal(err)
		}
		corpus[fmt.Sprintf("synth/%d", seed+1)] = decodeNumbers(t, b)
	}
	base, _ := json.Marshal(corpus["../../fixtures/demo/snapshot.json"])
	for name, edit := range map[string]func(m map[string]any){
		"schema_version_number": func(m map[string]any) { m["schemaVersion"] = json.Number("1") },
		"no_tailnet":            func(m map[string]any) { delete(m, "tailnet") },
		"empty_tailnet":         func(m map[string]any) { m["tailnet"] = "" },
		"collected_at_bad":      func(m map[string]any) { m["collectedAt"] = "2026-11-24 12:00" },
		"devices_object":        func(m map[string]any) { m["devices"] = map[string]any{} },
		"device_fields": func(m map[string]any) {
			d := m["devices"].([]any)[0].(map[string]any)
			d["id"], d["tags"], d["authorized"], d["lastSeen"], d["addresses"] = "", "tag:x", "yes", "yesterday", []any{json.Number("1"), nil}
			delete(m["devices"].([]any)[1].(map[string]any), "id")
			m["devices"].([]any)[2].(map[string]any)["expires"] = nil
			m["devices"].([]any)[3].(map[string]any)["created"] = ""
		},
		"user_device_count": func(m map[string]any) {
			us := m["users"].([]any)
			us[0].(map[string]any)["deviceCount"] = json.Number("-1")
			us[1].(map[string]any)["deviceCount"] = json.Number("1.5")
			us[2].(map[string]any)["deviceCount"] = json.Number("2.0")
			us[3].(map[string]any)["deviceCount"] = json.Number("-0.5")
		},
		"split_dns": func(m map[string]any) {
			m["dns"] = map[string]any{"splitDNS": map[string]any{"a~b/c": "10.0.0.1", "ok": []any{"1.1.1.1"}}, "preferences": map[string]any{"magicDNS": json.Number("1")}}
		},
		"policy_no_hujson": func(m map[string]any) { m["policy"] = map[string]any{"etag": json.Number("3")} },
		"items_not_objects": func(m map[string]any) {
			m["users"] = []any{nil, "x", []any{}}
			m["keys"] = nil
		},
	} {
		m := decodeNumbers(t, base)
		edit(m)
		corpus["edit/"+name] = m
	}
	return corpus
}

// TestValidatorAgreesWithJSONSchema checks that the compiled validator finds exactly the problems
// gojsonschema finds, worded as the decoder words them, on the repository's snapshots, generated
// ones, hand-made invalid ones and 600 random mutations of them (a value replaced by one of another
// type or shape, or a field removed): for the whole document and for each item of a streamed array
// on its own, as the decoder validates them.
func TestValidatorAgreesWithJSONSchema(t *testing.T) {
	ref := newReference(t)
	sc, err := compileSchemas()
	if err != nil {
		t.Fatal(err)
	}
	compare := func(t *testing.T, name string, doc map[string]any) int {
		t.Helper()
		want := ref.problems(t, ref.doc, "", doc)
		if d := cmp.Diff(want, ours(sc.doc, "", doc)); d != "" {
			t.Errorf("%s: document problems (-gojsonschema +validator):\n%s", name, d)
		}
		for key := range streamedArrays {
			items, _ := doc[key].([]any)
			for i, item := range items {
				ptr := fmt.Sprintf("/%s/%d", key, i)
				if d := cmp.Diff(ref.problems(t, ref.items[key], ptr, item), ours(sc.items[key], ptr, item)); d != "" {
					t.Errorf("%s: %s problems (-gojsonschema +validator):\n%s", name, ptr, d)
				}
			}
		}
		return len(want)
	}
	corpus := validatorCorpus(t)
	names := slices.Sorted(maps.Keys(corpus))
	invalid := 0
	for _, name := range names {
		if compare(t, name, corpus[name]) > 0 {
			invalid++
		}
	}
	if invalid < 10 {
		t.Errorf("only %d corpus snapshots are invalid; the hand-made ones should all be", invalid)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	mutated := 0
	for i := range 600 {
		src, _ := json.Marshal(corpus[names[rng.IntN(len(names))]])
		doc := decodeNumbers(t, src)
		mutate(rng, doc)
		if compare(t, fmt.Sprintf("mutation %d", i), doc) > 0 {
			mutated++
		}
	}
	if mutated < 200 {
		t.Errorf("only %d of 600 mutations made a snapshot invalid; the mutations are too weak to test anything", mutated)
	}
}

// mutationValues are what a mutation puts in place of a value.
var mutationValues = []any{nil, true, "", "x", "2026-11-24T12:00:00Z", "2026-13-45T99:99:99Z", json.Number("-1"), json.Number("0"), json.Number("1.5"), json.Number("7"), []any{}, []any{"a", json.Number("2")}, map[string]any{}, map[string]any{"id": ""}}

// mutate changes one value of doc, found by a random walk from its root: replaced, or, in an
// object, sometimes removed.
func mutate(rng *rand.Rand, doc map[string]any) {
	var cur any = doc
	for depth := 0; ; depth++ {
		switch x := cur.(type) {
		case map[string]any:
			if len(x) == 0 {
				return
			}
			keys := slices.Sorted(maps.Keys(x))
			k := keys[rng.IntN(len(keys))]
			if depth > 0 && rng.IntN(3) == 0 {
				if rng.IntN(4) == 0 {
					delete(x, k)
				} else {
					x[k] = mutationValues[rng.IntN(len(mutationValues))]
				}
				return
			}
			switch x[k].(type) {
			case map[string]any, []any:
				cur = x[k]
			default:
				x[k] = mutationValues[rng.IntN(len(mutationValues))]
				return
			}
		case []any:
			if len(x) == 0 {
				return
			}
			i := rng.IntN(len(x))
			switch x[i].(type) {
			case map[string]any, []any:
				if rng.IntN(4) > 0 {
					cur = x[i]
					continue
				}
			}
			x[i] = mutationValues[rng.IntN(len(mutationValues))]
			return
		default:
			return
		}
	}
}

// TestValidatorRefusesUnknownKeywords checks that a schema using a keyword the validator does not
// implement does not compile, so that the schema cannot gain a rule the validator silently skips.
func TestValidatorRefusesUnknownKeywords(t *testing.T) {
	for _, kw := range []string{"maxLength", "enum", "oneOf", "patternProperties", "format"} {
		doc := map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{kw: json.Number("1")}}}
		if _, _, err := compileValidators(doc, ""); err == nil || !strings.Contains(err.Error(), kw) {
			t.Errorf("a schema with %s: error %v, want one naming the keyword", kw, err)
		}
	}
}
