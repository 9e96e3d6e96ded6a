package output

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
	"github.com/tailaudit/tailaudit/engine/source"
)

// GitHub writes GitHub Actions workflow commands that annotate the lines a finding points at, then a
// plain summary line. The job summary is a format of its own, GitHubSummary.
type GitHub struct {
	Root       string   // base directory that absolute file paths are made relative to
	Frameworks []string // the order controls are listed in; others follow, sorted
	Sources    *Sources // the input files' text, to count columns in characters; nil counts bytes
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

// GitHubSummary writes the Markdown job summary of a GitHub Actions step: the report, and the
// annotations GitHub does not show on the page (over its limits, or without a file location).
type GitHubSummary struct {
	Frameworks []string // the order controls are listed in; others follow, sorted
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

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

// annotations lists the workflow commands for r, most severe first, with those GitHub will not show
// on the page: over the per-step limit of their kind, or without a file location.
func annotations(r *finding.Report, order frameworkOrder, agg aggregator) (anns, hidden, unplaced []annotation) {
	for _, e := range agg.entries(sorted(r)) {
		f := e.Finding
		a, ok := annotationOf(e, order)
		if !ok {
			continue
		}
		if r.Baseline != nil && f.Baseline != "" {
			// Compared with a base: say whether the change brought the finding in. When only new
			// findings gate, the others are notices, so the errors on a pull request are its own.
			a.title += " (" + string(f.Baseline) + ")"
			if r.Baseline.NewOnly && f.Baseline != finding.BaselineNew {
				a.command = "notice"
			}
		}
		anns = append(anns, a)
	}
	for _, d := range r.Diagnostics {
		command := "notice"
		if d.Level == "warning" {
			command = "warning"
		}
		anns = append(anns, annotation{command: command, finding: finding.Finding{Location: d.Location},
			title: "tailaudit input " + d.Level, text: d.Message, message: d.Message})
	}
	shown := map[string]int{}
	for _, a := range anns {
		if shown[a.command]++; shown[a.command] > annotationsPerStep {
			hidden = append(hidden, a)
		}
		if !hasFileLocation(a.finding) {
			unplaced = append(unplaced, a)
		}
	}
	return anns, hidden, unplaced
}

// Render implements Renderer.
func (g GitHub) Render(w io.Writer, r *finding.Report) error {
	anns, hidden, _ := annotations(r, g.Frameworks, newAggregator(r, g.Aggregate))
	e := &errWriter{w: w}
	for _, a := range anns {
		e.printf("::%s %s::%s\n", a.command, g.properties(a), escapeData(a.message))
	}
	e.printf("tailaudit: %s\n", summaryLine(r))
	if len(hidden) > 0 {
		e.printf("tailaudit: %d annotations are over GitHub's per-step limit and not shown on the page; the log above has them all, and so does the job summary (-f github-summary)\n", len(hidden))
	}
	return e.err
}

// Render implements Renderer.
func (g GitHubSummary) Render(w io.Writer, r *finding.Report) error {
	agg := newAggregator(r, g.Aggregate)
	_, hidden, unplaced := annotations(r, g.Frameworks, agg)
	e := &errWriter{w: w}
	mdSummary(e, r)
	mdAnnotations(e, "Not shown as annotations", fmt.Sprintf(
		"GitHub shows at most %d error, %d warning and %d notice annotations per step (and 50 per job); these %d are in the log only.",
		annotationsPerStep, annotationsPerStep, annotationsPerStep, len(hidden)), hidden)
	mdAnnotations(e, "Annotations without a file location", fmt.Sprintf(
		"These %d are shown on the workflow run, not on a line of a file.", len(unplaced)), unplaced)
	mdFindings(e, r, g.Frameworks, agg)
	return e.err
}

// annotationOf returns the workflow command for a finding that deserves one: failures by severity,
// rule errors, and warnings as notices. Passes, waived, not assessed and manual results get none.
// The findings of one cause that are grouped get one annotation, naming the first of their resources.
func annotationOf(e entry, order frameworkOrder) (annotation, bool) {
	f := e.Finding
	if e.members != nil {
		f.Message += ": " + memberNames(e.members)
	}
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
		if f.Rule.ID == source.InputRuleID {
			a.title = f.Rule.ID + " " + f.Rule.Title // the input is at fault, not a rule
		}
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
			prefixed("controls: ", order.text(f.Controls)))
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
func (g GitHub) properties(a annotation) string {
	var props []string
	if l := a.finding.Location; hasFileLocation(a.finding) {
		file := filepath.ToSlash(relativePath(g.Root, l.File))
		props = append(props, "file="+escapeProperty(file))
		if l.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", l.Line))
			if l.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", g.Sources.column(l.File, l.Line, l.Column, characters)))
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
