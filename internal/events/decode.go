package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tailaudit/tailaudit/engine/source"
)

// MaxEntry is the largest entry, in bytes, the decoder accepts: a line longer than this is a bad
// entry, so that memory stays bounded whatever the input.
const MaxEntry = 16 << 20

// Decoder reads the entries of one stream. It tells the shape from the stream's first bytes: a
// JSON array or an object whose first key is version, tailnet or logs is read as one document (the
// API's response), anything else as one entry per line.
type Decoder struct {
	name    string
	br      *bufio.Reader
	started bool
	broken  bool

	// one entry per line
	lines  bool
	line   int    // lines read so far
	buf    []byte // the current line when it is longer than br's buffer
	parser parser

	// one document
	lt      *lineTracker
	dec     *json.Decoder
	state   docState
	prefix  string // pointer of the array being read: "" or /logs
	index   int
	depth   int // documents started, for the pointer of a second document
	sawLogs bool
}

type docState int

const (
	docTop     docState = iota // between top-level values
	docWrapper                 // inside {"version", "tailnet", "logs"}
	docArray                   // inside an array of entries
)

// NewDecoder returns a decoder of r, whose errors name the file name.
func NewDecoder(r io.Reader, name string) *Decoder {
	return &Decoder{name: name, br: bufio.NewReaderSize(r, 64<<10)}
}

// Broken reports whether the stream cannot be read further: the last error left the decoder at no
// entry boundary.
func (d *Decoder) Broken() bool { return d.broken }

// Next returns the next entry, or io.EOF after the last. An entry that cannot be used is a
// *source.Error; unless Broken then says otherwise, the next call reads on after it.
func (d *Decoder) Next() (*Event, error) {
	if d.broken {
		return nil, &source.Error{File: d.name, Msg: "the stream could not be read further"}
	}
	if !d.started {
		if err := d.start(); err != nil {
			return nil, err
		}
	}
	if d.lines {
		return d.nextLine()
	}
	return d.nextInDocument()
}

// start skips leading white space and chooses the shape.
func (d *Decoder) start() error {
	d.started = true
	for {
		b, err := d.br.ReadByte()
		if err == io.EOF {
			d.lines = true
			return nil
		}
		if err != nil {
			d.broken = true
			return fmt.Errorf("read %s: %w", d.name, err)
		}
		switch b {
		case '\n':
			d.line++
			continue
		case ' ', '\t', '\r':
			continue
		}
		if err := d.br.UnreadByte(); err != nil {
			return err
		}
		if b == '[' || (b == '{' && d.wrapperAhead()) {
			d.lt = &lineTracker{r: d.br, base: d.line}
			d.dec = json.NewDecoder(d.lt)
			d.dec.UseNumber()
			return nil
		}
		d.lines = true
		return nil
	}
}

// wrapperAhead reports whether the object at the head of the stream starts with a key of the
// API's log response.
func (d *Decoder) wrapperAhead() bool {
	peek, _ := d.br.Peek(4096)
	dec := json.NewDecoder(bytes.NewReader(peek))
	if _, err := dec.Token(); err != nil {
		return false
	}
	key, err := dec.Token()
	if err != nil {
		return false
	}
	switch key {
	case "version", "tailnet", "logs":
		return true
	}
	return false
}

func (d *Decoder) nextLine() (*Event, error) {
	for {
		line, err := d.readLine()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		d.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		at := func(msg string) *source.Error { return &source.Error{File: d.name, Line: d.line, Msg: msg} }
		v, ok := d.parser.parse(line)
		if !ok { // encoding/json says what is wrong, or decodes what the parser leaves to it
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return nil, at(fmt.Sprintf("not JSON: %v", jsonMsg(err)))
			}
			if _, err := dec.Token(); err != io.EOF {
				return nil, at("more than one JSON value on the line (one entry per line is expected)")
			}
		}
		ev, msg := normalise(v)
		if msg != "" {
			return nil, at(msg)
		}
		ev.File, ev.Line = d.name, d.line
		return ev, nil
	}
}

// readLine returns the next line without its newline; the slice is valid until the next call. A
// line longer than MaxEntry is a bad entry; the decoder skips to its end.
func (d *Decoder) readLine() ([]byte, error) {
	d.buf = d.buf[:0]
	if cap(d.buf) > 1<<20 {
		d.buf = nil // a long line once does not keep its memory
	}
	for {
		frag, err := d.br.ReadSlice('\n')
		switch {
		case err == nil && len(d.buf) == 0:
			return frag[:len(frag)-1], nil
		case err == nil:
			d.buf = append(d.buf, frag[:len(frag)-1]...)
			return d.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(d.buf)+len(frag) > MaxEntry {
				return nil, d.skipLongLine()
			}
			d.buf = append(d.buf, frag...)
		case err == io.EOF:
			if len(d.buf)+len(frag) == 0 {
				return nil, io.EOF
			}
			if len(d.buf) == 0 {
				return frag, nil
			}
			d.buf = append(d.buf, frag...)
			return d.buf, nil
		default:
			d.broken = true
			return nil, fmt.Errorf("read %s: %w", d.name, err)
		}
	}
}

func (d *Decoder) skipLongLine() error {
	d.buf = nil
	d.line++
	e := &source.Error{File: d.name, Line: d.line, Msg: fmt.Sprintf("entry longer than %d MiB", MaxEntry>>20)}
	for {
		_, err := d.br.ReadSlice('\n')
		if err == nil || err == io.EOF {
			return e
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			d.broken = true
			return fmt.Errorf("read %s: %w", d.name, err)
		}
	}
}

