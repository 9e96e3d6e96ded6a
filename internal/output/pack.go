package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tailaudit/tailaudit/engine/finding"
)

// Pack is what the evidence pack's renderers read: the per-control assessment and how it was made.
type Pack struct {
	Report     *finding.AssessmentReport
	RuleBundle string   // the loaded rules' bundle hash (engine.BundleHash)
	Command    []string // the command line that wrote the pack
	// ListLimit is the most resource ids report.html and report.md list per check and outcome; the
	// rest are counted, and controls.csv has every one. Zero means DefaultListLimit.
	ListLimit int
}

// DefaultListLimit keeps a report of a 50,000-device tailnet to a few megabytes.
const DefaultListLimit = 100

func (p *Pack) limit() int {
	if p.ListLimit > 0 {
		return p.ListLimit
	}
	return DefaultListLimit
}

// PackFile is one file of an evidence pack and the renderer that writes it.
type PackFile struct {
	Name   string
	Render func(w io.Writer, p *Pack) error
}

// PackFiles lists the rendered files of an evidence pack, in the order they are written: the HTML
// report, the Markdown report, the per-resource CSV, the JSON model and the OSCAL assessment results.
func PackFiles() []PackFile {
	return []PackFile{
		{"report.html", RenderPackHTML},
		{"report.md", RenderPackMarkdown},
		{"controls.csv", RenderPackCSV},
		{"report.json", RenderPackJSON},
		{"assessment-results.json", RenderPackOSCAL},
	}
}

// outcome is one list of a population: the resources with one result.
type outcome struct {
	result finding.Result
	ids    []string
}

// outcomes returns p's lists, failures first, leaving out empty ones.
func outcomes(p *finding.Population) []outcome {
	if p == nil {
		return nil
	}
	all := []outcome{{finding.Fail, p.Failed}, {finding.Error, p.Errored}, {finding.Waived, p.Waived},
		{finding.Warn, p.Warned}, {finding.Manual, p.Manual}, {finding.Pass, p.Passed}}
	return slices.DeleteFunc(all, func(o outcome) bool { return len(o.ids) == 0 })
}

// findingsByResource indexes a check's findings by the id (or name) of the resource they are about.
func findingsByResource(c finding.CheckResult) map[string]finding.Finding {
	m := map[string]finding.Finding{}
	for _, f := range c.Findings {
		if f.Resource == nil {
			continue
		}
		for _, k := range []string{f.Resource.ID, f.Resource.Name} {
			if _, ok := m[k]; k != "" && !ok {
				m[k] = f
			}
		}
	}
	return m
}

// statusCounts renders a framework summary as "3 fail, 10 pass".
func statusCounts(s finding.AssessmentSummary) string {
	var parts []string
	for _, st := range finding.ControlStatuses {
		if n := s.Status[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, statusLabel(st)))
		}
	}
	return strings.Join(parts, ", ")
}

// statusLabel is how reports spell a status for people.
func statusLabel(s finding.ControlStatus) string {
	return strings.ReplaceAll(string(s), "_", " ")
}

// families returns the families of a framework's controls in the order they first appear, with the
// controls of each by status.
func families(a finding.Assessment) ([]string, map[string]map[finding.ControlStatus]int) {
	var order []string
	counts := map[string]map[finding.ControlStatus]int{}
	for _, c := range a.Controls {
		fam := c.Family
		if fam == "" {
			fam = "other"
		}
		if counts[fam] == nil {
			counts[fam] = map[finding.ControlStatus]int{}
			order = append(order, fam)
		}
		counts[fam][c.Status]++
	}
	return order, counts
}

// sortedControls returns a's controls worst first, keeping catalogue order within a status.
func sortedControls(a finding.Assessment) []finding.ControlResult {
	out := slices.Clone(a.Controls)
	slices.SortStableFunc(out, func(x, y finding.ControlResult) int {
		return slices.Index(finding.ControlStatuses, x.Status) - slices.Index(finding.ControlStatuses, y.Status)
	})
	return out
}

// nounPlural is the plural of a population's item type: devices, users, policies.
func nounPlural(noun string) string {
	switch {
	case noun == "":
		return "items"
	case strings.HasSuffix(noun, "y"):
		return strings.TrimSuffix(noun, "y") + "ies"
	case strings.HasSuffix(noun, "s"):
		return noun
	}
	return noun + "s"
}
