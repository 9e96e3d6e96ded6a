package tailnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/source"
)

// MaxSize is the largest snapshot Decode reads. The collector's per-endpoint limits add up to far
// less; a larger file is not a snapshot of a tailnet.
const MaxSize = 1 << 30

// maxDepth bounds nesting, as in policy files: API objects nest a few levels.
const maxDepth = 64

// Load reads and validates the snapshot at path.
func Load(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	return Decode(path, f)
}

// Decode reads one snapshot from r and validates it against the snapshot schema. name labels
// errors ("snap.json:1:1234: unexpected end of JSON").
//
// The document is decoded as a stream: large top-level arrays (devices, users, keys, webhooks,
// posture integrations) are decoded and validated one element at a time, so memory stays close
// to the size of the decoded values rather than twice the file.
func Decode(name string, r io.Reader) (*Snapshot, error) {
	sc, err := compiledSchemas()
	if err != nil {
		return nil, err
	}
	guard := source.NewGuard(label(name), source.Limits{Kind: "snapshot", MaxSize: MaxSize, MaxDepth: maxDepth})
	d := &decoder{name: name, pos: &posReader{r: r, baseLine: 1, guard: guard}, sc: sc, build: newBuilder(), at: map[string]span{}}
	d.dec = json.NewDecoder(d.pos)
	d.dec.UseNumber()
	raw, err := d.document()
	if err != nil {
		return nil, err
	}
	return d.finish(raw)
}

type decoder struct {
	name     string
	pos      *posReader
	dec      *json.Decoder
	sc       *schemas
	build    *builder // makes the values, sharing repeated keys and short strings
	problems []*source.Error
	at       map[string]span // where each top-level value is, to place its schema problems
}

// span is where a value was read: its first byte and, when it was small enough to keep, its text.
type span struct {
	start     int64
	line, col int
	raw       []byte
}

// maxKeptValue bounds the text of a top-level value kept to place its schema problems; larger ones
// are placed at their first byte.
const maxKeptValue = 1 << 20

func (d *decoder) document() (map[string]any, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, d.errorAt(d.dec.InputOffset()-1, "a snapshot must be a JSON object")
	}
	raw := map[string]any{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.syntax(err)
		}
		key, _ := tok.(string)
		start := d.pos.firstByte(d.dec.InputOffset())
		sp := span{start: start}
		sp.line, sp.col = d.pos.position(start)
		if _, streamed := streamedArrays[key]; streamed {
			raw[key], err = d.array(key)
		} else {
			raw[key], err = d.value()
			if end := d.dec.InputOffset(); err == nil && end-start <= maxKeptValue {
				sp.raw = d.pos.bytes(start, end)
			}
		}
		if err != nil {
			return nil, err
		}
		d.at[key] = sp
	}
	if _, err := d.dec.Token(); err != nil { // the closing brace
		return nil, d.syntax(err)
	}
	if _, err := d.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, d.syntax(err)
		}
		return nil, d.errorAt(d.dec.InputOffset()-1, "unexpected data after the snapshot object")
	}
	return raw, nil
}

// array decodes the value of a streamed key, validating each element of an array as it arrives.
func (d *decoder) array(key string) (any, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	if tok != json.Delim('[') {
		// Not an array: keep it so that the document schema reports the wrong type.
		return d.rest(tok)
	}
	item := d.sc.items[key]
	out := []any{}
	for i := 0; d.dec.More(); i++ {
		start := d.pos.firstByte(d.dec.InputOffset())
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		ptr := "/" + key + "/" + strconv.Itoa(i)
		found := append(item.check(d.name, ptr, v), impossibleTimes(d.name, ptr, v, d.sc.shape)...)
		if len(found) > 0 {
			d.place(found, ptr, start, d.pos.bytes(start, d.dec.InputOffset()))
			d.problems = append(d.problems, found...)
		}
		out = append(out, v)
	}
	if _, err := d.dec.Token(); err != nil {
		return nil, d.syntax(err)
	}
	return out, nil
}

