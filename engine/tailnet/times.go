package tailnet

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// impossibleTimes finds the strings under v, at JSON pointer prefix, that have the shape of a
// timestamp (the schema's pattern, which checks digits, not calendars) but name no real instant,
// such as 2020-02-30T00:00:00Z or 2026-01-01T24:00:00Z. Rules compare times, and a time that
// cannot be read would otherwise make a check silently pass.
func impossibleTimes(name, prefix string, v any, shape *regexp.Regexp) []*source.Error {
	var out []*source.Error
	// The reference tokens below prefix, an object key or an array index each; the pointer is
	// built only for a problem.
	type token struct {
		key   string
		index int // -1 for a key
	}
	var path []token
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			// Timestamps are 20 to 35 bytes or so; the cheap tests spare the pattern most strings.
			if len(x) < 20 || len(x) > 64 || x[4] != '-' || !shape.MatchString(x) {
				return
			}
			if _, err := parseTime(x); err != nil {
				ptr := prefix
				for _, tok := range path {
					if tok.index >= 0 {
						ptr += "/" + strconv.Itoa(tok.index)
					} else {
						ptr += "/" + source.EscapeToken(tok.key)
					}
				}
				out = append(out, problem(name, ptr, fmt.Sprintf("%q is not a real date and time: %s", x, timeReason(err))))
			}
		case map[string]any:
			for k, el := range x {
				path = append(path, token{key: k, index: -1})
				walk(el)
				path = path[:len(path)-1]
			}
		case []any:
			for i, el := range x {
				path = append(path, token{index: i})
				walk(el)
				path = path[:len(path)-1]
			}
		}
	}
	walk(v)
	slices.SortFunc(out, func(a, b *source.Error) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

// timeReason is the part of a time.Parse error that says what is wrong, e.g. "day out of range".
func timeReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
