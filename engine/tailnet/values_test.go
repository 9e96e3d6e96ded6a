package tailnet

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/tailaudit/tailaudit/internal/synth"
)

// stdValue decodes text as the decoder did before the builder: json.Decoder with UseNumber.
func stdValue(t *testing.T, text []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBuilderAgreesWithDecoder holds the builder to encoding/json on every kind of value: the
// same maps, slices, strings (escapes, surrogates, invalid UTF-8), numbers as written, empty
// objects and arrays as empty, not nil, and a repeated key's last value.
func TestBuilderAgreesWithDecoder(t *testing.T) {
	texts := []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.50`, `-2.5e+10`, `1E3`, `12345678901234567890123`,
		`""`, `"plain"`, `"tab\tquote\"slash\\/u\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\udc00x"`,
		"\"caf\xc3\xa9\"", "\"bad \xff utf8\"", "\"\xe2\x82\"",
		`{"a": 1, "a": 2}`, `{"a": {}, "b": [], "c": [{}], "d": [[], [null]]}`,
		` { "spaced" : [ 1 , 2 ] , "x" : "y" } `,
		`{"k\u0065y": "escaped key", "key": "plain key"}`,
		`{"` + string(bytes.Repeat([]byte("k"), 40)) + `": "a long key"}`,
		`[1, "1", true, "true", null, "null"]`,
		`{"os": "linux", "tags": ["tag:a", "tag:a"], "when": "2026-11-24T12:00:00Z"}`,
	}
	for _, text := range texts {
		want := stdValue(t, []byte(text))
		got, err := newBuilder().build([]byte(text))
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: built %#v, want %#v", text, got, want)
		}
	}
}

// TestBuilderAgreesOnSnapshots holds the builder to encoding/json on whole snapshots: the fixture
// and generated ones, with one builder for all, as Decode uses one for a whole document.
func TestBuilderAgreesOnSnapshots(t *testing.T) {
	fixture, err := os.ReadFile("testdata/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	texts := [][]byte{fixture}
	for seed := int64(1); seed <= 3; seed++ {
		b, err := json.Marshal(synth.Snapshot(seed, 300, 40, 20))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, b)
	}
	p := newBuilder()
	for i, text := range texts {
		got, err := p.build(text)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, stdValue(t, text)) {
			t.Errorf("snapshot %d: the built value differs from encoding/json's", i)
		}
	}
}

// TestBuilderShares checks that repeated keys and short strings are one value, and that a long
// string is not remembered.
func TestBuilderShares(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), maxSharedText+1))
	p := newBuilder()
	v, err := p.build([]byte(`[{"os": "linux", "id": "` + long + `"}, {"os": "linux", "id": "` + long + `"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if _, remembered := p.strs[long]; remembered {
		t.Errorf("a string of %d bytes is remembered", len(long))
	}
	if _, remembered := p.strs["linux"]; !remembered {
		t.Errorf("the short string is not shared")
	}
	if _, remembered := p.keys["os"]; !remembered || len(p.keys) != 2 {
		t.Errorf("keys remembered: %v, want os and id", p.keys)
	}
	items := v.([]any)
	if !reflect.DeepEqual(items[0], items[1]) {
		t.Errorf("the two items differ: %v", items)
	}
}
