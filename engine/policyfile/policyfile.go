package policyfile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailscale/hujson"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

// MaxSize is the largest policy file Parse reads. Tailscale's own limit is far lower; anything this
// large is a mistake, not a policy.
const MaxSize = 10 << 20

// maxDepth bounds nesting so that hostile input cannot exhaust the parser's stack.
const maxDepth = 64

// File is a parsed policy file.
type File struct {
	// Name is the path the file was read from, as the user gave it.
	Name string
	// Doc is the policy with keys in Tailscale's canonical spelling and legacy aliases rewritten:
	// maps, slices, strings, bools, json.Number and nil.
	Doc map[string]any
	// Legacy lists every deprecated spelling the file uses, in file order.
	Legacy []LegacyUse
	// Waivers lists the inline tailaudit:ignore comments, in file order. Each covers the value after
	// it (Path), in this file.
	Waivers []finding.Waiver
	// Warnings lists what Tailscale would ignore or may reject but that does not stop a check,
	// such as unknown keys.
	Warnings []*source.Error

	positions map[string]Position
	src       []byte
}

// Position is where a value starts in the file. Line and Column are 1-based; Column counts bytes.
type Position struct {
	Offset, Line, Column int
}

// LegacyUse records one deprecated spelling and what it means today.
type LegacyUse struct {
	Path []any // JSON path into the tailaudit input document, starting with "policy"
	Was  string
	Now  string
}

// Parse reads a HuJSON policy file. Syntax errors, invalid UTF-8, values of the wrong type, duplicate
// keys and malformed inline waivers are returned as *source.Error with the file, line and column.
func Parse(name string, src []byte) (*File, error) {
	// A value starts every dozen bytes or so in typical policy files; sizing the map up front saves
	// rehashing it as it grows (about a tenth of the parse time of a 10,000-rule file).
	p := &parser{file: &File{Name: name, positions: make(map[string]Position, len(src)/12), src: src}, lines: lineIndex(src)}
	if err := p.precheck(src); err != nil {
		return nil, err
	}
	root, err := hujson.Parse(src)
	if err != nil {
		return nil, SyntaxError(name, src, err)
	}
	obj, ok := root.Value.(*hujson.Object)
	if !ok {
		return nil, p.errorAt(root.StartOffset, "a policy file must be a JSON object, not %s", describe(root.Value))
	}
	p.collectWaivers(root.BeforeExtra, root.StartOffset, "")
	doc, err := p.object(obj, policyShape(), "", true, root.EndOffset)
	if err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	p.file.positions[""] = p.position(root.StartOffset)
	p.file.Doc = doc
	return p.file, nil
}

// Source returns the bytes the file was parsed from.
func (f *File) Source() []byte { return f.src }

// Position returns where the value at a JSON pointer (canonical keys, e.g. /ssh/2/users/0) starts, or
// where its nearest enclosing value starts when the pointer names nothing that was written.
func (f *File) Position(pointer string) (Position, bool) {
	for {
		if pos, ok := f.positions[pointer]; ok {
			return pos, true
		}
		if pointer == "" {
			return Position{}, false
		}
		pointer = pointer[:strings.LastIndexByte(pointer, '/')]
	}
}

type parser struct {
	file  *File
	lines []int // offsets at which each line starts
	depth int
	err   error // the first malformed inline waiver
}

func lineIndex(src []byte) []int {
	lines := []int{0}
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return lines
}

func (p *parser) position(offset int) Position {
	line, _ := slices.BinarySearch(p.lines, offset+1)
	return Position{Offset: offset, Line: line, Column: offset - p.lines[line-1] + 1}
}

func (p *parser) errorAt(offset int, format string, args ...any) *source.Error {
	pos := p.position(offset)
	return source.Errorf(p.file.Name, pos.Line, pos.Column, format, args...)
}

// precheck rejects what hujson would mishandle or report poorly: see Check.
func (p *parser) precheck(src []byte) error { return Check(p.file.Name, src) }

