package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// alertText writes one block per alert, then a summary line.
type alertText struct{}

func (alertText) RenderAlerts(w io.Writer, alerts []finding.Alert) error {
	ew := &errWriter{w: w}
	for _, a := range alerts {
		fmt.Fprintf(ew, "%-8s %s  %s  %s\n", strings.ToUpper(string(a.Severity)), a.Time.UTC().Format(time.RFC3339), a.Rule.ID, a.Message)
		var who []string
		if s := actorText(a.Actor); s != "" {
			who = append(who, "by "+s)
		}
		if s := targetText(a.Target); s != "" {
			who = append(who, "on "+s)
		}
		if a.Window != nil && a.Window.Count > 1 {
			who = append(who, fmt.Sprintf("%d events since %s", a.Window.Count, a.Window.Start.UTC().Format(time.RFC3339)))
		}
		if len(who) > 0 {
			fmt.Fprintf(ew, "         %s\n", strings.Join(who, ", "))
		}
		if a.Location != nil {
			fmt.Fprintf(ew, "         at %s\n", a.Location.String())
		}
		if a.Runbook != "" {
			fmt.Fprintf(ew, "         runbook: %s\n", a.Runbook)
		}
		fmt.Fprintf(ew, "         id %s\n", a.ID)
	}
	fmt.Fprintln(ew, alertSummary(alerts))
	return ew.err
}
