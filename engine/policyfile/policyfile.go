package policyfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
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

	src   []byte
	root  *hujson.Value // the syntax tree, kept so that Position can find a value when asked
	shape *shape        // what root was checked against
	lines []int         // offsets at which each line starts
	index *memberIndex  // built as Position walks the tree
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
	p := &parser{file: &File{Name: name, src: src, index: &memberIndex{}}, lines: lineIndex(src)}
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
	p.collectWaivers(root.BeforeExtra, root.StartOffset, false)
	s := policyShape()
	doc, err := p.object(obj, s, true, root.EndOffset)
	if err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	p.file.root, p.file.shape, p.file.lines = &root, s, p.lines
	p.file.Doc = doc
	return p.file, nil
}

// Source returns the bytes the file was parsed from.
func (f *File) Source() []byte { return f.src }

// Position returns where the value at a JSON pointer (canonical keys, e.g. /ssh/2/users/0) starts, or
// where its nearest enclosing value starts when the pointer names nothing that was written. The
// deprecated spelling of a key (/acls/0/users for src) names the same value as its canonical one,
// but nothing inside it. The bool is false only for a File that Parse did not return.
//
// Parse keeps the syntax tree rather than a position for every value: a check asks for the few
// values its findings point at, and the pointer strings of all the others need never be built.
func (f *File) Position(pointer string) (Position, bool) {
	if f.root == nil {
		return Position{}, false
	}
	v, s := f.root, f.shape
	if !strings.HasPrefix(pointer, "/") {
		pointer = "" // not a pointer into the document (or the document itself): the document
	}
	for _, tok := range source.Tokens(pointer) {
		next, ns, last := f.child(v, s, tok)
		if next == nil {
			break
		}
		v, s = next, ns
		if last {
			break
		}
	}
	return positionIn(f.lines, v.StartOffset), true
}

// child returns the value that the reference token tok names inside v (checked against s), and its
// shape; last reports that it was named by a deprecated key, whose insides have no pointers of
// their own. It returns nil when v holds no such value.
func (f *File) child(v *hujson.Value, s *shape, tok string) (*hujson.Value, *shape, bool) {
	switch x := v.Value.(type) {
	case *hujson.Array:
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n >= len(x.Elements) || strconv.Itoa(n) != tok {
			return nil, nil, false
		}
		elem := anyShape
		if s.kind == arrayKind {
			elem = s.elem
		}
		return &x.Elements[n], elem, false
	case *hujson.Object:
		m, ok := f.index.members(x, s)[tok]
		if !ok {
			return nil, nil, false
		}
		return &x.Members[m.i].Value, m.shape, m.legacy
	}
	return nil, nil, false
}

// memberIndex maps the keys of each object Position has walked through, in the spelling pointers
// use, to its members. Position may be called from several goroutines at once.
type memberIndex struct {
	mu      sync.Mutex
	objects map[*hujson.Object]map[string]member
}

type member struct {
	i      int    // in Members
	shape  *shape // what its value was checked against
	legacy bool   // the key is the deprecated spelling
}

var anyShape = scalar(anyKind)

// members returns obj's members by the reference token that names them, as Parse spelled keys:
// canonical and legacy names of known fields, other keys as written.
func (x *memberIndex) members(obj *hujson.Object, s *shape) map[string]member {
	x.mu.Lock()
	defer x.mu.Unlock()
	if byKey, ok := x.objects[obj]; ok {
		return byKey
	}
	byKey := make(map[string]member, len(obj.Members))
	for i := range obj.Members {
		written := unquote(obj.Members[i].Name.Value.(hujson.Literal))
		switch s.kind {
		case objectKind:
			f, ok := s.fields[strings.ToLower(written)]
			if !ok {
				byKey[written] = member{i: i, shape: anyShape}
				continue
			}
			byKey[f.name] = member{i: i, shape: f.shape}
			if f.legacy != "" {
				byKey[f.legacy] = member{i: i, shape: f.shape, legacy: true}
			}
		case mapKind:
			byKey[written] = member{i: i, shape: s.elem}
		default:
			byKey[written] = member{i: i, shape: anyShape}
		}
	}
	if x.objects == nil {
		x.objects = make(map[*hujson.Object]map[string]member)
	}
	x.objects[obj] = byKey
	return byKey
}

type parser struct {
	file  *File
	lines []int // offsets at which each line starts
	depth int
	path  []step // from the document down to the value being converted
	err   error  // the first malformed inline waiver
}

func lineIndex(src []byte) []int {
	lines := make([]int, 1, 1+len(src)/32)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return lines
		}
		i += j + 1
		lines = append(lines, i)
	}
}

func (p *parser) position(offset int) Position { return positionIn(p.lines, offset) }

