package output

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// AlertsSchemaVersion identifies the JSON shape of the alerts document.
const AlertsSchemaVersion = "tailaudit.alerts/v1"

// alertJSON writes one document, the schema version and every alert, as the alerts come: byte
// for byte what a json.Encoder indenting by two spaces writes for the whole document, HTML
// characters escaped as it escapes them.
type alertJSON struct {
	w      io.Writer
	n      int
	header bool
	ind    bytes.Buffer
}

func newAlertJSON(w io.Writer) alertEncoder { return &alertJSON{w: w} }

func (j *alertJSON) begin() error {
	if j.header {
		return nil
	}
	j.header = true
	version, err := json.Marshal(AlertsSchemaVersion)
	if err != nil {
		return err
	}
	_, err = io.WriteString(j.w, "{\n  \"version\": "+string(version)+",\n  \"alerts\": [")
	return err
}

func (j *alertJSON) alert(a *finding.Alert) error {
	if err := j.begin(); err != nil {
		return err
	}
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	j.ind.Reset()
	if j.n > 0 {
		j.ind.WriteByte(',')
	}
	j.ind.WriteString("\n    ")
	if err := json.Indent(&j.ind, data, "    ", "  "); err != nil {
		return err
	}
	j.n++
	_, err = j.w.Write(j.ind.Bytes())
	return err
}

func (j *alertJSON) end() error {
	if err := j.begin(); err != nil {
		return err
	}
	closing := "]\n}\n"
	if j.n > 0 {
		closing = "\n  ]\n}\n"
	}
	_, err := io.WriteString(j.w, closing)
	return err
}

func (j *alertJSON) close() {}

// alertJSONL writes one alert per line, for log shippers.
type alertJSONL struct{ enc *json.Encoder }

func newAlertJSONL(w io.Writer) alertEncoder { return alertJSONL{json.NewEncoder(w)} }

func (j alertJSONL) alert(a *finding.Alert) error { return j.enc.Encode(a) }

func (alertJSONL) end() error { return nil }

func (alertJSONL) close() {}
