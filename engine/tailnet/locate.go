package tailnet

import (
	"encoding/json"
	"strconv"
)

// locate returns the offset in raw, a JSON value, of the value at the reference tokens toks (of a
// JSON pointer), or of the deepest value on the way that exists. It runs only to place a schema
// problem, so it favours being short over being fast.
func locate(raw []byte, toks []string) int {
	at := skipSpace(raw, 0)
	for _, tok := range toks {
		next, ok := child(raw, at, tok)
		if !ok {
			return at
		}
		at = next
	}
	return at
}

// child returns where the member tok of the object, or element tok of the array, starting at i
// begins.
func child(raw []byte, i int, tok string) (int, bool) {
	if i >= len(raw) || raw[i] != '{' && raw[i] != '[' {
		return 0, false
	}
	object := raw[i] == '{'
	index, err := strconv.Atoi(tok)
	if !object && err != nil {
		return 0, false
	}
	i = skipSpace(raw, i+1)
	for n := 0; i < len(raw) && raw[i] != '}' && raw[i] != ']'; n++ {
		match := !object && n == index
		if object {
			end := skipValue(raw, i)
			var key string
			if json.Unmarshal(raw[i:end], &key) != nil {
				return 0, false
			}
			match = key == tok
			i = skipSpace(raw, end)
			if i >= len(raw) || raw[i] != ':' {
				return 0, false
			}
			i = skipSpace(raw, i+1)
		}
		if match {
			return i, true
		}
		i = skipSpace(raw, skipValue(raw, i))
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return 0, false
}

// skipValue returns the offset just past the value starting at i.
func skipValue(raw []byte, i int) int {
	depth := 0
	for ; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			continue
		case '}', ']':
			depth--
		case ',', ':':
			if depth == 0 {
				return i
			}
			continue
		default:
			if depth == 0 && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
				return i
			}
			continue
		}
		if depth <= 0 {
			return i + 1
		}
	}
	return i
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}
