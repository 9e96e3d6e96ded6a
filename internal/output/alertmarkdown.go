package output

import (
	"io"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// alertMarkdown writes a table of alerts, most recent last, for a ticket or a job summary.
type alertMarkdown struct{}

func (alertMarkdown) RenderAlerts(w io.Writer, alerts []finding.Alert) error {
	ew := &errWriter{w: w}
	ew.printf("## tailaudit alerts\n\n%s.\n", alertSummary(alerts))
	if len(alerts) > 0 {
		ew.printf("\n| severity | time | rule | alert | actor | target | runbook |\n|---|---|---|---|---|---|---|\n")
	}
	for _, a := range alerts {
		ew.printf("| %s | %s | %s | %s | %s | %s | %s |\n", a.Severity, a.Time.UTC().Format(time.RFC3339),
			mdCell(a.Rule.ID+" "+a.Rule.Title), mdCell(a.Message), mdCell(actorText(a.Actor)), mdCell(targetText(a.Target)), mdCell(a.Runbook))
	}
	return ew.err
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}
