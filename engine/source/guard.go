package source

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Limits are what a reader of an input file accepts before its parser sees a byte: Check and Guard
// enforce them the same way for policy files, config files and snapshots.
type Limits struct {
	Kind     string // what the file is, for messages: "policy file", "config file", "snapshot"
	MaxSize  int64  // in bytes; 0 for no limit
	MaxDepth int    // how deeply arrays and objects may nest; 0 for no limit
	Empty    string // the message for a file with nothing but white space in it
}

// maxExponent bounds the exponent of a number. float64 reaches about 1.8e308; a number far beyond it
// is a mistake or an attack, and big-number arithmetic on it (1e999999) takes seconds.
const maxExponent = 999

// Check scans src, the whole contents of the file name, against l: its size, valid UTF-8, no byte
// order mark, nesting depth, no key written twice in one object, and numbers within range. The first
// problem is returned as an *Error at its line and column. Anything else malformed is left to the
// parser, which reports it better.
func Check(name string, src []byte, l Limits) error {
	if l.MaxSize > 0 && int64(len(src)) > l.MaxSize {
		line, col := lineCol(src, int(l.MaxSize))
		return Errorf(name, line, col, "file is %.1f MB; %ss larger than %d MB are not read", float64(len(src))/(1<<20), l.Kind, l.MaxSize>>20)
	}
	g := NewGuard(name, l)
	if _, err := g.Scan(src); err != nil {
		return err
	}
	return g.End()
}

func lineCol(src []byte, off int) (int, int) {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(src[:off], '\n')
}

// Guard is Check for input that arrives in pieces, such as a snapshot decoded as a stream: Scan each
// piece in order, then End. It keeps a few bytes of state per level of nesting and the keys of each
// open object, not the input.
type Guard struct {
	name string
	l    Limits

	off, line, lineStart int64 // bytes scanned, current line (1-based), offset where it starts
	state                guardState
	escaped              bool
	stopped              bool // the input is malformed in a way the parser reports: stop looking
	nonSpace             bool

	utf      [utf8.UTFMax]byte // the bytes of a multi-byte character seen so far
	utfLen   int
	utfStart int64

	tok             []byte // the key or number being read
	tokLine, tokCol int
	numStart        int64
	levels          []level
}

type guardState uint8

const (
	inValue guardState = iota
	inString
	inKey
	inNumber
	afterSlash
	inLineComment
	inBlockComment
	blockStar
)

// level is one open array or object. For an object it holds the keys written so far: in a packed
// byte slice while there are few (most API objects), in a map past that.
type level struct {
	object    bool
	expectKey bool
	keys      []byte // each key as a 4-byte length, the key, then 4 bytes of its line
	n         int
	many      map[string]int
}

const fewKeys = 32

// NewGuard returns a Guard for the file name.
func NewGuard(name string, l Limits) *Guard {
	return &Guard{name: name, l: l, line: 1}
}

func (g *Guard) errorAt(off int64, format string, args ...any) *Error {
	return Errorf(g.name, int(g.line), int(off-g.lineStart)+1, format, args...)
}

// Scan checks the next piece of input. It returns how many bytes of p come before the first
// problem (len(p) when there is none) and the problem.
func (g *Guard) Scan(p []byte) (int, error) {
	if g.stopped {
		g.off += int64(len(p))
		return len(p), nil
	}
	for i := 0; i < len(p); i++ {
		if g.state == inString && !g.escaped && g.utfLen == 0 {
			// Most of a snapshot is the text of strings: pass over it in a tight loop.
			end := len(p)
			if g.l.MaxSize > 0 {
				end = int(min(int64(end), max(g.l.MaxSize-g.off, 0)))
			}
			for i < end {
				if c := p[i]; c == '"' || c == '\\' || c == '\n' || c >= utf8.RuneSelf {
					break
				}
				i++
			}
			if i == len(p) {
				break
			}
		}
		c := p[i]
		off := g.off + int64(i)
		if g.l.MaxSize > 0 && off >= g.l.MaxSize {
			return i, g.errorAt(off, "%ss larger than %d MB are not read", g.l.Kind, g.l.MaxSize>>20)
		}
		if c >= utf8.RuneSelf || g.utfLen > 0 {
			if err := g.utf8(c, off); err != nil {
				return max(0, int(g.utfStart-g.off)), err // up to the character's first byte
			}
			switch g.state {
			case inKey:
				g.tok = append(g.tok, c)
			case inNumber:
				if err := g.number(); err != nil {
					return i, err
				}
				g.state = inValue
			case afterSlash:
				g.state = inValue
			}
			g.nonSpace = true
			continue
		}
		if c == '\n' {
			g.line++
			g.lineStart = off + 1
		}
		if err := g.byte(c, off); err != nil {
			return i, err
		}
		if g.stopped {
			g.off += int64(len(p))
			return len(p), nil
		}
	}
	g.off += int64(len(p))
	return len(p), nil
}

