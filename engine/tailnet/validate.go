package tailnet

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// validator checks a decoded snapshot value against one node of the snapshot schema. It is
// compiled once from the schema, and knows only the keywords the schema uses (type, properties,
// additionalProperties, required, items, $ref, const, pattern, minLength, minimum), with the
// meaning draft-07 gives them and the words the problems have always been reported in: a schema
// that uses any other keyword does not compile. TestValidatorAgreesWithJSONSchema holds it to a
// general JSON Schema implementation on valid, invalid and randomly mutated snapshots.
type validator struct {
	types      []string // "" of none: any type
	constJSON  string   // the const value as JSON, or ""
	pattern    *regexp.Regexp
	minLength  int // 0: none
	minimum    *big.Rat
	required   []string
	props      map[string]*validator
	additional *validator
	items      *validator
	time       string // the timestamp pattern, to word the problems of a pattern that is one
}

// compileValidators compiles the document's schema and each definition's, resolving $ref.
func compileValidators(doc map[string]any, timePattern string) (root *validator, defs map[string]*validator, err error) {
	rawDefs, _ := doc["definitions"].(map[string]any)
	defs = map[string]*validator{}
	for name := range rawDefs {
		defs[name] = &validator{}
	}
	c := &schemaCompiler{defs: defs, time: timePattern}
	for _, name := range slices.Sorted(maps.Keys(rawDefs)) {
		def, _ := rawDefs[name].(map[string]any)
		if _, isRef := def["$ref"]; isRef {
			return nil, nil, fmt.Errorf("definition %s is a bare $ref", name)
		}
		if err := c.fill(defs[name], def, "/definitions/"+name); err != nil {
			return nil, nil, err
		}
	}
	root = &validator{}
	if err := c.fill(root, doc, ""); err != nil {
		return nil, nil, err
	}
	return root, defs, nil
}

type schemaCompiler struct {
	defs map[string]*validator
	time string
}

// node compiles a sub-schema: a $ref is its definition's validator (draft-07 ignores the keywords
// beside a $ref).
func (c *schemaCompiler) node(raw any, at string) (*validator, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema must be an object", at)
	}
	if ref, isRef := m["$ref"]; isRef {
		s, _ := ref.(string)
		name, local := strings.CutPrefix(s, "#/definitions/")
		if v := c.defs[name]; local && v != nil {
			return v, nil
		}
		return nil, fmt.Errorf("%s: $ref %q names no definition", at, s)
	}
	v := &validator{}
	return v, c.fill(v, m, at)
}

func (c *schemaCompiler) fill(v *validator, m map[string]any, at string) error {
	v.time = c.time
	for _, key := range slices.Sorted(maps.Keys(m)) {
		raw := m[key]
		var err error
		switch key {
		case "$schema", "$id", "title", "description", "definitions":
		case "type":
			switch t := raw.(type) {
			case string:
				v.types = []string{t}
			case []any:
				for _, e := range t {
					s, _ := e.(string)
					v.types = append(v.types, s)
				}
			}
		case "const":
			b, merr := json.Marshal(raw)
			v.constJSON, err = string(b), merr
		case "pattern":
			s, _ := raw.(string)
			v.pattern, err = regexp.Compile(s)
		case "minLength":
			n, _ := raw.(float64)
			v.minLength = int(n)
		case "minimum":
			n, _ := raw.(float64)
			v.minimum = new(big.Rat).SetFloat64(n)
		case "required":
			for _, e := range raw.([]any) {
				s, _ := e.(string)
				v.required = append(v.required, s)
			}
		case "properties":
			props, _ := raw.(map[string]any)
			v.props = map[string]*validator{}
			for name, sub := range props {
				if v.props[name], err = c.node(sub, at+"/properties/"+name); err != nil {
					return err
				}
			}
		case "additionalProperties":
			v.additional, err = c.node(raw, at+"/additionalProperties")
		case "items":
			v.items, err = c.node(raw, at+"/items")
		default:
			return fmt.Errorf("%s: keyword %q is not one the snapshot validator knows", at, key)
		}
		if err != nil {
			return fmt.Errorf("%s: %s: %w", at, key, err)
		}
	}
	return nil
}

