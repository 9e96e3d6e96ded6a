package events

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/source"
)

// Kind says which log an event comes from.
type Kind string

// The logs events come from.
const (
	Audit Kind = "audit" // a configuration audit log entry
	Flow  Kind = "flow"  // a network flow log entry
)

// Event is one log entry, normalised to the field names of Tailscale's API: a configuration audit
// log entry as GET /logging/configuration returns it, or a network flow log entry as GET
// /logging/network does (proto as an IANA protocol number).
type Event struct {
	Kind Kind
	Time time.Time      // eventTime of an audit entry, logged of a flow entry
	Doc  map[string]any // the entry; numbers are json.Number
	// Where the entry was read: the file as named, and its line (every shape) and JSON pointer (the
	// shapes that wrap entries in a document).
	File    string
	Line    int
	Pointer string
}

// Shapes names the wire shapes the decoder understands, for messages.
const Shapes = `the API response {"version", "tailnet", "logs": [...]}, one entry per line (JSONL, as collect --events-since writes), a JSON array of entries, the log-streaming envelope {"time", "event": {...}, "fields": {...}} and Datadog's {"attributes": {...}}`

// Options tune reading.
type Options struct {
	Stdin io.Reader // what "-" reads
	// SkipBad counts, reports and skips an entry that cannot be used, instead of stopping at it.
	// A stream that is not JSON any more (a syntax error inside a wrapping document) still stops.
	SkipBad bool
}

// maxSkipped is how many skipped entries Stats keeps the errors of; the rest are only counted.
const maxSkipped = 100

// Stats counts what a read saw.
type Stats struct {
	Files   int
	Audit   int
	Flow    int
	Skipped int             // entries skipped under SkipBad
	Errors  []*source.Error // the first maxSkipped of them
}

func (s *Stats) skip(err *source.Error) {
	s.Skipped++
	if len(s.Errors) < maxSkipped {
		s.Errors = append(s.Errors, err)
	}
}

// Read decodes every entry of paths in order, calling fn for each; a path is a file, a directory
// (its .json, .jsonl and .ndjson files, gzipped or not, in name order) or "-" for opts.Stdin. A file
// whose name ends in .gz is gunzipped. Entries are streamed: only one is held at a time. A bad entry
// is a *source.Error at its file and line (and JSON pointer when the shape has one); with
// opts.SkipBad it is counted in Stats instead. An error fn returns stops the read and is returned.
func Read(paths []string, opts Options, fn func(*Event) error) (Stats, error) {
	var st Stats
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return st, err
		}
		for _, f := range files {
			if err := readFile(f, opts, &st, fn); err != nil {
				return st, err
			}
			st.Files++
		}
	}
	return st, nil
}

// expand lists the files a path names.
func expand(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(d.Name(), ".gz")
		if !d.IsDir() && (strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson")) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events: read directory %s: %w", p, err)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("events: directory %s holds no .json, .jsonl or .ndjson files", p)
	}
	return out, nil
}

func readFile(name string, opts Options, st *Stats, fn func(*Event) error) error {
	var r io.Reader
	display := name
	if name == "-" {
		if opts.Stdin == nil {
			return errors.New("events: - names standard input, and there is none")
		}
		r, display = opts.Stdin, "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		defer f.Close()
		r = f
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return &source.Error{File: display, Msg: fmt.Sprintf("not gzip data: %v", err)}
		}
		defer zr.Close()
		r = zr
	}
	d := NewDecoder(r, display)
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			se, ok := errors.AsType[*source.Error](err)
			if ok && opts.SkipBad && !d.Broken() {
				st.skip(se)
				continue
			}
			return err
		}
		switch ev.Kind {
		case Audit:
			st.Audit++
		case Flow:
			st.Flow++
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
}