// rest decodes the remainder of a value whose first token has been read.
func (d *decoder) rest(tok json.Token) (any, error) {
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for d.dec.More() {
			k, err := d.dec.Token()
			if err != nil {
				return nil, d.syntax(err)
			}
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = v
		}
		_, err := d.dec.Token()
		return m, d.syntax(err)
	case json.Delim('['):
		a := []any{}
		for d.dec.More() {
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.dec.Token()
		return a, d.syntax(err)
	}
	return tok, nil
}

// value decodes the next value in the stream: encoding/json scans it (and reports its syntax
// errors) and the builder makes the Go value of its text.
func (d *decoder) value() (any, error) {
	start := d.dec.InputOffset()
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, d.decodeErr(start, err)
	}
	v, err := d.build.build(raw)
	if err != nil {
		return nil, d.errorAt(start, err.Error())
	}
	return v, nil
}

// decodeErr converts an error from dec.Decode called at input offset start. A streaming
// decoder's SyntaxError.Offset does not count bytes consumed by Token, so the value is scanned
// again on its own from the retained window to find the offending byte.
func (d *decoder) decodeErr(start int64, err error) error {
	se, ok := errors.AsType[*json.SyntaxError](err)
	if !ok {
		return d.syntax(err)
	}
	vs := d.pos.valueStart(start)
	if vs >= d.pos.base && vs <= d.pos.total {
		var v json.RawMessage
		again := json.Unmarshal(d.pos.win[vs-d.pos.base:], &v)
		if se2, ok := errors.AsType[*json.SyntaxError](again); ok {
			return d.errorAt(vs+se2.Offset-1, se.Error())
		}
	}
	return d.errorAt(vs, se.Error())
}

// finish validates the document apart from the already-validated streamed arrays.
func (d *decoder) finish(raw map[string]any) (*Snapshot, error) {
	if v, ok := raw["schemaVersion"].(string); ok && v != SchemaVersion {
		return nil, fmt.Errorf("%s: unsupported schemaVersion %q (this tailaudit reads %q)", d.label(), v, SchemaVersion)
	}
	skeleton := make(map[string]any, len(raw))
	for k, v := range raw {
		if _, streamed := streamedArrays[k]; streamed {
			if _, isArray := v.([]any); isArray {
				v = []any{}
			}
		}
		skeleton[k] = v
	}
	problems := append(d.sc.doc.check(d.name, "", skeleton), impossibleTimes(d.name, "", skeleton, d.sc.shape)...)
	for _, p := range problems {
		toks := source.Tokens(p.Pointer)
		if len(toks) == 0 {
			p.Line, p.Column = 1, 1 // the document: where it starts
			continue
		}
		if sp, ok := d.at[toks[0]]; ok {
			d.place([]*source.Error{p}, "/"+source.EscapeToken(toks[0]), sp.start, sp.raw)
			if p.Line == 0 {
				p.Line, p.Column = sp.line, sp.col
			}
		}
	}
	problems = append(problems, d.problems...)
	s := &Snapshot{Name: d.name, Raw: raw}
	if len(problems) > 0 {
		// A value the snapshot itself records as kept as the API sent it is not an error: the
		// rules that read it report it as not assessed.
		recorded := s.Errors()
		problems = slices.DeleteFunc(problems, func(p *source.Error) bool { return excused(p, recorded) })
	}
	if at, ok := raw["collectedAt"].(string); ok && len(problems) == 0 {
		t, err := parseTime(at)
		if err != nil {
			problems = append(problems, problem(d.name, "/collectedAt", fmt.Sprintf("not a valid date-time: %v", err)))
		}
		s.CollectedAt = t
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Name: d.name, Problems: problems}
	}
	return s, nil
}

func (d *decoder) label() string { return label(d.name) }