// nextInDocument reads the next entry of an API response or a JSON array.
func (d *Decoder) nextInDocument() (*Event, error) {
	for {
		switch d.state {
		case docArray:
			if d.dec.More() {
				return d.element()
			}
			if err := d.delim(']'); err != nil {
				return nil, err
			}
			if d.prefix == "" {
				d.state = docTop
			} else {
				d.state = docWrapper
			}
		case docWrapper:
			if !d.dec.More() {
				if err := d.delim('}'); err != nil {
					return nil, err
				}
				if !d.sawLogs {
					return nil, d.fatal(d.docPointer(), `the document has no "logs" array; understood shapes: `+Shapes)
				}
				d.state = docTop
				continue
			}
			tok, err := d.dec.Token()
			if err != nil {
				return nil, d.syntax(err)
			}
			key, _ := tok.(string)
			if key != "logs" {
				var skip json.RawMessage
				if err := d.dec.Decode(&skip); err != nil {
					return nil, d.syntax(err)
				}
				continue
			}
			d.sawLogs = true
			tok, err = d.dec.Token()
			if err != nil {
				return nil, d.syntax(err)
			}
			if tok == nil {
				continue // "logs": null
			}
			if dl, ok := tok.(json.Delim); !ok || dl != '[' {
				return nil, d.fatal(d.docPointer()+"/logs", `"logs" is not an array`)
			}
			d.state, d.prefix, d.index = docArray, d.docPointer()+"/logs", 0
		default:
			tok, err := d.dec.Token()
			if err == io.EOF {
				return nil, io.EOF
			}
			if err != nil {
				return nil, d.syntax(err)
			}
			d.depth++
			switch tok {
			case json.Delim('['):
				d.state, d.prefix, d.index = docArray, d.docPointer(), 0
			case json.Delim('{'):
				d.state, d.sawLogs = docWrapper, false
			default:
				return nil, d.fatal(d.docPointer(), "a top-level value that is not an object or an array; understood shapes: "+Shapes)
			}
		}
	}
}

// docPointer is the pointer of the current top-level document: "" for the first, /1 and on for
// documents concatenated after it (several API responses in one file).
func (d *Decoder) docPointer() string {
	if d.depth <= 1 {
		return ""
	}
	return fmt.Sprintf("/%d", d.depth-1)
}

func (d *Decoder) element() (*Event, error) {
	ptr := fmt.Sprintf("%s/%d", d.prefix, d.index)
	d.index++
	line := d.lt.lineAt(d.elementStart())
	var v any
	if err := d.dec.Decode(&v); err != nil {
		return nil, d.syntax(err)
	}
	d.lt.forget(d.dec.InputOffset())
	ev, msg := normalise(v)
	if msg != "" {
		return nil, &source.Error{File: d.name, Line: line, Pointer: ptr, Msg: ptr + ": " + msg}
	}
	ev.File, ev.Line, ev.Pointer = d.name, line, ptr
	return ev, nil
}

// elementStart is the offset of the next value: the decoder's offset past the white space and
// the comma before it.
func (d *Decoder) elementStart() int64 {
	off := d.dec.InputOffset()
	buf, ok := d.dec.Buffered().(io.ByteReader)
	if !ok {
		return off
	}
	for {
		b, err := buf.ReadByte()
		if err != nil {
			return off
		}
		switch b {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
}

func (d *Decoder) delim(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.syntax(err)
	}
	if tok != want {
		return d.fatal("", fmt.Sprintf("expected %q", want))
	}
	return nil
}

func (d *Decoder) syntax(err error) error {
	return d.fatal("", "not JSON: "+jsonMsg(err))
}

func (d *Decoder) fatal(ptr, msg string) error {
	d.broken = true
	if ptr != "" {
		msg = ptr + ": " + msg
	}
	return &source.Error{File: d.name, Line: d.lt.lineAt(d.dec.InputOffset()), Pointer: ptr, Msg: msg}
}

func jsonMsg(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// lineTracker passes a stream through, remembering where its newlines are, so that a byte offset
// the JSON decoder reports can be turned into a line. Only the newlines the decoder has not
// consumed yet are kept: they lie within its read-ahead, so memory stays bounded.
type lineTracker struct {
	r      io.Reader
	base   int     // lines before the tracked stream began
	read   int64   // bytes passed through
	passed int     // newlines before the first of pending
	pend   []int64 // offsets of newlines not yet forgotten
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			t.pend = append(t.pend, t.read+int64(i))
		}
	}
	t.read += int64(n)
	return n, err
}

// lineAt is the 1-based line of offset, which must not lie before the last forget.
func (t *lineTracker) lineAt(off int64) int {
	if t == nil {
		return 0
	}
	n := t.passed
	for _, nl := range t.pend {
		if nl >= off {
			break
		}
		n++
	}
	return t.base + n + 1
}

// forget drops the newlines before offset.
func (t *lineTracker) forget(off int64) {
	i := 0
	for i < len(t.pend) && t.pend[i] < off {
		i++
	}
	t.passed += i
	t.pend = append(t.pend[:0], t.pend[i:]...)
}

// retained is the decoder's own state beyond the fixed read buffer, in bytes: what must stay
// bounded however long the stream is.
func (d *Decoder) retained() int {
	n := cap(d.buf)
	if d.lt != nil {
		n += 8 * cap(d.lt.pend)
	}
	return n
}
