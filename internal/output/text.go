package output

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Text writes a report for terminals and CI logs: failures by severity, then everything else, then
// one summary line.
type Text struct {
	Color      bool     // ANSI colour (the caller decides, e.g. when stdout is a terminal)
	Verbose    bool     // list what each passing rule examined, and each rule not assessed
	Frameworks []string // the order controls are listed in; others follow, sorted
	// Aggregate: from this many findings of one cause (custom.aggregate), they are listed as one
	// entry; 0 lists each on its own.
	Aggregate int
}

// ANSI styles; colour only ever repeats what the words already say.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[1;35m"
)

func severityStyle(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return ansiPurple
	case finding.High:
		return ansiRed
	case finding.Medium:
		return ansiYellow
	case finding.Low:
		return ansiBlue
	}
	return ansiDim
}

// Render implements Renderer.
func (t Text) Render(w io.Writer, r *finding.Report) error {
	p := &textPrinter{errWriter: errWriter{w: w}, color: t.Color, verbose: t.Verbose, order: t.Frameworks,
		explained: map[string]bool{}, agg: newAggregator(r, t.Aggregate)}
	added, rest := splitNew(r)
	if r.Baseline != nil {
		p.heading(ansiBold, "NEW", fmt.Sprintf("%d (%s)", len(added), baselineLine(r)))
		p.findingsLabelled(added)
	}
	byResult := byResult(rest)
	for _, sev := range finding.Severities {
		if fs := withSeverity(byResult[finding.Fail], sev); len(fs) > 0 {
			p.heading(severityStyle(sev), strings.ToUpper(string(sev)), fmt.Sprintf("%d failed", len(fs)))
			p.findings(fs)
		}
	}
	if n := warnings(r); n > 0 {
		p.heading(ansiYellow, "WARNINGS", strconv.Itoa(n))
		p.findings(byResult[finding.Warn])
		for _, d := range r.Diagnostics {
			p.line(d.Location.String(), d.Level, d.Message)
		}
	}
	if fs := byResult[finding.Waived]; len(fs) > 0 {
		p.heading(ansiDim, "WAIVED", strconv.Itoa(len(fs)))
		p.findings(fs)
	}
	if fs := byResult[finding.Error]; len(fs) > 0 {
		p.heading(ansiRed, "ERRORS", strconv.Itoa(len(fs)))
		p.findings(fs)
	}
	if r.Baseline != nil && len(r.Baseline.Fixed) > 0 {
		p.heading(ansiGreen, "FIXED", fmt.Sprintf("%d (in the base, gone in this version)", len(r.Baseline.Fixed)))
		for _, f := range r.Baseline.Fixed {
			p.line(where(f), f.Rule.ID, string(f.Severity), f.Message)
		}
	}
	for _, s := range []struct {
		result finding.Result
		title  string
	}{{finding.NotAssessed, "NOT ASSESSED"}, {finding.Manual, "MANUAL"}} {
		if fs := byResult[s.result]; len(fs) > 0 {
			p.heading(ansiDim, s.title, strconv.Itoa(len(fs)))
			if s.result == finding.NotAssessed && !t.Verbose {
				p.notAssessed(fs)
				continue
			}
			for _, f := range fs {
				p.line(f.Rule.ID, f.Rule.Title+": "+f.Message)
			}
		}
	}
	if fs := byResult[finding.Pass]; len(fs) > 0 {
		p.passes(fs, t.Verbose)
	}

	style := ansiGreen
	if r.Summary.Gate == "failed" {
		style = ansiRed
	}
	p.printf("\n%s\n", p.paint(style, summaryLine(r)))
	return p.err
}

// notAssessed prints rules that share a reason (such as a missing snapshot) as one line, so a
// policy-only check does not list every snapshot rule.
func (p *textPrinter) notAssessed(fs []finding.Finding) {
	var reasons []string
	ids := map[string][]string{}
	first := map[string]finding.Finding{}
	for _, f := range fs {
		if ids[f.Message] == nil {
			reasons = append(reasons, f.Message)
			first[f.Message] = f
		}
		ids[f.Message] = append(ids[f.Message], f.Rule.ID)
	}
	for _, reason := range reasons {
		rules := ids[reason]
		if len(rules) == 1 {
			p.line(rules[0], first[reason].Rule.Title+": "+reason)
			continue
		}
		slices.Sort(rules)
		p.line(fmt.Sprintf("%d rules", len(rules)), reason+": "+strings.Join(rules, ", "))
	}
}