// check validates value, which is decoded with json.Number for numbers, and returns its problems
// at JSON pointers under prefix, for the snapshot name: in a fixed order (the value's members by
// name, required fields first), each problem once.
func (v *validator) check(name, prefix string, value any) []*source.Error {
	w := walker{name: name, prefix: prefix}
	w.walk(v, value)
	return w.found
}

type walker struct {
	name, prefix string
	path         []string // tokens below prefix, unescaped
	found        []*source.Error
}

func (w *walker) report(reason string) {
	var b strings.Builder
	b.WriteString(w.prefix)
	for _, t := range w.path {
		b.WriteByte('/')
		b.WriteString(source.EscapeToken(t))
	}
	ptr := b.String()
	for _, p := range w.found {
		if p.Pointer == ptr && p.Msg == reason {
			return
		}
	}
	w.found = append(w.found, problem(w.name, ptr, reason))
}

func (w *walker) walk(v *validator, value any) {
	if given, ok := v.typeOK(value); !ok {
		w.report(fmt.Sprintf("must be %s, got %s", strings.Join(v.types, " or "), given))
		return
	}
	switch x := value.(type) {
	case json.Number:
		if v.minimum != nil {
			if n, ok := new(big.Rat).SetString(string(x)); ok && n.Cmp(v.minimum) < 0 {
				w.report("Must be greater than or equal to " + new(big.Float).SetRat(v.minimum).String())
			}
		}
	case string:
		if v.minLength > 0 && len([]rune(x)) < v.minLength {
			w.report("must not be empty")
		}
		if v.pattern != nil && !v.pattern.MatchString(x) {
			if p := v.pattern.String(); v.time != "" && strings.HasSuffix(p, strings.TrimPrefix(v.time, "^")) {
				w.report("must be an RFC 3339 date-time, got " + quoteValue(x))
			} else {
				w.report("Does not match pattern '" + p + "'")
			}
		}
	case []any:
		if v.items != nil {
			for i, e := range x {
				w.path = append(w.path, strconv.Itoa(i))
				w.walk(v.items, e)
				w.path = w.path[:len(w.path)-1]
			}
		}
	case map[string]any:
		for _, r := range v.required {
			if _, ok := x[r]; !ok {
				w.report(fmt.Sprintf("missing required field %q", r))
			}
		}
		if v.props == nil && v.additional == nil {
			break
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub := v.props[k]
			if sub == nil {
				sub = v.additional
			}
			if sub == nil {
				continue
			}
			w.path = append(w.path, k)
			w.walk(sub, x[k])
			w.path = w.path[:len(w.path)-1]
		}
	}
	if v.constJSON != "" {
		if b, err := json.Marshal(value); err != nil || string(b) != v.constJSON {
			w.report("must be " + v.constJSON + ", got " + quoteValue(value))
		}
	}
}

// typeOK reports whether value has one of v's types, and the type it has.
func (v *validator) typeOK(value any) (given string, ok bool) {
	if len(v.types) == 0 {
		return "", true
	}
	switch x := value.(type) {
	case nil:
		given = "null"
	case bool:
		given = "boolean"
	case string:
		given = "string"
	case []any:
		given = "array"
	case map[string]any:
		given = "object"
	case json.Number:
		if slices.Contains(v.types, "number") {
			return "number", true
		}
		given = "number"
		if r, valid := new(big.Rat).SetString(string(x)); valid && r.IsInt() {
			given = "integer"
		}
	default:
		given = fmt.Sprintf("%T", value)
	}
	return given, slices.Contains(v.types, given)
}

func quoteValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return fmt.Sprintf("%.80v", v)
	}
	return string(b)
}
