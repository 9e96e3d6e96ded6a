package events

import (
	"encoding/json"
	"unicode/utf8"
)

// parser decodes one JSON value held whole in memory into the values encoding/json gives an any
// with UseNumber (map[string]any, []any, string, json.Number, bool, nil), faster and with fewer
// allocations: no reflection, maps made at their final size, and the object keys and short
// string values that repeat from entry to entry (field names, actions, types) shared instead of
// allocated again. It takes only what it can decode exactly as encoding/json would: anything
// else (a syntax error, invalid UTF-8, a surrogate escape, deep nesting, a second value) makes it
// give up, and the caller decodes the line with encoding/json, which says what is wrong.
type parser struct {
	data []byte
	pos  int
	// strs holds the strings seen so far that are short enough to share, each with itself as an
	// any (boxing a string allocates); bounded.
	strs map[string]shared
	nums map[string]any // the same for numbers, each as a json.Number in an any
	// members is a stack of the object members being read, reused from one entry to the next.
	members []member
	// elems is the same for array elements.
	elems []any
	depth int
}

type shared struct {
	s   string
	any any
}

type member struct {
	key   string
	value any
}

// Bounds of the parser: strings shared are at most maxShared bytes, at most maxStrings of them;
// deeper nesting than maxDepth is left to encoding/json (which refuses it past 10,000).
const (
	maxShared  = 48
	maxStrings = 8192
	maxDepth   = 512
)

// parse decodes data, one JSON value with white space around it; ok is false when the parser
// gives up (see parser).
func (p *parser) parse(data []byte) (v any, ok bool) {
	p.data, p.pos, p.depth = data, 0, 0
	if p.strs == nil {
		p.strs, p.nums = map[string]shared{}, map[string]any{}
	}
	p.space()
	v, ok = p.value()
	if !ok {
		return nil, false
	}
	p.space()
	if p.pos != len(p.data) {
		return nil, false
	}
	return v, true
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (any, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *parser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

func (p *parser) object() (any, bool) {
	if p.depth++; p.depth > maxDepth {
		return nil, false
	}
	p.pos++ // {
	base := len(p.members)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return map[string]any{}, true
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, false
		}
		p.pos++
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.members = append(p.members, member{k.(string), v})
		p.space()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
		default:
			return nil, false
		}
		break
	}
	m := make(map[string]any, len(p.members)-base)
	for _, kv := range p.members[base:] {
		m[kv.key] = kv.value // a repeated key keeps its last value, as encoding/json does
	}
	clear(p.members[base:])
	p.members = p.members[:base]
	p.depth--
	return m, true
}

func (p *parser) array() (any, bool) {
	if p.depth++; p.depth > maxDepth {
		return nil, false
	}
	p.pos++ // [
	base := len(p.elems)
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, true
	}
	for {
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.elems = append(p.elems, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
		default:
			return nil, false
		}
		break
	}
	out := make([]any, len(p.elems)-base)
	copy(out, p.elems[base:])
	clear(p.elems[base:])
	p.elems = p.elems[:base]
	p.depth--
	return out, true
}

// str reads a string. Escapes are undone; a string with a control character, invalid UTF-8 or a
// \u escape of a surrogate (which encoding/json pairs or replaces) makes the parser give up.
func (p *parser) str() (any, bool) {
	p.pos++ // "
	start := p.pos
	ascii := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			raw := p.data[start:p.pos]
			p.pos++
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			return p.share(raw).any, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		p.pos++
	}
	return nil, false
}

// escaped reads the rest of a string from its first backslash on; start is where it began.
func (p *parser) escaped(start int) (any, bool) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(buf) {
				return nil, false
			}
			return p.share(buf).any, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			return nil, false
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok || (r >= 0xD800 && r < 0xE000) {
				return nil, false
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, false
		}
	}
	return nil, false
}

func (p *parser) hex4() (rune, bool) {
	if len(p.data)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// share returns b as a string and as an any holding it, the same as before when b is short and
// was seen already.
func (p *parser) share(b []byte) shared {
	if len(b) > maxShared {
		s := string(b)
		return shared{s, s}
	}
	if sh, ok := p.strs[string(b)]; ok {
		return sh
	}
	s := string(b)
	sh := shared{s, s}
	if len(p.strs) < maxStrings {
		p.strs[s] = sh
	}
	return sh
}

// num returns b as a json.Number in an any, the same as before when it was seen already.
func (p *parser) num(b []byte) any {
	if v, ok := p.nums[string(b)]; ok {
		return v
	}
	var v any = json.Number(b)
	if len(b) <= maxShared && len(p.nums) < maxStrings {
		p.nums[string(b)] = v
	}
	return v
}

// number reads a number as JSON's grammar has it, as a json.Number of its text.
func (p *parser) number() (any, bool) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.pos < len(p.data) && p.data[p.pos] >= '1' && p.data[p.pos] <= '9':
		p.digits()
	default:
		return nil, false
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return nil, false
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return nil, false
		}
	}
	return p.num(p.data[start:p.pos]), true
}

// digits reads one or more digits.
func (p *parser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}
