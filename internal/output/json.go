package output

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// JSON writes the whole report as JSON, findings in finding.Sort order, indented unless Compact.
// It is written as it is produced: the findings one by one into a buffered writer, never the whole
// report into memory first. With Aggregate, the findings of one cause are one object (jsonGroup)
// from which ExpandFindings gives them back.
type JSON struct {
	Compact bool // no indentation and no new lines but the last: for files and pipes
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
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
	for _, e := range newAggregator(r, j.Aggregate).entries(sorted(r)) {
		if e.members == nil {
			s.value(e.Finding)
			continue
		}
		jsonGroup(s, e)
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

// jsonGroup writes a group of findings of one cause as one member of "findings": what they share,
// with the members of finding.Finding and its omitempty rules, and under "aggregate" the cause, the
// count and each finding with what is its own (message, location, resource, evidence,
// fingerprint). A finding is the group's members and one of these, so nothing is lost:
// TestAggregatedJSONExpandsToTheFindings holds the two together.
func jsonGroup(s *jsonStream, e entry) {
	f := e.Finding
	s.beginObject()
	s.member("rule", f.Rule)
	s.member("result", f.Result)
	s.member("severity", f.Severity)
	s.member("message", f.Message)
	if f.Location != nil {
		s.member("location", f.Location)
	}
	if len(f.Controls) > 0 {
		s.member("controls", f.Controls)
	}
	if f.Waiver != nil {
		s.member("waiver", f.Waiver)
	}
	if f.Baseline != "" {
		s.member("baselineState", f.Baseline)
	}
	s.key("aggregate")
	s.beginObject()
	s.member("cause", causeMap(e.cause))
	s.member("count", len(e.members))
	s.key("findings")
	s.beginArray()
	for _, m := range e.members {
		s.value(jsonMember{Message: m.Message, Location: m.Location, Resource: m.Resource, Evidence: m.Evidence, Fingerprint: m.Fingerprint})
	}
	s.end()
	s.end()
	s.end()
}

// jsonMember is what one finding of a group has of its own.
type jsonMember struct {
	Message     string            `json:"message"`
	Location    *finding.Location `json:"location,omitempty"`
	Resource    *finding.Resource `json:"resource,omitempty"`
	Evidence    any               `json:"evidence,omitempty"`
	Fingerprint string            `json:"fingerprint,omitempty"`
}

// ExpandFindings turns the "findings" of a JSON report written with aggregation back into one
// object per finding: each finding of a group gets what the group holds for all of them (rule,
// result, severity, controls, waiver, baseline state) with its own message, location, resource,
// evidence and fingerprint. An object that is not a group is returned as it is. The objects of a
// group come in the order the group lists them; finding.Sort puts them back in report order.
func ExpandFindings(fs []json.RawMessage) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for i, raw := range fs {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("findings[%d]: %w", i, err)
		}
		aggRaw, ok := obj["aggregate"]
		if !ok {
			out = append(out, raw)
			continue
		}
		var agg struct {
			Count    int                          `json:"count"`
			Findings []map[string]json.RawMessage `json:"findings"`
		}
		if err := json.Unmarshal(aggRaw, &agg); err != nil {
			return nil, fmt.Errorf("findings[%d].aggregate: %w", i, err)
		}
		if agg.Count != len(agg.Findings) {
			return nil, fmt.Errorf("findings[%d].aggregate: count %d, but %d findings", i, agg.Count, len(agg.Findings))
		}
		shared := maps.Clone(obj)
		for _, k := range []string{"aggregate", "message", "location"} {
			delete(shared, k)
		}
		for j, m := range agg.Findings {
			f := maps.Clone(shared)
			maps.Copy(f, m)
			b, err := json.Marshal(f)
			if err != nil {
				return nil, fmt.Errorf("findings[%d].aggregate.findings[%d]: %w", i, j, err)
			}
			out = append(out, b)
		}
	}
	return out, nil
}
