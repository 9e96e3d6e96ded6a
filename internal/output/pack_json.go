package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// RenderPackJSON writes report.json: the assessment model of engine/finding (AssessmentReport,
// schema AssessmentSchemaVersion), one control per line. It is streamed control by control, so
// that the file of a 50,000-device tailnet is never held in memory whole.
func RenderPackJSON(w io.Writer, p *Pack) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := *p.Report
	assessments := r.Assessments
	r.Assessments = []finding.Assessment{}
	err := splice(bw, r, `"assessments":[]`, func(bw *bufio.Writer) error {
		for i, a := range assessments {
			if i > 0 {
				bw.WriteString(",")
			}
			controls := a.Controls
			a.Controls = []finding.ControlResult{}
			err := splice(bw, a, `"controls":[]`, func(bw *bufio.Writer) error {
				for j, c := range controls {
					if j > 0 {
						bw.WriteString(",")
					}
					bw.WriteString("\n")
					if err := encodeCompact(bw, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// splice writes v as JSON with the empty array marker (such as `"controls":[]`, which v must hold
// exactly once at its top level) filled by fill, which writes the array's elements.
func splice(bw *bufio.Writer, v any, marker string, fill func(*bufio.Writer) error) error {
	var buf bytes.Buffer
	if err := encodeCompact(&buf, v); err != nil {
		return err
	}
	b := buf.Bytes()
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return fmt.Errorf("json: %s not found", marker)
	}
	open := i + len(marker) - 1 // just before the closing ]
	bw.Write(b[:open])
	if err := fill(bw); err != nil {
		return err
	}
	_, err := bw.Write(b[open:])
	return err
}

// encodeCompact writes v as compact JSON without HTML escaping and without a final newline.
func encodeCompact(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}
