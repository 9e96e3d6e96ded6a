package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// alertMarkdown writes a table of alerts, in the order they were raised, for a ticket or a job
// summary. The summary comes first, so the rows wait in a spool until end.
type alertMarkdown struct {
	w      io.Writer
	counts alertCounts
	rows   *spool
}

func newAlertMarkdown(w io.Writer) alertEncoder { return &alertMarkdown{w: w, counts: alertCounts{}} }

func (m *alertMarkdown) alert(a *finding.Alert) error {
	if m.rows == nil {
		var err error
		if m.rows, err = newSpool(); err != nil {
			return err
		}
	}
	m.counts[a.Severity]++
	_, err := fmt.Fprintf(m.rows, "| %s | %s | %s | %s | %s | %s | %s |\n", a.Severity, a.Time.UTC().Format(time.RFC3339),
		mdCell(a.Rule.ID+" "+a.Rule.Title), mdCell(a.Message), mdCell(actorText(a.Actor)), mdCell(targetText(a.Target)), mdCell(a.Runbook))
	return err
}

func (m *alertMarkdown) end() error {
	ew := &errWriter{w: m.w}
	ew.printf("## tailaudit alerts\n\n%s.\n", m.counts.summary())
	if m.rows == nil {
		return ew.err
	}
	ew.printf("\n| severity | time | rule | alert | actor | target | runbook |\n|---|---|---|---|---|---|---|\n")
	rows, err := m.rows.section(0, m.rows.size)
	if err != nil {
		return err
	}
	if _, err := io.Copy(ew, rows); err != nil {
		return err
	}
	return ew.err
}

func (m *alertMarkdown) close() {
	m.rows.close()
	m.rows = nil
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}