// syntax converts an error from dec.Token into a *source.Error with a line and column.
func (d *decoder) syntax(err error) error {
	if err == nil {
		return nil
	}
	if ge, ok := errors.AsType[*source.Error](err); ok {
		return ge // the guard's, already placed
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		// Token leaves the input offset at the offending byte.
		return d.errorAt(d.dec.InputOffset(), se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return d.errorAt(d.pos.total, "unexpected end of JSON")
	}
	return fmt.Errorf("read %s: %w", d.label(), err)
}

// errorAt returns a *source.Error at byte offset off: at its line and column, or, when off has left
// the window of recent input, naming the byte.
func (d *decoder) errorAt(off int64, msg string) error {
	line, col := d.pos.position(off)
	if line == 0 {
		msg = fmt.Sprintf("byte %d: %s", off, msg)
	}
	return &source.Error{File: d.label(), Line: line, Column: col, Msg: msg}
}

// posReader counts lines as bytes pass through, keeping a bounded window of recent input so that
// a byte offset near the decoder's position can be turned into a line and column without holding
// the whole input.
type posReader struct {
	r     io.Reader
	total int64 // bytes read so far
	guard *source.Guard
	err   error // the guard's problem, returned by every Read once found

	win           []byte // input from offset base to total
	base          int64
	baseLine      int   // 1-based line number at offset base
	baseLineStart int64 // offset of the first byte of that line
}

const posWindow = 1 << 20

// Read passes on what it reads up to the first problem the guard finds, then the problem.
func (p *posReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	if ok, gerr := p.guard.Scan(b[:n]); gerr != nil {
		n, err, p.err = ok, gerr, gerr
	} else if err == io.EOF {
		if gerr := p.guard.End(); gerr != nil {
			err, p.err = gerr, gerr
		}
	}
	p.win = append(p.win, b[:n]...)
	p.total += int64(n)
	if len(p.win) > 2*posWindow {
		drop := len(p.win) - posWindow
		p.advance(p.win[:drop])
		p.win = append(p.win[:0], p.win[drop:]...)
	}
	return n, err
}

func (p *posReader) advance(b []byte) {
	if n := bytes.Count(b, []byte{'\n'}); n > 0 {
		p.baseLine += n
		p.baseLineStart = p.base + int64(bytes.LastIndexByte(b, '\n')) + 1
	}
	p.base += int64(len(b))
}

// valueStart returns where the decoder starts scanning a value when its input offset is off:
// past white space and one ',' or ':' separator.
func (p *posReader) valueStart(off int64) int64 {
	for i := off; i >= p.base && i < p.total; i++ {
		switch c := p.win[i-p.base]; c {
		case ' ', '\t', '\r', '\n':
			continue
		case ',', ':':
			return i + 1
		}
		return i
	}
	return off
}

// firstByte returns where the value the decoder reads next at input offset off starts: past white
// space and a separator, and white space again.
func (p *posReader) firstByte(off int64) int64 {
	i := p.valueStart(off)
	for ; i >= p.base && i < p.total; i++ {
		if c := p.win[i-p.base]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
	}
	return i
}

// position returns the 1-based line and byte column of off, or 0, 0 when off has left the window.
func (p *posReader) position(off int64) (line, col int) {
	if off < p.base || off > p.total {
		return 0, 0
	}
	seen := p.win[:off-p.base]
	line = p.baseLine + bytes.Count(seen, []byte{'\n'})
	start := p.baseLineStart
	if i := bytes.LastIndexByte(seen, '\n'); i >= 0 {
		start = p.base + int64(i) + 1
	}
	return line, int(off-start) + 1
}

// bytes returns a copy of the input from start to end, or nil when part of it has left the window.
func (p *posReader) bytes(start, end int64) []byte {
	if start < p.base || end > p.total || start > end {
		return nil
	}
	return bytes.Clone(p.win[start-p.base : end-p.base])
}

// place sets the line and column of each problem under the JSON pointer prefix, whose value starts
// at input offset start and, when raw is not nil, is raw. A pointer that names nothing in raw is
// placed at the nearest value that encloses it.
func (d *decoder) place(problems []*source.Error, prefix string, start int64, raw []byte) {
	for _, p := range problems {
		off := start
		if raw != nil && source.Within(p.Pointer, prefix) {
			off += int64(locate(raw, source.Tokens(strings.TrimPrefix(p.Pointer, prefix))))
		}
		p.Line, p.Column = d.pos.position(off)
	}
}
