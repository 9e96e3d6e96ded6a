package output

import (
	"encoding/json"
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// JSON writes the whole report as indented JSON, findings in finding.Sort order.
type JSON struct{}

// Render implements Renderer.
func (JSON) Render(w io.Writer, r *finding.Report) error {
	out := *r
	out.Findings = sorted(r)
	if out.Findings == nil {
		out.Findings = []finding.Finding{} // "findings": [] rather than null
	}
	if out.Rules == nil {
		out.Rules = []finding.Rule{}
	}
	if out.SchemaVersion == "" {
		out.SchemaVersion = finding.SchemaVersion
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
