package events

import (
	"compress/gzip"
	"crypto/sha256"
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
	// Prepared is what Options.Prepare returned for the entry, on the decoding goroutine; nil
	// without Options.Prepare.
	Prepared any
}

// Shapes names the wire shapes the decoder understands, for messages.
const Shapes = `the API response {"version", "tailnet", "logs": [...]}, one entry per line (JSONL, as collect --events-since writes), a JSON array of entries, the log-streaming envelope {"time", "event": {...}, "fields": {...}} and Datadog's {"attributes": {...}}`

// Options tune reading.
type Options struct {
	Stdin io.Reader // what "-" reads
	// SkipBad counts, reports and skips an entry that cannot be used, instead of stopping at it.
	// A stream that is not JSON any more (a syntax error inside a wrapping document) still stops.
	SkipBad bool
	// Marks, when not nil, are the marks an earlier read left, by file name as read: a regular file
	// whose size and digest match its mark is skipped without decoding, and one that grew past a
	// resumable mark is decoded from the mark on (its line numbers go on from the mark's). Any other
	// file is read whole. Every regular file's new mark is then in Stats.Marks.
	Marks map[string]Mark
	// Prepare, when not nil, does ahead some of the work fn would do on an entry: it is called on
	// the goroutine that decodes, for the entries decoded while fn is behind (entries wait for
	// it), and its result is the entry's Prepared, so that the work is shared out between the two
	// cores. The other entries reach fn with Prepared nil: fn must do that work itself. Prepare
	// must not touch what fn touches.
	Prepare func(*Event) any
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

	// With Options.Marks: the files skipped as unchanged, those decoded from their mark on, and the
	// mark of every regular file read.
	Unchanged int
	Resumed   int
	Marks     map[string]Mark
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
	var interrupt func() // makes a read of the file in progress return, for deliver
	var (
		t      *tally
		fi     os.FileInfo
		resume Mark
	)
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
		interrupt = func() { f.Close() }
		if fi, err = f.Stat(); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		if opts.Marks != nil && fi.Mode().IsRegular() {
			if st.Marks == nil {
				st.Marks = map[string]Mark{}
			}
			h := sha256.New()
			t = &tally{r: f, h: h}
			if m, ok := opts.Marks[name]; ok && fi.Size() >= m.Size {
				same, err := prefixMatches(f, m, h)
				if err != nil {
					return err
				}
				switch {
				case same && fi.Size() == m.Size:
					st.Unchanged++
					m.ModTime = fi.ModTime()
					st.Marks[name] = m
					return nil
				case same && m.Resume:
					st.Resumed++
					resume = m
					t.n, t.last = m.Size, '\n'
				default:
					if _, err := f.Seek(0, io.SeekStart); err != nil {
						return fmt.Errorf("events: %w", err)
					}
					h.Reset()
				}
			}
			r = t
		}
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
	if resume.Resume {
		d.started, d.lines, d.line = true, true, resume.Lines
	}
	if err := deliver(d, opts, st, fn, interrupt); err != nil {
		return err
	}
	if t != nil {
		if _, err := io.Copy(io.Discard, t); err != nil {
			return fmt.Errorf("events: read %s: %w", display, err)
		}
		st.Marks[name] = Mark{Size: t.n, ModTime: fi.ModTime(), SHA256: t.sum(), Lines: d.line, Resume: resumable(name, d.lines, t)}
	}
	return nil
}

// decoded is what the decoding goroutine hands on: an entry, or the error in its place and
// whether the decoder can read on after it.
type decoded struct {
	ev     *Event
	err    error
	broken bool
}

// Batches between the decoding goroutine and fn: each holds up to batchSize entries, and at most
// batchesAhead wait, so that decoding runs ahead of fn by a bounded number of entries.
const (
	batchSize    = 64
	batchesAhead = 4
)

// deliver decodes d on a goroutine of its own while fn judges the entries on the caller's, in the
// stream's order, so that the two use two cores. A batch is handed on when full, and also whenever
// the decoder has nothing buffered (its next read may wait on a slow stream: standard input from
// a live pipe), so an entry is never held back waiting for the ones after it. It returns once the
// goroutine has stopped: on EOF, on an error that is not skipped, or on fn's error. On fn's error
// the goroutine may be waiting on a read: interrupt (closing the file) makes that read return, so
// that nothing reads on after deliver returns; without one (standard input, which is not closed)
// deliver returns at once and the goroutine ends with that read.
func deliver(d *Decoder, opts Options, st *Stats, fn func(*Event) error, interrupt func()) error {
	batches := make(chan []decoded, batchesAhead)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer close(batches)
		batch := make([]decoded, 0, batchSize)
		for {
			ev, err := d.Next()
			if err == io.EOF {
				break
			}
			if err == nil && opts.Prepare != nil && len(batches) > 0 {
				ev.Prepared = opts.Prepare(ev)
			}
			batch = append(batch, decoded{ev: ev, err: err, broken: d.Broken()})
			last := err != nil && (d.Broken() || !opts.SkipBad)
			if len(batch) == batchSize || last || d.br.Buffered() == 0 {
				select {
				case batches <- batch:
				case <-done:
					return
				}
				batch = make([]decoded, 0, batchSize)
			}
			if last {
				return
			}
		}
		if len(batch) > 0 {
			select {
			case batches <- batch:
			case <-done:
			}
		}
	}()
	stop := func(err error) error {
		close(done)
		select {
		case <-stopped:
		default:
			if interrupt != nil {
				interrupt()
				<-stopped
			}
		}
		return err
	}
	for batch := range batches {
		for _, item := range batch {
			if item.err != nil {
				se, ok := errors.AsType[*source.Error](item.err)
				if ok && opts.SkipBad && !item.broken {
					st.skip(se)
					continue
				}
				return stop(item.err)
			}
			switch item.ev.Kind {
			case Audit:
				st.Audit++
			case Flow:
				st.Flow++
			}
			if err := fn(item.ev); err != nil {
				return stop(err)
			}
		}
	}
	<-stopped
	return nil
}
