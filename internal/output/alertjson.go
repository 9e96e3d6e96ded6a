package output

import (
	"encoding/json"
	"io"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// AlertsSchemaVersion identifies the JSON shape of the alerts document.
const AlertsSchemaVersion = "tailaudit.alerts/v1"

// alertJSON writes one document: the schema version and every alert.
type alertJSON struct{}

func (alertJSON) RenderAlerts(w io.Writer, alerts []finding.Alert) error {
	if alerts == nil {
		alerts = []finding.Alert{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Version string          `json:"version"`
		Alerts  []finding.Alert `json:"alerts"`
	}{AlertsSchemaVersion, alerts})
}

// alertJSONL writes one alert per line, for log shippers.
type alertJSONL struct{}

func (alertJSONL) RenderAlerts(w io.Writer, alerts []finding.Alert) error {
	enc := json.NewEncoder(w)
	for _, a := range alerts {
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return nil
}
