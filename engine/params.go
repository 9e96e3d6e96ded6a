package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/tailaudit/tailaudit/engine/source"
)

// A rule declares the parameters it reads in its METADATA, next to the defaults it passes to
// params.merged:
//
//	# custom:
//	#   params:
//	#     staleDays: {type: integer, minimum: 1, maximum: 3650}
//	#     sensitiveTags: {type: array, items: {type: string}}
//
// Types are integer, number, boolean, string, duration (a Go duration such as "12h"), version
// (such as "1.80.0") and array (of items of one type). minimum and maximum bound integers and
// numbers, and durations (written as durations). A value the caller passes that does not fit is
// an error before any rule runs.

// paramSpec is one parameter's declared type and range.
type paramSpec struct {
	typ      string
	min, max *float64 // integers, numbers, and durations in nanoseconds
	items    *paramSpec
}

var paramTypes = []string{"integer", "number", "boolean", "string", "duration", "version", "array"}

var versionShape = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+){0,2}$`)

// parseParamSpec reads a declaration from METADATA (YAML decoded into Go values).
func parseParamSpec(v any) (*paramSpec, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want {type: ..., minimum: ..., maximum: ...}")
	}
	p := &paramSpec{}
	p.typ, _ = m["type"].(string)
	if !slices.Contains(paramTypes, p.typ) {
		return nil, fmt.Errorf("type must be one of %s", strings.Join(paramTypes, ", "))
	}
	for key, val := range m {
		switch key {
		case "type", "description":
		case "minimum", "maximum":
			bound, err := p.bound(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", key, err)
			}
			if key == "minimum" {
				p.min = &bound
			} else {
				p.max = &bound
			}
		case "items":
			if p.typ != "array" {
				return nil, fmt.Errorf("items is for arrays")
			}
			items, err := parseParamSpec(val)
			if err != nil {
				return nil, fmt.Errorf("items: %v", err)
			}
			p.items = items
		default:
			return nil, fmt.Errorf("unknown key %q (known: type, minimum, maximum, items, description)", key)
		}
	}
	if p.typ == "array" && p.items == nil {
		return nil, fmt.Errorf("an array needs items: {type: ...}")
	}
	return p, nil
}

// bound reads a minimum or maximum: a number, or for a duration a duration.
func (p *paramSpec) bound(v any) (float64, error) {
	switch p.typ {
	case "integer", "number":
		if f, ok := number(v); ok {
			return f, nil
		}
		return 0, fmt.Errorf("want a number")
	case "duration":
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return float64(d), nil
			}
		}
		return 0, fmt.Errorf("want a duration such as 12h")
	}
	return 0, fmt.Errorf("only integers, numbers and durations have a range")
}

// number reads a number as YAML, JSON (json.Number) or Go gives it.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// String describes what the parameter takes, for messages: "an integer from 1 to 3650".
func (p *paramSpec) String() string {
	show := func(f float64) string {
		if p.typ == "duration" {
			return time.Duration(f).String()
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	var what string
	switch p.typ {
	case "integer":
		what = "an integer"
	case "number":
		what = "a number"
	case "boolean":
		what = "true or false"
	case "string":
		what = "a string"
	case "duration":
		what = `a duration such as "12h"`
	case "version":
		what = `a version such as "1.80.0"`
	case "array":
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(p.items.String(), "a "), "an ") + "s"
	}
	switch {
	case p.min != nil && p.max != nil:
		what += fmt.Sprintf(" from %s to %s", show(*p.min), show(*p.max))
	case p.min != nil:
		what += fmt.Sprintf(" of at least %s", show(*p.min))
	case p.max != nil:
		what += fmt.Sprintf(" of at most %s", show(*p.max))
	}
	return what
}

// check says what is wrong with v as a value of the parameter, or returns "".
func (p *paramSpec) check(v any) string {
	var n float64
	switch p.typ {
	case "integer", "number":
		f, ok := number(v)
		if !ok || (p.typ == "integer" && f != math.Trunc(f)) {
			return "want " + p.String() + ", got " + valueText(v)
		}
		n = f
	case "boolean":
		if _, ok := v.(bool); !ok {
			return "want true or false, got " + valueText(v)
		}
		return ""
	case "string", "version":
		s, ok := v.(string)
		if !ok || (p.typ == "version" && !versionShape.MatchString(s)) {
			return "want " + p.String() + ", got " + valueText(v)
		}
		return ""
	case "duration":
		s, _ := v.(string)
		d, err := time.ParseDuration(s)
		if err != nil {
			return "want " + p.String() + ", got " + valueText(v)
		}
		n = float64(d)
	case "array":
		items, ok := v.([]any)
		if !ok {
			return "want " + p.String() + ", got " + valueText(v)
		}
		for i, it := range items {
			if msg := p.items.check(it); msg != "" {
				return fmt.Sprintf("item %d: %s", i, msg)
			}
		}
		return ""
	}
	if (p.min != nil && n < *p.min) || (p.max != nil && n > *p.max) {
		return "want " + p.String() + ", got " + valueText(v)
	}
	return ""
}

func valueText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// ParamError is a parameter value that no rule accepts: unknown, or outside its declared type
// and range.
type ParamError struct {
	Name string
	Msg  string
}

func (e *ParamError) Error() string { return "params." + e.Name + ": " + e.Msg }

// CheckParams checks parameter values against the declarations of the loaded rules: every name
// must be declared by a rule, and every value fit its type and range. Errors are sorted by name.
func (e *Engine) CheckParams(params map[string]any) []*ParamError {
	var out []*ParamError
	for _, name := range slices.Sorted(maps.Keys(params)) {
		decl, ok := e.params[name]
		if !ok {
			known := strings.Join(slices.Sorted(maps.Keys(e.params)), ", ")
			if known == "" {
				known = "none"
			}
			out = append(out, &ParamError{Name: name, Msg: fmt.Sprintf("no loaded rule has this parameter (known: %s)", known)})
			continue
		}
		if msg := decl.spec.check(params[name]); msg != "" {
			out = append(out, &ParamError{Name: name, Msg: msg + " (read by " + strings.Join(decl.rules, ", ") + ")"})
		}
	}
	return out
}

// paramDecl is a parameter as the loaded rules declare it.
type paramDecl struct {
	spec  *paramSpec
	text  string   // the declaration as written, to compare rules that share the parameter
	rules []string // ids of the rules that read it
}

// mergedRef is the function rules read their parameters through.
var mergedRef = ast.MustParseRef("data.tailaudit.lib.params.merged")

// collectParams gathers the rules' parameter declarations and checks them against the defaults
// each rule passes to params.merged: every default is declared and fits its declaration, every
// declaration has a default, and rules that share a parameter declare it alike.
func collectParams(rules []*rule, compiled map[string]*ast.Module) (map[string]*paramDecl, error) {
	out := map[string]*paramDecl{}
	var errs LoadErrors
	// Built-in rules first, so that a custom rule that declares a shared parameter differently is
	// the one reported.
	rules = slices.Clone(rules)
	slices.SortStableFunc(rules, func(a, b *rule) int {
		switch {
		case a.meta.Builtin == b.meta.Builtin:
			return 0
		case a.meta.Builtin:
			return -1
		}
		return 1
	})
	files := filesByPackage(compiled)
	for _, r := range rules {
		for _, name := range slices.Sorted(maps.Keys(r.params)) {
			spec := r.params[name]
			text := spec.String()
			d, seen := out[name]
			if !seen {
				out[name] = &paramDecl{spec: spec, text: text, rules: []string{r.meta.ID}}
				continue
			}
			if d.text != text {
				errs = append(errs, &source.Error{File: r.meta.Source.File, Line: r.meta.Source.Line,
					Msg: fmt.Sprintf("METADATA of %s: custom.params.%s is %s, but %s declares it as %s", r.pkg, name, text, d.rules[0], d.text)})
				continue
			}
			d.rules = append(d.rules, r.meta.ID)
			slices.Sort(d.rules)
		}
		errs = append(errs, r.checkDefaults(compiled, files[r.pkg])...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// filesByPackage lists, by package, the files of compiled that declare it, sorted, so that each rule
// walks its own modules without rendering every module's package name once per rule.
func filesByPackage(compiled map[string]*ast.Module) map[string][]string {
	out := map[string][]string{}
	for _, file := range slices.Sorted(maps.Keys(compiled)) {
		pkg := packageName(compiled[file])
		out[pkg] = append(out[pkg], file)
	}
	return out
}

// checkDefaults compares the rule's declarations with the defaults it passes to params.merged in
// files, the modules of its package.
func (r *rule) checkDefaults(compiled map[string]*ast.Module, files []string) LoadErrors {
	var errs LoadErrors
	for _, file := range files {
		m := compiled[file]
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			if !x.IsCall() || !x.Operator().Equal(mergedRef) {
				return false
			}
			defaults, ok := x.Operand(0).Value.(ast.Object)
			if !ok {
				return false
			}
			fail := func(format string, args ...any) {
				errs = append(errs, &source.Error{File: file, Line: x.Location.Row, Column: x.Location.Col, Msg: fmt.Sprintf("params.merged in %s: ", r.pkg) + fmt.Sprintf(format, args...)})
			}
			given := map[string]bool{}
			for _, key := range defaults.Keys() {
				name, isStr := key.Value.(ast.String)
				if !isStr {
					continue
				}
				given[string(name)] = true
				spec, declared := r.params[string(name)]
				if !declared {
					fail("parameter %s has no declaration; add it to custom.params in the METADATA with its type and range", string(name))
					continue
				}
				val, err := ast.JSON(defaults.Get(key).Value)
				if err != nil {
					continue // not a constant, e.g. a reference to params.shared
				}
				if msg := spec.check(jsonNumbers(val)); msg != "" {
					fail("the default of %s does not fit its declaration: %s", string(name), msg)
				}
			}
			for name := range r.params {
				if !given[name] {
					fail("custom.params declares %s, which has no default here", name)
				}
			}
			return false
		})
	}
	return errs
}

// jsonNumbers turns the float64s of a decoded value into json.Number, as config values come.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case []any:
		for i := range x {
			x[i] = jsonNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsonNumbers(x[k])
		}
	}
	return v
}
