package output

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// githubRenderer writes GitHub Actions workflow commands that annotate the lines a finding points at,
// a Markdown job summary to Options.StepSummary, and a last plain summary line.
type githubRenderer struct{ opts Options }

// annotationsPerStep is how many annotations of one kind (error, warning, notice) GitHub shows per
// step; it shows 50 per job in all. The rest stay in the log, so the job summary lists them.
const annotationsPerStep = 10

// annotation is one workflow command, and the finding or diagnostic it came from.
type annotation struct {
	command string // error, warning or notice
	finding finding.Finding
	title   string
	text    string // the finding's message, for the job summary
	message string // the annotation's text: message, severity, fix, controls
}

func (g githubRenderer) Render(w io.Writer, r *finding.Report) error {
	fs := sorted(r)
	var anns []annotation
	for _, f := range fs {
		if a, ok := annotationOf(f); ok {
			anns = append(anns, a)
		}
	}
	for _, d := range r.Diagnostics {
		command := "notice"
		if d.Level == "warning" {
			command = "warning"
		}
		anns = append(anns, annotation{command: command, finding: finding.Finding{Location: d.Location},
			title: "tailaudit input " + d.Level, text: d.Message, message: d.Message})
	}

	e := &errWriter{w: w}
	shown := map[string]int{}
	var hidden, unplaced []annotation
	for _, a := range anns {
		if shown[a.command]++; shown[a.command] > annotationsPerStep {
			hidden = append(hidden, a)
		}
		if !hasFileLocation(a.finding) {
			unplaced = append(unplaced, a)
		}
		e.printf("::%s %s::%s\n", a.command, g.properties(a), escapeData(a.message))
	}

	if g.opts.StepSummary != nil {
		var b bytes.Buffer
		s := &errWriter{w: &b}
		mdSummary(s, r)
		mdAnnotations(s, "Not shown as annotations", fmt.Sprintf(
			"GitHub shows at most %d error, %d warning and %d notice annotations per step (and 50 per job); these %d are in the log only.",
			annotationsPerStep, annotationsPerStep, annotationsPerStep, len(hidden)), hidden)
		mdAnnotations(s, "Annotations without a file location", fmt.Sprintf(
			"These %d are shown on the workflow run, not on a line of a file.", len(unplaced)), unplaced)
		mdFindings(s, r, fs)
		if _, err := g.opts.StepSummary.Write(b.Bytes()); err != nil {
			return fmt.Errorf("write job summary: %w", err)
		}
	}

	e.printf("tailaudit: %s\n", summaryLine(r))
	if len(hidden) > 0 {
		e.printf("tailaudit: %d annotations are over GitHub's per-step limit and not shown on the page; the log above and the job summary have them all\n", len(hidden))
	}
	return e.err
}

// annotationOf returns the workflow command for a finding that deserves one: failures by severity,
// rule errors, and warnings as notices. Passes, waived, not assessed and manual results get none.
func annotationOf(f finding.Finding) (annotation, bool) {
	a := annotation{finding: f, title: f.Rule.ID + " " + f.Rule.Title, text: f.Message}
	switch f.Result {
	case finding.Fail:
		switch f.Severity {
		case finding.Critical, finding.High:
			a.command = "error"
		case finding.Medium:
			a.command = "warning"
		default:
			a.command = "notice"
		}
	case finding.Error:
		a.command, a.title = "error", f.Rule.ID+" "+f.Rule.Title+" (rule error)"
	case finding.Warn:
		a.command = "notice"
	default:
		return a, false
	}
	msg := f.Message
	if !hasFileLocation(f) && where(f) != "" {
		msg = where(f) + ": " + msg
	}
	var extra []string
	if f.Result != finding.Error {
		extra = nonEmpty("severity: "+string(f.Severity), prefixed("fix: ", f.Rule.Remediation),
			prefixed("controls: ", controlsText(f.Controls)))
	}
	if f.Waiver != nil && f.Waiver.Expired {
		extra = append(extra, "waiver: "+waiverText(f.Waiver))
	}
	if len(extra) > 0 {
		msg += "\n\n" + strings.Join(extra, "\n")
	}
	a.message = msg
	return a, true
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// properties renders the file, line, col and title of a workflow command.
func (g githubRenderer) properties(a annotation) string {
	var props []string
	if l := a.finding.Location; hasFileLocation(a.finding) {
		file := filepath.ToSlash(relativePath(g.opts.Root, l.File))
		props = append(props, "file="+escapeProperty(file))
		if l.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", l.Line))
			if l.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", l.Column))
			}
		}
	}
	props = append(props, "title="+escapeProperty(a.title))
	return strings.Join(props, ",")
}

// mdAnnotations writes a job summary section listing annotations, when there are any.
func mdAnnotations(e *errWriter, title, intro string, anns []annotation) {
	if len(anns) == 0 {
		return
	}
	e.printf("## %s\n\n%s\n\n", title, intro)
	var rows [][]string
	for _, a := range anns {
		rows = append(rows, []string{a.command, where(a.finding), a.title, a.text})
	}
	mdTable(e, []string{"level", "location", "rule", "message"}, rows)
}

// escapeData escapes the message of a workflow command, as @actions/core does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value, as @actions/core does.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
