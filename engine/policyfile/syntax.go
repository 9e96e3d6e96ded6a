package policyfile

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

var hujsonErrorRE = regexp.MustCompile(`(?s)^hujson: line (\d+), column (\d+): (.*)$`)

// SyntaxError turns an error of hujson.Parse on src, the contents of the file name, into a
// *source.Error at the place an editor would show. A string left open is reported where it starts
// ("string is not closed"), and a /* comment left open where it opens, rather than at the end of
// the line or file where the parser noticed.
func SyntaxError(name string, src []byte, err error) *source.Error {
	m := hujsonErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		return &source.Error{File: name, Msg: "invalid HuJSON: " + err.Error()}
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	if off, what := unclosed(src); off >= 0 && off <= offsetOf(src, line, col) {
		line, col := lineColumn(src, off)
		return &source.Error{File: name, Line: line, Column: col, Msg: what + " is not closed"}
	}
	msg := strings.Join(strings.Fields(m[3]), " ")
	if strings.HasSuffix(msg, "unexpected EOF") {
		msg = "unexpected end of file (an object, array, string or comment is not closed)"
	}
	return &source.Error{File: name, Line: line, Column: col, Msg: "invalid HuJSON: " + msg}
}

// unclosed finds the first string or block comment of src that is not closed: a string that meets
// the end of its line or of the file before its closing quote (JSON strings cannot hold a newline),
// or a /* without */. It returns the offset where it starts and what it is, or -1.
func unclosed(src []byte) (int, string) {
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"':
			start := i
			for i++; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
				}
				if i >= len(src) || src[i] == '\n' {
					break
				}
			}
			if i >= len(src) || src[i] != '"' {
				return start, "string"
			}
		case '/':
			switch {
			case bytes.HasPrefix(src[i:], []byte("//")):
				for i < len(src) && src[i] != '\n' {
					i++
				}
			case bytes.HasPrefix(src[i:], []byte("/*")):
				end := bytes.Index(src[i+2:], []byte("*/"))
				if end < 0 {
					return i, "comment"
				}
				i += end + 3
			}
		}
	}
	return -1, ""
}

// offsetOf returns the byte offset of a 1-based line and byte column of src, or len(src) when the
// place is past its end.
func offsetOf(src []byte, line, col int) int {
	off := 0
	for ; line > 1; line-- {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	return min(off+col-1, len(src))
}

// lineColumn returns the 1-based line and byte column of offset off of src.
func lineColumn(src []byte, off int) (int, int) {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(src[:off], '\n')
}
