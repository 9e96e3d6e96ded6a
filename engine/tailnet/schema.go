package tailnet

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
)

//go:embed snapshot.schema.json
var schemaJSON []byte

// SchemaJSON returns the snapshot JSON Schema (draft-07).
func SchemaJSON() []byte {
	return append([]byte(nil), schemaJSON...)
}

// schemas are compiled once per process: the whole-document validator and one validator per array
// item kind, so that large arrays can be validated element by element while they stream in.
type schemas struct {
	doc   *validator
	items map[string]*validator // top-level array key → item validator
	time  string                // the timestamp pattern, to word its errors
	shape *regexp.Regexp        // the same pattern, to find timestamps that name no real instant
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
	s := &schemas{items: map[string]*validator{}}
	defs, _ := doc["definitions"].(map[string]any)
	if ts, ok := defs["timestamp"].(map[string]any); ok {
		s.time, _ = ts["pattern"].(string)
	}
	var err error
	if s.shape, err = regexp.Compile(s.time); err != nil || s.time == "" {
		return nil, fmt.Errorf("snapshot schema: the timestamp pattern %q: %v", s.time, err)
	}
	root, byName, err := compileValidators(doc, s.time)
	if err != nil {
		return nil, fmt.Errorf("snapshot schema: %w", err)
	}
	s.doc = root
	for key, def := range streamedArrays {
		if s.items[key] = byName[def]; s.items[key] == nil {
			return nil, fmt.Errorf("snapshot schema: no definition %s", def)
		}
	}
	return s, nil
}