// positionIn returns the position of offset in a file whose lines start at lines.
func positionIn(lines []int, offset int) Position {
	line, _ := slices.BinarySearch(lines, offset+1)
	return Position{Offset: offset, Line: line, Column: offset - lines[line-1] + 1}
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

// step is one key or index on the way from the document down to the value the walk is at. The walk
// builds a JSON pointer only for the few values that need one (a warning, an error, a waiver, a
// legacy spelling), not for every value.
type step struct {
	key   string // canonical, unescaped; for an object member
	index int    // for an array element; -1 for an object member
}

// pointer returns the JSON pointer, in canonical spelling, of the value the steps lead to.
func pointer(steps []step) string {
	var b strings.Builder
	for _, st := range steps {
		b.WriteByte('/')
		if st.index >= 0 {
			b.WriteString(strconv.Itoa(st.index))
			continue
		}
		b.WriteString(source.EscapeToken(st.key))
	}
	return b.String()
}

// at returns the JSON pointer of the value the walk is at.
func (p *parser) at() string { return pointer(p.path) }

// value converts v, the value the walk is at, checking it against s.
func (p *parser) value(v *hujson.Value, s *shape) (any, error) {
	if lit, ok := v.Value.(hujson.Literal); ok && lit.Kind() == 'n' {
		return nil, nil // null means "absent" to Tailscale's decoder, whatever the field's type
	}
	switch s.kind {
	case anyKind:
		return p.plain(v)
	case objectKind, mapKind:
		obj, ok := v.Value.(*hujson.Object)
		if !ok {
			return nil, p.typeError(v, s)
		}
		return p.object(obj, s, false, v.EndOffset)
	case arrayKind:
		arr, ok := v.Value.(*hujson.Array)
		if !ok {
			return nil, p.typeError(v, s)
		}
		out := make([]any, 0, len(arr.Elements))
		for i := range arr.Elements {
			el := &arr.Elements[i]
			p.path = append(p.path, step{index: i})
			p.collectWaivers(el.BeforeExtra, el.StartOffset, true)
			x, err := p.value(el, s.elem)
			if err != nil {
				return nil, err
			}
			p.path = p.path[:len(p.path)-1]
			out = append(out, x)
		}
		return out, nil
	}
	lit, ok := v.Value.(hujson.Literal)
	if !ok {
		return nil, p.typeError(v, s)
	}
	switch {
	case lit.Kind() == '"' && (s.kind == stringKind || s.kind == stringOrNum):
		return p.rewriteString(unquote(lit)), nil
	case lit.Kind() == '0' && s.kind == stringOrNum:
		return json.Number(lit), nil
	case (lit.Kind() == 't' || lit.Kind() == 'f') && s.kind == boolKind:
		return lit.Bool(), nil
	}
	return nil, p.typeError(v, s)
}

func (p *parser) typeError(v *hujson.Value, s *shape) error {
	return p.errorAt(v.StartOffset, "%s: want %s, got %s", displayPath(p.at()), s.kind, describe(v.Value))
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
func (p *parser) object(obj *hujson.Object, s *shape, top bool, end int) (map[string]any, error) {
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
					where = "key in " + displayPath(p.at())
				}
				p.file.Warnings = append(p.file.Warnings, p.errorAt(m.Name.StartOffset, "unknown %s %q: Tailscale does not read it", where, written))
			}
		}
		if first, dup := seen[key]; dup {
			pos := p.position(first)
			return nil, p.errorAt(m.Name.StartOffset, "duplicate key %q (first written at line %d as the same key)", written, pos.Line)
		}
		seen[key] = m.Name.StartOffset
		if legacy != "" {
			p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(p.at() + "/" + source.EscapeToken(legacy)), Was: legacy, Now: key})
		}
		p.path = append(p.path, step{key: key, index: -1})
		p.collectWaivers(m.Name.BeforeExtra, m.Name.StartOffset, true)
		v, err := p.value(&m.Value, elem)
		if err != nil {
			return nil, err
		}
		if key == "action" && v == "allow" && strings.Contains(pointer(p.path[:len(p.path)-1]), "/acls/") {
			p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(p.at()), Was: "allow", Now: "accept"})
			v = "accept"
		}
		p.path = p.path[:len(p.path)-1]
		out[key] = v
	}
	p.collectWaivers(obj.AfterExtra, end-1, false)
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
func (p *parser) rewriteString(s string) string {
	const old, now = "autogroup:members", "autogroup:member"
	if s == old || strings.HasPrefix(s, old+":") {
		p.file.Legacy = append(p.file.Legacy, LegacyUse{Path: inputPath(p.at()), Was: s, Now: now + strings.TrimPrefix(s, old)})
		return now + strings.TrimPrefix(s, old)
	}
	return s
}

// plain converts a value whose structure tailaudit does not check (derpMap, app capabilities).
func (p *parser) plain(v *hujson.Value) (any, error) {
	if p.depth > maxDepth {
		return nil, p.errorAt(v.StartOffset, "values are nested more than %d levels deep", maxDepth)
	}
	switch x := v.Value.(type) {
	case *hujson.Object:
		return p.object(x, mapOf(anyShape), false, v.EndOffset)
	case *hujson.Array:
		return p.value(v, arrayOf(anyShape))
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