// Check holds src, the contents of the policy file name, to the guards every reader of input
// shares, before any HuJSON parser sees it: oversized or empty input, invalid UTF-8, nesting deep
// enough to threaten the parser's stack, a key written twice in one object and numbers out of
// range. Call it before handing policy text to hujson.Parse anywhere else.
func Check(name string, src []byte) error {
	return source.Check(name, src, source.Limits{
		Kind:     "policy file",
		MaxSize:  MaxSize,
		MaxDepth: maxDepth,
		Empty:    "file is empty; a policy file is a HuJSON object such as {\"acls\": []}",
	})
}

func describe(v hujson.ValueTrimmed) string {
	switch v := v.(type) {
	case *hujson.Object:
		return "an object"
	case *hujson.Array:
		return "an array"
	case hujson.Literal:
		switch v.Kind() {
		case '"':
			return "a string"
		case '0':
			return "a number"
		case 't', 'f':
			return "a boolean"
		case 'n':
			return "null"
		}
	}
	return "an unknown value"
}

// value converts v, checking it against s. ptr is v's JSON pointer in canonical spelling.
func (p *parser) value(v *hujson.Value, s *shape, ptr string) (any, error) {
	p.file.positions[ptr] = p.position(v.StartOffset)
	if lit, ok := v.Value.(hujson.Literal); ok && lit.Kind() == 'n' {
		return nil, nil // null means "absent" to Tailscale's decoder, whatever the field's type
	}
	switch s.kind {
	case anyKind:
		return p.plain(v, ptr)
	case objectKind, mapKind:
		obj, ok := v.Value.(*hujson.Object)
		if !ok {
			return nil, p.typeError(v, s, ptr)
		}
		return p.object(obj, s, ptr, false, v.EndOffset)
	case arrayKind:
		arr, ok := v.Value.(*hujson.Array)
		if !ok {
			return nil, p.typeError(v, s, ptr)
		}
		out := make([]any, 0, len(arr.Elements))
		for i := range arr.Elements {
			el := &arr.Elements[i]
			elPtr := ptr + "/" + strconv.Itoa(i)
			p.collectWaivers(el.BeforeExtra, el.StartOffset, elPtr)
			x, err := p.value(el, s.elem, elPtr)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	lit, ok := v.Value.(hujson.Literal)
	if !ok {
		return nil, p.typeError(v, s, ptr)
	}
	switch {
	case lit.Kind() == '"' && (s.kind == stringKind || s.kind == stringOrNum):
		return p.rewriteString(unquote(lit), ptr), nil
	case lit.Kind() == '0' && s.kind == stringOrNum:
		return json.Number(lit), nil
	case (lit.Kind() == 't' || lit.Kind() == 'f') && s.kind == boolKind:
		return lit.Bool(), nil
	}
	return nil, p.typeError(v, s, ptr)
}

func (p *parser) typeError(v *hujson.Value, s *shape, ptr string) error {
	return p.errorAt(v.StartOffset, "%s: want %s, got %s", displayPath(ptr), s.kind, describe(v.Value))
}

// displayPath renders a JSON pointer the way people read policy files: acls[3].src[0].
func displayPath(ptr string) string {
	var b strings.Builder
	for _, seg := range source.Tokens(ptr) {
		if _, err := strconv.Atoi(seg); err == nil && b.Len() > 0 {
			fmt.Fprintf(&b, "[%s]", seg)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if strings.ContainsAny(seg, ":.@/*") {
			seg = strconv.Quote(seg)
		}
		b.WriteString(seg)
	}
	return b.String()
}

// object converts a JSON object. For struct-like shapes, keys are matched case-insensitively and
// renamed to their canonical spelling; unknown keys are kept as written, with a warning.
func (p *parser) object(obj *hujson.Object, s *shape, ptr string, top bool, end int) (map[string]any, error) {
	p.depth++
	defer func() { p.depth-- }()
	out := make(map[string]any, len(obj.Members))
	seen := make(map[string]int, len(obj.Members)) // canonical key → offset of its first occurrence
	for i := range obj.Members {
		m := &obj.Members[i]
		written := unquote(m.Name.Value.(hujson.Literal))
		key, elem, legacy := written, s.elem, ""
		if s.kind == objectKind {
			f, ok := s.fields[strings.ToLower(written)]
			switch {
			case ok:
				key, elem, legacy = f.name, f.shape, f.legacy
			default:
				elem = scalar(anyKind)
				where := "top-level key"
				if !top {
					where = "key in " + displayPath(ptr)
				}
				p.file.Warnings = append(p.file.Warnings, p.errorAt(m.Name.StartOffset, "unknown %s %q: Tailscale does not read it", where, written))
			}
		}
		if first, dup := seen[key]; dup {
			pos := p.position(first)
			return nil, p.errorAt(m.Name.StartOffset, "duplicate key %q (first written at line %d as the same key)", written, pos.Line)
		}
		seen[key] = m.Name.StartOffset
		childPtr := ptr + "/" + source.EscapeToken(key)
		p.collectWaivers(m.Name.BeforeExtra, m.Name.StartOffset, childPtr)
		if legacy != "" {
			p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(ptr + "/" + source.EscapeToken(legacy)), Was: legacy, Now: key})
			p.file.positions[ptr+"/"+source.EscapeToken(legacy)] = p.position(m.Value.StartOffset)
		}
		v, err := p.value(&m.Value, elem, childPtr)
		if err != nil {
			return nil, err
		}
		if key == "action" && v == "allow" && strings.Contains(ptr, "/acls/") {
			p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(childPtr), Was: "allow", Now: "accept"})
			v = "accept"
		}
		out[key] = v
	}
	p.collectWaivers(obj.AfterExtra, end-1, "")
	return out, nil
}

