package output

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/internal/atomicfile"
)

// alertEncoder writes alerts in one format as they are raised: alert for each, in the order
// raised, then end once. close releases what it holds (a spool), whether or not end was called.
type alertEncoder interface {
	alert(a *finding.Alert) error
	end() error
	close()
}

type alertFormat struct {
	name string
	new  func(w io.Writer) alertEncoder
}

func alertRegistry() []alertFormat {
	return []alertFormat{
		{"text", newAlertText},
		{"json", newAlertJSON},
		{"jsonl", newAlertJSONL},
		{"ecs", newAlertECS},
		{"markdown", newAlertMarkdown},
	}
}

// AlertFormats lists the formats alerts can be written in; the first is the default.
func AlertFormats() []string {
	var out []string
	for _, f := range alertRegistry() {
		out = append(out, f.name)
	}
	return out
}

// ParseAlertTarget splits an alerts --format value such as "ecs=alerts.ndjson".
func ParseAlertTarget(spec string) (Target, error) {
	format, path, hasPath := strings.Cut(spec, "=")
	format = strings.ToLower(strings.TrimSpace(format))
	if !slices.Contains(AlertFormats(), format) {
		return Target{}, fmt.Errorf("unknown alert output format %q (valid formats: %s)", format, strings.Join(AlertFormats(), ", "))
	}
	if hasPath && path == "" {
		return Target{}, fmt.Errorf("output %q: missing file name after %q (use %s=- for stdout)", spec, "=", format)
	}
	if path == "-" {
		path = ""
	}
	return Target{Format: format, Path: path}, nil
}

func newAlertEncoder(format string, w io.Writer) (alertEncoder, error) {
	for _, f := range alertRegistry() {
		if f.name == format {
			return f.new(w), nil
		}
	}
	return nil, fmt.Errorf("unknown alert output format %q (valid formats: %s)", format, strings.Join(AlertFormats(), ", "))
}

// AlertWriter writes alerts to every target as they are raised, so that a run holds none of them
// for its outputs: a file's content goes to a temporary file beside it and stdout's to a temporary
// file of the system's, and none of it is in place before Commit. An error leaves every
// destination as it was. Text and markdown keep their alerts aside on disk (text sorts them
// there, most severe first) and write them at Finish.
type AlertWriter struct {
	outs []*alertOut
}

type alertOut struct {
	Target
	file    *atomicfile.File
	enc     alertEncoder
	pending *atomicfile.Pending
}

// NewAlertWriter starts the outputs of targets, at most one of them on stdout.
func NewAlertWriter(ctx context.Context, targets []Target, stdout io.Writer) (*AlertWriter, error) {
	var toStdout *Target
	for i, t := range targets {
		if t.Path == "" {
			if toStdout != nil {
				return nil, fmt.Errorf("outputs %q and %q both write to stdout; give one of them a file (format=path)", toStdout.Format, t.Format)
			}
			toStdout = &targets[i]
		}
	}
	w := &AlertWriter{}
	// Files first, then stdout, so that stdout is written last, once every file is in place.
	ordered := make([]Target, 0, len(targets))
	for _, t := range targets {
		if t.Path != "" {
			ordered = append(ordered, t)
		}
	}
	if toStdout != nil {
		ordered = append(ordered, *toStdout)
	}
	for _, t := range ordered {
		var (
			f   *atomicfile.File
			err error
		)
		if t.Path == "" {
			f, err = atomicfile.Spool(ctx, stdout)
		} else {
			f, err = atomicfile.Begin(ctx, t.Path)
		}
		if err != nil {
			w.Discard()
			return nil, w.fail(t, err)
		}
		enc, err := newAlertEncoder(t.Format, f)
		if err != nil {
			f.Discard()
			w.Discard()
			return nil, err
		}
		w.outs = append(w.outs, &alertOut{Target: t, file: f, enc: enc})
	}
	return w, nil
}

func (w *AlertWriter) fail(t Target, err error) error {
	if t.Path == "" {
		return fmt.Errorf("write %s output: %w", t.Format, err)
	}
	return fmt.Errorf("write %s output: %w (%s left unchanged)", t.Format, err, t.Path)
}

// Write adds an alert to every output.
func (w *AlertWriter) Write(a *finding.Alert) error {
	for _, o := range w.outs {
		if err := o.enc.alert(a); err != nil {
			return w.fail(o.Target, err)
		}
	}
	return nil
}

// Finish ends every output and writes it out, synced, to its temporary file; nothing is in place
// yet.
func (w *AlertWriter) Finish() error {
	for _, o := range w.outs {
		err := o.enc.end()
		o.enc.close()
		if err == nil {
			o.pending, err = o.file.Finish()
			o.file = nil
		}
		if err != nil {
			return w.fail(o.Target, err)
		}
	}
	return nil
}

// Commit puts every finished output in place: the files, each renamed over its destination, then
// stdout.
func (w *AlertWriter) Commit() error {
	for len(w.outs) > 0 {
		o := w.outs[0]
		if o.pending == nil {
			return fmt.Errorf("write %s output: not finished", o.Format)
		}
		if err := o.pending.Commit(); err != nil {
			return w.fail(o.Target, err)
		}
		w.outs = w.outs[1:]
	}
	return nil
}

// Discard drops every output not yet committed; their destinations keep what they had.
func (w *AlertWriter) Discard() {
	for _, o := range w.outs {
		o.enc.close()
		if o.file != nil {
			o.file.Discard()
		}
		if o.pending != nil {
			o.pending.Discard()
		}
	}
	w.outs = nil
}

// WriteAlerts renders alerts once per target, as WriteAll does a report: files atomically, only
// once every output rendered, and at most one target on stdout.
func WriteAlerts(ctx context.Context, targets []Target, alerts []finding.Alert, stdout io.Writer) error {
	w, err := NewAlertWriter(ctx, targets, stdout)
	if err != nil {
		return err
	}
	defer w.Discard()
	for i := range alerts {
		if err := w.Write(&alerts[i]); err != nil {
			return err
		}
	}
	if err := w.Finish(); err != nil {
		return err
	}
	return w.Commit()
}

// alertCounts counts alerts by severity, for the summary of text and markdown.
type alertCounts map[finding.Severity]int

// summary is "3 alerts: 1 critical, 2 high", most severe first, or "no alerts".
func (c alertCounts) summary() string {
	total := 0
	for _, n := range c {
		total += n
	}
	var parts []string
	for _, sev := range finding.Severities {
		if n := c[sev]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if total == 0 {
		return "no alerts"
	}
	return plural(total, "alert", "alerts") + ": " + strings.Join(parts, ", ")
}

func actorText(a *finding.Actor) string {
	if a == nil {
		return ""
	}
	for _, s := range []string{a.LoginName, a.DisplayName, a.ID} {
		if s != "" {
			if a.Type != "" && a.Type != "USER" {
				return s + " (" + strings.ToLower(a.Type) + ")"
			}
			return s
		}
	}
	if a.Type != "" {
		return strings.ToLower(a.Type)
	}
	return ""
}

func targetText(t *finding.Target) string {
	if t == nil {
		return ""
	}
	s := t.Name
	if s == "" {
		s = t.ID
	}
	if t.Type != "" {
		s = strings.ToLower(t.Type) + " " + s
	}
	if t.Property != "" {
		s += " (" + t.Property + ")"
	}
	return strings.TrimSpace(s)
}
