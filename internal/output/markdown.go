package output

import (
	"io"
	"strconv"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Markdown writes a report for pull request comments and documents: a table of counts, then tables of
// findings by severity, warnings, waivers, and what was not assessed.
type Markdown struct {
	Frameworks []string // the order controls are listed in; others follow, sorted
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

// Render implements Renderer.
func (m Markdown) Render(w io.Writer, r *finding.Report) error {
	e := &errWriter{w: w}
	mdSummary(e, r)
	mdFindings(e, r, m.Frameworks, newAggregator(r, m.Aggregate))
	return e.err
}

// mdSummary writes the title, the summary line and a table of counts.
func mdSummary(e *errWriter, r *finding.Report) {
	name := r.Tool.Name
	if name == "" {
		name = "tailaudit"
	}
	e.printf("# %s report\n\n%s\n\n", mdEscape(name), mdEscape(summaryLine(r)))
	if line := baselineLine(r); line != "" {
		e.printf("%s\n\n", mdEscape(strings.ToUpper(line[:1])+line[1:]))
	}
	var rows [][]string
	for _, sev := range finding.Severities {
		rows = append(rows, []string{"failed, " + string(sev), strconv.Itoa(r.Summary.Failures[sev])})
	}
	for _, c := range []struct {
		result finding.Result
		label  string
	}{
		{finding.Warn, "warnings"}, {finding.Waived, "waived"}, {finding.Error, "errors"},
		{finding.Pass, "passed"}, {finding.NotAssessed, "not assessed"}, {finding.Manual, "manual"},
	} {
		n := r.Summary.Results[c.result]
		if c.result == finding.Warn {
			n = warnings(r) // as the Warnings section lists them: with the input diagnostics
		}
		rows = append(rows, []string{c.label, strconv.Itoa(n)})
	}
	mdTable(e, []string{"result", "count"}, rows)
}

// mdFindings writes one section per kind of result, leaving out the empty ones. The findings of one
// cause that agg groups are one row, naming the first of their resources.
func mdFindings(e *errWriter, r *finding.Report, order frameworkOrder, agg aggregator) {
	added, fs := splitNew(r)
	byResult := byResult(fs)
	controls := func(f finding.Finding) string { return order.text(f.Controls) }
	located := func(es []entry, last func(finding.Finding) string) [][]string {
		var rows [][]string
		for _, en := range es {
			f := en.Finding
			msg := f.Message
			if en.members != nil {
				msg += "\n" + pluralType(resourceType(en.members[0])) + ": " + memberNames(en.members)
			}
			if f.Waiver != nil && f.Waiver.Expired {
				msg += "\nwaiver: " + waiverText(f.Waiver)
			}
			rows = append(rows, []string{where(f), f.Rule.ID + " " + f.Rule.Title, msg, last(f)})
		}
		return rows
	}

	if r.Baseline != nil {
		e.printf("## New in this change\n\n")
		if len(added) == 0 {
			e.printf("No finding is new: the base has every one of them.\n\n")
		} else {
			var rows [][]string
			for _, en := range agg.entries(added) {
				result := string(en.Severity)
				if en.Result != finding.Fail {
					result = string(en.Result) + ", " + result
				}
				rows = append(rows, append([]string{result}, located([]entry{en}, controls)[0]...))
			}
			mdTable(e, []string{"severity", "location", "rule", "message", "controls"}, rows)
		}
	}
	if fails := byResult[finding.Fail]; len(fails) > 0 {
		if r.Baseline != nil {
			e.printf("## Failed, unchanged from the base\n\n")
		} else {
			e.printf("## Failed\n\n")
		}
		for _, sev := range finding.Severities {
			group := withSeverity(fails, sev)
			if len(group) == 0 {
				continue
			}
			e.printf("### %s (%d)\n\n", strings.ToUpper(string(sev[:1]))+string(sev[1:]), len(group))
			mdTable(e, []string{"location", "rule", "message", "controls"}, located(agg.entries(group), controls))
		}
		var rows [][]string
		for _, g := range byRule(fails) {
			if rule := g[0].Rule; rule.Remediation != "" {
				rows = append(rows, []string{rule.ID + " " + rule.Title, rule.Remediation})
			}
		}
		if len(rows) > 0 {
			e.printf("### How to fix\n\n")
			mdTable(e, []string{"rule", "remediation"}, rows)
		}
	}
	if warns := byResult[finding.Warn]; len(warns)+len(r.Diagnostics) > 0 {
		e.printf("## Warnings\n\n")
		rows := located(agg.entries(warns), controls)
		for _, d := range r.Diagnostics {
			rows = append(rows, []string{d.Location.String(), "input " + d.Level, d.Message, ""})
		}
		mdTable(e, []string{"location", "rule", "message", "controls"}, rows)
	}
	if errs := byResult[finding.Error]; len(errs) > 0 {
		e.printf("## Errors\n\n")
		mdTable(e, []string{"location", "rule", "error", "controls"}, located(agg.entries(errs), controls))
	}
	if r.Baseline != nil && len(r.Baseline.Fixed) > 0 {
		e.printf("## Fixed by this change\n\n")
		var rows [][]string
		for _, f := range r.Baseline.Fixed {
			rows = append(rows, []string{string(f.Severity), where(f), f.Rule.ID + " " + f.Rule.Title, f.Message})
		}
		mdTable(e, []string{"severity", "location in the base", "rule", "message"}, rows)
	}
	if waived := byResult[finding.Waived]; len(waived) > 0 {
		e.printf("## Waived\n\n")
		mdTable(e, []string{"location", "rule", "message", "waiver"}, located(agg.entries(waived), func(f finding.Finding) string { return waiverText(f.Waiver) }))
	}
	for _, s := range []struct {
		result         finding.Result
		title, heading string
	}{
		{finding.NotAssessed, "Not assessed", "reason"},
		{finding.Manual, "Manual attestation", "what to attest"},
	} {
		if group := byResult[s.result]; len(group) > 0 {
			e.printf("## %s\n\n", s.title)
			var rows [][]string
			for _, f := range group {
				rows = append(rows, []string{f.Rule.ID + " " + f.Rule.Title, f.Message})
			}
			mdTable(e, []string{"rule", s.heading}, rows)
		}
	}
	if passes := byResult[finding.Pass]; len(passes) > 0 {
		e.printf("## Passed\n\n")
		var rows [][]string
		for _, g := range byRule(passes) {
			rows = append(rows, []string{g[0].Rule.ID + " " + g[0].Rule.Title, strconv.Itoa(len(g))})
		}
		mdTable(e, []string{"rule", "passed"}, rows)
	}
}

// mdTable writes a GitHub-flavoured Markdown table, escaping every cell.
func mdTable(e *errWriter, header []string, rows [][]string) {
	e.printf("| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = mdEscape(c)
		}
		e.printf("| %s |\n", strings.Join(cells, " | "))
	}
	e.printf("\n")
}

var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

// mdEscape makes text show literally in Markdown, even inside a table cell: markup characters are
// escaped and line breaks become <br>.
func mdEscape(s string) string { return mdReplacer.Replace(s) }
