package events

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readMarked reads the file at path with marks and returns its events and stats.
func readMarked(t *testing.T, path string, marks map[string]Mark) ([]Event, Stats) {
	t.Helper()
	var got []Event
	st, err := Read([]string{path}, Options{Marks: marks}, func(ev *Event) error { got = append(got, *ev); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadMarks: a second read with the first's marks skips an unchanged file, decodes only what a
// grown JSONL file gained (with the line numbers of a whole read), and reads whole a file rewritten,
// truncated, gzipped and grown, or grown after a last line without its newline.
func TestReadMarks(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "demo", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	half := bytes.Join(lines[:len(lines)/2], nil)
	rewritten := bytes.Replace(src, []byte(`"2026-`), []byte(`"2025-`), 1)
	if len(rewritten) != len(src) || bytes.Equal(rewritten, src) {
		t.Fatal("the rewritten log is not a same-size rewrite")
	}
	for _, c := range []struct {
		name          string
		file          string
		first, second []byte
		unchanged     int
		resumed       int
	}{
		{"unchanged", "a.jsonl", src, src, 1, 0},
		{"grown", "a.jsonl", half, src, 0, 1},
		{"rewritten_same_size", "a.jsonl", src, rewritten, 0, 0},
		{"truncated", "a.jsonl", src, half, 0, 0},
		{"rotated_larger", "a.jsonl", rewritten[:len(half)], src, 0, 0},
		{"no_final_newline", "a.jsonl", bytes.TrimSuffix(half, []byte("\n")), src, 0, 0},
		{"gzip_unchanged", "a.jsonl.gz", gz(t, src), gz(t, src), 1, 0},
		{"gzip_grown", "a.jsonl.gz", gz(t, half), gz(t, src), 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			os.WriteFile(path, c.first, 0o644)
			_, st1 := readMarked(t, path, map[string]Mark{})
			if len(st1.Marks) != 1 {
				t.Fatalf("marks after the first read: %v", st1.Marks)
			}
			os.WriteFile(path, c.second, 0o644)
			if same, err := Unchanged([]string{path}, st1.Marks); err != nil || same != (c.unchanged == 1) {
				t.Errorf("Unchanged = %v, %v; want %v", same, err, c.unchanged == 1)
			}
			got, st2 := readMarked(t, path, st1.Marks)
			whole, st3 := readMarked(t, path, map[string]Mark{})
			if st2.Unchanged != c.unchanged || st2.Resumed != c.resumed {
				t.Errorf("unchanged %d, resumed %d; want %d, %d", st2.Unchanged, st2.Resumed, c.unchanged, c.resumed)
			}
			want := whole
			switch {
			case c.unchanged == 1:
				want = nil
			case c.resumed == 1:
				want = whole[len(whole)-len(got):]
				if len(got) != len(whole)-(len(lines[:len(lines)/2])) {
					t.Errorf("resumed read decoded %d events; want the %d new ones", len(got), len(whole)-len(lines[:len(lines)/2]))
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("events of the second read (-want +got):\n%s", d)
			}
			if d := cmp.Diff(st3.Marks, st2.Marks); d != "" {
				t.Errorf("marks of the second read against a whole read's (-whole +second):\n%s", d)
			}
		})
	}
}

// TestReadMarksStdin: standard input is never marked nor unchanged.
func TestReadMarksStdin(t *testing.T) {
	st, err := Read([]string{"-"}, Options{Stdin: bytes.NewReader(nil), Marks: map[string]Mark{}}, func(*Event) error { return nil })
	if err != nil || len(st.Marks) != 0 {
		t.Errorf("stdin: marks %v, %v", st.Marks, err)
	}
	if same, err := Unchanged([]string{"-"}, map[string]Mark{"-": {}}); same || err != nil {
		t.Errorf("Unchanged(stdin) = %v, %v", same, err)
	}
}
