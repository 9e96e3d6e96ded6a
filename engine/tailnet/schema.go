package tailnet

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	"github.com/tailaudit/tailaudit/engine/source"
)

//go:embed snapshot.schema.json
var schemaJSON []byte

// SchemaJSON returns the snapshot JSON Schema (draft-07).
func SchemaJSON() []byte {
	return append([]byte(nil), schemaJSON...)
}

// schemas are compiled once per process: the whole-document schema and one schema per array item
// kind, so that large arrays can be validated element by element while they stream in.
type schemas struct {
	doc   *gojsonschema.Schema
	items map[string]*gojsonschema.Schema // top-level array key → item schema
	time  string                          // the timestamp pattern, to word its errors
	shape *regexp.Regexp                  // the same pattern, to find timestamps that name no real instant
}

// streamedArrays maps the top-level keys decoded element by element to their item definitions.
var streamedArrays = map[string]string{
	EndpointDevices:             "device",
	EndpointUsers:               "user",
	EndpointKeys:                "key",
	EndpointWebhooks:            "webhook",
	EndpointPostureIntegrations: "postureIntegration",
}

var compiledSchemas = sync.OnceValues(compileSchemas)

func compileSchemas() (*schemas, error) {
	var doc map[string]any
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return nil, fmt.Errorf("snapshot schema: %w", err)
	}
	s := &schemas{items: map[string]*gojsonschema.Schema{}}
	var err error
	if s.doc, err = gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schemaJSON)); err != nil {
		return nil, fmt.Errorf("snapshot schema: %w", err)
	}
	defs, _ := doc["definitions"].(map[string]any)
	if ts, ok := defs["timestamp"].(map[string]any); ok {
		s.time, _ = ts["pattern"].(string)
	}
	if s.shape, err = regexp.Compile(s.time); err != nil || s.time == "" {
		return nil, fmt.Errorf("snapshot schema: the timestamp pattern %q: %v", s.time, err)
	}
	for key, def := range streamedArrays {
		// A document whose root is a $ref into the same definitions.
		sub := map[string]any{
			"$schema":     doc["$schema"],
			"definitions": defs,
			"allOf":       []any{map[string]any{"$ref": "#/definitions/" + def}},
		}
		if s.items[key], err = gojsonschema.NewSchema(gojsonschema.NewGoLoader(sub)); err != nil {
			return nil, fmt.Errorf("snapshot schema: definition %s: %w", def, err)
		}
	}
	return s, nil
}

// problems turns gojsonschema errors into problems of the snapshot name at JSON pointers under prefix.
func (s *schemas) problems(name, prefix string, res *gojsonschema.Result) []*source.Error {
	var out []*source.Error
	seen := map[string]bool{}
	for _, e := range res.Errors() {
		if e.Type() == "number_all_of" || e.Type() == "number_any_of" {
			continue // the sub-schema's own errors say what is wrong
		}
		path := prefix + pointer(e.Context())
		reason := s.reason(e)
		if k := path + "\x00" + reason; !seen[k] {
			seen[k] = true
			out = append(out, problem(name, path, reason))
		}
	}
	return out
}

func (s *schemas) reason(e gojsonschema.ResultError) string {
	switch e.Type() {
	case "pattern":
		if p := fmt.Sprint(e.Details()["pattern"]); strings.HasSuffix(p, strings.TrimPrefix(s.time, "^")) {
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

func quoteValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return fmt.Sprintf("%.80v", v)
	}
	return string(b)
}

// pointer converts a gojsonschema context ("(root)", "devices", "3", ...) into a JSON pointer.
func pointer(c *gojsonschema.JsonContext) string {
	if c == nil {
		return ""
	}
	const sep = "\x00"
	parts := strings.Split(c.String(sep), sep)
	var b strings.Builder
	for i, p := range parts {
		if i == 0 && p == "(root)" {
			continue
		}
		b.WriteByte('/')
		b.WriteString(source.EscapeToken(p))
	}
	return b.String()
}
