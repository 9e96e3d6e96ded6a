package policyfile

// Schema returns a JSON Schema of the policy document rules see as input.policy: every key in its
// canonical spelling, with the type Tailscale reads there. Maps with names chosen by the user
// (groups, tags, hosts, routes) allow any key. Tools such as a rule linter type-check rules'
// references against it; the parser itself checks the file with the shape it is derived from.
func Schema() map[string]any { return policyShape().schema() }

func (s *shape) schema() map[string]any {
	switch s.kind {
	case stringKind:
		return map[string]any{"type": "string"}
	case boolKind:
		return map[string]any{"type": "boolean"}
	case stringOrNum:
		return map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	case arrayKind:
		return map[string]any{"type": "array", "items": s.elem.schema()}
	case mapKind:
		return map[string]any{"type": "object", "additionalProperties": s.elem.schema()}
	case objectKind:
		props := map[string]any{}
		for _, f := range s.fields {
			if f.legacy == "" { // a legacy spelling is normalised away before rules see the document
				props[f.name] = f.shape.schema()
			}
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{}
}
