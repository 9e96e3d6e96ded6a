package output

import (
	"encoding/json"
	"io"
)

// RenderPackJSON writes report.json: the assessment model of engine/finding (AssessmentReport,
// schema AssessmentSchemaVersion), indented.
func RenderPackJSON(w io.Writer, p *Pack) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p.Report)
}
