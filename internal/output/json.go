package output

import (
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// JSON writes the whole report as JSON, findings in finding.Sort order, indented unless Compact.
// It is written as it is produced: the findings one by one into a buffered writer, never the whole
// report into memory first.
type JSON struct {
	Compact bool // no indentation and no new lines but the last: for files and pipes
}

// Render implements Renderer. The members are those of finding.Report, in its order and with its
// omitempty rules; TestJSONStreamsWhatMarshalWrites holds the two together.
func (j JSON) Render(w io.Writer, r *finding.Report) error {
	s := newJSONStream(w, !j.Compact)
	s.beginObject()
	schema := r.SchemaVersion
	if schema == "" {
		schema = finding.SchemaVersion
	}
	s.member("schemaVersion", schema)
	s.member("tool", r.Tool)
	s.member("generatedAt", r.GeneratedAt)
	s.member("failOn", r.FailOn)
	if len(r.Inputs) > 0 {
		s.member("inputs", r.Inputs)
	}
	s.key("rules")
	s.beginArray() // "rules": [] rather than null
	for _, rule := range r.Rules {
		s.value(rule)
	}
	s.end()
	s.key("findings")
	s.beginArray()
	for _, f := range sorted(r) {
		s.value(f)
	}
	s.end()
	if len(r.Diagnostics) > 0 {
		s.member("diagnostics", r.Diagnostics)
	}
	if r.Baseline != nil {
		s.member("baseline", r.Baseline)
	}
	s.member("summary", r.Summary)
	s.end()
	return s.finish()
}
