package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// jsonStream writes one JSON document as it is produced: the renderer opens objects and arrays
// and hands over their members one at a time, each marshalled on its own, so that a report's
// findings are written one by one instead of marshalled, and then indented, as one whole. Indented
// output is byte for byte what json.MarshalIndent(v, "", "  ") gives for the same document,
// compact output what json.Marshal gives; both end with a newline, as json.Encoder's do, and
// neither escapes <, > and & (SetEscapeHTML(false)).
type jsonStream struct {
	w      *bufio.Writer
	indent bool
	open   []jsonContainer
	keyed  bool // a key was written; the next value is its
	buf    bytes.Buffer
	ind    bytes.Buffer
	enc    *json.Encoder
	err    error
}

type jsonContainer struct {
	members int
	close   byte
}

func newJSONStream(w io.Writer, indent bool) *jsonStream {
	s := &jsonStream{w: bufio.NewWriterSize(w, 1<<16), indent: indent}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	return s
}

// next writes what comes before a value or a key in the innermost container: the comma and, when
// indenting, the new line and indentation.
func (s *jsonStream) next() {
	if s.keyed {
		s.keyed = false
		return
	}
	if len(s.open) == 0 {
		return
	}
	c := &s.open[len(s.open)-1]
	if c.members > 0 {
		s.w.WriteByte(',')
	}
	c.members++
	if s.indent {
		s.w.WriteByte('\n')
		s.w.WriteString(strings.Repeat("  ", len(s.open)))
	}
}

// key starts an object member named k; its value follows.
func (s *jsonStream) key(k string) {
	s.next()
	s.marshal(k)
	s.w.Write(s.buf.Bytes())
	s.w.WriteByte(':')
	if s.indent {
		s.w.WriteByte(' ')
	}
	s.keyed = true
}

// member writes an object member: key and value.
func (s *jsonStream) member(k string, v any) {
	s.key(k)
	s.value(v)
}

// value writes v, marshalled as encoding/json marshals it.
func (s *jsonStream) value(v any) {
	s.next()
	if !s.marshal(v) {
		return
	}
	if !s.indent {
		s.w.Write(s.buf.Bytes())
		return
	}
	s.ind.Reset()
	if err := json.Indent(&s.ind, s.buf.Bytes(), strings.Repeat("  ", len(s.open)), "  "); err != nil {
		s.fail(err)
		return
	}
	s.w.Write(s.ind.Bytes())
}

// marshal puts the JSON of v, without the encoder's final new line, in s.buf.
func (s *jsonStream) marshal(v any) bool {
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil {
		s.fail(err)
		return false
	}
	s.buf.Truncate(s.buf.Len() - 1)
	return true
}

func (s *jsonStream) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// beginObject opens an object, as a value.
func (s *jsonStream) beginObject() { s.begin('{', '}') }

// beginArray opens an array, as a value.
func (s *jsonStream) beginArray() { s.begin('[', ']') }

func (s *jsonStream) begin(open, close byte) {
	s.next()
	s.w.WriteByte(open)
	s.open = append(s.open, jsonContainer{close: close})
}

// end closes the innermost object or array.
func (s *jsonStream) end() {
	c := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	if c.members > 0 && s.indent {
		s.w.WriteByte('\n')
		s.w.WriteString(strings.Repeat("  ", len(s.open)))
	}
	s.w.WriteByte(c.close)
}

// finish ends the document with a new line and writes out what is buffered. It returns the first
// error, of marshalling or of writing.
func (s *jsonStream) finish() error {
	s.w.WriteByte('\n')
	if err := s.w.Flush(); err != nil {
		s.fail(err)
	}
	return s.err
}