// utf8 checks one byte of a multi-byte character.
func (g *Guard) utf8(c byte, off int64) error {
	if g.utfLen == 0 {
		g.utfStart = off
	}
	g.utf[g.utfLen] = c
	g.utfLen++
	if !utf8.FullRune(g.utf[:g.utfLen]) {
		return nil
	}
	r, n := utf8.DecodeRune(g.utf[:g.utfLen])
	if r == utf8.RuneError && n <= 1 {
		bad := g.utf[0]
		g.utfLen = 0
		return Errorf(g.name, int(g.line), int(g.utfStart-g.lineStart)+1, "invalid UTF-8 byte 0x%02x", bad)
	}
	g.utfLen = 0
	if r == '\uFEFF' && g.utfStart == 0 {
		return Errorf(g.name, 1, 1, "the file starts with a byte order mark (U+FEFF); save it as UTF-8 without one")
	}
	return nil
}

func (g *Guard) byte(c byte, off int64) error {
	if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
		g.nonSpace = true
	}
	switch g.state {
	case inString, inKey:
		switch {
		case g.escaped:
			g.escaped = false
		case c == '\\':
			g.escaped = true
		case c == '"':
			if g.state == inKey {
				g.state = inValue
				return g.key()
			}
			g.state = inValue
			return nil
		case c == '\n':
			g.stopped = true // a string left open: the parser says where it starts
			return nil
		}
		if g.state == inKey {
			g.tok = append(g.tok, c)
		}
		return nil
	case inNumber:
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			if len(g.tok) > 4096 {
				return g.errorAt(g.numStart, "number is more than 4096 digits long")
			}
			g.tok = append(g.tok, c)
			return nil
		}
		if err := g.number(); err != nil {
			return err
		}
		g.state = inValue
	case afterSlash:
		switch c {
		case '/':
			g.state = inLineComment
			return nil
		case '*':
			g.state = inBlockComment
			return nil
		}
		g.state = inValue
	case inLineComment:
		if c == '\n' {
			g.state = inValue
		}
		return nil
	case inBlockComment, blockStar:
		switch {
		case c == '/' && g.state == blockStar:
			g.state = inValue
		case c == '*':
			g.state = blockStar
		default:
			g.state = inBlockComment
		}
		return nil
	}
	var top *level
	if len(g.levels) > 0 {
		top = &g.levels[len(g.levels)-1]
	}
	switch {
	case c == '"':
		g.state = inString
		if top != nil && top.object && top.expectKey {
			g.state = inKey
			g.tok = g.tok[:0]
			g.tokLine, g.tokCol = int(g.line), int(off-g.lineStart)+1
			top.expectKey = false
		}
	case c == '[' || c == '{':
		if g.l.MaxDepth > 0 && len(g.levels) >= g.l.MaxDepth {
			return g.errorAt(off, "values are nested more than %d levels deep", g.l.MaxDepth)
		}
		if len(g.levels) < cap(g.levels) {
			g.levels = g.levels[:len(g.levels)+1] // reuse the level's key buffer
		} else {
			g.levels = append(g.levels, level{})
		}
		top = &g.levels[len(g.levels)-1]
		*top = level{object: c == '{', expectKey: c == '{', keys: top.keys[:0]}
	case c == ']' || c == '}':
		if top == nil || top.object != (c == '}') {
			g.stopped = true // brackets that do not match: the parser reports them
			return nil
		}
		g.levels = g.levels[:len(g.levels)-1]
	case c == ',':
		if top != nil && top.object {
			top.expectKey = true
		}
	case c == '-' || c >= '0' && c <= '9':
		g.state = inNumber
		g.tok = append(g.tok[:0], c)
		g.numStart = off
		g.tokLine, g.tokCol = int(g.line), int(off-g.lineStart)+1
	case c == '/':
		g.state = afterSlash
	}
	return nil
}

