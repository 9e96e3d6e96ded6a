package tailnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/xeipuuv/gojsonschema"

	"github.com/tailaudit/tailaudit/engine/source"
)

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
	d := &decoder{name: name, pos: &posReader{r: r, baseLine: 1}, sc: sc}
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
	problems []*source.Error
}

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
		if _, streamed := streamedArrays[key]; streamed {
			raw[key], err = d.array(key)
		} else {
			raw[key], err = d.value()
		}
		if err != nil {
			return nil, err
		}
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
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		// The raw loader validates the decoded value as is (numbers are already json.Number, as
		// gojsonschema expects), sparing a second decode of every element.
		res, err := item.Validate(gojsonschema.NewRawLoader(v))
		if err != nil {
			return nil, fmt.Errorf("%s: validate /%s/%d: %w", d.label(), key, i, err)
		}
		if !res.Valid() {
			d.problems = append(d.problems, d.sc.problems(d.name, "/"+key+"/"+strconv.Itoa(i), res)...)
		}
		d.problems = append(d.problems, impossibleTimes(d.name, "/"+key+"/"+strconv.Itoa(i), v, d.sc.shape)...)
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

// value decodes the next value in the stream.
func (d *decoder) value() (any, error) {
	start := d.dec.InputOffset()
	var v any
	if err := d.dec.Decode(&v); err != nil {
		return nil, d.decodeErr(start, err)
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
	res, err := d.sc.doc.Validate(gojsonschema.NewRawLoader(skeleton))
	if err != nil {
		return nil, fmt.Errorf("%s: validate: %w", d.label(), err)
	}
	problems := append(d.sc.problems(d.name, "", res), impossibleTimes(d.name, "", skeleton, d.sc.shape)...)
	problems = append(problems, d.problems...)
	s := &Snapshot{Name: d.name, Raw: raw}
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

	win           []byte // input from offset base to total
	base          int64
	baseLine      int   // 1-based line number at offset base
	baseLineStart int64 // offset of the first byte of that line
}

const posWindow = 1 << 20

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
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