// textPrinter holds what one text rendering has printed so far.
type textPrinter struct {
	errWriter
	color     bool
	verbose   bool
	order     frameworkOrder
	agg       aggregator
	sections  int
	explained map[string]bool // rule ids whose title and remediation have been printed
}

func (p *textPrinter) paint(style, s string) string {
	if !p.color {
		return s
	}
	return style + s + ansiReset
}

func (p *textPrinter) heading(style, title, count string) {
	if p.sections > 0 {
		p.printf("\n")
	}
	p.sections++
	p.printf("%s · %s\n", p.paint(style, title), count)
}

// line prints "  a  b  c" from the non-empty fields, continuing multi-line text indented beneath.
func (p *textPrinter) line(fields ...string) {
	text := clean(strings.Join(nonEmpty(fields...), "  "))
	p.printf("  %s\n", strings.ReplaceAll(text, "\n", "\n      "))
}

// detail prints an indented "label: text" line under a finding.
func (p *textPrinter) detail(label, text string) {
	if text != "" {
		p.printf("      %s: %s\n", label, strings.ReplaceAll(clean(text), "\n", "\n        "))
	}
}

func (p *textPrinter) findings(fs []finding.Finding) {
	for _, e := range p.agg.entries(fs) {
		p.entry(e)
	}
}

// entry prints a finding, or a group of findings of one cause: one line, the resources (all of them
// when verbose), then what the rule is, how to fix it and the controls, each once per rule.
func (p *textPrinter) entry(e entry) {
	f := e.Finding
	p.line(where(f), f.Rule.ID, f.Message)
	switch {
	case e.members != nil && p.verbose:
		for _, m := range e.members {
			p.detail("finding", strings.Join(nonEmpty(memberWhere(m), m.Message), "  "))
		}
	case e.members != nil:
		p.detail(pluralType(resourceType(e.members[0])), memberNames(e.members))
	case f.Location.String() != "":
		p.detail("resource", resourceText(f.Resource))
	}
	if !p.explained[f.Rule.ID] {
		p.explained[f.Rule.ID] = true
		p.detail("rule", f.Rule.Title)
		p.detail("fix", f.Rule.Remediation)
	}
	p.detail("controls", p.order.text(f.Controls))
	if w := f.Waiver; w != nil {
		label := "waived"
		if w.Expired {
			label = p.paint(ansiRed, "waiver")
		}
		p.detail(label, waiverText(w))
	}
}

// findingsLabelled prints findings as findings does, each line also saying its result and severity,
// for a list that mixes them (the new findings of a change).
func (p *textPrinter) findingsLabelled(fs []finding.Finding) {
	for _, e := range p.agg.entries(fs) {
		label := string(e.Severity)
		if e.Result != finding.Fail {
			label = string(e.Result) + ", " + label
		}
		e.Message = "[" + label + "] " + e.Message
		p.entry(e)
	}
}

// passes prints the number of pass results per rule and, when verbose, what each one examined.
func (p *textPrinter) passes(fs []finding.Finding, verbose bool) {
	groups := byRule(fs)
	slices.SortStableFunc(groups, func(a, b []finding.Finding) int { return strings.Compare(a[0].Rule.ID, b[0].Rule.ID) })
	p.heading(ansiGreen, "PASSED", fmt.Sprintf("%s across %s", plural(len(fs), "result", "results"), plural(len(groups), "rule", "rules")))
	for _, g := range groups {
		// A rule over a snapshot collection records one pass saying how many resources passed.
		what := fmt.Sprintf("%d passed", len(g))
		if len(g) == 1 && g[0].Resource != nil && g[0].Resource.ID == "" {
			what = g[0].Message
		}
		p.line(g[0].Rule.ID, what, g[0].Rule.Title)
		if verbose {
			for _, f := range g {
				p.detail("passed", strings.Join(nonEmpty(where(f), f.Message), "  "))
			}
		}
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean makes text from inputs safe for a terminal: control characters other than newline and tab are
// shown escaped, so a message cannot move the cursor or change colours.
func clean(s string) string {
	if strings.IndexFunc(s, isUnsafe) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isUnsafe(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isUnsafe(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) }