// key records the key just read in its object, and fails on one written before.
func (g *Guard) key() error {
	top := &g.levels[len(g.levels)-1]
	k := g.tok
	if bytes.IndexByte(k, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &s); err != nil {
			g.stopped = true // a bad escape: the parser reports it
			return nil
		}
		k = []byte(s)
	}
	if top.many != nil {
		if first, dup := top.many[string(k)]; dup {
			return g.duplicate(k, first)
		}
		top.many[string(k)] = g.tokLine
		return nil
	}
	for b := top.keys; len(b) > 0; {
		n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if bytes.Equal(b[4:4+n], k) {
			l := b[4+n:]
			return g.duplicate(k, int(l[0])<<24|int(l[1])<<16|int(l[2])<<8|int(l[3]))
		}
		b = b[8+n:]
	}
	if top.n == fewKeys {
		top.many = make(map[string]int, 2*fewKeys)
		for b := top.keys; len(b) > 0; {
			n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
			l := b[4+n:]
			top.many[string(b[4:4+n])] = int(l[0])<<24 | int(l[1])<<16 | int(l[2])<<8 | int(l[3])
			b = b[8+n:]
		}
		top.many[string(k)] = g.tokLine
		return nil
	}
	n, l := len(k), g.tokLine
	top.keys = append(top.keys, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	top.keys = append(top.keys, k...)
	top.keys = append(top.keys, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	top.n++
	return nil
}

func (g *Guard) duplicate(k []byte, firstLine int) error {
	return Errorf(g.name, g.tokLine, g.tokCol, "duplicate key %q (first written at line %d)", k, firstLine)
}

// number checks the number just read: its exponent within maxExponent, its value within float64.
func (g *Guard) number() error {
	t := g.tok
	e := bytes.IndexAny(t, "eE")
	if e < 0 && len(t) <= 20 {
		return nil
	}
	if e >= 0 {
		exp := bytes.TrimLeft(t[e+1:], "+-")
		exp = bytes.TrimLeft(exp, "0")
		if len(exp) > len(strconv.Itoa(maxExponent)) || len(exp) == len(strconv.Itoa(maxExponent)) && string(exp) > strconv.Itoa(maxExponent) {
			return Errorf(g.name, g.tokLine, g.tokCol, "number %s has an exponent beyond ±%d", abbreviate(t), maxExponent)
		}
	}
	if _, err := strconv.ParseFloat(string(t), 64); err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return Errorf(g.name, g.tokLine, g.tokCol, "number %s is out of range (beyond ±1.8e308)", abbreviate(t))
		}
		g.stopped = true // not a number after all: the parser reports it
	}
	return nil
}

func abbreviate(b []byte) string {
	if len(b) > 24 {
		return string(b[:20]) + "…"
	}
	return string(b)
}

// End checks what only the end of input shows: a file with nothing in it, a number or a character
// cut short.
func (g *Guard) End() error {
	if g.stopped {
		return nil
	}
	if !g.nonSpace && g.l.Empty != "" {
		return Errorf(g.name, 1, 1, "%s", g.l.Empty)
	}
	if g.utfLen > 0 {
		return Errorf(g.name, int(g.line), int(g.utfStart-g.lineStart)+1, "invalid UTF-8 byte 0x%02x", g.utf[0])
	}
	if g.state == inNumber {
		return g.number()
	}
	return nil
}
