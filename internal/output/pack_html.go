package output

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tailaudit/tailaudit/engine/finding"
)

//go:embed pack.css
var packCSS string

//go:embed pack.html.tmpl
var packHTML string

// statusColors are the summary chart's colours, one per status; every status also has its label, so
// that no meaning is in colour alone.
var statusColors = map[finding.ControlStatus]string{
	finding.ControlFail:        "#b3261e",
	finding.ControlNotAssessed: "#8a8a8a",
	finding.ControlWaived:      "#d9730d",
	finding.ControlPartial:     "#c9a100",
	finding.ControlManual:      "#5566c2",
	finding.ControlAttested:    "#0f8a7e",
	finding.ControlPass:        "#2e7d32",
}

// RenderPackHTML writes report.html: one self-contained page (inline CSS and SVG, no script, no
// font or image fetched) with a cover, a chart of control statuses per family, what changed since
// the previous pack, and every control with its checks, failing resources, a collapsed list of the
// passing population, waivers and attestations. Lists longer than the pack's limit are cut, with
// the count of the rest; controls.csv has them all.
func RenderPackHTML(w io.Writer, p *Pack) error {
	return packTemplate.Execute(w, htmlPack{p})
}

type htmlPack struct{ *Pack }

func (h htmlPack) CSS() template.CSS { return template.CSS(packCSS) }

func (h htmlPack) Title() string {
	var names []string
	for _, a := range h.Report.Assessments {
		names = append(names, a.Framework.Name)
	}
	t := "Evidence pack: " + strings.Join(names, ", ")
	if h.Report.Tailnet != "" {
		t += " — " + h.Report.Tailnet
	}
	return t
}

func (h htmlPack) Command() string { return strings.Join(h.Pack.Command, " ") }

// chart draws one framework's statuses per family as horizontal stacked bars, with counts written
// in the bars and a legend.
func (h htmlPack) Chart(a finding.Assessment) template.HTML {
	order, counts := families(a)
	const labelW, barW, rowH, top = 110, 520, 22, 8
	most := 1
	for _, fam := range order {
		n := 0
		for _, c := range counts[fam] {
			n += c
		}
		most = max(most, n)
	}
	height := top + rowH*len(order) + 34
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="Control status per family" viewBox="0 0 %d %d" width="%d" height="%d">`, labelW+barW+50, height, labelW+barW+50, height)
	for i, fam := range order {
		y := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="fam">%s</text>`, labelW-8, y+15, template.HTMLEscapeString(fam))
		x := float64(labelW)
		total := 0
		for _, st := range finding.ControlStatuses {
			n := counts[fam][st]
			if n == 0 {
				continue
			}
			total += n
			wd := float64(barW) * float64(n) / float64(most)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d %s</title></rect>`, x, y+2, wd, rowH-6, statusColors[st], template.HTMLEscapeString(fam), n, statusLabel(st))
			if wd >= 14 {
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="n">%d</text>`, x+wd/2, y+15, n)
			}
			x += wd
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tot">%d</text>`, x+6, y+15, total)
	}
	x := 0
	y := top + rowH*len(order) + 18
	for _, st := range finding.ControlStatuses {
		if a.Summary.Status[st] == 0 {
			continue
		}
		label := fmt.Sprintf("%s %d", statusLabel(st), a.Summary.Status[st])
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" class="legend">%s</text>`, x, y-10, statusColors[st], x+16, y, label)
		x += 24 + 7*len(label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (h htmlPack) Sorted(a finding.Assessment) []finding.ControlResult { return sortedControls(a) }

// htmlList is one cut list of resource ids.
type htmlList struct {
	Result finding.Result
	Type   string
	Items  []htmlItem
	More   int
	Total  int
}

type htmlItem struct {
	ID, Message string
	Waiver      *finding.Waiver
}

// Lists returns a check's resource lists, failures first, each cut at the pack's limit.
func (h htmlPack) Lists(c finding.CheckResult) []htmlList {
	byRes := findingsByResource(c)
	var out []htmlList
	for _, o := range outcomes(c.Population) {
		l := htmlList{Result: o.result, Type: c.Population.Type, Total: len(o.ids)}
		n := min(len(o.ids), h.limit())
		for _, id := range o.ids[:n] {
			it := htmlItem{ID: id}
			if f, ok := byRes[id]; ok && o.result != finding.Pass {
				it.Message, it.Waiver = f.Message, f.Waiver
			}
			l.Items = append(l.Items, it)
		}
		l.More = len(o.ids) - n
		out = append(out, l)
	}
	return out
}

// Unlocated returns a check's findings that are about no listed resource (a policy file line, the
// whole tailnet), cut at the pack's limit.
func (h htmlPack) Unlocated(c finding.CheckResult) []finding.Finding {
	var out []finding.Finding
	for _, f := range c.Findings {
		if f.Resource == nil && len(out) < h.limit() {
			out = append(out, f)
		}
	}
	return out
}

// Waivers returns the waivers in force on a control's findings, one per waiver source.
func (h htmlPack) Waivers(c finding.ControlResult) []*finding.Waiver {
	seen := map[string]bool{}
	var out []*finding.Waiver
	for _, ch := range c.Checks {
		for _, f := range ch.Findings {
			if w := f.Waiver; w != nil && !w.Expired {
				key := w.Source + "\x00" + w.Reason
				if !seen[key] {
					seen[key] = true
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// Completeness returns how a control's populations are shown to be complete, each distinct text
// once (the catalogue gives one text for most checks).
func (h htmlPack) Completeness(c finding.ControlResult) string {
	var texts []string
	for _, ch := range c.Checks {
		if p := ch.Population; p != nil && p.Completeness != "" && !slices.Contains(texts, p.Completeness) {
			texts = append(texts, p.Completeness)
		}
	}
	return strings.Join(texts, " ")
}

func (h htmlPack) Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %s", n, nounPlural(noun))
}

var packTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "unknown"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"day":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"lastDay": lastDay,
	"label":   statusLabel,
	"counts":  statusCounts,
	"anchor":  func(fw, id string) string { return fw + "-" + oscalToken(id) },
	"short": func(s string) string {
		if len(s) > 16 {
			return s[:16]
		}
		return s
	},
}).Parse(packHTML))

// lastDay is the last day a period ending at to (exclusive) includes.
func lastDay(to time.Time) string {
	return to.UTC().Add(-time.Nanosecond).Format("2006-01-02")
}
