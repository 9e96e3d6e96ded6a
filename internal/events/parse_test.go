package events

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// stdDecode is what the line decoder did before the parser: encoding/json with UseNumber, one
// value and nothing after it.
func stdDecode(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// checkParse checks that the parser takes data only when encoding/json does, and then gives the
// same value.
func checkParse(t *testing.T, p *parser, data []byte) (taken bool) {
	t.Helper()
	got, ok := p.parse(data)
	want, stdOK := stdDecode(data)
	if ok && !stdOK {
		t.Fatalf("the parser took %q, which encoding/json refuses", data)
	}
	if ok {
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%q: the parser and encoding/json disagree (-json +parser):\n%s", data, d)
		}
	}
	return ok
}

// TestParseAsEncodingJSON checks the parser against encoding/json on what an entry can hold,
// and that it gives up (leaving the line to encoding/json) on what it does not decode itself.
func TestParseAsEncodingJSON(t *testing.T) {
	tests := []struct {
		in    string
		taken bool
	}{
		{apiEntry, true},
		{flowEntry, true},
		{`{}`, true},
		{`[]`, true},
		{` {"a" : [ 1 , -0.5e+3, 0, 1E9, true, false, null, {} ] } ` + "\t\r\n", true},
		{`{"a":1,"a":2}`, true}, // the last of a repeated key
		{`{"s":"tab\tquote\" slash\/ back\\ \b\f\n\r \u00e9 \u0000 é 日本"}`, true},
		{`{"k\u00e9y":"v"}`, true},
		{`"just a string"`, true},
		{`12`, true},
		{`{"x":"` + strings.Repeat("long ", 40) + `"}`, true},
		{`{"emoji":"\ud83d\ude00"}`, false}, // a surrogate pair: encoding/json's
		{`{"lone":"\ud800"}`, false},
		{"{\"bad\":\"\xff\"}", false}, // invalid UTF-8: encoding/json replaces it
		{strings.Repeat("[", 600) + strings.Repeat("]", 600), false},
		{`{"a":1} {"b":2}`, false},
		{`{"a":1}x`, false},
		{`{"a":01}`, false},
		{`{"a":1.}`, false},
		{`{"a":-}`, false},
		{`{"a":1e}`, false},
		{`{"a":tru}`, false},
		{`{"a" 1}`, false},
		{`{"a":1,}`, false},
		{`[1,]`, false},
		{`{a:1}`, false},
		{"{\"a\":\"line\nbreak\"}", false},
		{`{"a":"\x"}`, false},
		{`{"a":"\u12g4"}`, false},
		{`{"a":"open`, false},
		{``, false},
		{`   `, false},
	}
	p := &parser{}
	for _, tt := range tests {
		if got := checkParse(t, p, []byte(tt.in)); got != tt.taken {
			t.Errorf("%q: taken %v, want %v", tt.in, got, tt.taken)
		}
	}
}

// TestParseShares checks that the parser gives repeated short strings (keys and values) the same
// memory from one entry to the next, and long ones not.
func TestParseShares(t *testing.T) {
	p := &parser{}
	long := strings.Repeat("x", maxShared+1)
	a, _ := p.parse([]byte(`{"action":"CREATE","id":"` + long + `"}`))
	b, _ := p.parse([]byte(`{"action":"CREATE","id":"` + long + `"}`))
	am, bm := a.(map[string]any), b.(map[string]any)
	if as, bs := am["action"].(string), bm["action"].(string); as != bs || !same(as, bs) {
		t.Error("a repeated short value is not shared")
	}
	if as, bs := am["id"].(string), bm["id"].(string); as != bs || same(as, bs) {
		t.Error("a long value is shared")
	}
}

// same reports whether two strings share their bytes.
func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

// TestLineDecodingAllocations checks that decoding a line allocates little: the maps, slices and
// strings of the entry, not the scaffolding encoding/json needs (about 60 allocations for this
// entry).
func TestLineDecodingAllocations(t *testing.T) {
	line := apiEntry + "\n"
	in := strings.NewReader(strings.Repeat(line, 2000))
	d := NewDecoder(in, "in.jsonl")
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 12 {
		t.Errorf("%.0f allocations a line, want at most 12", allocs)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{apiEntry, flowEntry, `{"a":[1,-2.5e3,true,null,"\u00e9\n"]}`, `{"a":1,"a":{}}`, `"x"`, `[`} {
		f.Add([]byte(s))
	}
	p := &parser{}
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, p, data) })
}

// rfc3339Pattern is the shape rfc3339Shape checks, as a regular expression.
var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

func TestRFC3339Shape(t *testing.T) {
	for _, s := range []string{
		"2026-11-17T09:09:11Z", "2026-11-17t09:09:11z", "2026-11-17T09:09:11.123456789Z", "2026-11-17T09:09:11+01:00",
		"2026-11-17T09:09:11-11:30", "2026-11-17T09:09:11.5+01:00", "2026-11-17T9:09:11Z", "2026-11-17 09:09:11Z",
		"2026-11-17T09:09:11", "2026-11-17T09:09:11.Z", "2026-11-17T09:09:11+0100", "2026-11-17T09:09:11+01:0a",
		"2026-11-17T09:09:11Zx", "2026-11-17T09:09:11ZZ", "20261-11-17T09:09:11Z", "2026-11-17T09:09:11\nZ", "", "Z",
	} {
		if got, want := rfc3339Shape(s), rfc3339Pattern.MatchString(s); got != want {
			t.Errorf("rfc3339Shape(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

func FuzzRFC3339Shape(f *testing.F) {
	f.Add("2026-11-17T09:09:11.5+01:00")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := rfc3339Shape(s), rfc3339Pattern.MatchString(s); got != want {
			t.Errorf("rfc3339Shape(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
