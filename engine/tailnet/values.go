package tailnet

import (
	"encoding/json"
	"fmt"
)

// maxSharedText is the longest string a builder shares one value for: field names, operating
// systems, versions, roles and tags repeat across a snapshot's items; longer strings rarely do.
const maxSharedText = 32

// maxShared bounds how many distinct strings a builder remembers, so that a snapshot of unique
// short strings does not grow the table without end.
const maxShared = 1 << 16

// builder turns the text of one JSON value that encoding/json has already checked into the
// generic value json.Decoder with UseNumber gives for it: map[string]any, []any, string,
// json.Number, bool and nil. Unlike the decoder it gives every object key, and every string of up
// to maxSharedText bytes, one value however often it occurs (a snapshot's devices repeat the same
// thirty field names), and sizes each map for its keys. Values are never modified once decoded, so
// sharing them is safe. A string with escapes or bytes beyond ASCII is decoded by encoding/json
// itself, so that every string comes out exactly as before.
type builder struct {
	keys  map[string]string
	strs  map[string]any
	pairs []pair
	elems []any
}

type pair struct {
	key string
	val any
}

func newBuilder() *builder {
	return &builder{keys: map[string]string{}, strs: map[string]any{}}
}

// build returns the value of b, valid JSON.
func (p *builder) build(b []byte) (any, error) {
	v, _, err := p.value(b, skipSpace(b, 0))
	return v, err
}

// value reads the value starting at b[i] and returns it and the index past it.
func (p *builder) value(b []byte, i int) (any, int, error) {
	if i >= len(b) {
		return nil, i, errNotJSON
	}
	switch c := b[i]; {
	case c == '{':
		return p.object(b, i+1)
	case c == '[':
		return p.array(b, i+1)
	case c == '"':
		raw, end, err := p.span(b, i)
		if err != nil {
			return nil, end, err
		}
		if raw == nil || len(raw) > maxSharedText {
			s, err := p.decodeText(b[i:end])
			return s, end, err
		}
		if v, ok := p.strs[string(raw)]; ok {
			return v, end, nil
		}
		var v any = string(raw)
		if len(p.strs) < maxShared {
			p.strs[string(raw)] = v
		}
		return v, end, nil
	case c == 't':
		return true, i + len("true"), nil
	case c == 'f':
		return false, i + len("false"), nil
	case c == 'n':
		return nil, i + len("null"), nil
	default:
		j := i
		for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] >= '0' && b[j] <= '9') {
			j++
		}
		if j == i {
			return nil, i, errNotJSON
		}
		return json.Number(b[i:j]), j, nil
	}
}

func (p *builder) object(b []byte, i int) (any, int, error) {
	start := len(p.pairs)
	defer func() { clear(p.pairs[start:]); p.pairs = p.pairs[:start] }()
	i = skipSpace(b, i)
	if i < len(b) && b[i] == '}' {
		return map[string]any{}, i + 1, nil
	}
	for {
		i = skipSpace(b, i)
		raw, end, err := p.span(b, i)
		if err != nil {
			return nil, end, err
		}
		var key string
		if raw == nil {
			if key, err = p.decodeText(b[i:end]); err != nil {
				return nil, end, err
			}
		} else if k, ok := p.keys[string(raw)]; ok {
			key = k
		} else {
			key = string(raw)
			if len(p.keys) < maxShared {
				p.keys[key] = key
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, i, errNotJSON
		}
		v, end, err := p.value(b, skipSpace(b, i+1))
		if err != nil {
			return nil, end, err
		}
		p.pairs = append(p.pairs, pair{key, v})
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i >= len(b) || b[i] != '}' {
			return nil, i, errNotJSON
		}
		m := make(map[string]any, len(p.pairs)-start)
		for _, kv := range p.pairs[start:] {
			m[kv.key] = kv.val // a repeated key: the last one wins, as with encoding/json
		}
		return m, i + 1, nil
	}
}

func (p *builder) array(b []byte, i int) (any, int, error) {
	start := len(p.elems)
	defer func() { clear(p.elems[start:]); p.elems = p.elems[:start] }()
	i = skipSpace(b, i)
	if i < len(b) && b[i] == ']' {
		return []any{}, i + 1, nil
	}
	for {
		v, end, err := p.value(b, skipSpace(b, i))
		if err != nil {
			return nil, end, err
		}
		p.elems = append(p.elems, v)
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		if i >= len(b) || b[i] != ']' {
			return nil, i, errNotJSON
		}
		return append([]any(nil), p.elems[start:]...), i + 1, nil
	}
}

// span finds the string starting at the quote b[i] and returns its bytes between the quotes when
// they are plain ASCII without escapes, or nil, and the index past the closing quote.
func (p *builder) span(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, errNotJSON
	}
	plain := true
	j := i + 1
	for ; j < len(b) && b[j] != '"'; j++ {
		if b[j] == '\\' {
			plain = false
			j++ // the escaped byte, which may be a quote
		} else if b[j] >= 0x80 {
			plain = false
		}
	}
	if j >= len(b) {
		return nil, j, errNotJSON
	}
	if !plain {
		return nil, j + 1, nil
	}
	return b[i+1 : j], j + 1, nil
}

// decodeText decodes a quoted JSON string as encoding/json does, escapes and invalid UTF-8 alike.
func (p *builder) decodeText(quoted []byte) (string, error) {
	var s string
	err := json.Unmarshal(quoted, &s)
	return s, err
}

// errNotJSON is returned for text encoding/json has not checked: the builder reads only values the
// decoder has already scanned.
var errNotJSON = fmt.Errorf("not a JSON value")