// inputPath turns a pointer into the path segments a Rego rule would use, rooted at input.policy.
func inputPath(ptr string) []any {
	path := []any{"policy"}
	for _, seg := range source.Tokens(ptr) {
		if n, err := strconv.Atoi(seg); err == nil {
			path = append(path, n)
			continue
		}
		path = append(path, seg)
	}
	return path
}

// unquote is lit.String(): a JSON string's value, or the literal itself for any other literal. A
// string without escapes, control characters or invalid UTF-8 (nearly every string of a policy
// file) is its bytes between the quotes, which saves decoding it as JSON.
func unquote(lit hujson.Literal) string {
	if n := len(lit); n >= 2 && lit[0] == '"' && lit[n-1] == '"' {
		body := lit[1 : n-1]
		plain := true
		for _, c := range body {
			if c < 0x20 || c == '\\' || c == '"' || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			return string(body)
		}
	}
	return lit.String()
}

// rewriteString applies the legacy value aliases Tailscale still accepts.
func (p *parser) rewriteString(s, ptr string) string {
	const old, now = "autogroup:members", "autogroup:member"
	if s == old || strings.HasPrefix(s, old+":") {
		p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(ptr), Was: s, Now: now + strings.TrimPrefix(s, old)})
		return now + strings.TrimPrefix(s, old)
	}
	return s
}

// plain converts a value whose structure tailaudit does not check (derpMap, app capabilities).
func (p *parser) plain(v *hujson.Value, ptr string) (any, error) {
	if p.depth > maxDepth {
		return nil, p.errorAt(v.StartOffset, "values are nested more than %d levels deep", maxDepth)
	}
	switch x := v.Value.(type) {
	case *hujson.Object:
		return p.object(x, mapOf(scalar(anyKind)), ptr, false, v.EndOffset)
	case *hujson.Array:
		return p.value(v, arrayOf(scalar(anyKind)), ptr)
	case hujson.Literal:
		switch x.Kind() {
		case '"':
			return unquote(x), nil
		case '0':
			return json.Number(x), nil
		case 't', 'f':
			return x.Bool(), nil
		}
	}
	return nil, nil
}
