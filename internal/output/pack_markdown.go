package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// RenderPackMarkdown writes report.md: the HTML report's content for a repository or a ticket,
// with the same cover, summary table per family, changes, and controls worst first. Lists longer
// than the pack's limit are cut, with the count of the rest; controls.csv has them all.
func RenderPackMarkdown(w io.Writer, p *Pack) error {
	b := bufio.NewWriter(w)
	r := p.Report
	h := htmlPack{p}
	fmt.Fprintf(b, "# %s\n\n", mdEscape(h.Title()))
	fmt.Fprintf(b, "| | |\n|---|---|\n")
	fmt.Fprintf(b, "| Tailnet | %s |\n", mdEscape(orText(r.Tailnet, "not named by the snapshot")))
	for _, a := range r.Assessments {
		fmt.Fprintf(b, "| Framework | %s, version %s — %d controls: %s |\n", mdEscape(a.Framework.Name), mdEscape(a.Framework.Version), a.Summary.Controls, statusCounts(a.Summary))
	}
	period := "none given: the results show the moment the snapshot was collected"
	if r.Period != nil {
		period = fmt.Sprintf("%s to %s, both days included", r.Period.From.UTC().Format(time.DateOnly), lastDay(r.Period.To))
		if ev := r.Period.Events; ev != nil {
			period += fmt.Sprintf("; %d audit events in the period", ev.InPeriod)
			if ev.Covered {
				period += ", covering it without gaps"
			} else {
				period += "; " + ev.Reason
			}
		}
	}
	fmt.Fprintf(b, "| Period | %s |\n", mdEscape(period))
	fmt.Fprintf(b, "| Snapshot collected | %s |\n", packTime(r.CollectedAt))
	fmt.Fprintf(b, "| Report generated | %s by %s %s |\n", packTime(r.GeneratedAt), mdEscape(r.Tool.Name), mdEscape(r.Tool.Version))
	fmt.Fprintf(b, "| Rule bundle | `sha256:%s` |\n", p.RuleBundle)
	fmt.Fprintf(b, "| Command | `%s` |\n\n", strings.ReplaceAll(strings.Join(p.Command, " "), "`", "'"))
	fmt.Fprintf(b, "## Inputs\n\n| Kind | File | SHA-256 |\n|---|---|---|\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(b, "| %s | %s | `%s` |\n", mdEscape(in.Kind), mdEscape(in.Path), in.SHA256)
	}
	for _, a := range r.Assessments {
		fmt.Fprintf(b, "\n## %s: summary\n\n", mdEscape(a.Framework.Name))
		fmt.Fprintf(b, "%d controls: %s. %d can be decided by tailnet data alone, %d only in part, %d need a person's attestation.\n\n",
			a.Summary.Controls, statusCounts(a.Summary), a.Summary.Automated, a.Summary.Partial, a.Summary.Manual)
		order, counts := families(a)
		b.WriteString("| Family |")
		for _, st := range finding.ControlStatuses {
			fmt.Fprintf(b, " %s |", statusLabel(st))
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(finding.ControlStatuses)) + "\n")
		for _, fam := range order {
			fmt.Fprintf(b, "| %s |", mdEscape(fam))
			for _, st := range finding.ControlStatuses {
				fmt.Fprintf(b, " %d |", counts[fam][st])
			}
			b.WriteString("\n")
		}
		rt := a.Retention
		fmt.Fprintf(b, "\n**Retention** (%d months, %s): **%s**. %s\n", rt.Requirement.MinimumMonths, mdEscape(rt.Requirement.Scope), statusLabel(rt.Status), mdEscape(rt.Reason))
	}
	if c := r.Changes; c != nil {
		fmt.Fprintf(b, "\n## Since the previous pack\n\nCompared with `%s`, generated %s: %d controls changed status, %d resources newly fail a check, %d no longer fail.\n",
			c.Previous, packTime(c.PreviousGeneratedAt), len(c.Controls), len(c.NewlyFailing), len(c.Fixed))
		if len(c.Controls) > 0 {
			b.WriteString("\n| Framework | Control | Was | Now |\n|---|---|---|---|\n")
			for _, cc := range c.Controls {
				from := "not in the previous pack"
				if cc.From != "" {
					from = statusLabel(cc.From)
				}
				fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", cc.Framework, mdEscape(cc.Control), mdEscape(cc.Title), from, statusLabel(cc.To))
			}
		}
		for _, l := range []struct {
			title string
			items []finding.ResourceChange
		}{{"Newly failing", c.NewlyFailing}, {"Fixed", c.Fixed}} {
			if len(l.items) == 0 {
				continue
			}
			fmt.Fprintf(b, "\n**%s**\n\n", l.title)
			for i, it := range l.items {
				if i == p.limit() {
					fmt.Fprintf(b, "- and %d more: see report.json\n", len(l.items)-i)
					break
				}
				fmt.Fprintf(b, "- %s: %s `%s`%s\n", it.Rule, it.Type, it.Resource, map[string]string{"pass": " (passes now)", "absent": " (no longer in the population)"}[it.Now])
			}
		}
	}
	for _, a := range r.Assessments {
		fmt.Fprintf(b, "\n## %s: controls\n", mdEscape(a.Framework.Name))
		for _, c := range sortedControls(a) {
			fmt.Fprintf(b, "\n### %s %s — %s\n\n%s\n", mdEscape(c.ID), mdEscape(c.Title), strings.ToUpper(statusLabel(c.Status)), mdEscape(c.Reason))
			if c.Objective != "" {
				fmt.Fprintf(b, "\n*Objective:* %s\n", mdEscape(c.Objective))
			}
			for _, ch := range c.Checks {
				fmt.Fprintf(b, "\n- **%s** %s — **%s** (%s coverage)", ch.Rule.ID, mdEscape(ch.Rule.Title), ch.Result, ch.Coverage)
				if ch.Population != nil {
					fmt.Fprintf(b, "; %s", mdEscape(ch.Population.String()))
				}
				if ch.Reason != "" {
					fmt.Fprintf(b, ". %s", mdEscape(ch.Reason))
				}
				b.WriteString("\n")
				for _, l := range h.Lists(ch) {
					ids := make([]string, len(l.Items))
					for i, it := range l.Items {
						ids[i] = "`" + strings.ReplaceAll(it.ID, "`", "'") + "`"
						if it.Message != "" {
							ids[i] += " " + mdEscape(it.Message)
						}
					}
					more := ""
					if l.More > 0 {
						more = fmt.Sprintf(", and %d more (controls.csv)", l.More)
					}
					fmt.Fprintf(b, "  - %s %s: %s%s\n", h.Plural(l.Total, l.Type), l.Result, strings.Join(ids, ", "), more)
				}
				for _, f := range h.Unlocated(ch) {
					loc := ""
					if f.Location != nil {
						loc = "`" + f.Location.String() + "` "
					}
					fmt.Fprintf(b, "  - %s %s%s\n", f.Result, loc, mdEscape(f.Message))
				}
			}
			for _, wv := range h.Waivers(c) {
				fmt.Fprintf(b, "\n*Waiver in force:* %s (owner %s, expires %s, %s)\n", mdEscape(wv.Reason), mdEscape(orText(wv.By, "not named")), orText(wv.Expires, "never"), wv.Source)
			}
			if at := c.Attestation; at != nil {
				fmt.Fprintf(b, "\n*Attestation (%s):* %s — %s, %s, expires %s", at.Status, mdEscape(at.Statement), mdEscape(at.By), at.Date, at.Expires)
				if at.Evidence != "" {
					fmt.Fprintf(b, "; evidence: %s", mdEscape(at.Evidence))
				}
				b.WriteString("\n")
			}
		}
	}
	return b.Flush()
}

func orText(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func packTime(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
